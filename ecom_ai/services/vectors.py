"""pgvector queries: the HNSW index per model, and nearest-neighbour search with filters.

The ``embedding`` column has no fixed dimension, so one table serves any model; each model gets a
partial expression index ``(embedding::vector(d))`` (or ``halfvec(d)``) restricted to its rows.
Filtered queries use pgvector 0.8 iterative index scans so that a selective filter still returns
a full list instead of the few rows that survived the first ``ef_search`` candidates.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db import connection, transaction

from ..conf import ecom_ai_settings

logger = logging.getLogger(__name__)

TABLE = "ecom_ai_indexedproduct"


@dataclass(frozen=True)
class VectorFilters:
    """Filters applied inside the ANN query."""

    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None
    visible_only: bool = True
    exclude_refs: tuple[str, ...] = ()
    only_refs: tuple[str, ...] | None = None


def _vector_type(dimensions: int) -> str:
    kind = "halfvec" if ecom_ai_settings.VECTOR_INDEX.get("halfvec") else "vector"
    return f"{kind}({int(dimensions)})"


def index_name(model_key: str, dimensions: int) -> str:
    digest = hashlib.sha1(f"{model_key}:{_vector_type(dimensions)}".encode()).hexdigest()[:10]
    return f"ecom_ai_ip_hnsw_{digest}"


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ensure_index(model_key: str, dimensions: int) -> str:
    """Create the model's HNSW index if it does not exist yet; returns its name."""
    options = ecom_ai_settings.VECTOR_INDEX
    name = index_name(model_key, dimensions)
    vtype = _vector_type(dimensions)
    ops = "halfvec_cosine_ops" if vtype.startswith("halfvec") else "vector_cosine_ops"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} USING hnsw ((embedding::{vtype}) {ops}) "
            f"WITH (m = {int(options['m'])}, ef_construction = {int(options['ef_construction'])}) "
            f"WHERE model_key = {_quote_literal(model_key)} AND embedding IS NOT NULL"
        )
    return name


def _filter_sql(filters: VectorFilters) -> tuple[list[str], list]:
    where: list[str] = []
    params: list = []
    if filters.visible_only:
        where.append("is_visible")
    if filters.in_stock is not None:
        where.append("in_stock = %s")
        params.append(filters.in_stock)
    if filters.categories:
        where.append("category = ANY(%s)")
        params.append(list(filters.categories))
    if filters.brands:
        where.append("brand = ANY(%s)")
        params.append(list(filters.brands))
    if filters.min_price is not None:
        where.append("price >= %s")
        params.append(filters.min_price)
    if filters.max_price is not None:
        where.append("price <= %s")
        params.append(filters.max_price)
    if filters.exclude_refs:
        where.append("NOT (product_ref = ANY(%s))")
        params.append(list(filters.exclude_refs))
    if filters.only_refs is not None:
        where.append("product_ref = ANY(%s)")
        params.append(list(filters.only_refs))
    return where, params


def nearest(query: np.ndarray, model_key: str, k: int = 10, filters: VectorFilters | None = None,
            *, exact: bool = False, ef_search: int | None = None) -> list[tuple[str, float]]:
    """The ``k`` products closest to ``query`` (cosine distance), as ``(product_ref, distance)``.

    ``exact=True`` scans without the index (the ground truth for recall measurements).
    """
    filters = filters or VectorFilters()
    dims = int(query.shape[-1])
    vtype = _vector_type(dims)
    literal = "[" + ",".join(f"{x:.7g}" for x in np.asarray(query, dtype=np.float32).tolist()) + "]"
    where, params = _filter_sql(filters)
    where = [f"model_key = {_quote_literal(model_key)}", "embedding IS NOT NULL", *where]
    distance = f"(embedding::{vtype}) <=> %s::{vtype}"
    sql = (
        f"SELECT product_ref, {distance} AS distance FROM {TABLE} WHERE {' AND '.join(where)} "
        f"ORDER BY {distance} LIMIT %s"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if exact:
            cursor.execute("SET LOCAL enable_indexscan = off")
        else:
            ef = int(ef_search or ecom_ai_settings.VECTOR_INDEX["ef_search"])
            # One round trip for the three transaction-local settings (set_config(..., true) = SET LOCAL).
            cursor.execute(
                "SELECT set_config('hnsw.ef_search', %s, true), "
                "set_config('hnsw.iterative_scan', 'relaxed_order', true), "
                "set_config('hnsw.max_scan_tuples', %s, true)",
                [str(max(ef, k)), str(max(20000, 200 * k))],
            )
        cursor.execute(sql, [literal, *params, literal, int(k)])
        rows = cursor.fetchall()
    # relaxed_order may return rows slightly out of order; sort the final page exactly.
    return sorted(((ref, float(d)) for ref, d in rows), key=lambda item: item[1])
