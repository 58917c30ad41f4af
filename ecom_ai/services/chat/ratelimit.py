"""Fixed-window rate limits in Redis (shared by every ASGI process), per connection and per client."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from ...conf import ecom_ai_settings

PREFIX = "ecom_ai:chat:rl:"


def redis_url() -> str:
    """``ECOM_AI["REDIS_URL"]``, else the host's Celery broker Redis."""
    url = ecom_ai_settings.REDIS_URL or getattr(settings, "CELERY_BROKER_URL", None)
    if not url:
        raise RuntimeError("ecom_ai needs Redis: set ECOM_AI['REDIS_URL'] or CELERY_BROKER_URL")
    return url


@dataclass(frozen=True)
class Limit:
    """``count`` events per ``window`` seconds."""

    count: int
    window: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0
    scope: str = ""


@dataclass(frozen=True)
class ChatLimits:
    """The chat's two limits as tuned: per connection, and per user (or IP) across connections."""

    connection: Limit
    client: Limit


def chat_limits(values: dict) -> ChatLimits:
    """The limits from run-time tuning values (``tuning()``)."""
    return ChatLimits(
        Limit(int(values["chat_rate_connection_count"]), int(values["chat_rate_connection_window"])),
        Limit(int(values["chat_rate_client_count"]), int(values["chat_rate_client_window"])),
    )


def async_client():
    """A new asyncio Redis client with short timeouts: a dead Redis must fail fast, not hang."""
    import redis.asyncio as aredis

    return aredis.Redis.from_url(redis_url(), socket_timeout=2, socket_connect_timeout=2)


async def hit(client, limits: dict[str, tuple[str, Limit]]) -> Verdict:
    """Count one event against each ``scope -> (key, limit)``; refuse if any window is full."""
    pipe = client.pipeline(transaction=False)
    for key, limit in limits.values():
        pipe.incr(PREFIX + key)
        pipe.expire(PREFIX + key, limit.window, nx=True)
        pipe.ttl(PREFIX + key)
    results = await pipe.execute()
    for i, (scope, (_key, limit)) in enumerate(limits.items()):
        count, ttl = int(results[3 * i]), int(results[3 * i + 2])
        if count > limit.count:
            return Verdict(False, max(1, ttl if ttl > 0 else limit.window), scope)
    return Verdict(True)
