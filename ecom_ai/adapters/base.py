"""DefaultShopAdapter works from field mappings in ``ECOM_AI``; hosts subclass it for the rest."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import import_string

from ..conf import ecom_ai_settings
from ..core.documents import ProductDocument, clean_text, default_document_text


@dataclass(frozen=True)
class OrderInfo:
    """An order as ecom_ai shows it to its owner (chat, order tracking)."""

    number: str
    status: str
    status_label: str
    total: Decimal
    created_at: Any
    email: str
    lines: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    can_cancel: bool = False
    can_return: bool = False


class DefaultShopAdapter:
    """Maps a host product model onto product documents using ``ECOM_AI["PRODUCT_FIELDS"]``.

    Override any method in a subclass and name it in ``ECOM_AI["SHOP_ADAPTER"]``. Order and cart
    methods have no generic implementation: a shop that wants order tracking or add-to-cart from
    the chat implements them.
    """

    # --- products -------------------------------------------------------------------------
    def get_product_model(self) -> type[models.Model]:
        """The host's product model."""
        label = ecom_ai_settings.PRODUCT_MODEL
        if not label:
            raise ImproperlyConfigured(
                "ECOM_AI['PRODUCT_MODEL'] is not set; set it (e.g. 'catalog.Product') or override "
                "get_product_model() in your shop adapter."
            )
        return apps.get_model(label)

    def get_product_queryset(self) -> models.QuerySet:
        """All products ecom_ai may index (including hidden ones, which are indexed as hidden)."""
        return self.get_product_model()._default_manager.all()

    def product_ref(self, product: models.Model) -> str:
        """The stable reference ecom_ai stores for a product (its primary key as text)."""
        return str(product.pk)

    def get_products(self, refs: Iterable[str]) -> dict[str, models.Model]:
        """Load products by reference; unknown references are simply absent."""
        pks = [r for r in refs if r]
        model = self.get_product_model()
        if not pks:
            return {}
        try:
            found = self.get_product_queryset().in_bulk([model._meta.pk.to_python(p) for p in pks])
        except Exception:  # a malformed ref (e.g. text for an integer key) matches nothing
            found = {}
            for p in pks:
                try:
                    obj = self.get_product_queryset().filter(pk=model._meta.pk.to_python(p)).first()
                except Exception:
                    obj = None
                if obj is not None:
                    found[obj.pk] = obj
        return {self.product_ref(p): p for p in found.values()}

    def iter_product_refs(self, chunk_size: int = 2000) -> Iterator[str]:
        """Every product reference, for sweeps and full re-indexing."""
        for pk in self.get_product_queryset().values_list("pk", flat=True).iterator(chunk_size=chunk_size):
            yield str(pk)

    def _field(self, product: models.Model, name: str, default: Any = "") -> Any:
        path = ecom_ai_settings.PRODUCT_FIELDS.get(name)
        if not path:
            return default
        value: Any = product
        for part in path.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return default
        return value() if callable(value) else value

    def product_document(self, product: models.Model) -> ProductDocument:
        """Flatten a host product into the document that is indexed and filtered on."""
        stock = self._field(product, "stock", None)
        price = self._field(product, "price", None)
        attributes = self._field(product, "attributes", {}) or {}
        return ProductDocument(
            ref=self.product_ref(product),
            title=clean_text(str(self._field(product, "title", "")), 500),
            description=clean_text(str(self._field(product, "description", "")), 20000),
            brand=clean_text(str(self._field(product, "brand", "")), 200),
            category=clean_text(str(self._field(product, "category", "")), 200),
            price=Decimal(price) if price is not None else None,
            in_stock=True if stock is None else int(stock) > 0,
            is_visible=bool(self._field(product, "is_visible", True)),
            attributes={str(k): clean_text(str(v), 200) for k, v in dict(attributes).items()},
            url=self.product_url(product),
        )

    def product_text(self, document: ProductDocument) -> str:
        """The text that is embedded for a product. Override to change what the model reads."""
        return default_document_text(document)

    def product_url(self, product: models.Model) -> str:
        get_url = getattr(product, "get_absolute_url", None)
        return get_url() if callable(get_url) else ""

    def product_image_url(self, product: models.Model) -> str:
        return ""

    def is_consumable(self, product: models.Model) -> bool:
        """Whether customers buy this product again and again (coffee, toner): enables "buy again".

        Default: the ``consumable`` entry of ``PRODUCT_FIELDS`` (False when unmapped or missing)."""
        return bool(self._field(product, "consumable", False))

    # --- orders (implemented by the host) --------------------------------------------------
    def orders_for_user(self, user: Any, limit: int = 10) -> list[OrderInfo]:
        """The signed-in customer's own orders, newest first."""
        return []

    def find_order(self, number: str, *, user: Any = None, email: str | None = None) -> OrderInfo | None:
        """One order, only if it belongs to ``user`` or, for a guest, matches ``email``."""
        return None

    def request_cancellation(self, number: str, *, user: Any = None, email: str | None = None) -> OrderInfo:
        raise NotImplementedError("this shop does not support cancelling orders from ecom_ai")

    def request_return(self, number: str, *, user: Any = None, email: str | None = None) -> OrderInfo:
        raise NotImplementedError("this shop does not support return requests from ecom_ai")

    def purchased_product_refs(self, user: Any) -> set[str]:
        """Products the user has bought (used to avoid recommending them again)."""
        return set()

    # --- cart --------------------------------------------------------------------------------
    def add_to_cart(self, request: Any, ref: str, quantity: int = 1) -> bool:
        """Put a product in the visitor's cart; returns False if the shop cannot."""
        return False


@functools.cache
def _adapter_for(path: str) -> DefaultShopAdapter:
    adapter = import_string(path)()
    if not isinstance(adapter, DefaultShopAdapter):
        raise ImproperlyConfigured(f"{path} must subclass ecom_ai.adapters.DefaultShopAdapter")
    return adapter


def get_shop_adapter() -> DefaultShopAdapter:
    """The adapter named in ``ECOM_AI["SHOP_ADAPTER"]`` (one instance per process)."""
    return _adapter_for(ecom_ai_settings.SHOP_ADAPTER)
