"""``manage.py ecom_ai_eval recs`` on a tiny sequences file, in its own scratch database."""

from __future__ import annotations

import io
import json
import random

import pytest
from django.core.management import call_command

CHAINS = [[f"{letter}{n}" for n in range(6)] for letter in "ABCD"]
TEXT = {"A": "espresso coffee", "B": "garden tools", "C": "kids toys", "D": "office paper"}


@pytest.fixture
def sequences(tmp_path):
    rng = random.Random(3)
    lines = []
    for user in range(60):
        chain = CHAINS[user % 4]
        start = rng.randint(0, 2)
        lines.append(" ".join([f"u{user}", *chain[start : start + rng.randint(3, 4)]]))
    lines.append("lonely X1")  # a single item: nothing to hold out, skipped
    seq = tmp_path / "seq.txt"
    seq.write_text("\n".join(lines) + "\n")
    text = tmp_path / "items.txt"
    text.write_text(
        "\n".join(f"{item} {TEXT[item[0]]} item {item[1]}" for chain in CHAINS for item in chain) + "\n"
    )
    return seq, text


@pytest.mark.django_db(transaction=True)
def test_eval_recs_prints_one_json_line_with_strategies_and_baselines(sequences, encoder):
    seq, text = sequences
    out = io.StringIO()
    call_command(
        "ecom_ai_eval",
        "recs",
        "--sequences",
        str(seq),
        "--item-text",
        str(text),
        "--database",
        "ecom_ai_scratch_test_recs",
        stdout=out,
    )
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["users"] == 60 and result["items"] == 24 and result["item_text"] is True
    assert set(result["baselines"]) == {"popularity", "item_knn_last5", "als"}
    assert result["baselines"]["als"]["implementation"].startswith("implicit")
    strategies = result["strategies"]
    assert {"for_you_slot", "for_you", "bought_together", "similar", "trending"} <= set(strategies)
    for row in [*strategies.values(), *result["baselines"].values()]:
        assert all(0.0 <= row[m] <= 1.0 for m in ("recall@5", "recall@10", "ndcg@5", "ndcg@10"))
        assert row["recall@10"] >= row["recall@5"]
    # The chains are deterministic: what followed an item before follows it again.
    # (a chain end seen only as a held-out item cannot be known, so not every user is a hit)
    assert strategies["for_you"]["recall@5"] >= 0.75 > result["baselines"]["popularity"]["recall@5"]
    assert strategies["for_you_slot"]["ndcg@10"] > result["baselines"]["popularity"]["ndcg@10"]
    # Text neighbours stay within the chain's theme.
    assert strategies["similar"]["recall@10"] > strategies["trending"]["recall@10"]
