"""The intent router: a trained classifier when one exists, else the shipped exemplars.

Training (``manage.py ecom_ai_train_intents --data CSV``) fits logistic regression over
character and word n-gram tf-idf features on the CSV's rows plus the hand-written exemplars
(which add the shop intents: product search, recommendations, greetings, out of scope …).
The model file records hashes of the texts it was trained on, so an evaluation never scores
a message the model has already seen.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings

from ...conf import ecom_ai_settings
from ...core.intent_exemplars import EXEMPLARS
from ...core.intents import ExemplarIntentClassifier, IntentPrediction, normalise

logger = logging.getLogger(__name__)

MODEL_VERSION = 1
_lock = threading.Lock()
_router: Any = None


def read_intent_csv(path: str | Path) -> tuple[list[str], list[str]]:
    """Messages and labels from a CSV with ``instruction`` and ``intent`` columns."""
    texts: list[str] = []
    labels: list[str] = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"instruction", "intent"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            text, label = (row.get("instruction") or "").strip(), (row.get("intent") or "").strip()
            if text and label:
                texts.append(text)
                labels.append(label)
    if not texts:
        raise ValueError(f"{path}: no rows with both an instruction and an intent")
    return texts, labels


def text_hash(text: str) -> str:
    return hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()[:16]


def model_path() -> Path:
    """Where the trained model lives: ``ECOM_AI["CHAT"]["INTENT_MODEL"]`` or ``<BASE_DIR>/var/``."""
    configured = ecom_ai_settings.CHAT.get("INTENT_MODEL")
    if configured:
        return Path(configured)
    base = Path(getattr(settings, "VAR_DIR", None) or Path(getattr(settings, "BASE_DIR", ".")) / "var")
    return base / "ecom_ai" / "intent_model.joblib"


def build_pipeline(C: float = 20.0):
    """tf-idf over character (2-5, word-bounded) and word (1-2) n-grams, then logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    return make_pipeline(
        make_union(
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, preprocessor=normalise
            ),
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, preprocessor=normalise),
        ),
        LogisticRegression(C=C, max_iter=3000),
    )


def with_exemplars(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """Training rows plus the shipped exemplars (repeated so small shop intents are not drowned)."""
    ex_texts = [t for intent, items in EXEMPLARS.items() for t in items]
    ex_labels = [intent for intent, items in EXEMPLARS.items() for _ in items]
    return list(texts) + ex_texts * 3, list(labels) + ex_labels * 3


class TrainedIntentRouter:
    """A fitted pipeline and the hashes of what it saw."""

    def __init__(self, pipeline: Any, trained_hashes: set[str], meta: dict):
        self.pipeline = pipeline
        self.trained_hashes = trained_hashes
        self.meta = meta

    def predict(self, text: str) -> IntentPrediction:
        # The pipeline's steps called directly: FeatureUnion's joblib dispatch costs more than the
        # two vectorisers and the dot product together for a single message.
        union, classifier = self.pipeline.steps[0][1], self.pipeline.steps[-1][1]
        from scipy.sparse import hstack

        features = hstack([t.transform([text]) for _, t in union.transformer_list]).tocsr()
        proba = classifier.predict_proba(features)[0]
        classes = classifier.classes_
        order = proba.argsort()[::-1]
        return IntentPrediction(
            str(classes[order[0]]),
            round(float(proba[order[0]]), 4),
            tuple((str(classes[i]), round(float(proba[i]), 4)) for i in order[1:3]),
        )

    def predict_many(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))]


def train(texts: Sequence[str], labels: Sequence[str], *, C: float = 20.0) -> TrainedIntentRouter:
    """Fit the router on ``texts`` + the shipped exemplars."""
    pipeline = build_pipeline(C)
    x, y = with_exemplars(texts, labels)
    pipeline.fit(x, y)
    return TrainedIntentRouter(
        pipeline,
        {text_hash(t) for t in texts},
        {"version": MODEL_VERSION, "rows": len(texts), "C": C, "intents": sorted(set(y))},
    )


def save(router: TrainedIntentRouter, path: Path | None = None) -> Path:
    import joblib

    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(
        {"pipeline": router.pipeline, "hashes": sorted(router.trained_hashes), "meta": router.meta}, path
    )
    reset_router()
    return path


def load(path: Path | None = None) -> TrainedIntentRouter | None:
    """The trained router at ``path``, or None when there is none (or it cannot be read)."""
    path = path or model_path()
    if not path.exists():
        return None
    try:
        import joblib

        data = joblib.load(path)
        if data.get("meta", {}).get("version") != MODEL_VERSION:
            logger.warning("intent model %s has another version; using the exemplars", path)
            return None
        return TrainedIntentRouter(data["pipeline"], set(data["hashes"]), data["meta"])
    except Exception:  # a broken or foreign file must not take the chat down
        logger.exception("cannot load intent model %s; using the exemplars", path)
        return None


def get_router():
    """The process-wide router: trained model if present, else the exemplar classifier."""
    global _router
    if _router is None:
        with _lock:
            if _router is None:
                _router = load() or ExemplarIntentClassifier()
    return _router


def reset_router() -> None:
    global _router
    _router = None
    _cached_route.cache_clear()


@functools.lru_cache(maxsize=4096)
def _cached_route(text: str) -> IntentPrediction:
    return get_router().predict(text)


def route(text: str) -> IntentPrediction:
    """The intent of one customer message (predictions are immutable, so repeated messages —
    "hello", "track my order" — are routed once per process)."""
    return _cached_route(text)


def _reset_on_settings_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "ECOM_AI":
        reset_router()


from django.core.signals import setting_changed  # noqa: E402

setting_changed.connect(_reset_on_settings_change)
