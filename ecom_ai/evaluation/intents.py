"""Intent routing accuracy on a support CSV (``instruction``, ``intent``), never on rows it trained on.

Protocols:
  cv      (default) stratified k-fold: each fold is scored by a router trained on the other folds
          plus the shipped exemplars;
  split   one fixed train/test split (``--test-size``, seed 0);
  model   the saved trained model, scoring only rows whose text it did not see in training;
  exemplars  the exemplar fallback alone (nothing learnt from the CSV).
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from django.conf import settings

from ..core.intents import ExemplarIntentClassifier, classification_report


def default_data() -> Path:
    return Path(settings.BASE_DIR).parent / "shared" / "datasets" / "bitext_support" / "dev.csv"


def add_arguments(parser) -> None:
    parser.add_argument(
        "--data",
        default=None,
        help="CSV with instruction,intent columns (default ../shared/datasets/bitext_support/dev.csv)",
    )
    parser.add_argument("--protocol", choices=["cv", "split", "model", "exemplars"], default="cv")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--C", type=float, default=20.0)
    parser.add_argument("--model", default=None, help="model file for --protocol model")


def stratified_folds(labels: list[str], folds: int, seed: int) -> list[int]:
    """A fold number per row, each intent spread evenly over the folds (fixed by ``seed``)."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_label[label].append(i)
    assignment = [0] * len(labels)
    for label in sorted(by_label):
        rows = by_label[label]
        rng.shuffle(rows)
        for j, i in enumerate(rows):
            assignment[i] = j % folds
    return assignment


def run(options: dict) -> dict:
    from ..services.chat import intents as router

    path = Path(options.get("data") or default_data())
    texts, labels = router.read_intent_csv(path)
    protocol = options.get("protocol") or "cv"
    seed, C = int(options.get("seed", 0)), float(options.get("C", 20.0))
    started = time.perf_counter()
    result: dict = {"evaluation": "intents", "data": str(path), "protocol": protocol}
    if protocol == "exemplars":
        predicted = ExemplarIntentClassifier().predict_many(texts)
        gold = labels
    elif protocol == "model":
        model = router.load(Path(options["model"]) if options.get("model") else None)
        if model is None:
            raise SystemExit(f"no trained intent model at {options.get('model') or router.model_path()}")
        keep = [i for i, t in enumerate(texts) if router.text_hash(t) not in model.trained_hashes]
        result["skipped_seen_in_training"] = len(texts) - len(keep)
        gold = [labels[i] for i in keep]
        predicted = model.predict_many([texts[i] for i in keep]) if keep else []
    else:
        folds = int(options.get("folds", 5)) if protocol == "cv" else 0
        if protocol == "split":
            test_size = float(options.get("test_size", 0.2))
            n_test_folds = max(1, round(1 / test_size))
            assignment = stratified_folds(labels, n_test_folds, seed)
            rounds = [0]
            result["test_size"] = test_size
        else:
            assignment = stratified_folds(labels, folds, seed)
            rounds = list(range(folds))
            result["folds"] = folds
        gold, predicted = [], []
        for k in rounds:
            train = [i for i, f in enumerate(assignment) if f != k]
            test = [i for i, f in enumerate(assignment) if f == k]
            model = router.train([texts[i] for i in train], [labels[i] for i in train], C=C)
            gold += [labels[i] for i in test]
            predicted += model.predict_many([texts[i] for i in test])
            print(f"fold {k + 1}/{len(rounds)} done", file=sys.stderr)
        result["seed"] = seed
    result.update(classification_report(gold, predicted))
    result["predicted_outside_dataset_intents"] = sum(1 for p in predicted if p not in set(labels))
    result["baseline_minilm_nn_reference"] = 0.967
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result
