"""Celery tasks (the only module that imports Celery)."""

from __future__ import annotations

import logging

from celery import shared_task

from .conf import ecom_ai_settings

logger = logging.getLogger(__name__)


@shared_task(name="ecom_ai.embed_products", acks_late=True, bind=True, max_retries=5)
def embed_products_task(self, refs: list[str]) -> dict:
    """Sync and embed the given products (ids, not objects); idempotent."""
    from .services.indexing import embed_products, sync_products

    try:
        result = sync_products(refs)
        embedded = embed_products(result.stale_refs) if result.stale_refs else None
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(60, 2 ** self.request.retries)) from exc
    return {"synced": result.upserted, "deleted": result.deleted,
            "embedded": embedded.embedded if embedded else 0}


def schedule_embedding(refs: list[str]) -> None:
    """Queue products for embedding on the inference queue."""
    embed_products_task.apply_async(args=[list(refs)], queue=ecom_ai_settings.QUEUES["inference"])


@shared_task(name="ecom_ai.refresh_recommendations", acks_late=True)
def refresh_recommendations_task() -> dict:
    """Rebuild the pair and item statistics recommendations read (periodic; idempotent)."""
    from .services.recs_stats import refresh_all

    return refresh_all()


@shared_task(name="ecom_ai.forget_user", acks_late=True)
def forget_user_task(user_id: int) -> dict:
    """Delete everything ecom_ai holds about a user (idempotent)."""
    from .services.privacy import forget_user

    return forget_user(user_id)
