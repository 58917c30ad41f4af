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


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_after_an_event_a_worker_prepares_the_visitors_lists(worker, settings, monkeypatch):
    from ecom_ai.conf import ecom_ai_settings
    from ecom_ai.services.events import record_event
    from ecom_ai.services.recommend import get_strategy, recommend
    from ecom_ai.services.recs_cache import reset_preparation_queue
    from ecom_ai.services.recs_stats import refresh_all
    from tests.recs_helpers import indexed_catalog

    settings.ECOM_AI = {**settings.ECOM_AI, "QUEUES": {**ecom_ai_settings.QUEUES, "default": worker}}
    # Earlier tests' drains went to the default queue, which no worker of this run consumes.
    reset_preparation_queue()
    refs = indexed_catalog([("Espresso beans", "Coffee", 5), ("Grinder", "Kitchen", 5), ("Kettle", "Kitchen", 5)])
    for n in range(3):
        add_events([("view", refs["Espresso beans"]), ("view", refs["Grinder"])], session_key=f"b{n}")
    refresh_all()
    record_event("view", session_key="w-visitor", product_ref=refs["Espresso beans"])

    def not_here(ctx, k):
        raise AssertionError("computed in the web process: the worker has not prepared it yet")

    for name in ("for_you", "trending", "recently_viewed"):
        monkeypatch.setattr(get_strategy(name), "candidates", not_here)
    deadline, recs = time.monotonic() + 90, None
    while recs is None and time.monotonic() < deadline:
        try:
            recs = recommend("for_you", session_key="w-visitor")
        except AssertionError:
            time.sleep(0.5)
    assert recs is not None, "the worker never prepared the visitor's for_you list"
    assert [r.product_ref for r in recs][0] == refs["Grinder"]
    assert [r.product_ref for r in recommend("recently_viewed", session_key="w-visitor")] == [refs["Espresso beans"]]
