"""``manage.py ecom_ai_eval search|recs|intents ...``: one JSON line of metrics on real data."""

from __future__ import annotations

import importlib
import json

from django.core.management.base import BaseCommand, CommandError

from ...evaluation import EVALUATIONS


class Command(BaseCommand):
    help = "Evaluate search, recommendations or intent routing on a dataset; prints one JSON line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="evaluation", required=True)
        for name, path in EVALUATIONS.items():
            try:
                module = importlib.import_module(path)
            except ImportError:
                continue
            module.add_arguments(sub.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0]))

    def handle(self, *args, evaluation: str, **options):
        try:
            module = importlib.import_module(EVALUATIONS[evaluation])
        except (KeyError, ImportError) as exc:
            raise CommandError(f"unknown evaluation {evaluation!r}") from exc
        result = module.run(options)
        self.stdout.write(json.dumps(result, sort_keys=True, default=str))
