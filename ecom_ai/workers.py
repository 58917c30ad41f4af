"""Celery wiring a host calls from its ``celery.py``: queue routes for ecom_ai's tasks and the sweep.

    app = Celery("myshop")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.autodiscover_tasks()
    from ecom_ai.workers import configure_celery
    configure_celery(app)

Then run one inference worker per GPU (``-Q ecom_ai.inference --pool solo``: never a forked CUDA
context) and a light worker with beat (``-Q ecom_ai.default -B``). Without ``configure_celery`` the
host can route by hand: ``CELERY_TASK_ROUTES = {"ecom_ai.*": {"queue": "ecom_ai.default"},
"ecom_ai.embed_products": ..., }``; ecom_ai also names the queue whenever it sends a task itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .conf import ecom_ai_settings

# task name -> which of ECOM_AI["QUEUES"] it belongs to
TASK_QUEUES = {
    "ecom_ai.embed_products": "inference",
    "ecom_ai.flush_embeddings": "inference",
    "ecom_ai.encode_query": "inference",
    "ecom_ai.chat_generate": "inference",
    "ecom_ai.sweep_stale": "default",
    "ecom_ai.reembed_all": "default",
}


def route_task(
    name: str, args: Any = None, kwargs: Any = None, options: Any = None, task: Any = None, **kw: Any
) -> dict | None:
    """A Celery router (``task_routes`` entry): ecom_ai's tasks to their queue, others untouched."""
    kind = TASK_QUEUES.get(name)
    if kind is None and name.startswith("ecom_ai."):
        kind = "default"
    return {"queue": ecom_ai_settings.QUEUES[kind]} if kind else None


def beat_schedule() -> dict[str, dict]:
    """ecom_ai's periodic work: the sweep that re-queues anything stale or missing (every
    ``STALE_SWEEP_MINUTES``) and the refresh of the co-purchase / trending tables (every 10 minutes)."""
    return {
        "ecom_ai.refresh_recommendations": {
            "task": "ecom_ai.refresh_recommendations",
            "schedule": timedelta(minutes=10),
            "options": {"queue": ecom_ai_settings.QUEUES["default"], "expires": 600},
        },
        "ecom_ai.sweep_stale": {
            "task": "ecom_ai.sweep_stale",
            "schedule": timedelta(minutes=float(ecom_ai_settings.STALE_SWEEP_MINUTES)),
            "options": {
                "queue": ecom_ai_settings.QUEUES["default"],
                "expires": float(ecom_ai_settings.STALE_SWEEP_MINUTES) * 60,
            },
        },
    }


def configure_celery(app) -> None:
    """Add ecom_ai's router (after the host's own routes) and its beat entry once the app is configured."""

    def _apply(sender=None, **kwargs) -> None:
        conf = app.conf
        routes = conf.task_routes
        if routes is None:
            routes = []
        elif isinstance(routes, dict | str):
            routes = [routes]
        router = "ecom_ai.workers.route_task"
        if router not in routes:
            conf.task_routes = [*routes, router]
        conf.beat_schedule = {**beat_schedule(), **(conf.beat_schedule or {})}

    if app.configured:
        _apply()
    else:
        app.on_after_configure.connect(_apply, weak=False)
