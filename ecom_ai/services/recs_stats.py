"""Refreshing the tables recommendations read: pair co-occurrence and per-product statistics.

Run by the periodic Celery task ``ecom_ai.refresh_recommendations`` (and by ``load_demo`` and the
evaluation). Both refreshes are single SQL statements replacing the table inside one transaction,
so readers see either the old or the new statistics, never a half-written table.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from ..runtime import tuning

logger = logging.getLogger(__name__)

_ACTOR = "COALESCE('u' || user_id::text, 's' || session_key)"
_KINDS = "('view', 'add_to_cart', 'purchase', 'search_click', 'rec_click')"


def refresh_item_pairs(*, days: int | None = None) -> int:
    """Rebuild ``ItemPair`` from the events of the last ``days``; returns the number of pairs."""
    tune = tuning()
    days = int(days or tune["recs_history_days"])
    window = int(tune["recs_pair_window"])
    per_actor = int(tune["recs_pair_events_per_actor"])
    since = timezone.now() - timedelta(days=days)
    sql = f"""
    WITH e AS (
        SELECT {_ACTOR} AS actor, product_ref, kind, created_at,
               row_number() OVER (PARTITION BY {_ACTOR} ORDER BY created_at DESC, id DESC) AS rn
        FROM ecom_ai_event
        WHERE product_ref <> '' AND kind IN {_KINDS} AND created_at >= %(since)s
          AND (user_id IS NOT NULL OR session_key <> '')
    ), r AS (SELECT * FROM e WHERE rn <= %(per_actor)s),
    pop AS (SELECT product_ref, COUNT(DISTINCT actor)::float AS n FROM r GROUP BY product_ref),
    pairs AS (
    SELECT a.product_ref AS p, b.product_ref AS o,
        SUM(CASE WHEN a.kind = 'purchase' AND b.kind = 'purchase'
                 AND abs(extract(epoch FROM a.created_at - b.created_at)) <= 30 * 86400
            THEN 1 ELSE 0 END) AS cp,
        SUM(CASE WHEN a.kind IN ('add_to_cart', 'purchase') AND b.kind IN ('add_to_cart', 'purchase')
                 AND abs(extract(epoch FROM a.created_at - b.created_at)) <= 86400 THEN 1 ELSE 0 END) AS cc,
        SUM(1.0 / abs(a.rn - b.rn)) AS cv,
        SUM(CASE WHEN b.rn < a.rn THEN 1.0 / (a.rn - b.rn) ELSE 0 END) AS nw
    FROM r a JOIN r b ON a.actor = b.actor AND b.rn BETWEEN a.rn - %(window)s AND a.rn + %(window)s
         AND a.product_ref <> b.product_ref
    GROUP BY a.product_ref, b.product_ref
    ), ranked AS (
        SELECT pairs.*, pp.n AS pn, po.n AS onum,
               row_number() OVER (PARTITION BY p ORDER BY (cv + cp + cc) / sqrt(pp.n * po.n) DESC, o) AS rank
        FROM pairs JOIN pop pp ON pp.product_ref = p JOIN pop po ON po.product_ref = o
    )
    INSERT INTO ecom_ai_itempair (product_ref, other_ref, co_purchase, co_cart, co_view, next_weight,
                                  product_actors, other_actors)
    SELECT p, o, cp, cc, cv, nw, pn, onum FROM ranked WHERE rank <= %(top_k)s
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ecom_ai_itempair")
        cursor.execute(
            sql,
            {"since": since, "per_actor": per_actor, "window": window, "top_k": int(tune["recs_pair_top_k"])},
        )
        count = cursor.rowcount
    return count


def refresh_item_stats(*, days: int | None = None) -> int:
    """Rebuild ``ItemStat``: distinct actors, time-decayed trend score, buyers and repeat buyers,
    and the consumable flag (the adapter's flag, or enough customers buying the product again)."""
    from ..adapters import get_shop_adapter
    from ..models import ItemStat

    tune = tuning()
    days = int(days or tune["recs_history_days"])
    half_life = float(tune["recs_trending_half_life_hours"])
    now = timezone.now()
    sql = f"""
    WITH e AS (
        SELECT {_ACTOR} AS actor, product_ref, kind, weight, created_at
        FROM ecom_ai_event
        WHERE product_ref <> '' AND kind IN {_KINDS} AND created_at >= %(since)s
    ), rep AS (
        SELECT product_ref, COUNT(*) AS buyers,
               COUNT(*) FILTER (WHERE purchase_days >= 2) AS repeat_buyers
        FROM (SELECT product_ref, actor, COUNT(DISTINCT date_trunc('day', created_at)) AS purchase_days
              FROM e WHERE kind = 'purchase' GROUP BY product_ref, actor) p
        GROUP BY product_ref
    )
    INSERT INTO ecom_ai_itemstat
        (product_ref, actors, trend_score, buyers, repeat_buyers, consumable, refreshed_at)
    SELECT e.product_ref, COUNT(DISTINCT e.actor),
           SUM(e.weight * exp(-0.6931471805599453 * GREATEST(extract(epoch FROM %(now)s - e.created_at), 0)
                              / 3600.0 / %(half_life)s)),
           COALESCE(MAX(rep.buyers), 0), COALESCE(MAX(rep.repeat_buyers), 0), FALSE, %(now)s
    FROM e LEFT JOIN rep ON rep.product_ref = e.product_ref
    GROUP BY e.product_ref
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ecom_ai_itemstat")
            cursor.execute(sql, {"since": now - timedelta(days=days), "now": now, "half_life": half_life})
            count = cursor.rowcount
        bought = list(ItemStat.objects.filter(buyers__gt=0).values_list("product_ref", flat=True))
        flagged = _adapter_consumables(get_shop_adapter(), bought)
        min_buyers, share = int(tune["recs_buy_again_min_buyers"]), float(tune["recs_buy_again_repeat_share"])
        repeat = {
            ref
            for ref, buyers, again in ItemStat.objects.filter(buyers__gte=min_buyers).values_list(
                "product_ref", "buyers", "repeat_buyers"
            )
            if again >= share * buyers
        }
        ItemStat.objects.filter(product_ref__in=list(flagged | repeat)).update(consumable=True)
    return count


def _adapter_consumables(adapter, refs: list[str]) -> set[str]:
    out: set[str] = set()
    for start in range(0, len(refs), 500):
        try:
            products = adapter.get_products(refs[start : start + 500])
        except Exception:  # no host catalogue (e.g. an evaluation's scratch database)
            logger.debug("ecom_ai: adapter could not load products for the consumable flag", exc_info=True)
            return out
        out.update(ref for ref, product in products.items() if adapter.is_consumable(product))
    return out


# Slots prepared for recently active visitors after each refresh: the personal widgets of a page
# without a product (with their default limit); the rest is computed on first use, then cached.
PREPARED_SLOTS = ("for_you", "recently_viewed")
PREPARED_LIMIT = 8


def prepare_visitors(visitors: Iterable[str]) -> int:
    """Compute and cache the personal slots of visitors (``u<pk>`` signed in, ``s<visitor id>``
    anonymous) so their next page reads prepared lists; returns how many were prepared."""
    from django.contrib.auth import get_user_model

    from .recommend import prepare

    visitors = [v for v in visitors if len(v) > 1 and v[0] in "us"]
    users = {
        str(pk): user
        for pk, user in get_user_model().objects.in_bulk([v[1:] for v in visitors if v[0] == "u"]).items()
    }
    done = 0
    for who in visitors:
        user = users.get(who[1:]) if who[0] == "u" else None
        if who[0] == "u" and user is None:
            continue  # deleted meanwhile
        for slot in PREPARED_SLOTS:
            prepare(slot, user=user, session_key="" if user else who[1:], limit=PREPARED_LIMIT)
        done += 1
    return done


def prepare_recent_visitors(limit: int | None = None) -> int:
    """``prepare_visitors`` for the ``limit`` most recently active visitors (the
    ``recs_prepare_visitors`` tuning key): what the refresh runs once the tables changed."""
    limit = int(tuning()["recs_prepare_visitors"] if limit is None else limit)
    if limit <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT user_id, CASE WHEN user_id IS NULL THEN session_key ELSE '' END AS vid
                FROM ecom_ai_event
                WHERE product_ref <> '' AND kind IN {_KINDS} AND (user_id IS NOT NULL OR session_key <> '')
                GROUP BY 1, 2 ORDER BY MAX(created_at) DESC LIMIT %s""",
            [limit],
        )
        visitors = [f"u{uid}" if uid is not None else f"s{vid}" for uid, vid in cursor.fetchall()]
    return prepare_visitors(visitors)


def refresh_all() -> dict[str, int]:
    """What the periodic task runs: both statistics refreshes, and the neighbour lists when any
    vector changed since they were built. Cached candidate lists are then recomputed on next use."""
    from .recs_cache import new_generation
    from .recs_neighbours import refresh_neighbours
    from .strategies import Trending

    result = {
        "pairs": refresh_item_pairs(),
        "items": refresh_item_stats(),
        "neighbours": refresh_neighbours(),
    }
    Trending.clear()
    new_generation()
    result["prepared_visitors"] = prepare_recent_visitors()
    return result
