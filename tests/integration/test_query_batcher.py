"""The query batcher with the real MiniLM encoder: batching, no crossed vectors, drops, failures."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from ecom_ai.services.query_batcher import EncodingUnavailable, QueryBatcher, TurnCancelled, TurnScope, turn_scope

GATE = "__gate__"


class Recorder:
    """Calls the real encoder and records each batch; a batch holding GATE waits for ``release``."""

    def __init__(self, encoder, fail: Exception | None = None):
        self.encoder = encoder
        self.fail = fail
        self.calls: list[list[str]] = []
        self.release = threading.Event()
        self.entered = threading.Event()

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if GATE in texts:
            self.entered.set()
            assert self.release.wait(30)
        if self.fail is not None:
            raise self.fail
        return self.encoder.encode_queries(texts)


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


@pytest.fixture
def recorder(encoder):
    return Recorder(encoder)


def blocked_batcher(recorder: Recorder, **options) -> tuple[QueryBatcher, object]:
    """A batcher whose encoder is busy with the gate batch, so that new requests queue up."""
    batcher = QueryBatcher(recorder, **options)
    gate = batcher.submit(GATE)
    assert recorder.entered.wait(10)
    return batcher, gate


def test_concurrent_queries_share_one_encoder_call_and_each_gets_its_own_vector(recorder, encoder):
    batcher, gate = blocked_batcher(recorder, max_batch=32)
    texts = [
        "electric kettle under 50 euros",
        "wireless headphones",
        "how much does shipping cost",
        "yoga mat",
        "what is your return policy",
        "wireless headphones",  # asked twice: encoded once, both callers answered
    ]
    with ThreadPoolExecutor(len(texts)) as pool:
        futures = [pool.submit(batcher.encode, t) for t in texts]
        wait_until(lambda: batcher._queue.qsize() == len(texts))
        recorder.release.set()
        vectors = [f.result(10) for f in futures]
    gate.result(10)
    batcher.close()

    assert len(recorder.calls) == 2  # the gate, then everything that queued meanwhile in one call
    assert sorted(recorder.calls[1]) == sorted(set(texts))
    assert batcher.stats.requests == len(texts) + 1 and batcher.stats.largest == len(set(texts))
    singles = encoder.encode_queries(texts)
    for text, vector, single in zip(texts, vectors, singles, strict=True):
        assert vector.shape == (384,)
        assert float(np.dot(vector, single)) > 0.999, f"{text!r} got another text's vector"
    assert float(np.dot(vectors[0], vectors[2])) < 0.9  # and the texts really differ


def test_a_request_whose_customer_left_is_dropped_before_the_encoder(recorder):
    batcher, gate = blocked_batcher(recorder)
    scope = TurnScope()
    outcome: dict = {}

    def turn() -> None:
        with turn_scope(scope):
            try:
                batcher.encode("left before the answer")
            except TurnCancelled:
                outcome["cancelled"] = True

    thread = threading.Thread(target=turn)
    thread.start()
    wait_until(lambda: batcher._queue.qsize() == 1)
    scope.cancel()  # what the consumer does when the socket closes
    thread.join(10)
    stays = batcher.submit("still here")
    recorder.release.set()
    assert stays.result(10).shape == (384,)
    gate.result(10)
    batcher.close()

    assert outcome == {"cancelled": True}
    assert all("left before the answer" not in call for call in recorder.calls)
    assert batcher.stats.dropped == 1
    with turn_scope(scope), pytest.raises(TurnCancelled):  # the rest of that turn asks for nothing
        batcher.encode("anything else")


def test_an_encoder_failure_reaches_every_waiter_and_a_turn_waits_for_it_once(encoder):
    recorder = Recorder(encoder, fail=RuntimeError("CUDA error: device lost"))
    batcher, gate = blocked_batcher(recorder)
    scopes = [TurnScope(), TurnScope()]

    def turn(scope: TurnScope) -> Exception | None:
        with turn_scope(scope):
            try:
                batcher.encode(f"question {id(scope)}")
            except EncodingUnavailable as exc:
                return exc
        return None

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(turn, s) for s in scopes]
        wait_until(lambda: batcher._queue.qsize() == 2)
        recorder.release.set()
        errors = [f.result(10) for f in futures]
    with pytest.raises(RuntimeError):
        gate.result(10)
    assert all(isinstance(e, EncodingUnavailable) and "device lost" in str(e) for e in errors)
    calls = len(recorder.calls)
    with turn_scope(scopes[0]), pytest.raises(EncodingUnavailable):
        batcher.encode("the same turn tries again")  # fails at once, without another encoder call
    assert len(recorder.calls) == calls
    batcher.close()


def test_a_hung_encoder_gives_an_error_instead_of_a_hang(recorder):
    batcher, _gate = blocked_batcher(recorder, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(EncodingUnavailable, match="did not answer"):
        batcher.encode("nobody answers")
    assert time.monotonic() - started < 3
    recorder.release.set()
    batcher.close()
    assert all("nobody answers" not in call for call in recorder.calls)  # timed out: dropped


def test_a_lone_query_is_not_held_back_for_stragglers(recorder):
    batcher = QueryBatcher(recorder, max_wait=5.0)
    started = time.monotonic()
    for text in ("first alone", "second alone"):
        assert batcher.encode(text).shape == (384,)
    assert time.monotonic() - started < 4  # neither call waited the 5 s straggler budget
    assert recorder.calls == [["first alone"], ["second alone"]]
    batcher.close()


def test_an_encoder_that_cannot_load_fails_requests_at_once(recorder):
    def broken_model() -> None:
        raise OSError("model files missing")

    batcher = QueryBatcher(recorder, on_start=broken_model)
    with pytest.raises(EncodingUnavailable, match="model files missing"):
        batcher.encode("anything")
    assert recorder.calls == []
    batcher.close()
