"""The periodic refresh runs in a real Celery worker process against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from ecom_ai.models import ItemPair, ItemStat
from tests.recs_helpers import add_events

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": settings.REDIS_URL,
           "DJANGO_SETTINGS_MODULE": "demo_shop.settings_test", "REDIS_DB_BASE": str(settings.REDIS_DB_BASE)}
    queue = f"ecom_ai.test.{os.getpid()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "demo_shop", "worker", "-Q", queue, "--pool", "solo",
         "-l", "WARNING", "-n", f"recs-test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield queue
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_refresh_task_rebuilds_tables_in_a_worker(worker):
    from ecom_ai.tasks import refresh_recommendations_task

    add_events([("purchase", "p1"), ("purchase", "p2"), ("view", "p3")], session_key="w1")
    add_events([("purchase", "p1"), ("purchase", "p2")], session_key="w2")
    started = time.monotonic()
    result = refresh_recommendations_task.apply_async(queue=worker).get(timeout=120)
    assert result["pairs"] >= 4 and result["items"] == 3, result
    pair = ItemPair.objects.get(product_ref="p1", other_ref="p2")
    assert pair.co_purchase == 2 and pair.product_actors == 2
    assert ItemStat.objects.get(product_ref="p1").buyers == 2
    assert time.monotonic() - started < 120


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_neighbour_lists_of_re_embedded_products_are_prepared_in_a_worker(worker, encoder):
    from ecom_ai.models import ItemNeighbours
    from ecom_ai.services.indexing import embed_products
    from ecom_ai.tasks import refresh_neighbours_task
    from tests.recs_helpers import indexed_catalog

    refs = indexed_catalog(
        [("Espresso beans", "Coffee", 5), ("Filter coffee", "Coffee", 5), ("Garden hose", "Garden", 5)]
    )
    embed_products(list(refs.values()))
    task = refresh_neighbours_task.apply_async(args=[[refs["Espresso beans"]]], queue=worker)
    assert task.get(timeout=120) == 1
    row = ItemNeighbours.objects.get(product_ref=refs["Espresso beans"])
    assert row.neighbours == [refs["Filter coffee"], refs["Garden hose"]]
