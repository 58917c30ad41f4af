"""The dashboard's own indexes exist after migrating (they live in a RunSQL of migration 0003)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_dashboard_indexes_are_created_by_the_migration():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ecom_ai_event'")
        indexes = dict(cursor.fetchall())
    assert "INCLUDE (user_id, session_key)" in indexes["ecom_ai_ev_time_visitor"]
    assert "WHERE (context @> '{\"simulated\": true}'::jsonb)" in indexes["ecom_ai_ev_simulated"]
    assert "INCLUDE (kind, slot, strategy, value)" in indexes["ecom_ai_ev_attributed"]
    assert "INCLUDE (query)" in indexes["ecom_ai_ev_search_zero"]
