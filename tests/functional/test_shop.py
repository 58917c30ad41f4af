"""The host shop works on its own: pages, cart, checkout, accounts, and order privacy."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from demo_shop.orders.models import Order
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def test_home_category_and_product_pages(client):
    product = make_product("Walnut chopping board", category="Kitchen", description="Oiled walnut.")
    assert client.get("/").status_code == 200
    page = client.get(product.category.get_absolute_url())
    assert product.title in page.content.decode()
    detail = client.get(product.get_absolute_url())
    assert detail.status_code == 200 and "Oiled walnut." in detail.content.decode()


def test_untrusted_text_is_escaped(client):
    product = make_product("<script>alert(1)</script> mug")
    html = client.get(product.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    search = client.get("/search/", {"q": "<img src=x onerror=alert(1)>"}).content.decode()
    assert "<img src=x" not in search


def test_cart_checkout_creates_order_and_reduces_stock(client):
    product = make_product("Enamel teapot", price="30.00", stock=5)
    client.post(reverse("orders:cart_add", args=[product.pk]), {"quantity": "2"})
    response = client.post(reverse("orders:checkout"), {
        "full_name": "Ada Lovelace", "email": "ada@example.com", "address": "1 Analytical St"})
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    assert order.total == 60 and order.lines.get().quantity == 2
    product.refresh_from_db()
    assert product.stock == 3
    assert client.get(order.get_absolute_url()).status_code == 200  # the guest's own session


def test_csrf_is_enforced_on_cart(client):
    from django.test import Client

    product = make_product()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("orders:cart_add", args=[product.pk])).status_code == 403


def test_customer_sees_only_own_orders(client):
    alice = User.objects.create_user("alice", "a@example.com", "pw-alice-123")
    User.objects.create_user("bob", "b@example.com", "pw-bob-123")
    order = Order.objects.create(user=alice, email=alice.email, full_name="Alice", address="x")
    client.login(username="bob", password="pw-bob-123")
    assert client.get(order.get_absolute_url()).status_code == 404
    assert order.number not in client.get(reverse("orders:history")).content.decode()
    client.login(username="alice", password="pw-alice-123")
    assert order.number in client.get(reverse("orders:history")).content.decode()


def test_signup_logs_in(client):
    response = client.post(reverse("accounts:signup"), {
        "username": "carol", "email": "c@example.com", "password1": "a-Long-pass-42", "password2": "a-Long-pass-42"})
    assert response.status_code == 302
    assert client.get(reverse("orders:history")).status_code == 200
