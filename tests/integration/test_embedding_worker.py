"""Embeddings kept fresh by a real Celery worker process: coalescing, updates, deletes, a killed worker."""

from __future__ import annotations

import time

import pytest

from ecom_ai.models import IndexedProduct
from ecom_ai.services.indexing import current_model_key
from tests.factories import make_product

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_until(predicate, timeout: float, interval: float = 0.1) -> float:
    """Seconds until ``predicate()`` held; fails the test after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"condition not met within {timeout:.0f}s")
        time.sleep(interval)
    return time.monotonic() - started


def fresh_count(refs) -> int:
    return IndexedProduct.objects.fresh(current_model_key()).filter(product_ref__in=list(refs)).count()


def test_burst_of_50_saves_is_coalesced_into_a_few_tasks_and_fresh_within_seconds(celery_worker):
    worker = celery_worker()
    products = [
        make_product(f"Burst espresso grinder {i}", description="Conical burrs, 40 grind settings.")
        for i in range(50)
    ]
    refs = [str(p.pk) for p in products]
    seconds = wait_until(lambda: fresh_count(refs) == 50, timeout=60)
    tasks = worker.received("ecom_ai.flush_embeddings") + worker.received("ecom_ai.embed_products")
    assert 1 <= tasks <= 5, f"50 saves became {tasks} tasks"
    assert seconds < 30
    row = IndexedProduct.objects.get(product_ref=refs[0])
    assert (
        row.dimensions == 384
        and row.embedded_hash == row.content_hash
        and row.model_key == current_model_key()
    )


def test_update_and_delete_reach_the_index_within_seconds(celery_worker):
    celery_worker()
    kettle = make_product("Steel kettle", description="1.7 litres")
    other = make_product("Ceramic teapot")
    wait_until(lambda: fresh_count([kettle.pk, other.pk]) == 2, timeout=60)
    old_hash = IndexedProduct.objects.get(product_ref=str(kettle.pk)).embedded_hash

    kettle.title = "Glass kettle with temperature control"
    kettle.save()
    other.delete()

    def updated() -> bool:
        row = IndexedProduct.objects.get(product_ref=str(kettle.pk))
        return row.embedded_hash == row.content_hash != old_hash and "Glass kettle" in row.text

    wait_until(updated, timeout=30)
    wait_until(lambda: not IndexedProduct.objects.filter(product_ref=str(other.pk)).exists(), timeout=30)


def test_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(celery_worker):
    """SIGKILL during a flush: its message is redelivered (acks_late, short visibility timeout in the
    test settings) and resumes the refs that flush had taken (the in-flight set), so a new worker
    finishes them; the guarded UPDATE leaves one fresh vector per product."""
    first = celery_worker(ECOM_AI_EMBED_CHUNK_SIZE="8")
    text = "A sturdy product for everyday use with a long description. " * 4
    products = [make_product(f"Chaos blender {i}", description=text) for i in range(64)]
    refs = [str(p.pk) for p in products]
    wait_until(lambda: fresh_count(refs) >= 8, timeout=60, interval=0.02)
    first.kill()
    partial = fresh_count(refs)
    assert partial < len(refs), "the whole batch finished before the kill; the test proves nothing"

    second = celery_worker(ECOM_AI_EMBED_CHUNK_SIZE="64")
    wait_until(lambda: fresh_count(refs) == len(refs), timeout=120, interval=0.2)
    assert "left by an interrupted run" in second.log_text()
    assert IndexedProduct.objects.filter(product_ref__in=refs).count() == len(refs)
    for row in IndexedProduct.objects.filter(product_ref__in=refs):
        assert row.embedded_hash == row.content_hash and row.embedding is not None
