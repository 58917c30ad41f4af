"""Raw SentenceTransformer.encode throughput vs the full pipeline through a real Celery worker.

    python bench/embed_pipeline.py [--dataset DIR] [--limit 2000] [--batch-size 64]

(a) ``model.encode`` on the products' texts (the same texts and batch size the pipeline encodes),
measured before and after (b); (b) the pipeline: the products are marked stale, batches are queued
to a real inference worker (``celery -A demo_shop worker -Q ecom_ai.inference --pool solo``, model
already loaded), which reads the rows, encodes and writes the vectors with one COPY per chunk; the
clock stops when the last vector is in PostgreSQL. Runs in the scratch database. One JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import DEFAULT_DATASET, ROOT, index_catalogue, setup_django  # noqa: E402

BENCH_REDIS_DB_BASE = "12"  # its own Redis databases: a running demo never sees these tasks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    os.environ["REDIS_DB_BASE"] = BENCH_REDIS_DB_BASE
    setup_django()

    import redis
    from django.conf import settings
    from django.db import connection

    from ecom_ai.backends import get_encoder
    from ecom_ai.conf import ecom_ai_settings
    from ecom_ai.evaluation.processes import WorkerProcess
    from ecom_ai.evaluation.scratch import scratch_database
    from ecom_ai.models import IndexedProduct
    from ecom_ai.tasks import enqueue_embed_batches

    batch_size = args.batch_size or ecom_ai_settings.EMBED_BATCH_SIZE
    encoder = get_encoder()
    with scratch_database() as db_name:
        refs = index_catalogue(args.dataset, limit=args.limit)
        rows = IndexedProduct.objects.filter(product_ref__in=refs, skip_reason="")
        texts = list(rows.values_list("text", flat=True))
        refs = list(rows.values_list("product_ref", flat=True))
        prepared = encoder._prepare(texts, encoder.document_prefix)

        def raw() -> float:
            t = time.perf_counter()
            encoder.model.encode(
                prepared,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            return len(prepared) / (time.perf_counter() - t)

        raw_before = raw()
        for client_url in (settings.CELERY_BROKER_URL, settings.CELERY_RESULT_BACKEND):
            redis.Redis.from_url(client_url).flushdb()
        db = connection.settings_dict
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="demo_shop.settings",
            REDIS_URL=settings.REDIS_URL,
            REDIS_DB_BASE=BENCH_REDIS_DB_BASE,
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db_name}",
            ECOM_AI_LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        worker = WorkerProcess(
            "demo_shop",
            env,
            ROOT / "var" / "logs" / "bench-embed-worker.log",
            queues=ecom_ai_settings.QUEUES["inference"],
            name="bench",
            cwd=ROOT,
        ).start()
        try:
            IndexedProduct.objects.filter(product_ref__in=refs).update(embedded_hash="")
            stale = IndexedProduct.objects.stale(encoder.model_key).filter(product_ref__in=refs)
            t0 = time.perf_counter()
            tasks = enqueue_embed_batches(refs, sync=False)
            while stale.exists():
                if time.perf_counter() - t0 > args.timeout:
                    raise SystemExit(f"pipeline did not finish in {args.timeout}s; see {worker.log_path}")
                time.sleep(0.05)
            pipeline_seconds = time.perf_counter() - t0
        finally:
            worker.stop()
        raw_after = raw()
    raw_rate = statistics.fmean([raw_before, raw_after])
    pipeline_rate = len(refs) / pipeline_seconds
    print(
        json.dumps(
            {
                "bench": "embed_pipeline",
                "products": len(refs),
                "batch_size": batch_size,
                "chunk_size": ecom_ai_settings.EMBED_CHUNK_SIZE,
                "tasks": tasks,
                "device": getattr(encoder, "device", "?"),
                "raw_per_s": round(raw_rate, 2),
                "raw_before_per_s": round(raw_before, 2),
                "raw_after_per_s": round(raw_after, 2),
                "pipeline_per_s": round(pipeline_rate, 2),
                "pipeline_seconds": round(pipeline_seconds, 2),
                "pipeline_over_raw": round(pipeline_rate / raw_rate, 3),
                "target": 0.90,
                "meets_target": pipeline_rate / raw_rate >= 0.90,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
