"""A/B experiments: assignment through the running experiment, per-arm results, promoting a winner."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from ecom_ai import runtime
from ecom_ai.models import Event, Experiment, Variant
from ecom_ai.services import experiments as service
from ecom_ai.services import tuning as tuning_service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.delete(service.CACHE_KEY)
    cache.delete(tuning_service.CACHE_KEY)
    yield
    cache.delete(service.CACHE_KEY)
    cache.delete(tuning_service.CACHE_KEY)


def make_experiment(key="exp1", slot="for_you", status="running", **kw) -> Experiment:
    exp = Experiment.objects.create(
        key=key,
        name=key,
        slot=slot,
        status=status,
        started_at=timezone.now() - timedelta(days=3),
        bucket_by="session",
        **kw,
    )
    Variant.objects.create(experiment=exp, key="control", is_control=True, weight=50)
    Variant.objects.create(experiment=exp, key="diverse", weight=50, overrides={"recs_diversity_lambda": 0.6})
    return exp


def test_assign_is_deterministic_and_splits_traffic():
    make_experiment()
    arms = [service.assign((None, f"sess-{i}"), "for_you") for i in range(2000)]
    assert {a[0] for a in arms} == {"exp1"}
    assert arms[7] == service.assign({"session_key": "sess-7"}, "for_you")
    diverse = [a for a in arms if a[1] == "diverse"]
    assert 900 < len(diverse) < 1100
    assert diverse[0][2] == {"recs_diversity_lambda": 0.6}
    assert service.assign((None, "sess-1"), "similar") == ("", "", {})  # no experiment on that slot
    assert service.assign((None, ""), "for_you") == ("", "", {})  # nobody to bucket


def test_stopping_takes_effect_immediately_and_strategy_arms_set_the_blend():
    exp = make_experiment()
    assert service.assign("sess-x", "for_you")[0] == "exp1"
    exp.stop()
    assert service.assign("sess-x", "for_you") == ("", "", {})
    exp2 = Experiment.objects.create(key="exp2", name="strategies", slot="similar", status="running")
    Variant.objects.create(experiment=exp2, key="control", is_control=True, weight=1)
    Variant.objects.create(experiment=exp2, key="content_only", weight=1000000, strategy="content")
    assert service.assign((5, "s"), "similar") == (
        "exp2",
        "content_only",
        {"recs_blend_similar": {"content": 1.0}},
    )


def test_one_running_experiment_per_slot():
    make_experiment()
    other = Experiment.objects.create(key="exp9", name="x", slot="for_you")
    with pytest.raises(ValidationError, match="already runs on this slot"):
        other.start()


def test_bad_variant_overrides_are_rejected_with_a_message():
    exp = make_experiment()
    variant = Variant(experiment=exp, key="bad", overrides={"ef_search": -1})
    with pytest.raises(ValidationError, match="ef_search: Value must be at least 10"):
        variant.full_clean()


def _events(exp: Experiment, arm: str, visitors: int, clicks: int, buyers: int, value: str) -> None:
    now = timezone.now() - timedelta(days=1)
    rows = []
    for v in range(visitors):
        s = f"{arm}-{v}"
        for i in range(10):
            rows.append(
                Event(
                    session_key=s,
                    kind="rec_impression",
                    slot="for_you",
                    experiment=exp.key,
                    arm=arm,
                    product_ref=str(i),
                    created_at=now,
                )
            )
        if v < clicks:
            rows.append(
                Event(
                    session_key=s,
                    kind="rec_click",
                    slot="for_you",
                    experiment=exp.key,
                    arm=arm,
                    product_ref="1",
                    created_at=now,
                )
            )
        if v < buyers:  # purchase without arm tags: attributed through the visitor
            rows.append(
                Event(
                    session_key=s,
                    kind="purchase",
                    value=Decimal(value),
                    product_ref="1",
                    created_at=now + timedelta(minutes=5),
                )
            )
    # a purchase before exposure does not count
    rows.append(
        Event(
            session_key=f"{arm}-0", kind="purchase", value=Decimal("999"), created_at=now - timedelta(days=5)
        )
    )
    Event.objects.bulk_create(rows)


def test_results_per_arm_and_promote_the_winner():
    exp = make_experiment()
    _events(exp, "control", visitors=200, clicks=20, buyers=10, value="30")
    _events(exp, "diverse", visitors=200, clicks=45, buyers=22, value="30")
    control, diverse = service.results(exp)
    assert (control.key, control.visitors, control.impressions, control.clicks) == ("control", 200, 2000, 20)
    assert (diverse.converters, diverse.revenue) == (22, 660.0)
    assert diverse.ctr.value == pytest.approx(45 / 2000)
    assert diverse.ctr.p_beats_control > 0.99 and diverse.conversion.p_beats_control > 0.95
    assert diverse.revenue_per_visitor.value == pytest.approx(3.3)
    assert control.ctr.p_beats_control is None
    best = service.best_arm(exp, [control, diverse])
    assert best.key == "diverse"
    service.promote(exp, best.key, by="tester")
    exp.refresh_from_db()
    assert exp.winner == "diverse" and exp.status == "stopped"
    assert runtime.tuning()["recs_diversity_lambda"] == 0.6


def test_deleting_a_variant_reaches_assignment_at_once():
    exp = make_experiment()
    assert {service.assign(f"s{i}", "for_you")[1] for i in range(50)} == {"control", "diverse"}
    exp.variants.get(key="diverse").delete()
    assert {service.assign(f"s{i}", "for_you")[1] for i in range(50)} == {"control"}
