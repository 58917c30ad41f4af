"""Follow saves and deletes of the host's products so their index rows and vectors stay fresh.

``ECOM_AI["SIGNAL_PROCESSOR"]``: ``"task"`` queues the product on transaction commit for a
coalesced Celery batch; ``"inline"`` syncs and embeds in the request; ``"none"`` does nothing
(the periodic sweep and ``ecom_ai_embed`` still catch up).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .conf import ecom_ai_settings

logger = logging.getLogger(__name__)

_DISPATCH_UID = "ecom_ai_product_changed"


def _product_changed(sender, instance, **kwargs) -> None:
    processor = ecom_ai_settings.SIGNAL_PROCESSOR
    if processor == "none" or kwargs.get("raw"):
        return
    from .adapters import get_shop_adapter

    ref = get_shop_adapter().product_ref(instance)
    transaction.on_commit(lambda: product_changed([ref]))


def product_changed(refs: list[str]) -> None:
    """Bring the given products' rows and vectors up to date (or schedule it). Never raises."""
    try:
        if ecom_ai_settings.SIGNAL_PROCESSOR == "inline":
            from .services.indexing import embed_products, sync_products
            from .services.recs_neighbours import refresh_neighbours

            result = sync_products(refs)
            if result.stale_refs and embed_products(result.stale_refs).embedded:
                refresh_neighbours(result.stale_refs)
        else:
            from .tasks import schedule_embedding

            schedule_embedding(refs)
    except Exception:  # the host's save must never fail because ecom_ai could not keep up
        logger.exception("could not update ecom_ai index for products %s; the sweep will retry", refs)


def connect_product_signals() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from .adapters import get_shop_adapter

    try:
        model = get_shop_adapter().get_product_model()
    except (ImproperlyConfigured, LookupError, ImportError) as exc:
        logger.warning("ecom_ai: product signals not connected: %s", exc)
        return
    post_save.connect(_product_changed, sender=model, dispatch_uid=_DISPATCH_UID + "_save")
    post_delete.connect(_product_changed, sender=model, dispatch_uid=_DISPATCH_UID + "_delete")
