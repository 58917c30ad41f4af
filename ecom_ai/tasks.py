"""Celery tasks (the only module that imports Celery).

Tasks take product refs (never objects), are idempotent, and run with ``acks_late``: a worker
killed mid-task leaves its message to be redelivered, and repeating a task never duplicates or
regresses a vector. Model work goes to ``QUEUES["inference"]``, light work to ``QUEUES["default"]``.
"""

from __future__ import annotations

import logging
import random

import numpy as np
from celery import shared_task
from celery.signals import worker_ready

from .conf import ecom_ai_settings

logger = logging.getLogger(__name__)

RETRY_MAX = 6


def _backoff(retries: int) -> float:
    """Exponential backoff with jitter: ~1, 2, 4 … 60 seconds."""
    return min(60.0, 2.0**retries) * random.uniform(0.8, 1.2)


def _queue(kind: str) -> str:
    return ecom_ai_settings.QUEUES[kind]


@shared_task(
    name="ecom_ai.embed_products", bind=True, acks_late=True, max_retries=RETRY_MAX, ignore_result=True
)
def embed_products_task(self, refs: list[str], sync: bool = True) -> dict:
    """Sync (unless ``sync=False``) and embed the given products; idempotent."""
    from .services.freshness import refresh_products

    try:
        return refresh_products(refs, sync=sync, neighbours=schedule_neighbour_refresh)
    except Exception as exc:
        logger.warning(
            "embedding %d products failed (%s); retry %d", len(refs), exc, self.request.retries + 1
        )
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@shared_task(
    name="ecom_ai.flush_embeddings", bind=True, acks_late=True, max_retries=RETRY_MAX, ignore_result=True
)
def flush_embeddings_task(self) -> dict:
    """Drain the pending-products set in chunks: sync and embed each chunk (the coalesced batch)."""
    from .services import embedding_queue
    from .services.freshness import refresh_products

    totals = {"refs": 0, "embedded": 0, "deleted": 0, "skipped": 0}

    def process(refs: list[str]) -> None:
        result = refresh_products(refs, neighbours=schedule_neighbour_refresh)
        for key in totals:
            totals[key] += result[key]

    try:
        embedding_queue.drain(self.request.id or "eager", process, ecom_ai_settings.EMBED_CHUNK_SIZE)
    except Exception as exc:
        logger.warning("flush failed (%s); retry %d", exc, self.request.retries + 1)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    logger.info(
        "flush: %(refs)d products, %(embedded)d embedded, %(skipped)d skipped, %(deleted)d deleted", totals
    )
    return totals


@shared_task(name="ecom_ai.sweep_stale", acks_late=True, ignore_result=True)
def sweep_stale_task() -> dict:
    """Periodic (beat): find products whose change was lost and queue them."""
    from .services import embedding_queue
    from .services.freshness import sweep

    if not embedding_queue.acquire_sweep_lock(int(ecom_ai_settings.STALE_SWEEP_MINUTES * 60)):
        return {"skipped": "another sweep is running"}
    try:
        return sweep(schedule_embedding)
    finally:
        embedding_queue.release_sweep_lock()


@shared_task(name="ecom_ai.reembed_all", acks_late=True, ignore_result=True)
def reembed_all_task(force: bool = False) -> dict:
    """Re-embed every stale product (all of them after a model change; every product with ``force``)."""
    from .services.freshness import reembed_everything

    return reembed_everything(schedule_embedding, force=force)


@shared_task(name="ecom_ai.encode_query", acks_late=False)
def encode_query_task(text: str) -> list[float]:
    """Encode one search/chat query on an inference worker."""
    from .backends import get_encoder

    return get_encoder().encode_queries([text])[0].astype(np.float32).tolist()


# --- what the rest of ecom_ai calls ----------------------------------------------------------------


def schedule_embedding(refs: list[str]) -> None:
    """Queue products for a coalesced embedding batch (call on commit)."""
    from .services import embedding_queue

    embedding_queue.queue_products(
        refs,
        lambda countdown: flush_embeddings_task.apply_async(countdown=countdown, queue=_queue("inference")),
    )


def enqueue_embed_batches(refs: list[str], *, sync: bool = True, chunk_size: int | None = None) -> int:
    """Queue explicit batches (the ``ecom_ai_embed`` command); returns the number of tasks."""
    chunk_size = chunk_size or ecom_ai_settings.EMBED_CHUNK_SIZE
    tasks = 0
    for start in range(0, len(refs), chunk_size):
        embed_products_task.apply_async(
            args=[refs[start : start + chunk_size]], kwargs={"sync": sync}, queue=_queue("inference")
        )
        tasks += 1
    return tasks


def schedule_reembed(force: bool = False) -> None:
    """Start a background re-embedding of the whole catalogue (admin action, model change)."""
    reembed_all_task.apply_async(kwargs={"force": force}, queue=_queue("default"))


def encode_query_on_worker(text: str, timeout: float) -> np.ndarray:
    """Encode a query on the inference queue; raises on timeout (the caller falls back inline)."""
    result = encode_query_task.apply_async(args=[text], queue=_queue("inference"), expires=timeout)
    try:
        return np.asarray(result.get(timeout=timeout, disable_sync_subtasks=False), dtype=np.float32)
    finally:
        result.forget()


@worker_ready.connect(weak=False)
def _load_encoder_before_first_task(sender=None, **kwargs) -> None:
    """An inference worker loads its model at start, so the first batch does not pay for it."""
    try:
        consumed = set(sender.app.amqp.queues.consume_from or {})
    except Exception:
        return
    if _queue("inference") in consumed:
        from .services.warmup import warm

        # Encoder only (with one forward pass): workers encode, the web processes search.
        report = warm(encoder=True, catalogue=False)
        logger.info("inference worker: encoder ready (%s)", report)


@shared_task(name="ecom_ai.chat_generate", acks_late=False, ignore_result=True)
def chat_generate_task(job: dict) -> None:
    """Generate a chat answer with the local model, streaming tokens to the customer's channel."""
    from .services.chat.generation import generate_to_channel

    generate_to_channel(job)


def schedule_chat_generation(job: dict) -> None:
    """Queue a chat generation on the inference queue (not acks_late: a retry would answer twice)."""
    chat_generate_task.apply_async(args=[job], queue=ecom_ai_settings.QUEUES["inference"], expires=30)


@shared_task(name="ecom_ai.refresh_recommendations", acks_late=True)
def refresh_recommendations_task() -> dict:
    """Rebuild the pair and item statistics and, when vectors changed, the neighbour lists that
    recommendations read (periodic; idempotent)."""
    from .services.recs_stats import refresh_all

    return refresh_all()


@shared_task(name="ecom_ai.refresh_neighbours", acks_late=True)
def refresh_neighbours_task(refs: list[str]) -> int:
    """Prepare the neighbour lists of products whose vector just changed (idempotent)."""
    from .services.recs_neighbours import refresh_neighbours

    return refresh_neighbours(refs)


def schedule_neighbour_refresh(refs: list[str]) -> None:
    """Queue the neighbour lists of re-embedded products on the light queue (after commit)."""
    from django.db import transaction

    refs = list(refs)
    transaction.on_commit(lambda: refresh_neighbours_task.apply_async(args=[refs], queue=_queue("default")))


@shared_task(name="ecom_ai.prepare_visitors", acks_late=True, ignore_result=True)
def prepare_visitors_task() -> int:
    """Prepare the personal lists of visitors whose history just changed (coalesced; idempotent)."""
    from .services.recs_cache import drain_preparation
    from .services.recs_stats import prepare_visitors

    return drain_preparation(prepare_visitors)


def schedule_visitor_preparation(visitors: list[str]) -> None:
    """Queue visitors (``u<pk>`` / ``s<visitor id>``) for one coalesced preparation on the light queue."""
    from .services.recs_cache import queue_preparation

    queue_preparation(
        visitors, lambda countdown: prepare_visitors_task.apply_async(countdown=countdown, queue=_queue("default"))
    )


@shared_task(name="ecom_ai.forget_user", acks_late=True)
def forget_user_task(user_id: int) -> dict:
    """Delete everything ecom_ai holds about a user (idempotent)."""
    from .services.privacy import forget_user

    return forget_user(user_id)
