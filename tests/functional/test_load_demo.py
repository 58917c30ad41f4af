"""The demo catalogue loads with the promised breadth and a second load changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from demo_shop.catalog.models import Category, Product
from demo_shop.orders.models import Order

pytestmark = pytest.mark.django_db


def test_load_demo_is_complete_and_idempotent(settings, capsys):
    settings.ECOM_AI = {**settings.ECOM_AI, "SIGNAL_PROCESSOR": "none"}
    call_command("load_demo", customers=5)
    assert Product.objects.count() >= 300
    assert Category.objects.count() >= 10
    assert Product.objects.filter(stock=0).exists() and Product.objects.filter(consumable=True).count() >= 20
    assert Order.objects.filter(user__isnull=False).count() >= 5
    before = (Product.objects.count(), Order.objects.count(), list(Product.objects.values_list("updated_at")))
    capsys.readouterr()
    call_command("load_demo", customers=5)
    assert "0 created, 0 updated" in capsys.readouterr().out
    assert before == (Product.objects.count(), Order.objects.count(), list(Product.objects.values_list("updated_at")))
