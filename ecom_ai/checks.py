"""System checks (ecom_ai.E001 …): settings, importable backends, pgvector on the database."""

from __future__ import annotations

from django.core import checks
from django.db import connections
from django.utils.module_loading import import_string

from .conf import DEFAULTS, ecom_ai_settings


@checks.register("ecom_ai")
def check_settings(app_configs=None, **kwargs):
    errors = []
    unknown = sorted(set(ecom_ai_settings.user_settings) - set(DEFAULTS))
    if unknown:
        errors.append(checks.Error(
            f"Unknown key(s) in settings.ECOM_AI: {', '.join(unknown)}",
            hint=f"Valid keys: {', '.join(sorted(DEFAULTS))}", id="ecom_ai.E001",
        ))
    for name, path in [("SHOP_ADAPTER", ecom_ai_settings.SHOP_ADAPTER),
                       ("ENCODER.BACKEND", ecom_ai_settings.ENCODER.get("BACKEND", ""))]:
        try:
            import_string(path)
        except ImportError as exc:
            errors.append(checks.Error(
                f"ECOM_AI {name} {path!r} cannot be imported: {exc}",
                hint="Give a dotted path to a class, e.g. 'myshop.ecom_ai_adapter.ShopAdapter'.",
                id="ecom_ai.E002",
            ))
    if ecom_ai_settings.SIGNAL_PROCESSOR not in {"task", "inline", "none"}:
        errors.append(checks.Error(
            f"ECOM_AI SIGNAL_PROCESSOR must be 'task', 'inline' or 'none', not "
            f"{ecom_ai_settings.SIGNAL_PROCESSOR!r}", id="ecom_ai.E005"))
    return errors


@checks.register(checks.Tags.database)
def check_pgvector(app_configs=None, databases=None, **kwargs):
    """Runs with ``migrate`` and ``check --database default``: the database must offer pgvector."""
    errors = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            errors.append(checks.Error(
                f"Database {alias!r} is {connection.vendor}; ecom_ai needs PostgreSQL with pgvector.",
                id="ecom_ai.E003"))
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'")
            row = cursor.fetchone()
        if row is None:
            errors.append(checks.Error(
                f"Database {alias!r} has no pgvector extension available.",
                hint="Install pgvector on the PostgreSQL server (0.8 or newer), or unset DATABASE_URL "
                     "to use the embedded PostgreSQL.", id="ecom_ai.E003"))
    return errors
