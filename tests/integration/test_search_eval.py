"""``manage.py ecom_ai_eval search`` end to end on a tiny Icecat-shaped catalogue built here."""

from __future__ import annotations

import json
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)

PRODUCTS = [
    {
        "id": "1",
        "title": "Brother TN-2110 toner cartridge black",
        "supplier": "Brother",
        "price": 3900,
        "short_description": "Original Brother toner for HL-2140.",
    },
    {"id": "2", "title": "Brother TN-2120 high yield toner", "supplier": "Brother", "price": 5900},
    {
        "id": "3",
        "title": "HP ProBook 450 G9 notebook laptop 15.6",
        "supplier": "HP",
        "price": 89900,
        "short_description": "Business laptop.",
    },
    {"id": "4", "title": "Targus 15.6 inch laptop backpack bag", "supplier": "Targus", "price": 4990},
    {"id": "5", "title": "Logitech M185 wireless mouse", "supplier": "Logitech", "price": 1490},
    {"id": "6", "title": "JBL Flip bluetooth speaker", "supplier": "JBL", "price": 9900},
    {"id": "7", "title": "Duracell AA batteries 8 pack", "supplier": "Duracell", "price": 749},
    {"id": "8", "title": "Lenovo ThinkPad X1 laptop", "supplier": "Lenovo", "price": 149900},
]
LABELS = """query,docid,rating
brother tn-2110 toner,1,3
brother tn-2110 toner,2,1
laptop,3,3
laptop,8,3
laptop,4,0
wireless mouse,5,3
aa battery,7,3
nothing relevant here,6,0
"""



def _evaluate(dataset, labels) -> dict:
    """Run ``ecom_ai_eval search`` in its test scratch database; it must print exactly one JSON line."""
    out = StringIO()
    call_command(
        "ecom_ai_eval",
        "search",
        "--dataset",
        str(dataset),
        "--labels",
        str(labels),
        "--database",
        "ecom_ai_search_eval_test",
        stdout=out,
    )
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])

def test_eval_command_prints_one_json_line_with_every_mode(tmp_path, encoder):
    with zipfile.ZipFile(tmp_path / "products_1.json.zip", "w") as archive:
        archive.writestr("products_1.json", json.dumps(PRODUCTS))
    labels = tmp_path / "labels.csv"
    labels.write_text(LABELS)
    report = _evaluate(tmp_path, labels)
    assert report["products"] == 8 and report["queries"] == 4  # the all-zero query is left out
    alternative = [k for k in report if k.startswith("hybrid_") and k != "hybrid_minus_best_single"]
    assert len(alternative) == 1
    for mode in ("fts", "vector", "hybrid", *alternative):
        metrics = report[mode]
        assert 0.0 <= metrics["ndcg@10"] <= 1.0 and 0.0 <= metrics["recall@50"] <= 1.0
        assert metrics["p95_ms"] >= metrics["p50_ms"] > 0
    assert report["hybrid"]["ndcg@10"] >= 0.9  # a tiny catalogue with obvious answers
    # The held-out check refits the shipped features' weights fold by fold; replaying the shipped
    # weights from the collected features gives exactly the hybrid figure.
    cv = report["cross_validation"]
    assert cv["dev_ndcg@10"] == report["hybrid"]["ndcg@10"]
    assert 0.0 <= cv["held_out_ndcg@10"] <= 1.0 and "best_field" in cv["features"]
    # A second run reuses the vectors (content-hash cache in the kept scratch database).
    assert _evaluate(tmp_path, labels)["embedded_now"] == 0
