"""Pure ranking helpers for recommendations: blending, MMR diversity, decay, and offline metrics."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence


def recency_weights(count: int, half_life: float) -> list[float]:
    """Weights for a history of ``count`` items, newest last: the newest weighs 1, halving every
    ``half_life`` steps back."""
    if count <= 0:
        return []
    half_life = max(half_life, 1e-6)
    return [0.5 ** ((count - 1 - i) / half_life) for i in range(count)]


def normalise(scores: Mapping[str, float]) -> dict[str, float]:
    """Scale scores into [0, 1] by the maximum (so strategies can be blended with weights)."""
    top = max(scores.values(), default=0.0)
    if top <= 0:
        return {k: 0.0 for k in scores}
    return {k: v / top for k, v in scores.items()}


def blend(parts: Iterable[tuple[float, Mapping[str, float]]]) -> dict[str, float]:
    """Weighted sum of max-normalised score maps."""
    out: dict[str, float] = {}
    for weight, scores in parts:
        if weight == 0:
            continue
        for key, value in normalise(scores).items():
            out[key] = out.get(key, 0.0) + weight * value
    return out


def mmr(
    candidates: Sequence[tuple[str, float]], group_of: Callable[[str], str], k: int, lam: float
) -> list[tuple[str, float]]:
    """Maximal marginal relevance over categories: repeatedly pick the candidate maximising
    ``lam * relevance - (1 - lam) * share`` where ``share`` is the fraction of already chosen items
    in its group. ``lam=1`` keeps the relevance order; lower values spread groups.

    Relevance is max-normalised first, so ``lam`` means the same for every strategy."""
    if not candidates:
        return []
    if lam >= 1.0:
        return list(candidates[:k])
    top = max(score for _, score in candidates) or 1.0
    remaining = list(candidates)
    chosen: list[tuple[str, float]] = []
    counts: dict[str, int] = {}
    while remaining and len(chosen) < k:
        best_index, best_value = 0, -math.inf
        for index, (ref, score) in enumerate(remaining):
            share = counts.get(group_of(ref), 0) / (len(chosen) or 1)
            value = lam * (score / top) - (1.0 - lam) * share
            if value > best_value:
                best_index, best_value = index, value
        ref, score = remaining.pop(best_index)
        chosen.append((ref, score))
        group = group_of(ref)
        counts[group] = counts.get(group, 0) + 1
    return chosen


def recall_at(ranked: Sequence[str], target: str, k: int) -> float:
    """1 if the held-out item is in the top ``k``."""
    return 1.0 if target in ranked[:k] else 0.0


def ndcg_at(ranked: Sequence[str], target: str, k: int) -> float:
    """NDCG with one relevant item: 1/log2(rank + 1) if it is in the top ``k``."""
    for rank, ref in enumerate(ranked[:k], start=1):
        if ref == target:
            return 1.0 / math.log2(rank + 1)
    return 0.0
