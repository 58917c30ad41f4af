"""Intent routing without dependencies: a character n-gram nearest-neighbour classifier.

This is the fallback the router uses when no trained model exists (see services/chat/intents.py);
it learns only from the hand-written exemplars shipped in ``intent_exemplars``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .intent_exemplars import EXEMPLARS


@dataclass(frozen=True)
class IntentPrediction:
    """The routed intent, how sure the router is, and the runners-up."""

    intent: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = field(default_factory=tuple)


def normalise(text: str) -> str:
    """Lower-case, digits folded to one symbol (order numbers must not steer the intent)."""
    text = re.sub(r"\b[a-z]{1,5}-[a-z0-9]{4,20}\b", " ordernum ", text.lower())
    text = re.sub(r"\d+", "0", text)
    return " ".join(re.findall(r"[\w']+|[€$£?!]", text))


def _features(text: str) -> Counter:
    norm = normalise(text)
    words = norm.split()
    feats: Counter = Counter()
    padded = f" {norm} "
    for n in (3, 4, 5):
        for i in range(len(padded) - n + 1):
            feats["c" + padded[i : i + n]] += 1
    for i, w in enumerate(words):
        feats["w" + w] += 2
        if i + 1 < len(words):
            feats["b" + w + " " + words[i + 1]] += 2
    return feats


class ExemplarIntentClassifier:
    """k-nearest exemplars by cosine over tf-idf weighted character and word n-grams."""

    def __init__(self, exemplars: dict[str, Sequence[str]] | None = None, k: int = 3):
        self.k = k
        pairs = [(label, text) for label, texts in (exemplars or EXEMPLARS).items() for text in texts]
        self.labels = [label for label, _ in pairs]
        raw = [_features(text) for _, text in pairs]
        df: Counter = Counter()
        for feats in raw:
            df.update(feats.keys())
        n = len(raw)
        self.idf = {f: math.log((1 + n) / (1 + c)) + 1.0 for f, c in df.items()}
        self.vectors = [self._weigh(feats) for feats in raw]

    def _weigh(self, feats: Counter) -> dict[str, float]:
        vec = {f: (1 + math.log(c)) * self.idf.get(f, 0.0) for f, c in feats.items() if f in self.idf}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {f: v / norm for f, v in vec.items()}

    def predict(self, text: str) -> IntentPrediction:
        query = self._weigh(_features(text))
        scores = []
        for label, vec in zip(self.labels, self.vectors, strict=True):
            small, big = (query, vec) if len(query) < len(vec) else (vec, query)
            scores.append((sum(v * big.get(f, 0.0) for f, v in small.items()), label))
        scores.sort(reverse=True)
        votes: dict[str, float] = {}
        for score, label in scores[: self.k]:
            votes[label] = votes.get(label, 0.0) + score
        ranked = sorted(votes.items(), key=lambda item: -item[1])
        best, best_score = ranked[0]
        confidence = min(1.0, scores[0][0]) if scores else 0.0
        return IntentPrediction(
            best, round(confidence, 4), tuple((lbl, round(s, 4)) for lbl, s in ranked[1:3])
        )

    def predict_many(self, texts: Iterable[str]) -> list[str]:
        return [self.predict(t).intent for t in texts]


def classification_report(gold: Sequence[str], predicted: Sequence[str], worst: int = 5) -> dict:
    """Accuracy, macro-F1 over the gold labels, and the intents with the lowest F1."""
    labels = sorted(set(gold))
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for g, p in zip(gold, predicted, strict=True):
        if g == p:
            tp[g] += 1
        else:
            fn[g] += 1
            fp[p] += 1
    f1 = {}
    for label in labels:
        precision = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        recall = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        f1[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(tp.values()) / len(gold) if gold else 0.0
    ranked = sorted(f1.items(), key=lambda item: (item[1], item[0]))[:worst]
    return {
        "rows": len(gold),
        "intents": len(labels),
        "accuracy": round(accuracy, 4),
        "macro_f1": round(sum(f1.values()) / len(f1), 4) if f1 else 0.0,
        "worst_intents": [
            {"intent": label, "f1": round(score, 4), "support": tp[label] + fn[label]}
            for label, score in ranked
        ],
    }
