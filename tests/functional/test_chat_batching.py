"""Chat turns of many customers share encoder calls through the real ASGI stack; failures and
departures are handled per customer."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import numpy as np
import pytest
from asgiref.sync import async_to_sync
from django.contrib.sessions.backends.db import SessionStore

from ecom_ai.models import Message
from ecom_ai.services import query_batcher, query_encoding
from ecom_ai.services.indexing import embed_products, sync_products
from ecom_ai.services.query_batcher import QueryBatcher
from tests.chat_support import chat_settings, connect, hello, until  # noqa: F401
from tests.factories import make_product

pytestmark = pytest.mark.django_db(transaction=True)

QUESTIONS = {
    "electric kettle": "Stainless steel electric kettle 1.7 l",
    "yoga mat": "Non-slip yoga mat 6 mm",
    "desk lamp": "LED desk lamp with USB port",
    "hiking boots": "Leather hiking boots waterproof",
}


class HeldEncoder:
    """The real encoder, recording each call; the first call waits until ``expect`` requests in all
    are in it or queued behind it (so that the rest must share the next call), or for ``release``."""

    def __init__(self, encoder, expect: int = 0, fail: Exception | None = None):
        self.encoder = encoder
        self.expect = expect
        self.fail = fail
        self.calls: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.batcher: QueryBatcher | None = None

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if len(self.calls) == 1:
            self.entered.set()
            deadline = time.monotonic() + 20
            while not self.release.is_set() and time.monotonic() < deadline:
                if self.expect and len(texts) + self.batcher._queue.qsize() >= self.expect:
                    break
                time.sleep(0.01)
        if self.fail is not None:
            raise self.fail
        return self.encoder.encode_queries(texts)


@pytest.fixture
def catalog(encoder):
    import ecom_ai.backends

    ecom_ai.backends._encoder = encoder  # the session's model (the settings override dropped it)
    for title in QUESTIONS.values():
        make_product(title, category="Shop", price="30.00")
    sync_products()
    embed_products()
    query_encoding._cached.cache_clear()
    yield
    query_encoding._cached.cache_clear()


def install(held: HeldEncoder, **options) -> QueryBatcher:
    """Make ``held`` this process's query encoder, behind a batcher."""
    query_batcher.reset_batcher()
    batcher = QueryBatcher(held, **options)
    held.batcher = batcher
    query_batcher._batcher, query_batcher._pid = batcher, os.getpid()
    return batcher


def session_key() -> str:
    session = SessionStore()
    session.create()
    return session.session_key


def test_concurrent_customers_share_an_encoder_call_and_each_gets_their_own_answer(catalog, encoder):
    held = HeldEncoder(encoder, expect=len(QUESTIONS))
    batcher = install(held, timeout=30.0)  # the first question waits for the others on purpose

    keys = [session_key() for _ in QUESTIONS]

    async def customer(index: int, question: str) -> dict:
        comm = await connect(keys[index], ip=f"10.0.1.{index + 1}")
        await hello(comm)
        await comm.send_json_to({"type": "message", "text": question, "client_id": f"c{index}"})
        final, _ = await until(comm, "final")
        await comm.disconnect()
        return final

    async def scenario():
        return await asyncio.gather(*(customer(i, q) for i, q in enumerate(QUESTIONS)))

    finals = async_to_sync(scenario)()
    for index, (final, title) in enumerate(zip(finals, QUESTIONS.values(), strict=True)):
        assert final["client_id"] == f"c{index}"
        assert final["intent"] == "product_search"
        assert final["cards"] and final["cards"][0]["title"] == title, (final["text"], title)
    # The first call takes what had arrived; everything that queued behind it shares the second.
    encoded = [text for call in held.calls for text in call]
    assert len(held.calls) <= 2 < len(QUESTIONS), held.calls
    assert len(set(encoded)) == len(encoded) == len(QUESTIONS)
    assert batcher.stats.requests == len(QUESTIONS)


def test_a_failing_encoder_gives_a_retry_hint_within_5_seconds_and_keeps_the_question(catalog, encoder):
    held = HeldEncoder(encoder, fail=RuntimeError("CUDA error: device lost"))
    held.release.set()  # fails at once (a hung encoder: tests/integration/test_query_batcher.py)
    install(held, timeout=2.0)
    key = session_key()

    async def scenario():
        comm = await connect(key)
        ready = await hello(comm)
        started = time.monotonic()
        await comm.send_json_to({"type": "message", "text": "do you have an electric kettle?", "client_id": "k"})
        error, frames = await until(comm, "error", timeout=5)
        elapsed = time.monotonic() - started
        assert await comm.receive_nothing(timeout=0.5)  # no final after the error, and no hang
        await comm.disconnect()
        return ready["conversation"], error, frames, elapsed

    conversation, error, frames, elapsed = async_to_sync(scenario)()
    assert error["code"] == "inference_unavailable" and error["retry_after"] > 0
    assert elapsed < 5
    assert [f["type"] for f in frames] == ["typing", "error"]
    stored = list(Message.objects.filter(conversation_id=conversation).values_list("role", "text"))
    assert stored == [(Message.Role.CUSTOMER, "do you have an electric kettle?")]


def test_a_customer_who_leaves_mid_turn_is_dropped_from_the_next_batch(catalog, encoder):
    held = HeldEncoder(encoder)
    batcher = install(held)
    keys = [session_key(), session_key()]

    async def scenario():
        stays = await connect(keys[0], ip="10.0.2.1")
        leaves = await connect(keys[1], ip="10.0.2.2")
        await hello(stays)
        await hello(leaves)
        await stays.send_json_to({"type": "message", "text": "electric kettle", "client_id": "s"})
        await until(stays, "typing")
        while not held.entered.is_set():  # the encoder is busy with the first question
            await asyncio.sleep(0.01)
        await leaves.send_json_to({"type": "message", "text": "hiking boots", "client_id": "l"})
        await until(leaves, "typing")
        while batcher._queue.qsize() < 1:  # the second question waits for the encoder …
            await asyncio.sleep(0.01)
        await leaves.disconnect()  # … and its customer leaves
        await asyncio.sleep(0.2)
        held.release.set()
        final, _ = await until(stays, "final")
        await stays.disconnect()
        return final

    final = async_to_sync(scenario)()
    assert final["client_id"] == "s" and final["cards"][0]["title"] == QUESTIONS["electric kettle"]
    assert batcher.stats.dropped == 1
    assert not any("boots" in text for call in held.calls for text in call), held.calls
