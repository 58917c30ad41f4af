"""The foundation: real Postgres with pgvector, real Redis, the embedded servers, system checks."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core import checks
from django.db import connection

pytestmark = pytest.mark.django_db


def test_database_is_postgres_with_pgvector_and_text_extensions():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname, extversion FROM pg_extension")
        ext = dict(cursor.fetchall())
    assert connection.vendor == "postgresql"
    assert "vector" in ext and tuple(int(x) for x in ext["vector"].split(".")[:2]) >= (0, 8)
    assert {"pg_trgm", "unaccent"} <= set(ext)


def test_pgvector_check_passes_on_this_database_and_names_its_id():
    errors = checks.run_checks(databases=["default"], tags=[checks.Tags.database])
    assert [e for e in errors if e.id == "ecom_ai.E003"] == []


def test_settings_check_reports_unknown_keys_and_bad_paths(settings):
    settings.ECOM_AI = {**settings.ECOM_AI, "ENCODR": {}, "SHOP_ADAPTER": "no.such.Adapter"}
    ids = {e.id for e in checks.run_checks(tags=["ecom_ai"])}
    assert {"ecom_ai.E001", "ecom_ai.E002"} <= ids


def test_redis_is_real_and_reachable():
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert client.ping() is True
    client.set("ecom_ai:test:ping", "pong", ex=5)
    assert client.get("ecom_ai:test:ping") == b"pong"


@pytest.mark.skipif(bool(os.environ.get("ECOM_AI_EXTERNAL_ONLY")), reason="external servers only")
def test_embedded_services_are_reused_not_restarted(tmp_path):
    from ecom_ai.embedded import ensure_services, stop_services

    first = ensure_services(tmp_path, database=False, redis=True)
    try:
        second = ensure_services(tmp_path, database=False, redis=True)
        assert first.started == ("redis",)
        assert second.started == ()
        assert second.redis_url == first.redis_url
    finally:
        assert stop_services(tmp_path) == ["redis"]
