"""The search box in a real browser: autocomplete appears while typing, results and a facet click."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def sync_db_beside_playwright():
    """Playwright's sync API keeps an event loop in this thread for the whole session (the browser
    fixture is session-scoped), while the ORM calls of tests and of database teardown stay synchronous;
    Django's async-safety guard is lifted for the rest of the session (it cannot be put back safely)."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.browser
def test_search_box_autocomplete_results_and_facet(
    sync_db_beside_playwright, transactional_db, search_catalog, live_server, browser
):
    page = browser.new_page()
    try:
        page.goto(live_server.url + "/")
        box = page.locator("form.ecom-ai-search input[name=q]")
        box.click()
        box.press_sequentially("wirel", delay=40)
        suggestion = page.locator(".ecom-ai-suggestion").first
        suggestion.wait_for(state="visible", timeout=10000)
        texts = page.locator(".ecom-ai-suggestion").all_text_contents()
        assert any("wireless mouse" in t.lower() for t in texts)
        box.fill("wireless mouse")
        box.press("Enter")
        page.wait_for_selector(".ecom-ai-hit", timeout=10000)
        assert "mouse" in page.locator(".ecom-ai-hit h3").first.text_content().lower()
        page.locator('a[data-facet="brand"][data-value="Logitech"]').click()
        page.wait_for_url("**brand=Logitech**", timeout=10000)
        brands = page.locator(".ecom-ai-hit .brand").all_text_contents()
        assert brands and all(b.startswith("Logitech") for b in brands)
        assert page.locator('a[data-facet="brand"].active').text_content() == "Logitech"
    finally:
        page.close()
