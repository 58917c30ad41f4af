"""The SQL side of search: full-text, model-code, trigram and vector candidates, and product rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
from django.db import connection, transaction

from . import vectors
from .vectors import VectorFilters

TABLE = "ecom_ai_indexedproduct"
T = TypeVar("T")
# The text-search configuration of the search_vector column (migration 0003); queries must match it.
FTS_CONFIG = "english"
FTS_COLUMN = "search_vector"
# Field weights for ts_rank in {D, C, B, A} order: title/brand >> category >> description/attributes.
RANK_WEIGHTS = "{0.05, 0.2, 0.4, 1.0}"
# What rerank tokenises besides the card fields; the start of the description is enough (as
# search_catalog.DESCRIPTION_CHARS).
TEXT_COLUMNS = "left(description, 300) AS description, attributes"


def _where(filters: VectorFilters) -> tuple[str, list]:
    clauses, params = vectors._filter_sql(filters)
    return (" AND ".join(clauses) if clauses else "TRUE"), params


def _fts_sql(text: str, filters: VectorFilters, limit: int) -> tuple[str, list]:
    where, params = _where(filters)
    sql = f"""
        WITH base AS (SELECT plainto_tsquery('{FTS_CONFIG}', ecom_ai_unaccent(%s)) AS q_and),
        q AS (
            SELECT q_and, replace(q_and::text, ' & ', ' | ')::tsquery AS q_or FROM base
            WHERE numnode(q_and) > 0
        )
        SELECT product_ref,
               ts_rank(%s, {FTS_COLUMN}, q.q_or, 1)
               + CASE WHEN {FTS_COLUMN} @@ q.q_and THEN 1 ELSE 0 END AS rank
        FROM {TABLE}, q
        WHERE {FTS_COLUMN} @@ q.q_or AND {where}
        ORDER BY rank DESC, id LIMIT %s
    """
    return sql, [text, RANK_WEIGHTS, *params, int(limit)]


def fts_candidates(text: str, filters: VectorFilters, limit: int) -> list[tuple[str, float]]:
    """Products matching any query word, ranked by weighted ts_rank; those matching all words first.

    One round trip: a query of stop words or symbols only (no lexemes) matches nothing."""
    if not text.strip():
        return []
    with connection.cursor() as cursor:
        cursor.execute(*_fts_sql(text, filters, limit))
        return [(ref, float(rank)) for ref, rank in cursor.fetchall()]


def fts_candidates_while(
    text: str, filters: VectorFilters, limit: int, work: Callable[[], T]
) -> tuple[list[tuple[str, float]], T]:
    """``fts_candidates`` and ``work()`` (the query encoding) at the same time: the statement is sent
    in psycopg's pipeline mode, PostgreSQL ranks while this process runs ``work``, then the rows are
    read. Without psycopg 3 (no pipeline) the two simply run one after the other."""
    if not text.strip():
        return [], work()
    connection.ensure_connection()
    raw = connection.connection
    if not hasattr(raw, "pipeline"):
        return fts_candidates(text, filters, limit), work()
    sql, params = _fts_sql(text, filters, limit)
    with connection.wrap_database_errors, raw.pipeline(), raw.cursor() as cursor:
        cursor.execute(sql, params)
        result = work()
        rows = cursor.fetchall()
    return [(ref, float(rank)) for ref, rank in rows], result


def code_candidates(codes: list[str], filters: VectorFilters, limit: int) -> list[str]:
    """Products whose title contains every model code, separators ignored (trigram GIN index)."""
    codes = [c for c in codes if len(c) >= 3]
    if not codes:
        return []
    where, params = _where(filters)
    likes = " AND ".join(["search_codes LIKE %s"] * len(codes))
    sql = f"SELECT product_ref FROM {TABLE} WHERE {likes} AND {where} ORDER BY length(title), id LIMIT %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(f"%{_like_escape(c)}%" for c in codes), *params, int(limit)])
        return [row[0] for row in cursor.fetchall()]


def trigram_candidates(
    text: str, filters: VectorFilters, limit: int, threshold: float = 0.5
) -> list[tuple[str, float]]:
    """Titles containing words similar to the query's (typos): pg_trgm word similarity."""
    if len(text.strip()) < 3:
        return []
    where, params = _where(filters)
    sql = f"""
        SELECT product_ref, word_similarity(%s, title) AS sim FROM {TABLE}
        WHERE %s <%% title AND {where} ORDER BY sim DESC, id LIMIT %s
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {float(threshold):.3f}")
        cursor.execute(sql, [text, text, *params, int(limit)])
        return [(ref, float(sim)) for ref, sim in cursor.fetchall()]


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fetch_products(
    refs: list[str], query_vector: np.ndarray | None, model_key: str, *, text: bool = False
) -> dict[str, dict]:
    """Rows for ``refs`` with the fields cards need, and cosine similarity to the query; ``text=True``
    adds the start of the description and the attributes (rerank reads them from the catalogue index,
    which asks ``fetch_texts`` only for products it does not hold)."""
    if not refs:
        return {}
    columns = "product_ref, title, brand, category, price, in_stock, url"
    if text:
        columns += f", {TEXT_COLUMNS}"
    params: list = []
    if query_vector is not None:
        dims = int(query_vector.shape[-1])
        literal = (
            "[" + ",".join(f"{x:.6g}" for x in np.asarray(query_vector, dtype=np.float32).tolist()) + "]"
        )
        columns += (
            f", CASE WHEN model_key = %s AND dimensions = {dims} "
            f"THEN 1 - ((embedding::vector({dims})) <=> %s::vector({dims})) END AS similarity"
        )
        params += [model_key, literal]
    else:
        columns += ", NULL AS similarity"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {TABLE} WHERE product_ref = ANY(%s)", [*params, refs])
        names = [c.name for c in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def fetch_texts(refs: list[str]) -> dict[str, dict]:
    """The description start and attributes of ``refs`` (what rerank tokenises)."""
    if not refs:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT product_ref, {TEXT_COLUMNS} FROM {TABLE} WHERE product_ref = ANY(%s)", [refs])
        rows = cursor.fetchall()
    return {ref: {"description": description, "attributes": attributes} for ref, description, attributes in rows}


def popular_refs(filters: VectorFilters, limit: int) -> list[str]:
    """Products customers engage with most (views, clicks, carts, purchases), within the filters."""
    where, params = _where(filters)
    sql = f"""
        SELECT p.product_ref FROM {TABLE} p
        LEFT JOIN (
            SELECT product_ref, sum(CASE kind WHEN 'purchase' THEN 5 WHEN 'add_to_cart' THEN 3
                                    WHEN 'search_click' THEN 1.5 ELSE 1 END) AS score
            FROM ecom_ai_event WHERE product_ref <> '' AND kind IN ('view', 'search_click', 'add_to_cart',
                 'purchase', 'rec_click') GROUP BY product_ref
        ) e ON e.product_ref = p.product_ref
        WHERE {where.replace("product_ref", "p.product_ref")}
        ORDER BY coalesce(e.score, 0) DESC, p.in_stock DESC, p.id LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, int(limit)])
        return [row[0] for row in cursor.fetchall()]
