"""Coalescing product changes into batches: a Redis set of pending refs drained by one flush at a time.

A save adds its product ref to the set; only the first save of a burst (the one that wins a
``SET NX`` flag) schedules a flush ``EMBED_COALESCE_SECONDS`` later, so fifty saves become one task.
The flush moves refs into a per-task in-flight set before working on them, so a flush that dies
(worker killed, retried) finds its unfinished refs again when the broker redelivers it.
Anything lost with the broker itself is found by the periodic sweep, which compares the shop with
the index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings

from ..conf import ecom_ai_settings

logger = logging.getLogger(__name__)

PREFIX = "ecom_ai:embed:"
PENDING = PREFIX + "pending"
FLUSH_FLAG = PREFIX + "flush-scheduled"
INFLIGHT = PREFIX + "inflight:"
SWEEP_LOCK = PREFIX + "sweep-lock"

# SPOP up to N members of KEYS[1] into KEYS[2] atomically, so no ref is ever only in this process.
_POP_INTO = """
local members = redis.call('SPOP', KEYS[1], ARGV[1])
if #members > 0 then
  redis.call('SADD', KEYS[2], unpack(members))
  redis.call('EXPIRE', KEYS[2], 86400)
end
return members
"""

_clients: dict[str, object] = {}


def redis_url() -> str:
    """``ECOM_AI["REDIS_URL"]``, else the host's Celery broker (a Redis URL)."""
    return ecom_ai_settings.REDIS_URL or settings.CELERY_BROKER_URL


def get_redis():
    """A Redis client for ecom_ai's bookkeeping (one per URL and process)."""
    import redis

    url = redis_url()
    client = _clients.get(url)
    if client is None:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=30
        )
        _clients[url] = client
    return client


def queue_products(refs: Iterable[str], schedule_flush: Callable[[float], None]) -> bool:
    """Add refs to the pending set; schedule one flush per burst. Returns True if this call scheduled it."""
    refs = [str(r) for r in refs]
    if not refs:
        return False
    client = get_redis()
    for start in range(0, len(refs), 5000):
        client.sadd(PENDING, *refs[start : start + 5000])
    countdown = float(ecom_ai_settings.EMBED_COALESCE_SECONDS)
    # The flag expires on its own, so a flush lost with the broker cannot block later bursts for long.
    if not client.set(FLUSH_FLAG, "1", nx=True, ex=int(countdown) + 60):
        return False
    try:
        schedule_flush(countdown)
    except Exception:
        client.delete(FLUSH_FLAG)
        raise
    return True


def pending_count() -> int:
    """How many refs wait for the next flush."""
    return int(get_redis().scard(PENDING))


def drain(token: str, process: Callable[[list[str]], None], chunk_size: int) -> int:
    """Process every pending ref in chunks (a flush task's body); returns how many were processed.

    ``token`` names this flush (the Celery task id, the same on redelivery and retry): refs it
    took but did not finish are processed first.
    """
    client = get_redis()
    # Saves from now on schedule a new flush; the refs they add may also be drained by this one.
    client.delete(FLUSH_FLAG)
    inflight = INFLIGHT + token
    done = 0
    leftover = sorted(m.decode() for m in client.smembers(inflight))
    if leftover:
        logger.info("flush %s resumes %d refs left by an interrupted run", token, len(leftover))
        process(leftover)
        client.delete(inflight)
        done += len(leftover)
    pop_into = client.register_script(_POP_INTO)
    while True:
        refs = [m.decode() for m in pop_into(keys=[PENDING, inflight], args=[chunk_size])]
        if not refs:
            return done
        process(refs)
        client.delete(inflight)
        done += len(refs)


def acquire_sweep_lock(seconds: int) -> bool:
    """At most one sweep at a time (a slow sweep must not pile up behind the beat)."""
    return bool(get_redis().set(SWEEP_LOCK, "1", nx=True, ex=max(30, seconds)))


def release_sweep_lock() -> None:
    get_redis().delete(SWEEP_LOCK)
