"""Admin pages: run-time settings (validation, preview), the dashboard with CSV, experiment results."""

from __future__ import annotations

import csv
import io
import sys
import types
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from ecom_ai import runtime
from ecom_ai.models import Event, Experiment, IndexedProduct, TuningSettings
from ecom_ai.services import experiments as experiments_service
from ecom_ai.services import tuning as tuning_service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    for key in (tuning_service.CACHE_KEY, experiments_service.CACHE_KEY):
        cache.delete(key)
    yield
    for key in (tuning_service.CACHE_KEY, experiments_service.CACHE_KEY):
        cache.delete(key)


def settings_post(**changes) -> dict:
    """The settings form as the browser posts it: every field, with some values changed."""
    data = {}
    for key in tuning_service.editable_keys():
        value = changes.get(key, runtime.DEFAULTS[key])
        kind = tuning_service.schema_for(key)["type"]
        if kind == "bool":
            if value:
                data[key] = "on"
        elif kind in ("weights", "json") and not isinstance(value, str):
            import json

            data[key] = json.dumps(value)
        else:
            data[key] = str(value)
    return data


def test_settings_page_saves_valid_values_and_they_apply_at_once(admin_client):
    url = reverse("admin:ecom_ai_tuningsettings_change", args=[1])
    assert admin_client.get(reverse("admin:ecom_ai_tuningsettings_changelist")).url == url
    page = admin_client.get(url)
    assert (
        page.status_code == 200
        and "Widgets" in page.content.decode()
        and "Guardrails" in page.content.decode()
    )
    response = admin_client.post(
        url, settings_post(ef_search=240, chat_enabled=False, recs_blend_for_you={"content": 1, "popular": 0.5})
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = TuningSettings.objects.get()
    assert row.overrides == {
        "ef_search": 240,
        "chat_enabled": False,
        "recs_blend_for_you": {"content": 1.0, "popular": 0.5},
    }
    assert row.updated_by == "admin"
    values = runtime.tuning()
    assert values["ef_search"] == 240 and values["chat_enabled"] is False


def test_settings_page_shows_clear_errors_and_saves_nothing(admin_client):
    url = reverse("admin:ecom_ai_tuningsettings_change", args=[1])
    response = admin_client.post(
        url,
        settings_post(
            ef_search=3, recs_blend_similar='{"content": -2}', search_fusion="magic", recs_diversity_lambda="lots"
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 10." in html
    assert "Weight of &#x27;content&#x27; must be at least 0" in html
    assert "Select a valid choice. magic is not one of the available choices." in html
    assert "Enter a number." in html
    assert TuningSettings.objects.get().overrides == {}


def test_preview_without_a_recommender_says_so(admin_client, monkeypatch):
    monkeypatch.setitem(sys.modules, "ecom_ai.services.recommend", None)  # import raises ModuleNotFoundError
    response = admin_client.post(
        reverse("admin:ecom_ai_tuning_preview"),
        {**settings_post(recs_diversity_lambda=0.8), "preview_slot": "for_you"},
    )
    assert response.status_code == 200
    assert "Recommendations not installed" in response.content.decode()
    assert TuningSettings.objects.get().overrides == {}


def test_preview_runs_the_recommender_under_the_unsaved_values(admin_client, django_user_model, monkeypatch):
    customer = django_user_model.objects.create_user("carla", password="x-pass-123")
    IndexedProduct.objects.create(product_ref="p1", title="Oak bench")
    seen = {}

    def recommend(slot, *, user=None, limit=8):  # stands in for the recommender another feature ships
        seen.update(slot=slot, user=user, lam=runtime.tuning()["recs_diversity_lambda"])
        return [{"product_ref": "p1", "score": 0.9, "strategy": "content"}]

    monkeypatch.setitem(sys.modules, "ecom_ai.services.recommend", types.SimpleNamespace(recommend=recommend))
    response = admin_client.post(
        reverse("admin:ecom_ai_tuning_preview"),
        {**settings_post(recs_diversity_lambda=0.55), "preview_slot": "similar", "preview_customer": "carla"},
    )
    html = response.content.decode()
    assert seen == {"slot": "similar", "user": customer, "lam": 0.55}
    assert "Oak bench" in html and "recs_diversity_lambda" in html
    assert runtime.tuning()["recs_diversity_lambda"] == runtime.DEFAULTS["recs_diversity_lambda"]
    bad = admin_client.post(
        reverse("admin:ecom_ai_tuning_preview"),
        {**settings_post(ef_search=1), "preview_slot": "similar", "preview_customer": "nobody"},
    )
    assert "No customer &#x27;nobody&#x27;" in bad.content.decode() and "ef_search" in bad.content.decode()


def _dashboard_events():
    today = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    rows = []
    for d in range(10):
        when = today - timedelta(days=d)
        for v in range(5 + d % 3):
            s = f"v{v}"
            rows.append(Event(session_key=s, kind="view", product_ref="p1", created_at=when))
        rows.append(
            Event(session_key="v0", kind="search", query="kettle", context={"results": 4}, created_at=when)
        )
        rows.append(
            Event(
                session_key="v1", kind="search", query="Unicorn =cmd", context={"results": 0}, created_at=when
            )
        )
        for i in range(10):
            rows.append(
                Event(
                    session_key="v2",
                    kind="rec_impression",
                    slot="similar",
                    strategy="content",
                    product_ref=str(i),
                    created_at=when,
                )
            )
        rows.append(
            Event(
                session_key="v2",
                kind="rec_click",
                slot="similar",
                strategy="content",
                product_ref="1",
                created_at=when,
            )
        )
        rows.append(
            Event(
                session_key="v2",
                kind="purchase",
                slot="similar",
                strategy="content",
                product_ref="1",
                value=Decimal("20.00"),
                created_at=when,
            )
        )
        rows.append(
            Event(
                session_key="v3",
                kind="chat",
                context={"conversation": f"c{d}", "resolved": d % 2 == 0, "thumbs": 1},
                created_at=when,
            )
        )
    Event.objects.bulk_create(rows)


def test_dashboard_figures_charts_and_csv(admin_client):
    _dashboard_events()
    end = timezone.now().date()
    start = end - timedelta(days=9)
    url = reverse("admin:ecom_ai_engagementdashboard_changelist")
    response = admin_client.get(url, {"start": start, "end": end})
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        html.count('class="ecom-chart"') >= 7
        and "Weekly retention" in html
        and "simulated-banner" not in html
    )
    from ecom_ai.services.analytics import dashboard

    d = dashboard(start, end)
    assert d.summary["zero_result_rate"] == 0.5 and d.summary["searches"] == 20
    assert d.summary["rec_ctr"] == pytest.approx(0.1) and d.summary["rec_revenue"] == 200.0
    assert d.summary["conversations"] == 10 and d.summary["resolution_rate"] == 0.5
    assert d.summary["returning_customer_rate"] == 1.0 and d.summary["mau"] == 7
    assert d.tables["zero_queries"].rows == [["unicorn =cmd", 10]]
    for name in d.tables:
        export = admin_client.get(url, {"start": start, "end": end, "export": name})
        assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(export.content.decode())))
        assert rows[0] == d.tables[name].columns and len(rows) == len(d.tables[name].rows) + 1
    dau = list(
        csv.reader(
            io.StringIO(admin_client.get(url, {"start": start, "end": end, "export": "dau"}).content.decode())
        )
    )
    assert dau[-1] == [end.isoformat(), "5"]
    zero = admin_client.get(url, {"start": start, "end": end, "export": "zero_queries"}).content.decode()
    assert "'unicorn =cmd" not in zero  # only cells starting with a formula character are quoted


def test_dashboard_rejects_bad_ranges_with_a_message(admin_client):
    url = reverse("admin:ecom_ai_engagementdashboard_changelist")
    response = admin_client.get(url, {"start": "2026-05-10", "end": "2026-05-01"})
    assert response.status_code == 400 and "The start date must be on or before the end date." in (
        response.content.decode()
    )
    assert "Enter a valid date." in admin_client.get(url, {"start": "yesterday"}).content.decode()
    assert admin_client.get(url, {"export": "passwords"}).status_code == 400


def test_dashboard_needs_staff(client):
    response = client.get(reverse("admin:ecom_ai_engagementdashboard_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_simulated_traffic_is_labelled_and_loads_once(admin_client):
    IndexedProduct.objects.bulk_create(
        [IndexedProduct(product_ref=f"p{i}", title=f"Product {i}", price=Decimal("12.50")) for i in range(30)]
    )
    call_command("ecom_ai_simulate_traffic", "--days", "14", "--visitors", "60")
    count = Event.objects.count()
    assert count > 500 and Event.objects.filter(context__simulated=True).count() == count
    with pytest.raises(CommandError, match="already loaded"):
        call_command("ecom_ai_simulate_traffic", "--days", "14")
    call_command("ecom_ai_simulate_traffic", "--skip-if-loaded")
    assert Event.objects.count() == count
    call_command("ecom_ai_simulate_traffic", "--days", "14", "--visitors", "60", "--replace")
    assert Event.objects.count() == count and Experiment.objects.count() == 1
    html = admin_client.get(reverse("admin:ecom_ai_engagementdashboard_changelist")).content.decode()
    assert "simulated-banner" in html
    from ecom_ai.services.analytics import dashboard

    today = timezone.now().date()
    assert dashboard(today - timedelta(days=13), today).summary["searches"] > 0
    assert dashboard(today - timedelta(days=13), today, include_simulated=False).summary["searches"] == 0
    excluded = admin_client.get(reverse("admin:ecom_ai_engagementdashboard_changelist"), {"simulated": "0"})
    assert "simulated-banner" not in excluded.content.decode()
    exp = Experiment.objects.get()
    assert exp.simulated and exp.status == "stopped"
    results = admin_client.get(reverse("admin:ecom_ai_experiment_results", args=[exp.pk]))
    page = results.content.decode()
    assert results.status_code == 200 and "Simulated experiment" in page and "P(beats control)" in page
    assert page.count('class="ecom-chart"') == 3 and "Beta" in page
    exported = admin_client.get(reverse("admin:ecom_ai_experiment_results", args=[exp.pk]), {"export": "csv"})
    table = list(csv.reader(io.StringIO(exported.content.decode())))
    assert table[0][:3] == ["arm", "is_control", "visitors"] and [r[0] for r in table[1:]] == [
        "control",
        "diverse",
    ]
    # Promote via the results page (POST with CSRF handled by the admin client).
    response = admin_client.post(
        reverse("admin:ecom_ai_experiment_promote", args=[exp.pk]), {"arm": "diverse"}
    )
    assert response.status_code == 302
    assert runtime.tuning()["recs_diversity_lambda"] == 0.5
    assert admin_client.get(reverse("admin:ecom_ai_experiment_promote", args=[exp.pk])).status_code == 405


def test_experiment_admin_actions(admin_client):
    exp = Experiment.objects.create(key="e1", name="E1", slot="trending")
    changelist = reverse("admin:ecom_ai_experiment_changelist")
    response = admin_client.post(
        changelist, {"action": "start_experiments", "_selected_action": [exp.pk]}, follow=True
    )
    assert "needs two or more variants" in response.content.decode()
    exp.variants.create(key="control", is_control=True)
    exp.variants.create(key="b", overrides={"widget_trending": False})
    admin_client.post(changelist, {"action": "start_experiments", "_selected_action": [exp.pk]})
    exp.refresh_from_db()
    assert exp.status == "running" and experiments_service.assign("abc", "trending")[0] == "e1"
    html = admin_client.get(changelist).content.decode()
    assert "Results" in html and "Running" in html
