"""The demo shop in a real browser: browse, add to cart, check out."""

from __future__ import annotations

import pytest

from demo_shop.orders.models import Order
from tests.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_browse_add_to_cart_and_check_out(live_server, browser, output_dir):
    product = make_product("Copper pour-over kettle", category="Coffee & Tea", price="42.50", stock=3)
    page = browser.new_page()
    try:
        page.goto(live_server.url + "/")
        page.click(f"text={product.title}")
        assert page.locator("h1").inner_text() == product.title
        page.click("button:has-text('Add to cart')")
        assert "Cart (1)" in page.locator("a.cart").inner_text()
        page.click("text=Checkout")
        page.fill("input[name=full_name]", "Grace Hopper")
        page.fill("input[name=email]", "grace@example.com")
        page.fill("textarea[name=address]", "1 Compiler Way")
        page.click("button:has-text('Place order')")
        page.wait_for_selector("text=Status:")
        page.screenshot(path=str(output_dir / "shop-order.png"), full_page=True)
    finally:
        page.close()
    order = Order.objects.get()
    assert order.email == "grace@example.com" and order.total == product.price
