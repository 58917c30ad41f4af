"""The chat's own thread pool: customer turns overlap instead of queueing on one thread."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections

from ..conf import ecom_ai_settings

_executor: ThreadPoolExecutor | None = None


def chat_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(
            max_workers=int(ecom_ai_settings.CHAT.get("WORKER_THREADS", 8)), thread_name_prefix="ecom_ai_chat"
        )
    return _executor


def shutdown_chat_executor() -> None:
    """Stop the chat's threads (their database connections go with them); a new pool starts on demand."""
    global _executor
    if _executor is not None:
        threads = len(getattr(_executor, "_threads", ()))
        if threads:
            barrier = threading.Barrier(threads, timeout=10)

            def close_here() -> None:  # one call per thread: the barrier keeps each thread busy until all ran
                connections.close_all()
                barrier.wait()

            for future in [_executor.submit(close_here) for _ in range(threads)]:
                future.result()
        _executor.shutdown(wait=True)
        _executor = None


def off_loop(fn):
    """Run ``fn`` in the chat's thread pool, not Channels' single thread-sensitive one: turns of
    different customers (database queries, query encoding) then overlap instead of queueing."""

    def call(*args, **kwargs):
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(call, thread_sensitive=False, executor=chat_executor())
