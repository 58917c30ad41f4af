"""Experiment statistics against scipy, deterministic bucketing and traffic split, SVG escaping."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from ecom_ai.core import svgcharts
from ecom_ai.core.stats import mean_and_se, mean_estimates, rate_estimates
from ecom_ai.services.experiments import bucket, pick_arm


@pytest.mark.parametrize("arms", [[(30, 1000), (45, 1000)], [(5, 80), (3, 90), (9, 85)], [(0, 50), (0, 50)]])
def test_rate_intervals_match_scipy_beta_quantiles(arms):
    for (s, n), est in zip(arms, rate_estimates(arms), strict=True):
        low, high = stats.beta.ppf([0.025, 0.975], 1 + s, 1 + n - s)
        assert est.low == pytest.approx(low, abs=2e-3)
        assert est.high == pytest.approx(high, abs=2e-3)
        assert est.value == pytest.approx(s / n)


@pytest.mark.parametrize(
    "control,variant", [((30, 1000), (45, 1000)), ((50, 400), (40, 400)), ((7, 60), (7, 60))]
)
def test_probability_to_beat_control_matches_numerical_integration(control, variant):
    a = (1 + control[0], 1 + control[1] - control[0])
    b = (1 + variant[0], 1 + variant[1] - variant[0])
    # P(B > A) = ∫ f_B(x) F_A(x) dx
    exact, _ = integrate.quad(lambda x: stats.beta.pdf(x, *b) * stats.beta.cdf(x, *a), 0, 1, limit=200)
    est = rate_estimates([control, variant])[1]
    assert est.p_beats_control == pytest.approx(exact, abs=4e-3)


def test_revenue_estimates_match_welch_and_normal_from_scipy():
    rng = np.random.default_rng(1)
    control = rng.exponential(20, 400) * (rng.random(400) < 0.2)
    variant = rng.exponential(24, 380) * (rng.random(380) < 0.22)
    arms = [(len(x), float(x.sum()), float((x * x).sum())) for x in (control, variant)]
    est = mean_estimates(arms)
    for x, e in zip((control, variant), est, strict=True):
        mean, se = mean_and_se(len(x), float(x.sum()), float((x * x).sum()))
        assert mean == pytest.approx(x.mean())
        assert se == pytest.approx(stats.sem(x))
        low, high = stats.norm.interval(0.95, loc=x.mean(), scale=stats.sem(x))
        assert (e.low, e.high) == pytest.approx((low, high))
    welch = stats.ttest_ind(variant, control, equal_var=False)
    assert est[1].p_beats_control == pytest.approx(stats.norm.cdf(welch.statistic), rel=1e-9)
    assert est[0].p_beats_control is None


def test_bucketing_is_deterministic_and_independent_per_experiment():
    assert bucket("exp-a", "u:42") == bucket("exp-a", "u:42")
    assert bucket("exp-a", "u:42") != bucket("exp-b", "u:42")
    arms = [("control", 50, {}), ("b", 50, {"x": 1})]
    assert {pick_arm("exp-a", "s:abc", arms)[0] for _ in range(5)} == {pick_arm("exp-a", "s:abc", arms)[0]}


@pytest.mark.parametrize("weights", [(50, 50), (90, 10), (20, 30, 50)])
def test_traffic_split_follows_weights(weights):
    arms = [(f"arm{i}", w, {}) for i, w in enumerate(weights)]
    n = 20000
    counts = {a[0]: 0 for a in arms}
    for i in range(n):
        counts[pick_arm("split-test", f"s:{i}", arms)[0]] += 1
    total = sum(weights)
    for key, w, _ in arms:
        p = w / total
        # within 4 standard deviations of the binomial expectation
        assert abs(counts[key] - n * p) < 4 * (n * p * (1 - p)) ** 0.5, counts


def test_svg_charts_escape_text_and_draw_shapes():
    evil = '<script>alert("x")</script>'
    svg = svgcharts.bar_chart([evil, "b"], {"s": [1, 2]}, title=evil)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and svg.count("<rect") >= 2
    line = svgcharts.line_chart(["1", "2", "3"], {"a": [1, None, 3]})
    assert "<polyline" not in line  # the gap leaves two single points, no line through the gap
    assert svgcharts.line_chart(["1", "2"], {"a": [1, 2]}).count("<polyline") == 1
    assert line.count("<circle") == 2
    heat = svgcharts.heatmap(["w1", "w2"], ["0", "1"], [[1.0, 0.5], [1.0, None]])
    assert heat.count("<rect") == 3 and "50%" in heat
    intervals = svgcharts.interval_chart(["control", "b"], [(0.1, 0.08, 0.12), (0.2, 0.15, 0.25)])
    assert intervals.count("<circle") == 2
