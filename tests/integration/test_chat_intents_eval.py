"""``ecom_ai_eval intents`` and ``ecom_ai_train_intents`` on small CSVs written here."""

from __future__ import annotations

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command

ROWS = {
    "track_order": [
        "where is my parcel {}",
        "track order {}",
        "has order {} shipped",
        "status of my order {}",
        "when does order {} arrive",
        "follow my delivery {}",
    ],
    "get_refund": [
        "I want my money back for {}",
        "refund order {}",
        "give me a refund on {}",
        "reimburse purchase {}",
        "I need a refund for {}",
        "money back for order {}",
    ],
    "recover_password": [
        "forgot my password again {}",
        "reset password please {}",
        "lost my password {}",
        "password recovery {}",
        "can't remember my password {}",
        "new password needed {}",
    ],
    "newsletter_subscription": [
        "unsubscribe me from the newsletter {}",
        "stop the newsletter {}",
        "subscribe newsletter {}",
        "newsletter sign up {}",
        "I want the newsletter {}",
        "cancel newsletter emails {}",
    ],
}


def write_csv(path, suffixes):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["instruction", "intent"])
        writer.writeheader()
        for intent, templates in ROWS.items():
            for template in templates:
                for suffix in suffixes:
                    writer.writerow({"instruction": template.format(suffix), "intent": intent})
    return path


def run_command(*args) -> dict:
    out = StringIO()
    call_command(*args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_intents_eval_cross_validates_and_reports_worst_intents(tmp_path):
    data = write_csv(tmp_path / "small.csv", ["", "now", "today"])
    result = run_command("ecom_ai_eval", "intents", "--data", str(data), "--folds", "2")
    assert result["protocol"] == "cv" and result["rows"] == 72 and result["intents"] == 4
    assert result["accuracy"] >= 0.9 and 0 < result["macro_f1"] <= 1
    assert len(result["worst_intents"]) == 4 and {"intent", "f1", "support"} <= set(
        result["worst_intents"][0]
    )
    exemplars = run_command("ecom_ai_eval", "intents", "--data", str(data), "--protocol", "exemplars")
    assert 0 <= exemplars["accuracy"] <= 1


def test_trained_model_is_scored_only_on_rows_it_did_not_see(tmp_path, settings):
    train = write_csv(tmp_path / "train.csv", ["", "now"])
    unseen = write_csv(tmp_path / "unseen.csv", ["now", "please", "asap"])
    model = tmp_path / "intents.joblib"
    meta = run_command("ecom_ai_train_intents", "--data", str(train), "--out", str(model))
    assert meta["rows"] == 48 and "product_search" in meta["intents"]  # shop intents come from the exemplars
    result = run_command(
        "ecom_ai_eval", "intents", "--data", str(unseen), "--protocol", "model", "--model", str(model)
    )
    assert result["skipped_seen_in_training"] == 24 and result["rows"] == 48
    assert result["accuracy"] >= 0.9

    settings.ECOM_AI = {**settings.ECOM_AI, "CHAT": {"INTENT_MODEL": str(model)}}
    from ecom_ai.services.chat.intents import TrainedIntentRouter, get_router, route

    assert isinstance(get_router(), TrainedIntentRouter)
    assert route("please reset my password").intent == "recover_password"


def test_bad_csv_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nhello,greeting\n")
    with pytest.raises(Exception, match="missing column"):
        run_command("ecom_ai_eval", "intents", "--data", str(bad))
