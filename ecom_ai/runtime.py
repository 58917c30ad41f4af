"""Run-time tuning: values staff change in admin without a deploy.

``tuning()`` returns DEFAULTS overlaid with the admin singleton (when that model exists), cached
per request. Each feature reads its keys from here; never dotted paths or secrets.
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # search
    "search_fusion": "rrf",
    "search_rrf_k": 60,
    "search_weight_fts": 1.0,
    "search_weight_vector": 1.0,
    "search_weight_trigram": 0.5,
    "search_candidates": 100,
    "ef_search": 100,
    # chat
    "chat_enabled": True,
    "chat_greeting": "Hi! I can help you find products, track an order, or answer questions "
    "about our policies.",
    "chat_rate_connection_count": 8,  # messages per connection per window
    "chat_rate_connection_window": 10,  # seconds
    "chat_rate_client_count": 40,  # messages per user (or IP for guests) per window, all tabs together
    "chat_rate_client_window": 60,
    "chat_intent_min_confidence": 0.35,  # below this the agent searches products and articles instead
    "chat_kb_min_score": 0.35,  # cosine similarity an article section needs to be cited
    "chat_product_results": 4,
}


def tuning() -> dict[str, Any]:
    """The current run-time settings (defaults until the admin singleton overrides them)."""
    return dict(DEFAULTS)
