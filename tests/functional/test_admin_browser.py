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
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", "boss")
        page.fill("#id_password", "boss-pass-123")
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
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
