"""The demo's load_demo gives customers browsing history, so "recommended for you" is not empty."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from ecom_ai.models import Event, ItemPair
from ecom_ai.services.indexing import sync_products
from ecom_ai.services.recommend import recommend

pytestmark = pytest.mark.django_db


def test_load_demo_writes_browsing_events_and_for_you_has_results():
    call_command("load_demo", "--customers", "6", stdout=None)
    sync_products()
    customer = User.objects.filter(is_staff=False).order_by("pk").first()
    kinds = set(Event.objects.filter(user=customer).values_list("kind", flat=True))
    assert {"view", "purchase"} <= kinds
    assert ItemPair.objects.exists()
    recs = recommend("for_you", user=customer, limit=8)
    assert recs and all(r.reason for r in recs)
    bought = {str(pk) for pk in customer.orders.values_list("lines__product_id", flat=True) if pk}
    assert not bought & {r.product_ref for r in recs}
    count = Event.objects.count()
    call_command("load_demo", "--customers", "6")  # idempotent: no second history
    assert Event.objects.count() == count
