"""Time the engagement dashboard over 1M synthetic events; baseline: a naive per-day Python loop.

Loads N events (default 1,000,000 over 90 days: ~110k visits of 4-16 events by up to 60k
returning visitors, a skewed mix of kinds) with one generate_series INSERT
into a scratch database (``ecom_ai_bench`` on the same server; kept between runs, reloaded only
when the event count differs or with --reload), then renders the admin dashboard page for the last
28 days through Django's test client (full request: SQL, SVG charts, template) and, as the
baseline in the same run, computes the same headline figures the naive way: one ORM query per
day pulling rows into Python; it also times the render without the dashboard's own indexes
(dropped and recreated). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOAD_SQL = """
INSERT INTO ecom_ai_event (session_key, product_ref, kind, weight, slot, strategy, experiment, arm, query,
                           value, context, created_at)
SELECT v.sk,
       (floor(random() * 5000))::int::text,
       k.kind, 1.0,
       CASE WHEN k.kind IN ('rec_impression', 'rec_click')
                 OR (k.kind IN ('add_to_cart', 'purchase') AND r.a < 0.4)
            THEN (ARRAY['for_you', 'similar', 'bought_together', 'trending',
                        'recently_viewed'])[1 + mod((r.b * 5)::int, 5)]
            ELSE '' END,
       CASE WHEN k.kind IN ('rec_impression', 'rec_click')
                 OR (k.kind IN ('add_to_cart', 'purchase') AND r.a < 0.4)
            THEN (ARRAY['collaborative', 'content', 'popular'])[1 + mod((r.c * 3)::int, 3)] ELSE '' END,
       '', '',
       CASE WHEN k.kind = 'search' THEN (ARRAY['kettle', 'shoes', 'lamp', 'yoga mat', 'ps5', 'gift card',
                                                'tea', 'backpack'])[1 + mod((r.b * 8)::int, 8)] ELSE '' END,
       CASE WHEN k.kind = 'purchase' THEN round((5 + r.c * 120)::numeric, 2) END,
       CASE WHEN k.kind = 'search' THEN jsonb_build_object('results', CASE WHEN r.a < 0.08 THEN 0
                                                                      ELSE (r.c * 40)::int + 1 END)
            WHEN k.kind = 'chat' THEN jsonb_build_object('conversation', 'c' || (r.b * 40000)::int,
                                                         'resolved', r.a < 0.6, 'handoff', r.a > 0.9,
                                                         'thumbs', CASE WHEN r.c < 0.2 THEN 1 WHEN r.c > 0.95
                                                                        THEN -1 ELSE 0 END)
            ELSE '{}'::jsonb END,
       v.t0 + e.i * interval '40 seconds'
FROM (SELECT 's' || (floor(pow(random(), 1.6) * %(visitors)s))::int AS sk,
             now() - interval '1 hour' - random() * %(days)s * interval '1 day' AS t0,
             4 + floor(random() * 13)::int AS n
      FROM generate_series(1, %(visits)s)) v
CROSS JOIN LATERAL generate_series(1, v.n) e(i)
CROSS JOIN LATERAL (SELECT random() AS a, random() AS b, random() AS c, random() AS d, e.i AS gg) r
CROSS JOIN LATERAL (SELECT CASE WHEN r.d < 0.40 THEN 'view' WHEN r.d < 0.70 THEN 'rec_impression'
                                WHEN r.d < 0.73 THEN 'rec_click' WHEN r.d < 0.83 THEN 'search'
                                WHEN r.d < 0.87 THEN 'search_click' WHEN r.d < 0.92 THEN 'add_to_cart'
                                WHEN r.d < 0.94 THEN 'purchase' ELSE 'chat' END AS kind, r.gg) k
LIMIT %(n)s
"""


def _setup(database: str) -> None:
    from ecom_ai.embedded import ensure_services

    var = Path(os.environ.get("ECOM_AI_VAR_DIR", ROOT / "var"))
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        urls = ensure_services(
            var, database=not os.environ.get("DATABASE_URL"), redis=not os.environ.get("REDIS_URL")
        )
        os.environ.setdefault("DATABASE_URL", urls.database_url or "")
        os.environ.setdefault("REDIS_URL", urls.redis_url or "")
    import psycopg

    base = os.environ["DATABASE_URL"]
    with psycopg.connect(base, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")
    os.environ.setdefault("REDIS_DB_BASE", "12")  # keep bench cache keys away from the demo's
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _load(n: int, days: int, visitors: int, reload: bool) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ecom_ai_event")
        if cursor.fetchone()[0] == n and not reload:
            return 0.0
        print(f"loading {n:,} events ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        cursor.execute("TRUNCATE ecom_ai_event")
        cursor.execute(LOAD_SQL, {"n": n, "days": days, "visitors": visitors, "visits": n * 11 // 100})
        cursor.execute("VACUUM ANALYZE ecom_ai_event")
        return time.perf_counter() - t


def _dashboard_indexes() -> list[tuple[str, str]]:
    """(create, drop) SQL of the indexes migration 0003 adds for the dashboard."""
    from importlib import import_module

    from django.db.migrations import RunSQL

    migration = import_module("ecom_ai.migrations.0003_admin_tuning_experiments").Migration
    return [(op.sql, op.reverse_sql) for op in migration.operations if isinstance(op, RunSQL)]


def _naive(start, end) -> dict:
    """The baseline: per day, pull that day's events through the ORM and count in Python."""
    from datetime import datetime
    from datetime import time as dtime

    from ecom_ai.models import Event

    dau, searches, zero, imp, clk = [], 0, 0, {}, {}
    day = start
    while day <= end:
        lo = datetime.combine(day, dtime.min, tzinfo=UTC)
        rows = Event.objects.filter(created_at__gte=lo, created_at__lt=lo + timedelta(days=1)).values_list(
            "user_id", "session_key", "kind", "slot", "context"
        )
        visitors = set()
        for user_id, session_key, kind, slot, context in rows.iterator(chunk_size=5000):
            visitors.add(user_id or session_key)
            if kind == "search":
                searches += 1
                zero += context.get("results") == 0
            elif kind == "rec_impression":
                imp[slot] = imp.get(slot, 0) + 1
            elif kind == "rec_click":
                clk[slot] = clk.get(slot, 0) + 1
        dau.append(len(visitors))
        day += timedelta(days=1)
    return {"dau": dau, "searches": searches, "zero": zero}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90, help="days the events span")
    parser.add_argument("--visitors", type=int, default=60_000)
    parser.add_argument("--range-days", type=int, default=28, help="dashboard range (ending today)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default="ecom_ai_bench")
    parser.add_argument("--reload", action="store_true", help="reload the events even if the count matches")
    args = parser.parse_args()
    _setup(args.database)

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from ecom_ai.services.analytics import dashboard

    load_s = _load(args.events, args.days, args.visitors, args.reload)
    from django.db import connection

    with connection.cursor() as cursor:
        for create, _ in _dashboard_indexes():  # a bench database migrated by an older 0003
            cursor.execute(create)
        # The steady state autovacuum keeps an append-only table in: visibility map set, so the
        # covering indexes give index-only scans.
        cursor.execute("VACUUM ANALYZE ecom_ai_event")
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    end = timezone.now().date()
    start = end - timedelta(days=args.range_days - 1)
    url = f"/admin/ecom_ai/engagementdashboard/?start={start}&end={end}"
    times = []
    for i in range(args.repeat):
        t = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t)
        assert response.status_code == 200, response.status_code
        print(f"dashboard render {i + 1}: {times[-1]:.3f}s", file=sys.stderr, flush=True)
    full_range = client.get(
        f"/admin/ecom_ai/engagementdashboard/?start={end - timedelta(days=args.days)}&end={end}"
    )
    t = time.perf_counter()
    client.get(f"/admin/ecom_ai/engagementdashboard/?start={end - timedelta(days=args.days)}&end={end}")
    full_s = time.perf_counter() - t
    assert full_range.status_code == 200
    indexes = _dashboard_indexes()
    with connection.cursor() as cursor:
        for _, drop in indexes:
            cursor.execute(drop)
    try:
        t = time.perf_counter()
        assert client.get(url).status_code == 200
        unindexed_s = time.perf_counter() - t
    finally:
        with connection.cursor() as cursor:
            for create, _ in indexes:
                cursor.execute(create)
            cursor.execute("VACUUM ANALYZE ecom_ai_event")
    print(f"without the dashboard indexes: {unindexed_s:.3f}s", file=sys.stderr, flush=True)
    t = time.perf_counter()
    naive = _naive(start, end)
    naive_s = time.perf_counter() - t
    d = dashboard(start, end)
    assert naive["dau"] == [r[1] for r in d.tables["dau"].rows], "baseline and dashboard disagree on DAU"
    assert naive["searches"] == d.summary["searches"]
    print(
        json.dumps(
            {
                "bench": "dashboard",
                "events": args.events,
                "range_days": args.range_days,
                "dashboard_render_s_median": round(statistics.median(times), 3),
                "dashboard_render_s_first": round(times[0], 3),
                f"dashboard_render_s_{args.days + 1}_days": round(full_s, 3),
                "baseline_naive_python_loop_s": round(naive_s, 3),
                "baseline_without_dashboard_indexes_s": round(unindexed_s, 3),
                "speedup": round(naive_s / statistics.median(times), 1),
                "under_2s": statistics.median(times) < 2.0,
                "load_s": round(load_s, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
