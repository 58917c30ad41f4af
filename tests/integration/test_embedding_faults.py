"""Bad product texts, a model change, and a broker that restarts: nothing crashes, nothing stays stale."""

from __future__ import annotations

import contextlib
import logging
import time

import numpy as np
import pytest
from django.db import connection

from ecom_ai.core.documents import ProductDocument
from ecom_ai.evaluation.processes import PrivateValkey
from ecom_ai.models import IndexedProduct
from ecom_ai.services.freshness import reembed_everything, refresh_products
from ecom_ai.services.indexing import (
    coverage,
    current_model_key,
    embed_products,
    index_documents,
    sync_products,
)
from ecom_ai.services.vectors import index_name
from tests.factories import make_product
from tests.integration.test_embedding_worker import fresh_count, wait_until

ODD_TEXTS = {
    "rtl": "מקלדת אלחוטית عربي لوحة مفاتيح",
    "emoji": "🔥🔥 Super kettle 🚀 ☕️ 👩‍👩‍👧",
    "zero-width": "Ket\u200btle\u200c with\u200d zero\u2060width\ufeff joiners",
    "html": "<div><script>alert(1)</script><b>Bold</b> kettle &amp; <i>teapot</i></div>",
    "huge": "steel kettle " * 80_000,  # ~1 MB
    "combining": "Z\u0351\u0352\u0353a\u0354\u0355l\u0356g\u0357o kettle",
}


@pytest.mark.django_db(transaction=True)
def test_odd_host_products_get_a_sane_vector_or_a_logged_skip_in_one_batch(encoder, caplog, settings):
    settings.ECOM_AI = {**settings.ECOM_AI, "SIGNAL_PROCESSOR": "none"}
    normal = [make_product(f"Plain kettle {i}", description="Steel, 1.7 l") for i in range(3)]
    odd = [make_product(name[:40] or "x", description=text) for name, text in ODD_TEXTS.items()]
    empty = make_product("", description="", brand="")
    empty.category.name = ""
    empty.category.save()
    refs = [str(p.pk) for p in [*normal, *odd, empty]]
    with caplog.at_level(logging.WARNING, logger="ecom_ai"):
        result = refresh_products(refs)
    assert result["embedded"] >= len(normal) + len(odd)
    for row in IndexedProduct.objects.filter(product_ref__in=[str(p.pk) for p in [*normal, *odd]]):
        vector = np.asarray(row.embedding, dtype=np.float32)
        assert row.embedded_hash == row.content_hash and vector.shape == (384,)
        assert np.isfinite(vector).all() and abs(float(np.linalg.norm(vector)) - 1) < 1e-3
    html_row = IndexedProduct.objects.get(product_ref=str(odd[3].pk))
    assert "<script>" not in html_row.text and "Bold kettle & teapot" in html_row.text
    assert len(IndexedProduct.objects.get(product_ref=str(odd[4].pk)).text) <= 20_000
    # The product without any text: skipped with a reason, logged, not counted as stale.
    skipped = IndexedProduct.objects.filter(product_ref=str(empty.pk)).first()
    if skipped is not None and skipped.skip_reason:
        assert "empty text" in skipped.skip_reason and "not embedded" in caplog.text
        assert coverage()["skipped"] == 1


@pytest.mark.django_db
def test_documents_with_nul_bytes_and_lone_surrogates_are_stored_not_crashed(encoder):
    docs = [
        ProductDocument(
            ref="nul-1",
            title="Kettle\x00 with NUL",
            description="a\x00b",
            attributes={"co\x00lour": "re\x00d"},
        ),
        ProductDocument(ref="surrogate-1", title="Broken \ud800 surrogate", description="\udfff"),
        ProductDocument(ref="ok-1", title="Ordinary teapot"),
    ]
    stale = index_documents(docs)
    assert sorted(stale) == ["nul-1", "ok-1", "surrogate-1"]
    assert embed_products(stale).embedded == 3
    assert "\x00" not in IndexedProduct.objects.get(product_ref="nul-1").title


@pytest.mark.django_db
def test_a_model_change_makes_every_row_stale_and_reembeds_under_the_new_key(encoder, settings):
    from ecom_ai.backends.encoders import resolve_model_path

    settings.ECOM_AI = {**settings.ECOM_AI, "SIGNAL_PROCESSOR": "none"}
    products = [make_product(f"Model change lamp {i}") for i in range(4)]
    sync_products([str(p.pk) for p in products])
    embed_products()
    old_key = current_model_key()
    assert coverage()["fresh"] == 4
    # The same weights loaded from a path form a different model key: to ecom_ai, another model.
    settings.ECOM_AI = {**settings.ECOM_AI, "ENCODER": {"OPTIONS": {"model": resolve_model_path(old_key)}}}
    new_key = current_model_key()
    assert new_key != old_key
    assert coverage()["fresh"] == 0 and coverage()["stale"] == 4
    queued: list[str] = []
    result = reembed_everything(queued.extend)
    assert result["queued"] == 4 and sorted(queued) == sorted(str(p.pk) for p in products)
    refresh_products(queued, sync=False)
    assert coverage()["fresh"] == 4
    assert set(IndexedProduct.objects.values_list("model_key", flat=True)) == {new_key}
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [index_name(new_key, 384)])
        assert cursor.fetchone() is not None


@contextlib.contextmanager
def producer_broker(url: str, settings):
    """Point this process's Celery producer and ecom_ai's Redis at another broker."""
    from demo_shop.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = url
    app.amqp._producer_pool = None
    settings.ECOM_AI = {**settings.ECOM_AI, "REDIS_URL": url, "SIGNAL_PROCESSOR": "task"}
    try:
        yield
    finally:
        app.conf.broker_url = old
        app.amqp._producer_pool = None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_broker_restart_while_saving_leaves_nothing_stale_for_good(celery_worker, settings, tmp_path, caplog):
    """A private Valkey (no persistence) is killed while products are saved: queued flushes, the
    pending set and saves made while it is down are lost. The periodic sweep (beat, every 6 s here)
    compares shop and index and re-queues them. The worker runs under a supervisor (restart on
    exit), as in production: kombu may end a worker that loses the broker mid-task."""
    valkey = PrivateValkey(tmp_path / "valkey").start()
    broker = valkey.url + "/8"
    try:
        with producer_broker(broker, settings):
            worker = celery_worker(
                REDIS_URL=valkey.url, beat="1", supervise="1", ECOM_AI_STALE_SWEEP_MINUTES="0.1"
            )
            products = [make_product(f"Broker lamp {i}") for i in range(20)]
            with caplog.at_level(logging.ERROR, logger="ecom_ai"):
                for i, product in enumerate(products):
                    if i == 8:
                        valkey.kill()
                    if i == 14:
                        valkey.start()
                    product.title = f"Broker lamp {i} renamed"
                    product.save()
                    time.sleep(0.05)
            assert "the sweep will retry" in caplog.text  # saves really failed to queue
            refs = [str(p.pk) for p in products]

            def all_fresh_and_current() -> bool:
                rows = IndexedProduct.objects.filter(product_ref__in=refs)
                return fresh_count(refs) == len(refs) and all("renamed" in r.title for r in rows)

            wait_until(all_fresh_and_current, timeout=180, interval=0.5)
            print(f"worker restarts by the supervisor: {worker.restarts}")
    finally:
        valkey.kill()


@pytest.mark.django_db
def test_a_second_full_sync_rewrites_nothing(settings):
    """The sweep's full sync must cost reads only when nothing changed."""
    settings.ECOM_AI = {**settings.ECOM_AI, "SIGNAL_PROCESSOR": "none"}
    products = [make_product(f"Sync mug {i}", price="4.50") for i in range(3)]
    sync_products()
    before = dict(IndexedProduct.objects.values_list("product_ref", "updated_at"))
    result = sync_products()
    assert result.upserted == 3 and sorted(result.stale_refs) == sorted(str(p.pk) for p in products)
    assert dict(IndexedProduct.objects.values_list("product_ref", "updated_at")) == before
    products[0].price = "5.00"
    products[0].save()
    sync_products()
    after = dict(IndexedProduct.objects.values_list("product_ref", "updated_at"))
    assert after[str(products[0].pk)] != before[str(products[0].pk)]
    assert after[str(products[1].pk)] == before[str(products[1].pk)]
