"""``manage.py ecom_ai_embed``: inline without a worker, and queued with a real worker."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from ecom_ai.services.indexing import coverage
from tests.factories import make_product


@pytest.mark.django_db
def test_inline_embeds_stale_then_all_with_a_summary(encoder, settings):
    settings.ECOM_AI = {**settings.ECOM_AI, "SIGNAL_PROCESSOR": "none"}
    for i in range(5):
        make_product(f"Command toaster {i}")
    out = io.StringIO()
    call_command("ecom_ai_embed", "--inline", "--batch-size", "2", stdout=out)
    assert "5 to embed" in out.getvalue() and "embedded 5, skipped 0" in out.getvalue()
    assert coverage()["fresh"] == 5
    out = io.StringIO()
    call_command("ecom_ai_embed", "--inline", stdout=out)
    assert "0 to embed" in out.getvalue()
    out = io.StringIO()
    call_command("ecom_ai_embed", "--all", "--inline", stdout=out)
    assert "5 to embed" in out.getvalue() and "products/s" in out.getvalue()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_queued_mode_follows_the_workers_progress(celery_worker, settings):
    settings.ECOM_AI = {**settings.ECOM_AI, "SIGNAL_PROCESSOR": "none"}
    for i in range(6):
        make_product(f"Queued toaster {i}")
    celery_worker()
    out = io.StringIO()
    call_command("ecom_ai_embed", "--timeout", "60", stdout=out)
    assert "queued 6 products in 1 tasks on ecom_ai.inference" in out.getvalue()
    assert "embedded 6" in out.getvalue()
    assert coverage()["fresh"] == 6
