"""The one entry point for recommendations: blend strategies per slot, then apply business rules.

Business rules for every slot: never out of stock or hidden, never the product(s) on the page,
never what the visitor already bought (except from ``buy_again``), merchandising pins / boosts /
burials from admin, and category diversity by MMR with a tunable lambda. Everything here reads
prepared data (events, refreshed tables, stored vectors); no model runs.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.signals import setting_changed
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from ..conf import ecom_ai_settings, import_backend
from ..core.ranking import blend, mmr
from ..models import IndexedProduct, MerchandisingRule
from ..runtime import tuning
from .attribution import make_token
from .strategies import RecContext, Strategy

logger = logging.getLogger(__name__)

SLOTS = ("for_you", "similar", "bought_together", "trending", "recently_viewed", "buy_again")
_RULES_TTL = 30.0


@dataclass(frozen=True)
class Recommendation:
    """One recommended product as a widget shows it, with why and who recommended it."""

    product_ref: str
    title: str
    url: str
    price: Decimal | None
    category: str
    brand: str
    score: float
    reason: str
    strategy: str
    slot: str
    token: str


@functools.cache
def get_strategy(name: str) -> Strategy:
    """The strategy backend named ``name`` in ``ECOM_AI["RECOMMENDERS"]`` (one instance per process)."""
    spec = ecom_ai_settings.RECOMMENDERS.get(name)
    if spec is None:
        raise ValueError(
            f"unknown recommendation strategy {name!r}; known: {sorted(ecom_ai_settings.RECOMMENDERS)}"
        )
    return import_backend({"BACKEND": spec["BACKEND"], "OPTIONS": {"name": name, **spec.get("OPTIONS", {})}})


_rules_cache: dict[str, Any] = {"at": 0.0, "rules": []}


def _active_rules() -> list[tuple[str, str, str, float]]:
    """Active merchandising rules ``(product_ref, action, slot, weight)``, cached briefly per process."""
    if time.monotonic() - _rules_cache["at"] > _RULES_TTL:
        now = timezone.now()
        _rules_cache["rules"] = list(
            MerchandisingRule.objects.filter(active=True)
            .filter(
                Q(starts_at__isnull=True) | Q(starts_at__lte=now),
                Q(ends_at__isnull=True) | Q(ends_at__gt=now),
            )
            .order_by("created_at")
            .values_list("product_ref", "action", "slot", "weight")
        )
        _rules_cache["at"] = time.monotonic()
    return _rules_cache["rules"]


def clear_caches(**kwargs: Any) -> None:
    from .strategies import Trending

    _rules_cache["at"] = 0.0
    get_strategy.cache_clear()
    Trending.clear()


post_save.connect(clear_caches, sender=MerchandisingRule, dispatch_uid="ecom_ai_rules_saved")
post_delete.connect(clear_caches, sender=MerchandisingRule, dispatch_uid="ecom_ai_rules_deleted")
setting_changed.connect(clear_caches, dispatch_uid="ecom_ai_recs_settings")


def _available(row: dict[str, Any] | None) -> bool:
    return row is not None and row["in_stock"] and row["is_visible"]


def _anchor_refs(product_ref: str | Iterable[str] | None) -> tuple[str, ...]:
    if product_ref is None or product_ref == "":
        return ()
    if isinstance(product_ref, str | int):
        return (str(product_ref),)
    return tuple(dict.fromkeys(str(r) for r in product_ref if r not in (None, "")))


def recommend(
    slot: str,
    *,
    user: Any = None,
    session_key: str | None = None,
    product_ref: str | Iterable[str] | None = None,
    limit: int = 8,
    overrides: dict[str, Any] | None = None,
) -> list[Recommendation]:
    """Recommendations for a slot (``for_you``, ``similar``, ``bought_together``, ``trending``,
    ``recently_viewed``, ``buy_again``).

    ``user`` or ``session_key`` (the anonymous visitor id) identify whose history to use;
    ``product_ref`` is the product on the page (or several, e.g. the cart). ``overrides`` may
    replace any run-time tuning key (``recs_*``) and set ``blend`` ({strategy: weight}),
    ``category`` (trending), ``experiment`` / ``arm`` (carried in the link tokens).
    """
    if slot not in SLOTS:
        raise ValueError(f"unknown recommendation slot {slot!r}; slots are {', '.join(SLOTS)}")
    overrides = dict(overrides or {})
    tune = {**tuning(), **{k: v for k, v in overrides.items() if k in tuning()}}
    if not tune.get(f"recs_enabled_{slot}", True) or limit <= 0:
        return []
    anchors = _anchor_refs(product_ref)
    ctx = RecContext(
        slot=slot,
        user=user,
        session_key=session_key or "",
        anchors=anchors,
        limit=limit,
        tune=tune,
        overrides=overrides,
    )
    weights: dict[str, float] = dict(overrides.get("blend") or tune[f"recs_blend_{slot}"])
    pool = int(tune["recs_candidate_pool"])

    parts, best = [], {}
    for name, weight in weights.items():
        if float(weight) <= 0:
            continue
        found = get_strategy(name).candidates(ctx, pool)
        parts.append((float(weight), {ref: c.score for ref, c in found.items()}))
        top = max((c.score for c in found.values()), default=0.0) or 1.0
        for ref, cand in found.items():
            contribution = float(weight) * cand.score / top
            if contribution > best.get(ref, (0.0, None, None))[0]:
                best[ref] = (contribution, name, cand)
    scores = blend(parts)

    rules = [r for r in _active_rules() if not r[2] or r[2] == slot]
    buried = {ref for ref, action, _, _ in rules if action == MerchandisingRule.Action.BURY}
    boosts = {ref: w for ref, action, _, w in rules if action == MerchandisingRule.Action.BOOST}
    pins = [
        ref for ref, action, _, _ in rules if action == MerchandisingRule.Action.PIN and ref not in buried
    ]
    excluded = set(anchors) | buried
    purchased = ctx.purchased if (user is not None or session_key) else set()

    def passes_rules(ref: str, strategy: str) -> bool:
        return ref not in excluded and (strategy == "buy_again" or ref not in purchased)

    # Rules that need no product row first; then load rows (stock, visibility, category) for the
    # best few candidates only, widening the window if too many of them are unavailable.
    ranked = sorted(
        (
            (ref, s * (1.0 + boosts.get(ref, 0.0)))
            for ref, s in scores.items()
            if passes_rules(ref, best[ref][1])
        ),
        key=lambda item: -item[1],
    )
    pins = [ref for ref in dict.fromkeys(pins) if passes_rules(ref, "pin")]
    rows: dict[str, dict[str, Any]] = {}
    window = max(4 * limit, 24)
    start = 0
    while True:
        page = [ref for ref, _ in ranked[start : start + window]]
        wanted = set(page) | (
            {*pins, *(c.because for _, _, c in best.values() if c.because)} if not start else set()
        )
        rows.update(
            (r["product_ref"], r)
            for r in IndexedProduct.objects.filter(product_ref__in=list(wanted)).values(
                "product_ref", "title", "url", "price", "category", "brand", "in_stock", "is_visible"
            )
        )
        start += window
        available = sum(1 for ref, _ in ranked[:start] if _available(rows.get(ref)))
        if available >= 2 * limit or start >= len(ranked):
            break
        window *= 4
    pinned = [ref for ref in pins if _available(rows.get(ref))][:limit]
    ranked = [(ref, s) for ref, s in ranked[:start] if ref not in pinned and _available(rows.get(ref))]
    lam = float(tune["recs_diversity_lambda"])
    chosen = mmr(ranked[: 4 * limit], lambda ref: rows[ref]["category"], limit - len(pinned), lam)

    experiment, arm = str(overrides.get("experiment", "")), str(overrides.get("arm", ""))
    out: list[Recommendation] = []
    for ref, score in [(ref, float("inf")) for ref in pinned] + chosen:
        row = rows[ref]
        if ref in best and ref not in pinned:
            _, strategy, cand = best[ref]
            because = rows.get(cand.because, {}).get("title", "") if cand.because else ""
            reason = cand.reason.replace("{because}", because or "your recent visits").replace(
                "{category}", row["category"] or "the shop"
            )
        else:
            strategy, reason = "pinned", "Recommended by our team"
        out.append(
            Recommendation(
                product_ref=ref,
                title=row["title"],
                url=row["url"],
                price=row["price"],
                category=row["category"],
                brand=row["brand"],
                score=score,
                reason=reason,
                strategy=strategy,
                slot=slot,
                token=make_token(
                    slot=slot, strategy=strategy, product_ref=ref, experiment=experiment, arm=arm
                ),
            )
        )
    return out
