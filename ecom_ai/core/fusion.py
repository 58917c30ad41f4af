"""Rank fusion: reciprocal rank fusion and weighted score fusion of ranked lists (pure Python)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def reciprocal_rank_fusion(
    lists: Mapping[str, Sequence[str]], weights: Mapping[str, float] | None = None, k: int = 60
) -> dict[str, float]:
    """RRF: each item scores sum over lists of weight / (k + rank), ranks from 1."""
    weights = weights or {}
    scores: dict[str, float] = {}
    for name, items in lists.items():
        w = float(weights.get(name, 1.0))
        for rank, item in enumerate(items, start=1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    return scores


def normalise(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores divided by the maximum (so the best is 1.0); all zeros stay zero."""
    top = max(scores.values(), default=0.0)
    if top <= 0:
        return {key: 0.0 for key in scores}
    return {key: max(0.0, value) / top for key, value in scores.items()}


def weighted_fusion(
    features: Mapping[str, Mapping[str, float]], weights: Mapping[str, float]
) -> dict[str, float]:
    """Linear fusion: sum over features of weight * value (values already on comparable scales)."""
    scores: dict[str, float] = {}
    for name, values in features.items():
        w = float(weights.get(name, 0.0))
        if not w:
            continue
        for item, value in values.items():
            scores[item] = scores.get(item, 0.0) + w * value
    return scores


def ranked(scores: Mapping[str, float]) -> list[str]:
    """Items by descending score, ties broken by key for a stable order."""
    return [item for item, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]
