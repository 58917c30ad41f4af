"""Prepared embedding neighbours: every product's nearest products, so ``similar`` is one row read.

The periodic refresh rebuilds the whole table when the stored vectors changed since the last
rebuild (an exact blocked matrix product in numpy for catalogues up to ``EXACT_LIMIT`` products,
one HNSW query per product above that); a product whose vector just changed gets its own list at
once (``refresh_neighbours([ref])``, queued by the embedding task). Lists ignore stock and
visibility: the business rules in ``recommend()`` apply those, fresh, on every request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from ..models import IndexedProduct, ItemNeighbours
from .indexing import current_model_key
from .recs_cache import new_generation

logger = logging.getLogger(__name__)

NEIGHBOURS = 100  # kept per product: the candidate pool the similar slot draws from
EXACT_LIMIT = 60_000  # above this, one HNSW query per product instead of the exact matrix product
_BLOCK = 512
_SIGNATURE_KEY = "ecom_ai:recs:neighbours:signature:{model_key}"


def _signature(model_key: str) -> str:
    """Changes whenever a vector of the model is written, added or removed."""
    fresh = IndexedProduct.objects.fresh(model_key)
    latest = fresh.aggregate(latest=Max("embedded_at"))["latest"]
    return f"{fresh.count()}:{latest.isoformat() if latest else ''}"


def _exact_lists(refs: list[str], matrix: np.ndarray, k: int) -> Iterable[tuple[str, list[str], list[float]]]:
    """Top ``k`` cosine neighbours of every row (itself excluded), block by block."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = matrix / np.where(norms == 0, 1.0, norms)
    k = min(k, len(refs) - 1)
    if k <= 0:
        return
    for start in range(0, len(refs), _BLOCK):
        sims = matrix[start : start + _BLOCK] @ matrix.T
        rows = np.arange(sims.shape[0])
        sims[rows, start + rows] = -np.inf
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top_sims = np.take_along_axis(sims, top, axis=1)
        order = np.argsort(-top_sims, axis=1, kind="stable")
        top, top_sims = np.take_along_axis(top, order, axis=1), np.take_along_axis(top_sims, order, axis=1)
        for row in rows:
            yield refs[start + row], [refs[j] for j in top[row]], [round(float(s), 5) for s in top_sims[row]]


def _ann_list(ref: str, vector: np.ndarray, model_key: str, k: int) -> tuple[str, list[str], list[float]]:
    from .vectors import VectorFilters, nearest

    # Hidden products included (visible_only=False): visibility is a render-time rule like stock.
    hits = nearest(vector, model_key, k=k, filters=VectorFilters(visible_only=False, exclude_refs=(ref,)))
    return ref, [other for other, _ in hits], [round(1.0 - float(d), 5) for _, d in hits]


def _write(lists: Iterable[tuple[str, list[str], list[float]]], model_key: str, *, replace_all: bool) -> int:
    """Store lists (COPY); ``replace_all`` swaps the whole table in one transaction."""
    now = timezone.now()
    lists = list(lists)
    table = ItemNeighbours._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if replace_all:
            cursor.execute(f"DELETE FROM {table}")
        else:
            cursor.execute(f"DELETE FROM {table} WHERE product_ref = ANY(%s)", [[r for r, _, _ in lists]])
        with cursor.cursor.copy(
            f"COPY {table} (product_ref, model_key, neighbours, similarities, refreshed_at) FROM STDIN"
        ) as copy:
            for ref, others, sims in lists:
                copy.write_row((ref, model_key, others, sims, now))
    return len(lists)


def refresh_neighbours(refs: Iterable[str] | None = None, *, force: bool = False) -> int:
    """Rebuild the lists of ``refs`` (None: every product, skipped when no vector changed since the
    last full rebuild, unless ``force``); returns the number of lists written."""
    model_key = current_model_key()
    fresh = IndexedProduct.objects.fresh(model_key)
    if refs is not None:
        rows = list(fresh.filter(product_ref__in=list(refs)).values_list("product_ref", "embedding"))
        lists = [_ann_list(ref, np.asarray(vec, dtype=np.float32), model_key, NEIGHBOURS) for ref, vec in rows]
        if not lists:
            return 0
        written = _write(lists, model_key, replace_all=False)
        new_generation()  # cached similar lists of these products are stale
        return written
    signature = _signature(model_key)
    key = _SIGNATURE_KEY.format(model_key=model_key)
    try:
        unchanged = cache.get(key) == signature and ItemNeighbours.objects.exists()
    except Exception:  # cache down: rebuild rather than serve lists of unknown age
        unchanged = False
    if unchanged and not force:
        return 0
    rows = list(fresh.order_by("id").values_list("product_ref", "embedding"))
    if not rows:
        ItemNeighbours.objects.all().delete()
        return 0
    refs_all = [ref for ref, _ in rows]
    if len(rows) <= EXACT_LIMIT:
        matrix = np.vstack([np.asarray(vec, dtype=np.float32) for _, vec in rows])
        lists = _exact_lists(refs_all, matrix, NEIGHBOURS)
    else:
        lists = (_ann_list(ref, np.asarray(vec, dtype=np.float32), model_key, NEIGHBOURS) for ref, vec in rows)
    written = _write(lists, model_key, replace_all=True)
    new_generation()
    try:
        cache.set(key, signature, None)
    except Exception:
        logger.warning("ecom_ai: could not store the neighbour signature", exc_info=True)
    logger.info("ecom_ai: neighbour lists rebuilt for %d products", written)
    return written


def neighbours_of(refs: Iterable[str], model_key: str | None = None) -> dict[str, list[tuple[str, float]]]:
    """Prepared ``[(other_ref, similarity), ...]`` of each ref that has a list for the current model."""
    model_key = model_key or current_model_key()
    rows = ItemNeighbours.objects.filter(product_ref__in=list(refs), model_key=model_key).values_list(
        "product_ref", "neighbours", "similarities"
    )
    return {ref: list(zip(others, sims, strict=False)) for ref, others, sims in rows}
