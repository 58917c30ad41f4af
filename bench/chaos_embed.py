"""Faults that must lose nothing: a worker SIGKILLed mid-batch, then the broker restarted mid-saves.

    python bench/chaos_embed.py [--products 150]

Uses a private Valkey (no persistence, so a restart loses every queued message and the pending
set) and the scratch database ``ecom_ai_chaos``; workers run with beat and a 6-second sweep, and
the test settings' short broker visibility timeout (8 s) so a killed worker's message comes back.
Prints one JSON line: lost (products without a current vector at the end), duplicates (refs with
more than one row), and the recovery times.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import ROOT, setup_django  # noqa: E402


class _Count(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record):
        self.count += 1


def _wait(predicate, timeout: float) -> float | None:
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > timeout:
            return None
        time.sleep(0.1)
    return time.monotonic() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=150)
    parser.add_argument("--dataset", type=Path, default=None, help="accepted for `make bench`; not used")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from ecom_ai.evaluation.processes import PrivateValkey, WorkerProcess

    valkey = PrivateValkey(Path(tempfile.mkdtemp(prefix="ecom_ai_chaos_valkey_"))).start()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="demo_shop.settings_test",
        REDIS_URL=valkey.url,
        REDIS_DB_BASE="8",
        ECOM_AI_SIGNAL_PROCESSOR="task",
    )
    setup_django()
    from django.db import connection

    from demo_shop.catalog.models import Category, Product
    from ecom_ai.evaluation.scratch import scratch_database
    from ecom_ai.models import IndexedProduct
    from ecom_ai.services.indexing import current_model_key

    failures = _Count()
    logging.getLogger("ecom_ai.signals").addHandler(failures)
    workers: list[WorkerProcess] = []
    try:
        with scratch_database("ecom_ai_chaos") as db_name:
            Product.objects.filter(source="chaos").delete()
            IndexedProduct.objects.all().delete()
            db = connection.settings_dict
            env = dict(
                os.environ,
                DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db_name}",
                ECOM_AI_STALE_SWEEP_MINUTES="0.1",
                ECOM_AI_LOG_LEVEL="INFO",
                PYTHONUNBUFFERED="1",
            )
            log = ROOT / "var" / "logs" / "bench-chaos-worker.log"
            log.unlink(missing_ok=True)

            def start(**extra) -> WorkerProcess:
                worker = WorkerProcess(
                    "demo_shop", dict(env, **extra), log, beat=True, cwd=ROOT, name=f"chaos{len(workers)}"
                )
                workers.append(worker)
                return worker.start(supervise=True)

            model_key = current_model_key()
            # Phase 1: SIGKILL the inference worker in the middle of a batch.
            first = start(ECOM_AI_EMBED_CHUNK_SIZE="16")
            category, _ = Category.objects.get_or_create(slug="chaos", defaults={"name": "Chaos"})
            products = [
                Product.objects.create(
                    sku=f"CHAOS-{i}",
                    slug=f"chaos-{i}",
                    title=f"Chaos kettle {i}",
                    category=category,
                    price=Decimal("9.90"),
                    stock=5,
                    source="chaos",
                    description="Brushed steel body, 1.7 litres, boil-dry protection. " * 6,
                )
                for i in range(args.products)
            ]
            refs = [str(p.pk) for p in products]
            fresh = IndexedProduct.objects.fresh(model_key).filter(product_ref__in=refs)
            _wait(lambda: fresh.count() >= 16, args.timeout)
            first.kill()
            fresh_at_kill = fresh.count()
            start()
            recover_kill = _wait(lambda: fresh.count() == len(refs), args.timeout)

            # Phase 2: the broker dies (losing queues and the pending set) while products are saved.
            outage_at, back_at = len(products) // 3, 2 * len(products) // 3
            for i, product in enumerate(products):
                if i == outage_at:
                    valkey.kill()
                if i == back_at:
                    valkey.start()
                product.title = f"Chaos kettle {i} (renamed)"
                product.save()

            def current() -> bool:
                return (
                    fresh.count() == len(refs)
                    and not IndexedProduct.objects.filter(product_ref__in=refs)
                    .exclude(title__endswith="(renamed)")
                    .exists()
                )

            recover_broker = _wait(current, args.timeout)

            rows = IndexedProduct.objects.filter(product_ref__in=refs)
            lost = len(refs) - rows.filter(title__endswith="(renamed)").fresh(model_key).count()
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM (SELECT product_ref FROM ecom_ai_indexedproduct "
                    "GROUP BY product_ref HAVING count(*) > 1) d"
                )
                duplicates = cursor.fetchone()[0]
            redelivered = "left by an interrupted run" in workers[-1].log_text()
    finally:
        for worker in workers:
            worker.stop()
        valkey.kill()
    print(
        json.dumps(
            {
                "bench": "chaos_embed",
                "products": len(refs),
                "lost": lost,
                "duplicates": duplicates,
                "fresh_when_killed": fresh_at_kill,
                "recovered_after_kill_s": round(recover_kill, 1) if recover_kill else None,
                "flush_redelivered_after_kill": redelivered,
                "saves_not_queued_during_outage": failures.count,
                "recovered_after_broker_restart_s": round(recover_broker, 1) if recover_broker else None,
                "worker_restarts_by_supervisor": sum(w.restarts for w in workers),
            }
        )
    )
    return 0 if lost == 0 and duplicates == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
