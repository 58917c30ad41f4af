"""Keeping every product's vector fresh: refresh a batch, sweep for stragglers, re-embed on a model change."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from ..models import IndexedProduct
from .indexing import current_model_key, embed_products, mark_all_stale, sync_products

logger = logging.getLogger(__name__)


def refresh_products(
    refs: Iterable[str], *, sync: bool = True, neighbours: Callable[[list[str]], None] | None = None
) -> dict:
    """Copy the products from the shop (unless ``sync=False``) and embed those whose text changed;
    ``neighbours(refs)`` is then called with the re-embedded refs (their neighbour lists are due)."""
    refs = list(refs)
    synced = deleted = 0
    if sync:
        result = sync_products(refs)
        synced, deleted, stale = result.upserted, result.deleted, result.stale_refs
    else:
        stale = refs
    embedded = embed_products(stale) if stale else None
    if embedded is not None and embedded.embedded and neighbours is not None:
        neighbours(list(stale))
    return {
        "refs": len(refs),
        "synced": synced,
        "deleted": deleted,
        "embedded": embedded.embedded if embedded else 0,
        "skipped": embedded.skipped if embedded else 0,
    }


def stale_refs() -> list[str]:
    """Every product whose vector is missing, outdated, or from another model (skipped ones excluded)."""
    return list(IndexedProduct.objects.stale(current_model_key()).values_list("product_ref", flat=True))


def sweep(enqueue: Callable[[list[str]], None]) -> dict:
    """Compare the shop with the index and queue whatever is stale.

    Catches every change whose task was lost (broker restart, a save while Redis was down, a
    bulk import without signals, a worker killed before it synced): a full sync writes only the
    rows that differ, then every stale row is queued for the coalescing flush.
    """
    result = sync_products()
    refs = stale_refs()
    if refs:
        enqueue(refs)
    logger.info(
        "sweep: %d products synced, %d deleted, %d queued", result.upserted, result.deleted, len(refs)
    )
    return {"synced": result.upserted, "deleted": result.deleted, "queued": len(refs)}


def reembed_everything(enqueue: Callable[[list[str]], None], *, force: bool = False) -> dict:
    """Re-embed in the background: after a model change every row is stale by definition
    (its ``model_key`` and content hash belong to the old model); ``force`` also redoes fresh rows."""
    sync_products()
    marked = mark_all_stale() if force else 0
    refs = stale_refs()
    if refs:
        enqueue(refs)
    logger.info("re-embedding %d products with %s", len(refs), current_model_key())
    return {"model_key": current_model_key(), "queued": len(refs), "marked": marked}
