"""One owner of the query-encoding queue per process: concurrent queries become one encoder call.

Chat turns and searches run on many threads; each used to call the encoder on its own (one forward
pass per query, all of them fighting for the same cores). Here every thread hands its text to a
single batching thread and waits. That thread takes whatever is queued when the encoder becomes
free — while one batch runs, the next one collects — waits a few milliseconds more for stragglers
only when traffic is concurrent, drops requests whose customer has left, encodes each distinct text
once, and hands every waiter its own vector (the pattern of text-generation-inference's queue).

A failing or hung encoder does not hang a customer: ``encode`` raises ``EncodingUnavailable`` after
``QUERY_BATCHING["timeout"]`` seconds at most, and once per turn (a ``TurnScope`` remembers it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..conf import ecom_ai_settings

logger = logging.getLogger(__name__)

EncodeMany = Callable[[list[str]], np.ndarray]


class EncodingUnavailable(RuntimeError):
    """The query encoder failed or did not answer in time."""

    retry_after = 2


class TurnCancelled(BaseException):
    """The customer left: the rest of the turn is skipped (a BaseException, like asyncio's
    CancelledError, so that no ``except Exception`` fallback retries the work)."""


class TurnScope:
    """The encoder requests of one customer turn: cancelled together when the customer leaves, and
    failed together once the encoder failed (a turn waits for a dead encoder at most once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: set[Future] = set()
        self.cancelled = False
        self.failure: EncodingUnavailable | None = None

    def add(self, future: Future) -> None:
        with self._lock:
            if self.cancelled:
                future.cancel()
            else:
                self._futures.add(future)

    def discard(self, future: Future) -> None:
        with self._lock:
            self._futures.discard(future)

    def cancel(self) -> None:
        """The customer left: queued requests are dropped before they reach the encoder."""
        with self._lock:
            self.cancelled = True
            futures, self._futures = self._futures, set()
        for future in futures:
            future.cancel()

    def check(self) -> None:
        if self.cancelled:
            raise TurnCancelled()


_scope: ContextVar[TurnScope | None] = ContextVar("ecom_ai_turn_scope", default=None)


@contextlib.contextmanager
def turn_scope(scope: TurnScope) -> Iterator[TurnScope]:
    """Within the block, encoder requests of this thread belong to ``scope``."""
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def current_scope() -> TurnScope | None:
    return _scope.get()


@dataclass
class _Request:
    text: str
    future: Future = field(default_factory=Future)
    queued_at: float = field(default_factory=time.monotonic)


@dataclass
class BatchStats:
    """What the batcher did (for tests, benchmarks and the log)."""

    calls: int = 0
    texts: int = 0
    requests: int = 0
    dropped: int = 0
    largest: int = 0
    batches: list[int] = field(default_factory=list)  # sizes of the last 1,000 calls

    def record(self, size: int, requests: int) -> None:
        self.calls += 1
        self.texts += size
        self.requests += requests
        self.largest = max(self.largest, size)
        self.batches.append(size)
        del self.batches[:-1000]


class QueryBatcher:
    """Collects concurrent ``encode`` calls into batched ``encode_many`` calls on one thread."""

    def __init__(
        self,
        encode_many: EncodeMany,
        *,
        max_batch: int = 32,
        max_wait: float = 0.002,
        timeout: float = 3.0,
        load_timeout: float = 120.0,
        on_start: Callable[[], Any] | None = None,
    ):
        self.encode_many = encode_many
        self.max_batch = max(1, int(max_batch))
        self.max_wait = max(0.0, float(max_wait))
        self.timeout = float(timeout)
        self.load_timeout = float(load_timeout)
        self.on_start = on_start
        self.stats = BatchStats()
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._last_size = 0
        self._thread = threading.Thread(target=self._run, name="ecom_ai_query_batcher", daemon=True)
        self._thread.start()

    # --- callers' side -------------------------------------------------------------------------
    def submit(self, text: str) -> Future:
        """Queue ``text``; the future resolves to its vector (or the encoder's exception)."""
        request = _Request(text)
        self._queue.put(request)
        return request.future

    def encode(self, text: str) -> np.ndarray:
        """The vector of ``text``, encoded together with whatever other threads asked meanwhile."""
        scope = current_scope()
        if scope is not None:
            scope.check()
            if scope.failure is not None:
                raise scope.failure
        if not self._ready.wait(self.load_timeout):  # the model may still be loading: that is no failure
            raise self._fail(scope, EncodingUnavailable("the query encoder did not load in time"))
        if self._start_error is not None:
            raise self._fail(scope, EncodingUnavailable(f"the query encoder failed to load: {self._start_error}"))
        future = self.submit(text)
        if scope is not None:
            scope.add(future)
        try:
            return future.result(self.timeout)
        except CancelledError:
            raise TurnCancelled() from None
        except FutureTimeout:
            future.cancel()
            raise self._fail(
                scope, EncodingUnavailable(f"the query encoder did not answer within {self.timeout:g} s")
            ) from None
        except Exception as exc:
            raise self._fail(scope, EncodingUnavailable(f"query encoding failed: {exc}")) from exc
        finally:
            if scope is not None:
                scope.discard(future)

    @staticmethod
    def _fail(scope: TurnScope | None, exc: EncodingUnavailable) -> EncodingUnavailable:
        if scope is not None:
            scope.failure = exc
        return exc

    def close(self, timeout: float = 10.0) -> None:
        """Stop the batching thread after the batch it is running."""
        self._queue.put(None)
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # --- the owner of the queue ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            if self.on_start is not None:
                self.on_start()
        except BaseException as exc:  # a model that cannot load fails every request at once
            logger.exception("query encoder failed to start")
            self._start_error = exc
        finally:
            self._ready.set()
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stop = self._collect(first)
            self._encode(batch)
            if stop:
                return

    def _collect(self, first: _Request) -> tuple[list[_Request], bool]:
        batch = [first]
        # Wait for stragglers only when traffic is concurrent: a lone caller (an evaluation, a quiet
        # shop) is encoded at once, and under load the previous batch's run time gathers the next.
        deadline = first.queued_at + self.max_wait if self._last_size > 1 else 0.0
        while len(batch) < self.max_batch:
            remaining = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _encode(self, batch: list[_Request]) -> None:
        live = [r for r in batch if r.future.set_running_or_notify_cancel()]  # the customer left: drop
        self.stats.dropped += len(batch) - len(live)
        self._last_size = len(live)
        if not live:
            return
        texts = list(dict.fromkeys(r.text for r in live))  # identical texts are encoded once
        try:
            vectors = np.asarray(self.encode_many(texts), dtype=np.float32)
            if vectors.shape[0] != len(texts):
                raise RuntimeError(f"encoder returned {vectors.shape[0]} vectors for {len(texts)} texts")
        except BaseException as exc:
            for request in live:
                request.future.set_exception(exc)
            return
        self.stats.record(len(texts), len(live))
        if self.stats.calls % 500 == 0:
            recent = self.stats.batches[-500:]
            logger.info(
                "query batcher: %d requests in %d encoder calls (last 500: mean %.1f texts, largest %d), %d dropped",
                self.stats.requests,
                self.stats.calls,
                sum(recent) / len(recent),
                max(recent),
                self.stats.dropped,
            )
        position = {text: i for i, text in enumerate(texts)}
        for request in live:
            request.future.set_result(vectors[position[request.text]].copy())


# --- the process-wide batcher ------------------------------------------------------------------------
_lock = threading.Lock()
_batcher: QueryBatcher | None = None
_pid = 0


def _encoder_encode_many(texts: Sequence[str]) -> np.ndarray:
    from ..backends import get_encoder

    return get_encoder().encode_queries(list(texts))


def _load_encoder() -> None:
    from ..backends import get_encoder

    encoder = get_encoder()
    threads = ecom_ai_settings.QUERY_BATCHING.get("threads")
    if threads and hasattr(encoder, "limit_threads"):
        encoder.limit_threads(int(threads))


def batching_enabled() -> bool:
    return bool(ecom_ai_settings.QUERY_BATCHING.get("enabled", True))


def get_batcher() -> QueryBatcher:
    """The process's batcher, started on first use (again after a fork: threads do not survive it)."""
    global _batcher, _pid
    if _batcher is None or _pid != os.getpid() or not _batcher.alive:
        with _lock:
            if _batcher is None or _pid != os.getpid() or not _batcher.alive:
                options = ecom_ai_settings.QUERY_BATCHING
                _batcher = QueryBatcher(
                    _encoder_encode_many,
                    max_batch=int(options.get("max_batch", 32)),
                    max_wait=float(options.get("max_wait_ms", 2.0)) / 1000.0,
                    timeout=float(options.get("timeout", 3.0)),
                    on_start=_load_encoder,
                )
                _pid = os.getpid()
    return _batcher


def reset_batcher() -> None:
    """Stop the process's batcher; the next query starts a new one (settings changed, tests)."""
    global _batcher
    with _lock:
        batcher, _batcher = _batcher, None
    if batcher is not None and _pid == os.getpid():
        batcher.close()


def _reset_on_settings_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "ECOM_AI":
        reset_batcher()


from django.core.signals import setting_changed  # noqa: E402

setting_changed.connect(_reset_on_settings_change)
