"""Engagement analytics from the Event log: SQL aggregates behind the admin dashboard.

Conventions the features follow when they log events (days are UTC):

* A visitor is a signed-in user, else an anonymous session (``user_id`` else ``session_key``).
* ``search`` events carry the number of results in ``context["results"]`` (an integer); a search
  with ``{"results": 0}`` is a zero-result search. Searches without the key count as volume only.
* Recommendation attribution: ``rec_impression``/``rec_click`` carry ``slot`` and ``strategy``;
  an ``add_to_cart`` or ``purchase`` that came from a recommendation carries the same ``slot``/
  ``strategy`` (``purchase.value`` is the attributed revenue). Unattributed ones leave them blank.
* ``chat`` events carry ``context["conversation"]`` (the conversation id) and, when known,
  ``"resolved": true``, ``"handoff": true`` (passed to a human) and ``"thumbs": 1`` or ``-1``. A
  conversation is resolved / handed off if any of its events says so; thumbs are summed per event.
* Demo data carries ``context["simulated"] = true`` (``ecom_ai_simulate_traffic``).

Speed: each figure group is one aggregate query over the range; migration 0003 adds covering
indexes so the big ones are index-only scans — ``(created_at) INCLUDE (user_id, session_key)`` for
active visitors and cohorts, a partial ``slot <> ''`` index for attribution, a partial index of
zero-result searches and one of simulated events (``bench/dashboard.py`` times 1M events).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction

SIMULATED = '{"simulated": true}'
VISITOR = "COALESCE('u' || user_id::text, 's' || session_key)"


@dataclass
class Table:
    """A result table behind a chart: exported as CSV as is."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Dashboard:
    start: date
    end: date
    summary: dict[str, Any]
    tables: dict[str, Table]
    simulated_events: bool


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time.min, tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def _query(sql: str, params: dict[str, Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # Hash aggregates of a large range fit in memory instead of spilling to disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ratio(a: float, b: float) -> float | None:
    return (a / b) if b else None


def activity(start: date, end: date, sim: str) -> tuple[dict[str, Any], dict[str, Table]]:
    """DAU series, WAU/MAU at the end of the range, stickiness, returning visitors and cohorts."""
    lo, hi = _bounds(start, end)
    month_lo = min(lo, hi - timedelta(days=30))
    # One scan of the events makes the visitor-day set; everything else is computed from it.
    # Group by (user_id, session) first and build the visitor string once per visitor-day.
    sql = f"""
    WITH vd AS MATERIALIZED (
        SELECT day, COALESCE('u' || uid::text, 's' || sk) AS visitor FROM (
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, user_id AS uid,
                   CASE WHEN user_id IS NULL THEN session_key END AS sk
            FROM ecom_ai_event WHERE created_at >= %(month_lo)s AND created_at < %(hi)s {sim}
            GROUP BY 1, 2, 3) g
    ), inrange AS MATERIALIZED (
        SELECT day, visitor FROM vd WHERE day >= %(lo_day)s
    ), vw AS MATERIALIZED (
        SELECT DISTINCT date_trunc('week', day)::date AS week, visitor FROM inrange
    ), cohort AS MATERIALIZED (
        SELECT visitor, MIN(week) AS cohort_week FROM vw GROUP BY visitor
    )
    SELECT json_build_object(
      'daily', (SELECT json_agg(json_build_array(day, n) ORDER BY day)
                FROM (SELECT day, COUNT(*) AS n FROM inrange GROUP BY day) d),
      'wau', (SELECT COUNT(*) FROM (SELECT DISTINCT visitor FROM vd WHERE day > %(hi_day)s - 7) w),
      'mau', (SELECT COUNT(*) FROM (SELECT DISTINCT visitor FROM vd WHERE day > %(hi_day)s - 30) m),
      'dau_month', (SELECT COUNT(*) FROM vd WHERE day > %(hi_day)s - 30),
      'visitors', (SELECT COUNT(*) FROM cohort),
      'returning', (SELECT COUNT(*) FROM (SELECT 1 FROM inrange GROUP BY visitor HAVING COUNT(*) > 1) r),
      'cohorts', (SELECT json_agg(json_build_array(cohort_week, offs, n) ORDER BY cohort_week, offs)
                  FROM (SELECT c.cohort_week, (w.week - c.cohort_week) / 7 AS offs, COUNT(*) AS n
                        FROM vw w JOIN cohort c USING (visitor)
                        GROUP BY 1, 2) x)
    )
    """
    params = {"month_lo": month_lo, "hi": hi, "lo_day": start, "hi_day": end}
    data = _query(sql, params)[0][0]
    data = json.loads(data) if isinstance(data, str) else data
    daily = {date.fromisoformat(d): n for d, n in (data["daily"] or [])}
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    dau_rows = [[d.isoformat(), daily.get(d, 0)] for d in days]
    mau = data["mau"] or 0
    avg_dau_month = (data["dau_month"] or 0) / 30
    summary = {
        "visitors": data["visitors"] or 0,
        "dau": sum(daily.values()) / len(days) if days else 0,
        "wau": data["wau"] or 0,
        "mau": mau,
        "stickiness": _ratio(avg_dau_month, mau),
        "returning_visitor_rate": _ratio(data["returning"] or 0, data["visitors"] or 0),
    }
    sizes: dict[str, int] = {}
    cells: dict[tuple[str, int], int] = {}
    for week, offset, n in data["cohorts"] or []:
        cells[(week, int(offset))] = n
        if int(offset) == 0:
            sizes[week] = n
    max_offset = max((o for _, o in cells), default=0)
    cohort_rows = []
    for week in sorted(sizes):
        row: list[Any] = [week, sizes[week]]
        # Weeks that have not (fully) started by the end of the range are unknown, not zero.
        row += [
            round(cells.get((week, k), 0) / sizes[week], 4)
            if sizes[week] and date.fromisoformat(week) + timedelta(weeks=k) <= end
            else None
            for k in range(max_offset + 1)
        ]
        cohort_rows.append(row)
    tables = {
        "dau": Table("Daily active visitors", ["day", "active_visitors"], dau_rows),
        "cohorts": Table(
            "Weekly retention cohorts (share of each cohort active in week k)",
            ["cohort_week", "visitors"] + [f"week_{k}" for k in range(max_offset + 1)],
            cohort_rows,
        ),
    }
    return summary, tables


def purchases(start: date, end: date, sim: str) -> dict[str, Any]:
    """Returning-customer rate: buyers in range who also bought on another day (before or in range)."""
    lo, hi = _bounds(start, end)
    sql = f"""
    SELECT COUNT(*), COUNT(*) FILTER (WHERE days > 1), COALESCE(SUM(revenue), 0)::float8 FROM (
        SELECT {VISITOR} AS visitor, COUNT(DISTINCT (created_at AT TIME ZONE 'UTC')::date) AS days,
               SUM(value) FILTER (WHERE created_at >= %(lo)s) AS revenue
        FROM ecom_ai_event WHERE kind = 'purchase' AND created_at < %(hi)s {sim}
        GROUP BY 1 HAVING MAX(created_at) >= %(lo)s
    ) b
    """
    buyers, returning, revenue = _query(sql, {"lo": lo, "hi": hi})[0]
    return {"buyers": buyers, "returning_customer_rate": _ratio(returning, buyers), "revenue": revenue}


def recommendations(start: date, end: date, sim: str) -> tuple[dict[str, Any], dict[str, Table]]:
    """Impressions, clicks, CTR, add-to-cart and revenue per slot and strategy; daily CTR."""
    lo, hi = _bounds(start, end)
    sql = f"""
    SELECT (created_at AT TIME ZONE 'UTC')::date AS day, slot, strategy,
           COUNT(*) FILTER (WHERE kind = 'rec_impression'), COUNT(*) FILTER (WHERE kind = 'rec_click'),
           COUNT(*) FILTER (WHERE kind = 'add_to_cart'), COUNT(*) FILTER (WHERE kind = 'purchase'),
           COALESCE(SUM(value) FILTER (WHERE kind = 'purchase'), 0)::float8
    FROM ecom_ai_event
    WHERE kind IN ('rec_impression', 'rec_click', 'add_to_cart', 'purchase') AND slot <> ''
      AND created_at >= %(lo)s AND created_at < %(hi)s {sim}
    GROUP BY 1, 2, 3
    """
    rows = _query(sql, {"lo": lo, "hi": hi})
    by_pair: dict[tuple[str, str], list[float]] = {}
    by_day: dict[tuple[date, str], list[int]] = {}
    for day, slot, strategy, imp, clk, atc, buy, rev in rows:
        acc = by_pair.setdefault((slot, strategy), [0, 0, 0, 0, 0.0])
        for i, v in enumerate((imp, clk, atc, buy, rev)):
            acc[i] += v
        d = by_day.setdefault((day, slot), [0, 0])
        d[0] += imp
        d[1] += clk
    table_rows = []
    for (slot, strategy), (imp, clk, atc, buy, rev) in sorted(by_pair.items()):
        ctr = _ratio(clk, imp)
        table_rows.append(
            [
                slot,
                strategy or "-",
                imp,
                clk,
                round(ctr, 4) if ctr is not None else None,
                atc,
                buy,
                round(rev, 2),
            ]
        )
    slots = sorted({s for _, s in by_day})
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    daily_rows = []
    for d in days:
        row: list[Any] = [d.isoformat()]
        for s in slots:
            imp, clk = by_day.get((d, s), (0, 0))
            row.append(round(clk / imp, 4) if imp else None)
        daily_rows.append(row)
    total_imp = sum(v[0] for v in by_pair.values())
    total_clk = sum(v[1] for v in by_pair.values())
    summary = {
        "rec_impressions": total_imp,
        "rec_clicks": total_clk,
        "rec_ctr": _ratio(total_clk, total_imp),
        "rec_revenue": sum(v[4] for v in by_pair.values()),
    }
    tables = {
        "recs": Table(
            "Recommendations per slot and strategy",
            ["slot", "strategy", "impressions", "clicks", "ctr", "add_to_cart", "purchases", "revenue"],
            table_rows,
        ),
        "rec_ctr_daily": Table("Daily recommendation CTR per slot", ["day"] + slots, daily_rows),
    }
    return summary, tables


def search(start: date, end: date, sim: str, top: int = 15) -> tuple[dict[str, Any], dict[str, Table]]:
    """Search volume and zero-result rate per day; the most frequent queries without results."""
    lo, hi = _bounds(start, end)
    zero = "(context->>'results') = '0'"
    # Volume and zero-result counts are separate queries so each is an index-only scan (of
    # ecom_ai_ev_kind_time and of the partial index ecom_ai_ev_search_zero respectively).
    volume = _query(
        f"""
        SELECT (created_at AT TIME ZONE 'UTC')::date, COUNT(*)
        FROM ecom_ai_event WHERE kind = 'search' AND created_at >= %(lo)s AND created_at < %(hi)s {sim}
        GROUP BY 1""",
        {"lo": lo, "hi": hi},
    )
    zeros_per_day = dict(
        _query(
            f"""
        SELECT (created_at AT TIME ZONE 'UTC')::date, COUNT(*)
        FROM ecom_ai_event
        WHERE kind = 'search' AND {zero} AND created_at >= %(lo)s AND created_at < %(hi)s {sim}
        GROUP BY 1""",
            {"lo": lo, "hi": hi},
        )
    )
    rows = [(d, n, zeros_per_day.get(d, 0)) for d, n in volume]
    top_rows = _query(
        f"""
        SELECT lower(query), COUNT(*) FROM ecom_ai_event
        WHERE kind = 'search' AND {zero} AND created_at >= %(lo)s AND created_at < %(hi)s {sim}
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %(top)s""",
        {"lo": lo, "hi": hi, "top": top},
    )
    per_day = {d: (n, z) for d, n, z in rows}
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    daily = []
    for d in days:
        n, z = per_day.get(d, (0, 0))
        daily.append([d.isoformat(), n, z, round(z / n, 4) if n else None])
    total = sum(n for n, _ in per_day.values())
    zeros = sum(z for _, z in per_day.values())
    summary = {"searches": total, "zero_result_rate": _ratio(zeros, total)}
    tables = {
        "search_daily": Table(
            "Searches per day", ["day", "searches", "zero_result", "zero_result_rate"], daily
        ),
        "zero_queries": Table(
            "Top queries without results", ["query", "searches"], [list(r) for r in top_rows]
        ),
    }
    return summary, tables


def chat(start: date, end: date, sim: str) -> tuple[dict[str, Any], dict[str, Table]]:
    """Conversations, resolution and hand-off rates, thumbs up/down per day."""
    lo, hi = _bounds(start, end)
    rows = _query(
        f"""
        SELECT day, COUNT(*), COUNT(*) FILTER (WHERE resolved), COUNT(*) FILTER (WHERE handoff),
               SUM(up)::int, SUM(down)::int FROM (
            SELECT MIN((created_at AT TIME ZONE 'UTC')::date) AS day,
                   BOOL_OR(context->>'resolved' = 'true') AS resolved,
                   BOOL_OR(context->>'handoff' = 'true') AS handoff,
                   COUNT(*) FILTER (WHERE context->>'thumbs' = '1') AS up,
                   COUNT(*) FILTER (WHERE context->>'thumbs' = '-1') AS down
            FROM ecom_ai_event
            WHERE kind = 'chat' AND created_at >= %(lo)s AND created_at < %(hi)s {sim}
            GROUP BY COALESCE(context->>'conversation', {VISITOR})
        ) c GROUP BY day""",
        {"lo": lo, "hi": hi},
    )
    per_day = {r[0]: r[1:] for r in rows}
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    daily = []
    for d in days:
        n, res, hand, up, down = per_day.get(d, (0, 0, 0, 0, 0))
        daily.append([d.isoformat(), n, res, hand, up, down])
    n = sum(r[1] for r in daily)
    up = sum(r[4] for r in daily)
    down = sum(r[5] for r in daily)
    summary = {
        "conversations": n,
        "resolution_rate": _ratio(sum(r[2] for r in daily), n),
        "handoff_rate": _ratio(sum(r[3] for r in daily), n),
        "thumbs_up_ratio": _ratio(up, up + down),
    }
    tables = {
        "chat_daily": Table(
            "Chat conversations per day (by first message)",
            ["day", "conversations", "resolved", "handoff", "thumbs_up", "thumbs_down"],
            daily,
        )
    }
    return summary, tables


def has_simulated(start: date, end: date) -> bool:
    lo, hi = _bounds(start, end)
    return bool(
        _query(
            f"""SELECT EXISTS (SELECT 1 FROM ecom_ai_event WHERE context @> '{SIMULATED}'
                           AND created_at >= %(lo)s AND created_at < %(hi)s)""",
            {"lo": lo, "hi": hi},
        )[0][0]
    )


def dashboard(start: date, end: date, include_simulated: bool = True) -> Dashboard:
    """Every figure and table of the engagement dashboard for the days ``start``..``end`` (UTC)."""
    if end < start:
        raise ValueError("The end date is before the start date.")
    sim = "" if include_simulated else f"AND NOT (context @> '{SIMULATED}')"
    summary: dict[str, Any] = {}
    tables: dict[str, Table] = {}
    with transaction.atomic():  # one snapshot for all figures; SET LOCAL stays inside it
        for part in (activity, recommendations, search, chat):
            s, t = part(start, end, sim)
            summary.update(s)
            tables.update(t)
        summary.update(purchases(start, end, sim))
    return Dashboard(
        start=start, end=end, summary=summary, tables=tables, simulated_events=has_simulated(start, end)
    )
