"""Pure ranking helpers: MMR category diversity, recency weights, blending and offline metrics."""

from __future__ import annotations

import math

from ecom_ai.core.ranking import blend, mmr, ndcg_at, recall_at, recency_weights


def test_mmr_lambda_one_keeps_relevance_order_and_lower_lambda_spreads_categories():
    cands = [("a1", 1.0), ("a2", 0.95), ("a3", 0.9), ("b1", 0.5), ("c1", 0.4)]
    group = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "c1": "C"}.get
    assert [r for r, _ in mmr(cands, group, 3, 1.0)] == ["a1", "a2", "a3"]
    diverse = [r for r, _ in mmr(cands, group, 3, 0.5)]
    assert diverse[0] == "a1" and {"b1", "c1"} & set(diverse)
    assert len({group(r) for r in diverse}) >= 2


def test_recency_weights_halve_every_half_life_and_newest_weighs_one():
    w = recency_weights(5, 2.0)
    assert w[-1] == 1.0 and math.isclose(w[-3], 0.5) and w == sorted(w)


def test_blend_normalises_each_strategy_before_weighting():
    out = blend([(1.0, {"x": 10.0, "y": 5.0}), (0.5, {"y": 0.2})])
    assert out == {"x": 1.0, "y": 1.0}


def test_metrics_single_relevant_item():
    assert recall_at(["a", "b", "c"], "c", 2) == 0.0 and recall_at(["a", "b", "c"], "c", 3) == 1.0
    assert math.isclose(ndcg_at(["a", "b"], "b", 10), 1 / math.log2(3))
    assert ndcg_at(["a"], "z", 10) == 0.0
