"""Fixtures for tests that need a real Celery worker process (marked ``worker``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def worker_env(**overrides: str) -> dict[str, str]:
    """The environment of a worker that shares this test run's database and Redis databases."""
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    if db.get("PASSWORD"):
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="demo_shop.settings_test",
        DATABASE_URL=url,
        REDIS_URL=settings.REDIS_URL,
        REDIS_DB_BASE=str(settings.REDIS_DB_BASE),
        PYTHONUNBUFFERED="1",
        HF_HUB_OFFLINE="1",
        ECOM_AI_LOG_LEVEL="INFO",
    )
    env.update(overrides)
    return env


def clear_test_broker() -> None:
    """Forget queued messages and pending refs of earlier tests (test Redis databases only)."""
    import redis
    from django.conf import settings

    assert settings.REDIS_DB_BASE >= 8, "refusing to flush a non-test Redis database"
    for url in (settings.CELERY_BROKER_URL, settings.CELERY_RESULT_BACKEND):
        redis.Redis.from_url(url).flushdb()


@pytest.fixture
def celery_worker(request, output_dir):
    """Start a real ``celery -A demo_shop worker -Q ecom_ai.inference,ecom_ai.default --pool solo``.

    Its log goes to ``test-output/worker-<test>.log``; it is killed at teardown. Use with
    ``@pytest.mark.django_db(transaction=True)`` so the worker sees the test's committed rows.
    Returns a factory: ``celery_worker()`` starts one (call again after a kill for a new one).
    """
    from ecom_ai.evaluation.processes import WorkerProcess

    clear_test_broker()
    started: list[WorkerProcess] = []
    log = output_dir / f"worker-{request.node.name}.log"
    log.unlink(missing_ok=True)

    def start(**env_overrides: str) -> WorkerProcess:
        beat = env_overrides.pop("beat", None) == "1"
        supervise = env_overrides.pop("supervise", None) == "1"
        worker = WorkerProcess(
            "demo_shop", worker_env(**env_overrides), log, cwd=ROOT, beat=beat, name=f"w{len(started)}"
        )
        started.append(worker)
        return worker.start(supervise=supervise)

    yield start
    for worker in started:
        worker.stop()
