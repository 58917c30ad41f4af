"""Chromium opens the engagement dashboard and an experiment's results through the admin login."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from ecom_ai.models import Experiment, IndexedProduct
from ecom_ai.services import experiments as experiments_service
from ecom_ai.services import simulation

# Playwright's sync API runs an event loop in this thread; the test's ORM calls stay synchronous
# (main's conftest sets the same in its browser fixture).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _log_in(page, live_server, username: str, password: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}{next_path}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_and_experiment_results_in_chromium(live_server, browser, output_dir):
    cache.delete(experiments_service.CACHE_KEY)
    get_user_model().objects.create_superuser("boss", "boss@example.com", "boss-pass-123")
    IndexedProduct.objects.bulk_create(
        [
            IndexedProduct(product_ref=f"p{i}", title=f"Product {i}", price=Decimal("19.90") + i)
            for i in range(40)
        ]
    )
    simulation.simulate(days=21, visitors=150)
    exp = Experiment.objects.get(simulated=True)

    page = browser.new_page(viewport={"width": 1360, "height": 1000})
    try:
        _log_in(page, live_server, "boss", "boss-pass-123", "/admin/")
        assert "Engagement dashboard" in page.content()

        page.goto(f"{live_server.url}/admin/ecom_ai/engagementdashboard/")
        page.wait_for_selector("#ecom-dashboard svg.ecom-chart")
        assert page.locator("svg.ecom-chart").count() >= 7
        assert page.locator("#simulated-banner").is_visible()
        assert page.locator(".ecom-kpi").count() == 12
        page.screenshot(path=str(output_dir / "admin_dashboard.png"), full_page=True)
        with page.expect_download() as download:
            page.locator("a[href*='export=recs']").first.click()
        assert download.value.suggested_filename.startswith("ecom_ai_recs_")

        page.goto(f"{live_server.url}/admin/ecom_ai/experiment/{exp.pk}/results/")
        page.wait_for_selector("#arm-table")
        assert page.locator("#arm-table tbody tr").count() == 2
        assert page.locator("svg.ecom-chart").count() == 3
        assert page.locator("#simulated-banner").is_visible()
        page.screenshot(path=str(output_dir / "admin_experiment_results.png"), full_page=True)

        page.goto(f"{live_server.url}/admin/ecom_ai/tuningsettings/")
        page.wait_for_selector("#id_ef_search")
        page.screenshot(path=str(output_dir / "admin_tuning.png"), full_page=True)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_queue_page_shows_a_new_waiting_customer_without_a_reload(live_server, browser, output_dir):
    from django.utils import timezone

    from ecom_ai.models import Conversation, Message

    get_user_model().objects.create_superuser("desk", "desk@example.com", "desk-pass-123")
    page = browser.new_page(viewport={"width": 1360, "height": 800})
    try:
        _log_in(page, live_server, "desk", "desk-pass-123", "/admin/ecom_ai/conversation/queue/")
        assert "Nobody is waiting." in page.inner_text("#ecai-queue")

        conv = Conversation.objects.create(
            session_key="browser-q",
            status=Conversation.Status.WAITING,
            handoff_reason="asked for a human",
            handoff_requested_at=timezone.now(),
        )
        Message.objects.create(conversation=conv, role=Message.Role.CUSTOMER, text="<b>help</b> me please")
        row = page.wait_for_selector(f"tr[data-id='{conv.pk}']", timeout=12_000)
        assert "<b>help</b> me please" in row.inner_text()  # shown as text, not markup
        assert page.locator("#ecai-queue b").count() == 0
        assert page.title().startswith("(1) ")
        page.screenshot(path=str(output_dir / "admin_staff_queue.png"), full_page=True)
        row.query_selector("a").click()
        page.wait_for_url(f"**/admin/ecom_ai/conversation/{conv.pk}/live/")
    finally:
        page.close()
