"""Helpers for chat websocket tests: connect through the real ASGI stack, read frames by type."""

from __future__ import annotations

import json

import pytest
import redis
from channels.testing import WebsocketCommunicator
from django.conf import settings


def clear_rate_limits() -> None:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    keys = list(client.scan_iter("ecom_ai:chat:rl:*"))
    if keys:
        client.delete(*keys)


async def connect(
    session_key: str | None = None,
    *,
    ip: str = "10.0.0.1",
    origin: bytes = b"http://testserver",
    path: str = "/ws/ecom-ai/chat/",
    expect_refusal: bool = False,
):
    from demo_shop.asgi import application

    headers = [(b"origin", origin), (b"host", b"testserver")]
    if session_key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    comm = WebsocketCommunicator(application, path, headers=headers)
    comm.scope["client"] = (ip, 50000)
    connected, code = await comm.connect(timeout=10)
    if expect_refusal:
        assert not connected
        return code
    assert connected
    return comm


async def until(comm: WebsocketCommunicator, kind: str, timeout: float = 20) -> tuple[dict, list[dict]]:
    """Frames up to and including the first of type ``kind``."""
    seen = []
    while True:
        frame = await comm.receive_json_from(timeout=timeout)
        seen.append(frame)
        if frame["type"] == kind:
            return frame, seen


async def hello(comm: WebsocketCommunicator, conversation: str | None = None) -> dict:
    await comm.send_json_to({"type": "hello", **({"conversation": conversation} if conversation else {})})
    frame, _ = await until(comm, "ready")
    return frame


async def ask(comm: WebsocketCommunicator, text: str) -> tuple[dict, list[dict]]:
    await comm.send_to(text_data=json.dumps({"type": "message", "text": text}))
    return await until(comm, "final")


# Websocket tests route with the shipped exemplars, whether or not a developer trained a model in var/.
NO_MODEL = "/nonexistent/ecom_ai-intent-model.joblib"


def ask_once(session_key: str, text: str) -> tuple[dict, list[dict]]:
    """Connect as ``session_key``, say hello, ask ``text``, disconnect: the final frame and all frames."""
    from asgiref.sync import async_to_sync

    async def scenario():
        comm = await connect(session_key)
        await hello(comm)
        final, frames = await ask(comm, text)
        await comm.disconnect()
        return final, frames

    return async_to_sync(scenario)()


@pytest.fixture(autouse=True)
def chat_settings(settings):
    """Chat tests (a module imports this to use it): no signal work, EUR prices, the hand-written
    intent router (so a model trained under var/ cannot change them), clean rate limits, and the
    chat thread pool shut down afterwards."""
    from ecom_ai.consumers.chat import shutdown_chat_executor

    settings.ECOM_AI = {
        **settings.ECOM_AI,
        "SIGNAL_PROCESSOR": "none",
        "CHAT": {"CURRENCY": "EUR", "INTENT_MODEL": NO_MODEL},
    }
    clear_rate_limits()
    yield
    clear_rate_limits()
    shutdown_chat_executor()
