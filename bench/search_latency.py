"""Hybrid search latency on the full Icecat catalogue: wall time and the process's own CPU per query,
SQL round trips per search, with each query encoded (as a first-time query) and with encodings cached.

Uses the evaluation's scratch database (``manage.py ecom_ai_eval search`` loads and embeds it; this
loads it too when empty). Prints one JSON line; ``--profile`` adds the top functions by own time.

    python bench/search_latency.py [--dataset DIR] [--labels CSV] [--rounds 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")
os.environ.setdefault("ECOM_AI_LOG_LEVEL", "WARNING")
DATASET = ROOT.parent / "shared" / "datasets" / "chorus_icecat_search"


def _percentiles(values: list[float]) -> dict[str, float]:
    from ecom_ai.core.metrics import percentile

    return {"p50_ms": round(percentile(values, 50), 1), "p95_ms": round(percentile(values, 95), 1)}


def measure(queries: list[str], rounds: int, profile: bool) -> dict:
    """Each round runs every query twice: encoding cleared first, then cached."""
    from django.db import connection

    from ecom_ai.services.query_encoding import _cached
    from ecom_ai.services.search import SearchParams, search

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    profiler = cProfile.Profile() if profile else None
    runs: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in ("encoded", "cached")}
    with connection.execute_wrapper(count):
        for _ in range(rounds):
            _cached.cache_clear()
            for name in ("encoded", "cached"):
                for query in queries:
                    wall, cpu = time.perf_counter(), time.process_time()
                    if profiler and name == "cached":
                        profiler.enable()
                    search(SearchParams(q=query, page_size=50))
                    if profiler and name == "cached":
                        profiler.disable()
                    runs[name]["wall"].append((time.perf_counter() - wall) * 1000)
                    runs[name]["cpu"].append((time.process_time() - cpu) * 1000)
    out: dict = {
        name: {"wall": _percentiles(r["wall"]), "process_cpu": _percentiles(r["cpu"])} for name, r in runs.items()
    }
    out["sql_statements_per_search"] = round(statements / (2 * rounds * len(queries)), 2)
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
        out["profile_top_own_time"] = text.getvalue().splitlines()[-22:]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default=str(DATASET))
    parser.add_argument("--labels", default=None)
    parser.add_argument("--database", default="ecom_ai_search_eval")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from ecom_ai.evaluation.scratch import scratch_database
    from ecom_ai.evaluation.search import LABELS_NAME, _one_inference_thread, load_catalogue, read_labels
    from ecom_ai.services.warmup import warm

    labels = read_labels(args.labels or Path(args.dataset) / LABELS_NAME)
    queries = [q for q, rated in labels.items() if any(g > 0 for g in rated.values())]
    with scratch_database(args.database):
        loaded = load_catalogue(args.dataset)
        _one_inference_thread()
        warmed = warm()
        result = measure(queries, args.rounds, args.profile)
    print(
        json.dumps(
            {
                "benchmark": "search_latency",
                "mode": "hybrid",
                "products": loaded["products"],
                "queries": len(queries),
                "rounds": args.rounds,
                "warm_up": {k: v for k, v in warmed.items() if k.endswith("_s")},
                **result,
                "load_average_1m": round(os.getloadavg()[0], 2),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
