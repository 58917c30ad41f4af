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
}


def tuning() -> dict[str, Any]:
    """The current run-time settings (defaults until the admin singleton overrides them)."""
    return dict(DEFAULTS)
