"""Recommendation strategies: each turns a request context into scored candidates with a reason.

Strategies read only prepared data: events, the ``ItemPair`` / ``ItemStat`` / ``ItemNeighbours``
tables refreshed by Celery tasks (pgvector only for a product whose neighbour list is not ready).
None of them runs the encoder, so they are safe to call while a page renders. Each is a backend
named in ``ECOM_AI["RECOMMENDERS"]``.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ..core.ranking import recency_weights
from ..models import Event, IndexedProduct, ItemPair, ItemStat

HISTORY_KINDS = ("view", "add_to_cart", "purchase", "search_click", "rec_click")
VERBS = {
    "view": "viewed",
    "search_click": "viewed",
    "rec_click": "viewed",
    "add_to_cart": "added",
    "purchase": "bought",
}
# A later interaction with a product counts more the stronger its kind (bought > carted > viewed).
KIND_STRENGTH = {"view": 1.0, "search_click": 1.0, "rec_click": 1.0, "add_to_cart": 1.5, "purchase": 1.5}


@dataclass(frozen=True)
class HistoryItem:
    product_ref: str
    kind: str
    created_at: Any


@dataclass
class Candidate:
    """A scored candidate; ``reason`` may name ``{because}`` (a product title) or ``{category}``."""

    score: float
    reason: str = ""
    because: str = ""


@dataclass
class RecContext:
    """Everything a strategy may look at for one request."""

    slot: str
    user: Any = None
    session_key: str = ""
    anchors: tuple[str, ...] = ()
    limit: int = 8
    tune: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def history(self) -> list[HistoryItem]:
        """The visitor's recent product interactions, newest first, one entry per product."""
        if self.user is not None and getattr(self.user, "is_authenticated", False):
            qs = Event.objects.filter(user=self.user)
        elif self.session_key:
            qs = Event.objects.filter(session_key=self.session_key, user__isnull=True)
        else:
            return []
        size = int(self.tune.get("recs_history_size", 30))
        rows = (
            qs.filter(kind__in=HISTORY_KINDS)
            .exclude(product_ref="")
            .order_by("-created_at", "-id")
            .values_list("product_ref", "kind", "created_at")[: size * 3]
        )
        seen: set[str] = set()
        out: list[HistoryItem] = []
        for ref, kind, created in rows:
            if ref not in seen:
                seen.add(ref)
                out.append(HistoryItem(ref, kind, created))
                if len(out) >= size:
                    break
        return out

    @cached_property
    def purchased(self) -> set[str]:
        """Products this visitor bought (events, plus the shop's own orders for a signed-in user)."""
        if self.user is not None and getattr(self.user, "is_authenticated", False):
            from ..adapters import get_shop_adapter

            refs = set(get_shop_adapter().purchased_product_refs(self.user))
            events = Event.objects.filter(user=self.user, kind="purchase")
        elif self.session_key:
            refs, events = (
                set(),
                Event.objects.filter(session_key=self.session_key, user__isnull=True, kind="purchase"),
            )
        else:
            return set()
        return refs | set(events.values_list("product_ref", flat=True)[:5000])

    def weighted_history(self, count: int | None = None) -> list[tuple[HistoryItem, float]]:
        """Newest ``count`` history items with recency x kind weights (newest weighs most)."""
        items = self.history[: count or len(self.history)]
        weights = recency_weights(len(items), float(self.tune.get("recs_history_half_life", 3.0)))[::-1]
        return [(h, w * KIND_STRENGTH.get(h.kind, 1.0)) for h, w in zip(items, weights, strict=True)]


class Strategy:
    """Base class: ``candidates(ctx, k)`` returns up to ``k`` product refs with scores and reasons."""

    def __init__(self, name: str = "", **options: Any) -> None:
        self.name = name
        self.options = options

    def candidates(self, ctx: RecContext, k: int) -> dict[str, Candidate]:
        raise NotImplementedError

    def personal(self, ctx: RecContext) -> bool:
        """Whether the candidates depend on the visitor (their history); shared lists are cached once
        for everyone. True unless a strategy knows better: a custom backend is assumed personal."""
        return True


class SimilarProducts(Strategy):
    """Embedding neighbours of the page's product(s), or of the visitor's recent history.

    Reads the prepared neighbour lists (``ItemNeighbours``): a candidate scores the weighted mean of
    its similarity to each seed, which ranks like the cosine to the weighted sum of the seeds'
    vectors. Only when a seed has no list yet (a product embedded moments ago) does it ask pgvector.
    """

    def personal(self, ctx: RecContext) -> bool:
        return not ctx.anchors

    def candidates(self, ctx: RecContext, k: int) -> dict[str, Candidate]:
        from .indexing import current_model_key
        from .recs_neighbours import neighbours_of

        if ctx.anchors:
            seeds = [(ref, 1.0) for ref in ctx.anchors]
            reason = "Similar to {because}"
        else:
            seeds = [(h.product_ref, w) for h, w in ctx.weighted_history(10)]
            reason = "Because you viewed {because}"
        if not seeds:
            return {}
        model_key = current_model_key()
        exclude = set(ctx.anchors) if ctx.anchors else {h.product_ref for h in ctx.history}
        prepared = {} if ctx.tune.get("recs_exact_scan") else neighbours_of([r for r, _ in seeds], model_key)
        if not prepared or any(ref not in prepared for ref, _ in seeds):
            return self._live(ctx, k, seeds, reason, exclude, model_key)
        total = sum(w for _, w in seeds) or 1.0
        scores: dict[str, float] = defaultdict(float)
        for ref, weight in seeds:
            for other, sim in prepared[ref]:
                if other not in exclude:
                    scores[other] += weight * sim / total
        because = max(seeds, key=lambda item: item[1])[0]
        top = sorted(scores.items(), key=lambda item: -item[1])[:k]
        return {ref: Candidate(max(0.0, s), reason, because) for ref, s in top}

    @staticmethod
    def _live(
        ctx: RecContext, k: int, seeds: list[tuple[str, float]], reason: str, exclude: set[str], model_key: str
    ) -> dict[str, Candidate]:
        """The same neighbours straight from pgvector (HNSW, or exact with ``recs_exact_scan``)."""
        from .vectors import VectorFilters, nearest

        rows = dict(
            IndexedProduct.objects.fresh(model_key)
            .filter(product_ref__in=[r for r, _ in seeds])
            .values_list("product_ref", "embedding")
        )
        vectors = [(ref, w, np.asarray(rows[ref], dtype=np.float32)) for ref, w in seeds if ref in rows]
        if not vectors:
            return {}
        query = sum(w * v / (np.linalg.norm(v) or 1.0) for _, w, v in vectors)
        hits = nearest(
            np.asarray(query, dtype=np.float32),
            model_key,
            k=k,
            filters=VectorFilters(in_stock=True, exclude_refs=tuple(exclude)),
            ef_search=int(ctx.tune.get("ef_search", 100)),
            exact=bool(ctx.tune.get("recs_exact_scan")),
        )
        because = max(vectors, key=lambda item: item[1])[0]
        return {ref: Candidate(max(0.0, 1.0 - dist), reason, because) for ref, dist in hits}


def _pair_scores(
    seeds: list[tuple[str, float]], columns: dict[str, float], damping: float, k: int
) -> tuple[dict[str, float], dict[str, str]]:
    """Sum over seeds of weight * (weighted pair columns) / (pop(seed) * pop(other)) ** damping."""
    weights = dict(seeds)
    rows = list(
        ItemPair.objects.filter(product_ref__in=list(weights)).values_list(
            "product_ref", "other_ref", "product_actors", "other_actors", *columns
        )
    )
    scores: dict[str, float] = defaultdict(float)
    best: dict[str, tuple[float, str]] = {}
    for seed, other, seed_pop, other_pop, *values in rows:
        raw = sum(w * v for w, v in zip(columns.values(), values, strict=True))
        if raw <= 0:
            continue
        norm = (max(seed_pop, 1.0) * max(other_pop, 1.0)) ** damping if damping else 1.0
        contribution = weights[seed] * raw / norm
        scores[other] += contribution
        if contribution > best.get(other, (0.0, ""))[0]:
            best[other] = (contribution, seed)
    top = dict(sorted(scores.items(), key=lambda item: -item[1])[:k])
    return top, {ref: best[ref][1] for ref in top}


class BoughtTogether(Strategy):
    """Products bought or carted together with the page's product(s) (co-purchase, co-cart)."""

    def personal(self, ctx: RecContext) -> bool:
        return not ctx.anchors

    def candidates(self, ctx: RecContext, k: int) -> dict[str, Candidate]:
        seeds = [(ref, 1.0) for ref in ctx.anchors] or [
            (h.product_ref, w) for h, w in ctx.weighted_history(5) if h.kind in ("add_to_cart", "purchase")
        ]
        if not seeds:
            return {}
        columns = {
            "co_purchase": float(self.options.get("purchase_weight", 1.0)),
            "co_cart": float(self.options.get("cart_weight", 0.5)),
            "co_view": float(self.options.get("view_weight", 0.05)),
        }
        scores, because = _pair_scores(seeds, columns, float(ctx.tune.get("recs_popularity_damping", 0.5)), k)
        return {ref: Candidate(s, "Often bought with {because}", because[ref]) for ref, s in scores.items()}


class ForYou(Strategy):
    """From the visitor's recent history: what followed / accompanied those products in other
    customers' histories (sequence-aware co-occurrence, recency-weighted, popularity-damped).

    When co-occurrence knows too little (new products, a new shop), the embedding neighbours of the
    history fill the list (``embedding_fallback``, on by default): the vector query only runs then.
    """

    def candidates(self, ctx: RecContext, k: int) -> dict[str, Candidate]:
        history = ctx.weighted_history()
        if not history:
            return {}
        seeds = [(h.product_ref, w) for h, w in history]
        columns = {
            "next_weight": float(self.options.get("next_weight", 1.0)),
            "co_view": float(self.options.get("co_view_weight", 0.5)),
        }
        damping = float(self.options.get("damping", ctx.tune.get("recs_popularity_damping", 0.5)))
        scores, because = _pair_scores(seeds, columns, damping, k + len(history))
        kinds = {h.product_ref: h.kind for h, _ in history}
        seen = set(kinds)
        found = {
            ref: Candidate(
                s, f"Because you {VERBS.get(kinds[because[ref]], 'viewed')} {{because}}", because[ref]
            )
            for ref, s in scores.items()
            if ref not in seen
        }
        if self.options.get("embedding_fallback", True) and len(found) < 3 * ctx.limit:
            # Scaled below every co-occurrence candidate: evidence from other customers ranks first.
            low = 0.99 * min((c.score for c in found.values()), default=1.0)
            for ref, cand in SimilarProducts("similar").candidates(ctx, k).items():
                if ref not in found and ref not in seen:
                    found[ref] = Candidate(low * cand.score, cand.reason, cand.because)
        return found


class Trending(Strategy):
    """Time-decayed popularity, overall or within a category (the page's, or ``overrides['category']``).

    The list is the same for every visitor, so it is kept in process for ``cache_seconds`` (default
    30): the table only changes when the periodic refresh runs."""

    _cache: dict[tuple[str, int], tuple[float, list[tuple[str, float]]]] = {}

    def personal(self, ctx: RecContext) -> bool:
        return False

    def candidates(self, ctx: RecContext, k: int) -> dict[str, Candidate]:
        category = ctx.overrides.get("category")
        if category is None and ctx.anchors:
            category = (
                IndexedProduct.objects.filter(product_ref=ctx.anchors[0])
                .values_list("category", flat=True)
                .first()
            )
        key = (category or "", k)
        ttl = float(self.options.get("cache_seconds", 30))
        hit = self._cache.get(key)
        if hit is None or time.monotonic() - hit[0] > ttl:
            qs = ItemStat.objects.filter(trend_score__gt=0)
            if category:
                refs = IndexedProduct.objects.filter(category=category, in_stock=True, is_visible=True)
                qs = qs.filter(product_ref__in=refs.values("product_ref"))
            hit = (
                time.monotonic(),
                list(qs.order_by("-trend_score").values_list("product_ref", "trend_score")[:k]),
            )
            self._cache[key] = hit
        return {ref: Candidate(score, "Trending in {category}") for ref, score in hit[1]}

    @classmethod
    def clear(cls) -> None:
        cls._cache.clear()


class RecentlyViewed(Strategy):
    """The visitor's own recently viewed products, newest first."""

    def candidates(self, ctx: RecContext, k: int) -> dict[str, Candidate]:
        items = [h for h in ctx.history if h.kind in ("view", "search_click", "rec_click")][:k]
        return {
            h.product_ref: Candidate(1.0 / (i + 1), "You viewed this recently") for i, h in enumerate(items)
        }


class BuyAgain(Strategy):
    """Consumables the visitor bought before (shop flag or repeat-purchase statistics)."""

    def candidates(self, ctx: RecContext, k: int) -> dict[str, Candidate]:
        bought = list(ctx.purchased)
        if not bought:
            return {}
        consumable = set(
            ItemStat.objects.filter(product_ref__in=bought, consumable=True).values_list(
                "product_ref", flat=True
            )
        )
        order = {h.product_ref: i for i, h in enumerate(ctx.history)}
        ranked = sorted(consumable, key=lambda ref: order.get(ref, math.inf))[:k]
        return {
            ref: Candidate(1.0 / (i + 1), "Time to restock? You bought this before")
            for i, ref in enumerate(ranked)
        }
