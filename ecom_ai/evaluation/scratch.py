"""A scratch database for evaluations and benchmarks, never the shop's own data.

``with scratch_database():`` points the default connection at a separate database on the same
server (created and migrated on first use, kept afterwards so embeddings are reused by content hash).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.conf import settings
from django.core.management import call_command
from django.db import connections

DEFAULT_NAME = "ecom_ai_scratch"


@contextlib.contextmanager
def scratch_database(name: str = DEFAULT_NAME, *, migrate: bool = True) -> Iterator[str]:
    """Run the block against database ``name``; restores the shop's database afterwards."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"invalid scratch database name {name!r}")
    connection = connections["default"]
    original = connection.settings_dict["NAME"]
    if name == original:
        raise ValueError("the scratch database must not be the shop's database")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    connection.settings_dict["NAME"] = name
    settings.DATABASES["default"]["NAME"] = name
    try:
        if migrate:
            call_command("migrate", verbosity=0, interactive=False)
        yield name
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        settings.DATABASES["default"]["NAME"] = original
