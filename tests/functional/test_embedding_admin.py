"""Admin: coverage chart on the IndexedProduct changelist and the re-embed actions."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.urls import reverse

from ecom_ai.models import IndexedProduct
from ecom_ai.services.indexing import embed_products, sync_products
from tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = User.objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    client.force_login(user)
    return client


def test_changelist_shows_coverage_bars_and_reembed_action_marks_rows_stale(staff_client, encoder, settings):
    settings.ECOM_AI = {**settings.ECOM_AI, "SIGNAL_PROCESSOR": "none"}
    products = [make_product(f"Admin lamp {i}") for i in range(3)]
    sync_products([str(p.pk) for p in products])
    embed_products([str(products[0].pk), str(products[1].pk)])
    url = reverse("admin:ecom_ai_indexedproduct_changelist")
    html = staff_client.get(url).content.decode()
    assert "Embedding coverage" in html and "<svg" in html
    assert '<span class="coverage-fresh">2</span>' in html and '<span class="coverage-stale">1</span>' in html
    assert "fresh: 2" in html  # the bar's tooltip

    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).delete("ecom_ai:embed:flush-scheduled")
    ids = list(IndexedProduct.objects.filter(product_ref=str(products[0].pk)).values_list("pk", flat=True))
    response = staff_client.post(url, {"action": "reembed_selected", "_selected_action": ids}, follow=True)
    assert "1 products queued" in response.content.decode()
    row = IndexedProduct.objects.get(product_ref=str(products[0].pk))
    assert not row.is_fresh


def test_reembed_all_button_needs_post_and_queues_a_task(staff_client):
    url = reverse("admin:ecom_ai_indexedproduct_reembed_all")
    assert staff_client.get(url).status_code == 302
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.delete("ecom_ai.default")
    response = staff_client.post(url, {"force": "1"}, follow=True)
    assert "queued" in response.content.decode()
    assert client.llen("ecom_ai.default") == 1
    client.delete("ecom_ai.default")
