"""Ranking metrics for offline evaluations (pure functions, no Django)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def dcg(gains: Sequence[float], k: int) -> float:
    """Discounted cumulative gain with exponential gains: sum of (2^g - 1) / log2(i + 1), i from 1."""
    return sum((2.0**g - 1.0) / math.log2(i + 2) for i, g in enumerate(gains[:k]))


def ndcg_at_k(ranked: Sequence[str], judgments: Mapping[str, float], k: int = 10) -> float:
    """nDCG@k of a ranking against graded judgments; unjudged items count as gain 0.

    The ideal ranking is all judged items sorted by grade. Returns 0.0 when nothing is relevant.
    """
    ideal = dcg(sorted((g for g in judgments.values() if g > 0), reverse=True), k)
    if ideal <= 0:
        return 0.0
    return dcg([float(judgments.get(item, 0.0)) for item in ranked], k) / ideal


def recall_at_k(
    ranked: Sequence[str], judgments: Mapping[str, float], k: int = 50, threshold: float = 2.0
) -> float:
    """Share of items graded ``>= threshold`` that appear in the top ``k``; 0.0 when there are none."""
    relevant = {item for item, grade in judgments.items() if grade >= threshold}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
