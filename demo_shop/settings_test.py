"""Test settings: the demo shop's settings on separate Redis databases, so a running demo never
picks up test tasks, and faster password hashing."""

from __future__ import annotations

import os

os.environ.setdefault("REDIS_DB_BASE", "8")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_AUTOREFRESH = True

# Workers started by tests: a killed worker's message comes back within seconds, not minutes.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "8")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
ECOM_AI = {  # noqa: F405
    **ECOM_AI,  # noqa: F405
    # Tests import demo_shop.asgi; a warm-up thread would touch the database outside the test's own.
    "WARMUP": os.environ.get("ECOM_AI_WARMUP", "0") == "1",
    "EMBED_COALESCE_SECONDS": float(os.environ.get("ECOM_AI_EMBED_COALESCE_SECONDS", "1.0")),
    "EMBED_CHUNK_SIZE": int(os.environ.get("ECOM_AI_EMBED_CHUNK_SIZE", "512")),
}
