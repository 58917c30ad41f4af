"""Run-time tuning: values staff change in admin without a deploy.

``tuning()`` returns DEFAULTS overlaid with the admin singleton (when that model exists), cached
per request. Each feature reads its keys from here; never dotted paths or secrets.
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # search
    "search_fusion": "weighted",  # measured better than "rrf" on the dev labels (see evaluation/search.py)
    "search_rrf_k": 60,
    "search_weight_fts": 1.0,
    "search_weight_vector": 1.0,
    "search_weight_trigram": 0.5,
    "search_candidates": 200,
    "ef_search": 100,
    # search (feature fusion and query understanding; see ecom_ai/services/search.py). The weights
    # were fitted by coordinate ascent on the Chorus/Icecat dev labels (ecom_ai_eval search).
    "search_vector_candidates": 100,
    "search_vector_min_similarity": 0.3,
    "search_w_fts": 1.0,
    "search_w_bm25": 2.0,
    "search_w_coverage_all": 0.0,
    "search_w_vector": 0.3,
    "search_w_coverage": 1.0,
    "search_w_phrase": 0.2,
    "search_w_code": 0.5,
    "search_w_intent": 0.0,
    "search_w_category": 0.0,
    "search_brand_words": "filter",  # "filter" or "ignore": brand names found in the query text
    "search_category_words": "boost",  # "filter", "boost": a category named by the query's head noun
    "search_autocomplete_limit": 8,
    "search_rate_limit": "60/min",  # per client (user, else IP); DRF throttle on the Django cache
    "search_suggest_rate_limit": "600/min",
}


def tuning() -> dict[str, Any]:
    """The current run-time settings (defaults until the admin singleton overrides them)."""
    return dict(DEFAULTS)
