"""The held-out check of search fusion weights: fitting and cross-validation on synthetic features."""

from __future__ import annotations

import random

from ecom_ai.evaluation.search_cv import cross_validate, fit, mean_ndcg


def _synthetic(queries: int = 12, seed: int = 3):
    """Per query: "good" ranks the relevant product first, "noise" is random; both in [0, 1]."""
    rng = random.Random(seed)
    data, labels = {}, {}
    for q in range(queries):
        refs = [f"{q}-{i}" for i in range(20)]
        relevant = refs[rng.randrange(20)]
        good = {r: (1.0 if r == relevant else rng.random() * 0.5) for r in refs}
        noise = {r: rng.random() for r in refs}
        rows = {r: {"category": ""} for r in refs}
        data[f"q{q}"] = ({"good": good, "noise": noise}, rows, [])
        labels[f"q{q}"] = {relevant: 3.0}
    return data, labels


def test_fit_weights_the_informative_feature_over_noise():
    data, labels = _synthetic()
    weights = fit(data, labels, list(data), ["good", "noise"])
    assert weights["good"] > weights["noise"]
    assert mean_ndcg(data, labels, list(data), weights) == 1.0
    assert mean_ndcg(data, labels, list(data), {"noise": 1.0}) < 0.6


def test_cross_validation_scores_only_held_out_queries():
    data, labels = _synthetic()
    assert cross_validate(data, labels, ["good", "noise"], folds=3) > 0.9
    # With only noise to learn from, the held-out figure stays low.
    noisy = {q: ({"noise": features["noise"]}, rows, cats) for q, (features, rows, cats) in data.items()}
    assert cross_validate(noisy, labels, ["noise"], folds=3) < 0.6
