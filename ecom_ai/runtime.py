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
    # recommendations: slots on/off, strategy blend per slot, business rules, pool sizes
    "recs_enabled_for_you": True,
    "recs_enabled_similar": True,
    "recs_enabled_bought_together": True,
    "recs_enabled_trending": True,
    "recs_enabled_recently_viewed": True,
    "recs_enabled_buy_again": True,
    # for_you falls back to embedding neighbours by itself when co-occurrence knows too little.
    "recs_blend_for_you": {"for_you": 1.0, "trending": 0.02},
    "recs_blend_similar": {"similar": 1.0, "bought_together": 0.1},
    "recs_blend_bought_together": {"bought_together": 1.0},
    "recs_blend_trending": {"trending": 1.0},
    "recs_blend_recently_viewed": {"recently_viewed": 1.0},
    "recs_blend_buy_again": {"buy_again": 1.0},
    "recs_diversity_lambda": 0.8,  # MMR over categories: 1 = pure relevance, lower = more variety
    "recs_candidate_pool": 100,  # candidates each strategy returns before the business rules
    "recs_history_size": 30,  # recent events of the visitor that for_you / recently_viewed read
    "recs_history_half_life": 3.0,  # for_you: recency half-life in history steps
    "recs_history_days": 180,  # events older than this are ignored by the refresh
    "recs_pair_window": 5,  # co-occurrence counted within this many steps of an actor's history
    "recs_pair_events_per_actor": 200,
    "recs_pair_top_k": 100,  # neighbours kept per product (by cosine-normalised co-occurrence)
    "recs_popularity_damping": 0.3,  # candidate score divided by (pop(seed) * pop(candidate)) ** damping
    "recs_trending_half_life_hours": 72.0,
    "recs_buy_again_min_buyers": 3,
    "recs_buy_again_repeat_share": 0.2,
    "recs_exact_scan": False,  # vector neighbours by exact scan instead of the HNSW index (benchmarks)
}


def tuning() -> dict[str, Any]:
    """The current run-time settings (defaults until the admin singleton overrides them)."""
    return dict(DEFAULTS)
