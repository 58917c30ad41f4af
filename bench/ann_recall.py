"""HNSW vs exact top-10 over the Icecat catalogue: recall@10 at the shipped ef_search, p50/p95 latency.

    python bench/ann_recall.py [--dataset DIR] [--queries 200] [--limit N]

Runs in the scratch database (never the shop's); vectors are cached there by content hash, so only
the first run embeds the catalogue. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import DEFAULT_DATASET, embed_missing_inline, index_catalogue, setup_django  # noqa: E402


def _queries(dataset: Path, titles: list[str], count: int, seed: int = 13) -> list[str]:
    """The judged queries of the rated query set, then product titles, ``count`` in all."""
    queries: list[str] = []
    rated = dataset / "Broad_Query_Set_rated_dev.csv"
    if rated.exists():
        with open(rated, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                q = (row.get("query") or "").strip()
                if q and q not in queries:
                    queries.append(q)
    rng = random.Random(seed)
    extra = rng.sample(titles, k=min(len(titles), max(0, count - len(queries))))
    return (queries + extra)[:count]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--limit", type=int, default=None, help="only the first N products (default: all)")
    parser.add_argument(
        "--ef-search", type=int, default=None, help="default: the shipped VECTOR_INDEX ef_search"
    )
    args = parser.parse_args()
    setup_django()

    from django.db import connection

    from ecom_ai.backends import get_encoder
    from ecom_ai.conf import ecom_ai_settings
    from ecom_ai.evaluation.scratch import scratch_database
    from ecom_ai.models import IndexedProduct
    from ecom_ai.services.vectors import VectorFilters, ensure_index, index_name, nearest

    options = ecom_ai_settings.VECTOR_INDEX
    ef_search = args.ef_search or int(options["ef_search"])
    with scratch_database():
        refs = index_catalogue(args.dataset, limit=args.limit)
        cache = embed_missing_inline(refs)
        encoder = get_encoder()
        model_key = encoder.model_key
        t0 = time.perf_counter()
        ensure_index(model_key, encoder.dimensions)
        index_seconds = time.perf_counter() - t0
        vectors = IndexedProduct.objects.fresh(model_key).count()
        titles = list(IndexedProduct.objects.fresh(model_key).values_list("title", flat=True))
        queries = _queries(args.dataset, titles, args.queries)
        query_vectors = encoder.encode_queries(queries)
        filters = VectorFilters(visible_only=False)
        for vector in query_vectors[:5]:  # warm caches
            nearest(vector, model_key, k=args.k, filters=filters, ef_search=ef_search)
            nearest(vector, model_key, k=args.k, filters=filters, exact=True)
        recalls, hnsw_ms, exact_ms = [], [], []
        for vector in query_vectors:
            t = time.perf_counter()
            approx = nearest(vector, model_key, k=args.k, filters=filters, ef_search=ef_search)
            hnsw_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            exact = nearest(vector, model_key, k=args.k, filters=filters, exact=True)
            exact_ms.append((time.perf_counter() - t) * 1000)
            truth = {ref for ref, _ in exact}
            recalls.append(len(truth & {ref for ref, _ in approx}) / max(1, len(truth)))
        literal = "[" + ",".join(f"{x:.6f}" for x in query_vectors[0]) + "]"
        dims = encoder.dimensions
        with connection.cursor() as cursor:
            cursor.execute(
                f"EXPLAIN SELECT product_ref FROM ecom_ai_indexedproduct WHERE model_key = %s AND "
                f"embedding IS NOT NULL ORDER BY (embedding::vector({dims})) <=> %s::vector({dims}) "
                f"LIMIT 10",
                [model_key, literal],
            )
            index_used = index_name(model_key, dims) in " ".join(r[0] for r in cursor.fetchall())
    recall = statistics.fmean(recalls)
    print(
        json.dumps(
            {
                "bench": "ann_recall",
                "products": len(refs),
                "vectors": vectors,
                "queries": len(queries),
                "k": args.k,
                "m": int(options["m"]),
                "ef_construction": int(options["ef_construction"]),
                "ef_search": ef_search,
                "recall_at_10": round(recall, 4),
                "target": 0.98,
                "meets_target": recall >= 0.98,
                "hnsw_p50_ms": round(_pct(hnsw_ms, 0.5), 2),
                "hnsw_p95_ms": round(_pct(hnsw_ms, 0.95), 2),
                "exact_p50_ms": round(_pct(exact_ms, 0.5), 2),
                "exact_p95_ms": round(_pct(exact_ms, 0.95), 2),
                "index_used": index_used,
                "index_build_s": round(index_seconds, 1),
                "embedded_this_run": cache["embedded_now"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
