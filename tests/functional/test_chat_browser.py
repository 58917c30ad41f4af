"""The chat widget in Chromium against a real ASGI server (daphne) on the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory

from demo_shop.orders.models import Order, OrderLine
from ecom_ai.services.indexing import embed_products, sync_products
from tests.chat_support import clear_rate_limits
from tests.factories import make_product


def test_widget_tag_renders_markup_script_and_starts_a_guest_session(db):
    from django.contrib.sessions.middleware import SessionMiddleware

    request = RequestFactory().get("/")
    SessionMiddleware(lambda r: None).process_request(request)
    html = Template("{% load ecom_ai %}{% ecom_ai_chat %}|{% ecom_ai_chat_widget %}").render(
        Context({"request": request})
    )
    assert 'data-ws-path="/ws/ecom-ai/chat/"' in html and "ecom_ai/chat.js" in html
    assert 'aria-live="polite"' in html and html.count("data-ecai-chat") == 2
    assert request.session.modified  # the response will carry the session cookie the socket needs


def test_widget_script_never_uses_innerhtml():
    js = (settings.BASE_DIR / "ecom_ai" / "static" / "ecom_ai" / "chat.js").read_text()
    code = "\n".join(line for line in js.splitlines() if not line.strip().startswith("/*"))
    assert "innerHTML" not in code and "insertAdjacentHTML" not in code and "document.write" not in code
    assert "textContent" in code


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def orm_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still sync."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def live_asgi(orm_beside_playwright, transactional_db):
    db = connection.settings_dict
    url = (
        f"postgresql://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@{db['HOST']}:{db['PORT']}/"
        f"{db['NAME']}"
    )
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "demo_shop.settings_test",
        "ECOM_AI_SIGNAL_PROCESSOR": "none",
        "ECOM_AI_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "demo_shop.asgi:application"],
        cwd=settings.BASE_DIR,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=5)
            break
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("daphne did not start") from None
            time.sleep(0.5)
    clear_rate_limits()
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.mark.browser
def test_chat_widget_products_cart_and_own_orders_only(live_asgi, browser, encoder, settings):
    kettle = make_product("Stainless steel electric kettle", category="Kitchen", price="24.90")
    make_product("Glass electric kettle with temperature control", category="Kitchen", price="79.00")
    make_product("LED desk lamp", category="Office", price="34.50")
    sync_products()
    embed_products()
    ann = User.objects.create_user("ann", "ann@example.com", "pw-ann-12345")
    bob = User.objects.create_user("bob", "bob@example.com", "pw-bob-12345")
    orders = {}
    for who in (ann, bob):
        orders[who.username] = Order.objects.create(
            user=who,
            email=who.email,
            full_name=who.username,
            address="1 Street",
            status=Order.Status.SHIPPED,
            total="24.90",
        )
        OrderLine.objects.create(
            order=orders[who.username],
            product=kettle,
            title=kettle.title,
            unit_price=kettle.price,
            quantity=1,
        )

    guest = browser.new_context()
    page = guest.new_page()
    page.goto(live_asgi + "/")
    page.click("[data-ecai-toggle]")
    page.wait_for_selector(".ecai-status:text('online')", timeout=30000)
    page.fill("[data-ecai-input]", "electric kettle under 50 euros")
    page.keyboard.press("Enter")
    card = page.wait_for_selector(".ecai-card", timeout=60000)
    assert "Stainless steel electric kettle" in card.text_content() and "24.90" in card.text_content()
    assert "Glass electric kettle" not in page.text_content("[data-ecai-log]")
    card.query_selector("button").click()
    page.wait_for_selector(".ecai-msg.notice:has-text('Added')", timeout=20000)
    page.fill("[data-ecai-input]", '<img src=x onerror="window.__xss=1">')
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.ecai-msg.assistant').length >= 3", timeout=30000)
    assert page.evaluate("window.__xss") is None
    assert page.query_selector("[data-ecai-log] img") is None
    page.reload()
    assert "Cart (1)" in page.text_content("header")
    guest.close()

    owner = browser.new_context()
    page = owner.new_page()
    page.goto(live_asgi + "/accounts/login/")
    page.fill("#id_username", "ann")
    page.fill("#id_password", "pw-ann-12345")
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    page.click("[data-ecai-toggle]")
    page.wait_for_selector(".ecai-status:text('online')", timeout=30000)
    page.fill("[data-ecai-input]", f"where is my order {orders['ann'].number}?")
    page.keyboard.press("Enter")
    page.wait_for_selector(f".ecai-msg.assistant:has-text('Order {orders['ann'].number}')", timeout=30000)
    assert "Shipped" in page.text_content("[data-ecai-log]")
    page.fill("[data-ecai-input]", f"where is my order {orders['bob'].number}?")
    page.keyboard.press("Enter")
    reply = page.wait_for_selector(".ecai-msg.assistant:has-text('couldn\\'t find')", timeout=30000)
    assert orders["bob"].number in reply.text_content()
    owner.close()
