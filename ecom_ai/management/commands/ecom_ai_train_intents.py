"""``manage.py ecom_ai_train_intents --data CSV``: fit and save the chat's intent router."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Train the chat intent router on a CSV (instruction,intent) plus the shipped exemplars."

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="CSV with instruction and intent columns")
        parser.add_argument(
            "--out", default=None, help="model file (default: the configured INTENT_MODEL path)"
        )
        parser.add_argument("--C", type=float, default=20.0, help="inverse regularisation strength")

    def handle(self, *args, data: str, out: str | None, C: float, **options):
        from ecom_ai.services.chat import intents

        try:
            texts, labels = intents.read_intent_csv(data)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        try:
            router = intents.train(texts, labels, C=C)
        except ImportError as exc:
            raise CommandError("training needs scikit-learn: pip install scikit-learn") from exc
        path = intents.save(router, Path(out) if out else None)
        self.stdout.write(json.dumps({"model": str(path), **router.meta}))
