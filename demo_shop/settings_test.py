"""Test settings: the demo shop's settings on separate Redis databases, so a running demo never
picks up test tasks, and faster password hashing."""

from __future__ import annotations

import os

os.environ.setdefault("REDIS_DB_BASE", "8")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_AUTOREFRESH = True
