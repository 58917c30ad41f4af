"""The one entry point for recommendations: blend strategies per slot, then apply business rules.

Business rules for every slot: never out of stock or hidden, never the product(s) on the page,
never what the visitor already bought (except from ``buy_again``), merchandising pins / boosts /
burials from admin, and category diversity by MMR with a tunable lambda. Everything here reads
prepared data (events, refreshed tables, neighbour lists); no model runs. The blended candidates
of a slot are cached (``recs_cache``) until the visitor's next event or the next refresh; the
business rules run on every call, on fresh product rows.
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
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from ..conf import ecom_ai_settings, import_backend
from ..core.ranking import blend, mmr
from ..models import IndexedProduct, MerchandisingRule
from ..runtime import tuning
from .attribution import make_token
from .recs_cache import PreparedLists, digest, visitor_of
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

    @property
    def click_url(self) -> str:
        """The attributed link: the click redirect carrying this item's token (no URL reversing
        per item while a widget renders)."""
        return _click_prefix(get_script_prefix()) + self.token + "/"


@functools.lru_cache(maxsize=16)
def _click_prefix(script_prefix: str) -> str:
    url = reverse("ecom_ai:rec_click", args=["-"])
    return url[: -len("-/")]


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
    _token.cache_clear()
    _click_prefix.cache_clear()
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


# A prepared candidate: (product_ref, blended score, strategy, reason template, because-ref).
Prepared = tuple[str, float, str, str, str]


def _blend_candidates(ctx: RecContext, weights: dict[str, float], pool: int) -> list[Prepared]:
    """Ask each strategy of the blend and merge: best first, each with its strongest strategy."""
    parts, best = [], {}
    for name, weight in weights.items():
        if float(weight) <= 0:
            continue
        found = get_strategy(name).candidates(ctx, pool)
        parts.append((float(weight), {ref: c.score for ref, c in found.items()}))
        top = max((c.score for c in found.values()), default=0.0) or 1.0
        for ref, cand in found.items():
            contribution = float(weight) * cand.score / top
            # Every candidate gets an entry, a zero score too: blend() keeps it, so it must have a strategy.
            if ref not in best or contribution > best[ref][0]:
                best[ref] = (contribution, name, cand)
    scores = blend(parts)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    return [(ref, s, best[ref][1], best[ref][2].reason, best[ref][2].because) for ref, s in ranked]


def _rows(refs: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Fresh display and availability fields of products (one indexed query)."""
    return {
        r["product_ref"]: r
        for r in IndexedProduct.objects.filter(product_ref__in=list(refs)).values(
            "product_ref", "title", "url", "price", "category", "brand", "in_stock", "is_visible"
        )
    }


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

    The blended candidates come from the prepared-list cache (``services.recs_cache``) when the
    visitor's history and the prepared tables are unchanged; the business rules below always run
    on fresh product rows, so stock, visibility, purchases and pins apply at once.
    """
    if slot not in SLOTS:
        raise ValueError(f"unknown recommendation slot {slot!r}; slots are {', '.join(SLOTS)}")
    overrides = dict(overrides or {})
    tune = tuning()
    tune.update((k, v) for k, v in overrides.items() if k in tune)
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
    candidates, purchased = _prepared(ctx)
    return _apply_rules(slot, candidates, anchors, purchased, limit, tune, overrides)


def _prepared(ctx: RecContext) -> tuple[list[Prepared], set[str]]:
    """The slot's blended candidates and the visitor's purchases: from the cache while still valid,
    else computed (and cached)."""
    tune = ctx.tune
    weights: dict[str, float] = dict(ctx.overrides.get("blend") or tune[f"recs_blend_{ctx.slot}"])
    who = visitor_of(ctx.user, ctx.session_key)
    personal = any(get_strategy(name).personal(ctx) for name, w in weights.items() if float(w) > 0)
    prepared = PreparedLists(
        who,
        personal,
        digest(ctx.slot, ctx.anchors, ctx.limit, tune, ctx.overrides),
        float(tune.get("recs_cache_seconds", 0)),
    )
    candidates, purchased = prepared.fetch(wants_purchases=bool(who))
    if purchased is not None:
        ctx.__dict__["purchased"] = purchased  # the cached_property, already known
    computed = candidates is None
    if computed:
        candidates = _blend_candidates(ctx, weights, int(tune["recs_candidate_pool"]))
    if who:
        fresh_purchases = purchased is None
        purchased = ctx.purchased
    else:
        fresh_purchases, purchased = False, set()
    prepared.store(
        candidates=candidates if computed else None, purchased=purchased if fresh_purchases else None
    )
    return candidates, purchased


def prepare(
    slot: str,
    *,
    user: Any = None,
    session_key: str = "",
    limit: int = 8,
    overrides: dict[str, Any] | None = None,
) -> int:
    """Compute and cache a slot's candidates for a visitor ahead of their next page (what the
    periodic refresh does for recently active visitors); returns the number of candidates."""
    overrides = dict(overrides or {})
    tune = tuning()
    tune.update((k, v) for k, v in overrides.items() if k in tune)
    if not tune.get(f"recs_enabled_{slot}", True):
        return 0
    ctx = RecContext(
        slot=slot, user=user, session_key=session_key, limit=limit, tune=tune, overrides=overrides
    )
    return len(_prepared(ctx)[0])


def _apply_rules(
    slot: str,
    candidates: list[Prepared],
    anchors: tuple[str, ...],
    purchased: set[str],
    limit: int,
    tune: dict[str, Any],
    overrides: dict[str, Any],
) -> list[Recommendation]:
    """Business rules on prepared candidates: page products, purchases, stock and visibility (fresh
    rows), merchandising pins / boosts / burials, then MMR diversity; the widget's items."""
    rules = [r for r in _active_rules() if not r[2] or r[2] == slot]
    buried = {ref for ref, action, _, _ in rules if action == MerchandisingRule.Action.BURY}
    boosts = {ref: w for ref, action, _, w in rules if action == MerchandisingRule.Action.BOOST}
    pins = [ref for ref, action, _, _ in rules if action == MerchandisingRule.Action.PIN and ref not in buried]
    excluded = set(anchors) | buried

    def passes_rules(ref: str, strategy: str) -> bool:
        return ref not in excluded and (strategy == "buy_again" or ref not in purchased)

    # Rules that need no product row first; then load rows (stock, visibility, category) for the
    # best few candidates only, widening the window if too many of them are unavailable.
    info = {c[0]: c for c in candidates}
    ranked = [(c[0], c[1]) for c in candidates if passes_rules(c[0], c[2])]
    if boosts:
        ranked = sorted(((ref, s * (1.0 + boosts.get(ref, 0.0))) for ref, s in ranked), key=lambda i: -i[1])
    pins = [ref for ref in dict.fromkeys(pins) if passes_rules(ref, "pin")]
    rows: dict[str, dict[str, Any]] = {}
    window = max(4 * limit, 24)
    start = 0
    while True:
        page = [ref for ref, _ in ranked[start : start + window]]
        wanted = set(page)
        if not start:
            wanted |= set(pins) | {info[ref][4] for ref in page if info[ref][4]}
        rows.update(_rows(wanted - rows.keys()))
        start += window
        available = sum(1 for ref, _ in ranked[:start] if _available(rows.get(ref)))
        if available >= 2 * limit or start >= len(ranked):
            break
        window *= 4
    missing_because = {info[ref][4] for ref, _ in ranked[:start] if info[ref][4]} - rows.keys()
    if missing_because:
        rows.update(_rows(missing_because))
    pinned = [ref for ref in pins if _available(rows.get(ref))][:limit]
    ranked = [(ref, s) for ref, s in ranked[:start] if ref not in pinned and _available(rows.get(ref))]
    lam = float(tune["recs_diversity_lambda"])
    chosen = mmr(ranked[: 4 * limit], lambda ref: rows[ref]["category"], limit - len(pinned), lam)

    experiment, arm = str(overrides.get("experiment", "")), str(overrides.get("arm", ""))
    out: list[Recommendation] = []
    for ref, score in [(ref, float("inf")) for ref in pinned] + chosen:
        row = rows[ref]
        if ref in info and ref not in pinned:
            _, _, strategy, template, because_ref = info[ref]
            because = rows.get(because_ref, {}).get("title", "") if because_ref else ""
            reason = template.replace("{because}", because or "your recent visits").replace(
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
                token=_token(slot, strategy, ref, experiment, arm),
            )
        )
    return out


@functools.lru_cache(maxsize=50_000)
def _token(slot: str, strategy: str, ref: str, experiment: str, arm: str) -> str:
    """Tokens are deterministic (no timestamp), so each is signed once per process."""
    return make_token(slot=slot, strategy=strategy, product_ref=ref, experiment=experiment, arm=arm)
