"""track.js in a real browser: batches reach the endpoint with the CSRF header, rows are stored."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API keeps an event loop on the main thread once the (session) browser starts;
# Django then refuses ORM calls there. The ORM calls here are ordinary synchronous test code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from ecom_ai.models import Event
from tests.factories import make_product


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_beacon_posts_a_batch_from_the_page(live_server, browser):
    product = make_product("Glass jar", stock=3)
    page = browser.new_page()
    try:
        page.goto(live_server.url + product.get_absolute_url())
        page.wait_for_function("() => !!(window.ecomAI && window.ecomAI.track)")
        with page.expect_response(lambda r: r.url.endswith("/api/ecom-ai/events/")) as info:
            page.evaluate(
                """(ref) => {
                window.ecomAI.track("search", {query: "<b>jar</b>"});
                window.ecomAI.track("search_click", {product: ref});
                window.ecomAI.flush();
            }""",
                str(product.pk),
            )
        assert info.value.status == 200
    finally:
        page.close()
    rows = list(
        Event.objects.filter(kind__in=["search", "search_click"]).values_list("kind", "query", "session_key")
    )
    assert sorted(r[0] for r in rows) == ["search", "search_click"]
    assert ("search", "<b>jar</b>") in [(k, q) for k, q, _ in rows]
    # The page view (server-side tag) and the beacon rows belong to the same visitor.
    view = Event.objects.get(kind="view", product_ref=str(product.pk))
    assert {s for _, _, s in rows} == {view.session_key}
