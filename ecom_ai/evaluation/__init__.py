"""Offline evaluations on real data, run by ``manage.py ecom_ai_eval NAME``; each prints one JSON line.

Each module named here defines ``add_arguments(parser)`` and ``run(options) -> dict``.
"""

from __future__ import annotations

EVALUATIONS: dict[str, str] = {
    "search": "ecom_ai.evaluation.search",
    "recs": "ecom_ai.evaluation.recs",
    "intents": "ecom_ai.evaluation.intents",
}
