"""Filtered ANN: a filter that keeps 1% of the rows still fills the page (pgvector iterative scans)."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from ecom_ai.services.vectors import VectorFilters, ensure_index, index_name, nearest

pytestmark = pytest.mark.django_db

MODEL = "test:random-32"
DIMS = 32
ROWS = 4000


def _insert_random_rows() -> None:
    """4,000 rows with random vectors, 1% in category 'rare', inserted by one SQL statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ecom_ai_indexedproduct (product_ref, title, brand, category, description, attributes,
                price, in_stock, is_visible, url, text, content_hash, model_key, dimensions, embedding,
                embedded_hash, embedded_at, skip_reason, created_at, updated_at)
            SELECT 'r' || g, 'Random ' || g, '', CASE WHEN g %% 100 = 0 THEN 'rare' ELSE 'common' END, '',
                '{}'::jsonb, NULL, true, true, '', 'x', 'h' || g, %s, %s,
                (SELECT array_agg(random() - 0.5)::real[] FROM generate_series(1, %s) WHERE g > 0)::vector,
                'h' || g, now(), '', now(), now()
            FROM generate_series(1, %s) AS g
            """,
            [MODEL, DIMS, DIMS, ROWS],
        )
        # The category btree would let the planner skip the HNSW index for so selective a filter;
        # drop it (inside this test's transaction) to exercise the index path the test is about.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'ecom_ai_indexedproduct' "
            "AND indexdef LIKE '%%(category%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("ANALYZE ecom_ai_indexedproduct")
        # On 4,000 rows a sequential scan is cheapest; a real catalogue is large enough for the planner
        # to pick the HNSW index on its own. Make this small table behave like a large one.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")


def test_one_percent_filter_returns_a_full_list_equal_to_exact_search():
    _insert_random_rows()
    ensure_index(MODEL, DIMS)
    rng = np.random.default_rng(3)
    filters = VectorFilters(categories=("rare",))
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT 1 FROM ecom_ai_indexedproduct WHERE model_key = %s AND embedding IS NOT NULL "
            "AND category = 'rare' "
            f"ORDER BY (embedding::vector({DIMS})) <=> %s::vector({DIMS}) LIMIT 10",
            [MODEL, "[" + ",".join(["0.1"] * DIMS) + "]"],
        )
        assert index_name(MODEL, DIMS) in " ".join(row[0] for row in cursor.fetchall())
    for _ in range(5):
        query = rng.normal(size=DIMS).astype(np.float32)
        approx = nearest(query, MODEL, k=10, filters=filters, ef_search=40)
        exact = nearest(query, MODEL, k=10, filters=filters, exact=True)
        assert len(approx) == 10
        assert [ref for ref, _ in approx] == [ref for ref, _ in exact]


def test_the_index_is_used_and_without_iterative_scan_the_page_would_be_short():
    """Guards the test above: the plan goes through the HNSW index, and the old behaviour fails."""
    _insert_random_rows()
    name = ensure_index(MODEL, DIMS)
    assert name == index_name(MODEL, DIMS)
    query = "[" + ",".join(["0.1"] * DIMS) + "]"
    sql = (
        f"SELECT product_ref FROM ecom_ai_indexedproduct WHERE model_key = %s AND embedding IS NOT NULL "
        f"AND is_visible AND category = 'rare' ORDER BY (embedding::vector({DIMS})) <=> %s::vector({DIMS}) "
        f"LIMIT 10"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.ef_search = 40")
        cursor.execute("EXPLAIN " + sql, [MODEL, query])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert name in plan
        cursor.execute("SET LOCAL hnsw.iterative_scan = off")
        cursor.execute(sql, [MODEL, query])
        assert len(cursor.fetchall()) < 10
