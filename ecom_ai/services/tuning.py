"""Run-time tuning behind ``ecom_ai.runtime.tuning()``: schema, validation, cache and overlays."""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import math
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.core.signals import request_finished, request_started

from .. import runtime

logger = logging.getLogger(__name__)

CACHE_KEY = "ecom_ai:tuning:overrides:v1"
CACHE_SECONDS = 3600
# Keys that look like credentials are never editable in the database.
_SECRET_MARKERS = ("secret", "password", "api_key", "apikey", "token_key", "credential")

# Saved overrides memoised for the current request (None: not loaded in this request yet).
_request_memo: ContextVar[dict[str, Any] | None] = ContextVar("ecom_ai_tuning_memo", default=None)
_in_request: ContextVar[bool] = ContextVar("ecom_ai_tuning_in_request", default=False)
# Unsaved values layered on top (admin preview, experiment arms): see ``overlay()``.
_overlay: ContextVar[dict[str, Any] | None] = ContextVar("ecom_ai_tuning_overlay", default=None)


def schema_for(key: str) -> dict[str, Any]:
    """The schema entry of a key; inferred from its default's type when it has none."""
    spec = dict(runtime.SCHEMA.get(key, {}))
    default = runtime.DEFAULTS.get(key)
    if "type" not in spec:
        if isinstance(default, bool):
            spec["type"] = "bool"
        elif isinstance(default, int):
            spec["type"] = "int"
        elif isinstance(default, float):
            spec["type"] = "float"
        elif isinstance(default, str):
            spec["type"] = "text" if len(default) > 80 else "str"
        elif isinstance(default, dict) and all(isinstance(v, int | float) for v in default.values()):
            spec["type"] = "weights"
        else:
            spec["type"] = "json"
    spec.setdefault("group", "Other")
    spec.setdefault("help", "")
    return spec


def editable_keys() -> list[str]:
    """Keys staff may edit (everything in DEFAULTS except anything named like a secret)."""
    return [k for k in runtime.DEFAULTS if not any(m in k.lower() for m in _SECRET_MARKERS)]


def validate_value(key: str, value: Any) -> Any:
    """Coerce and check one value against its schema; raise ValueError with a readable message."""
    spec = schema_for(key)
    kind = spec["type"]
    lo, hi = spec.get("min"), spec.get("max")

    def check_range(number: float, what: str = "Value") -> None:
        if isinstance(number, float) and not math.isfinite(number):
            raise ValueError(f"{what} must be a finite number.")
        if lo is not None and number < lo:
            raise ValueError(f"{what} must be at least {lo} (got {number}).")
        if hi is not None and number > hi:
            raise ValueError(f"{what} must be at most {hi} (got {number}).")

    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"Must be true or false (got {value!r}).")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
            raise ValueError(f"Must be a whole number (got {value!r}).")
        check_range(int(value))
        return int(value)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"Must be a number (got {value!r}).")
        check_range(float(value))
        return float(value)
    if kind in ("str", "text"):
        if not isinstance(value, str):
            raise ValueError(f"Must be text (got {value!r}).")
        limit = spec.get("max_length", 4000 if kind == "text" else 500)
        if len(value) > limit:
            raise ValueError(f"At most {limit} characters (got {len(value)}).")
        return value
    if kind == "choice":
        if value not in spec["choices"]:
            raise ValueError(f"Must be one of {', '.join(map(str, spec['choices']))} (got {value!r}).")
        return value
    if kind == "weights":
        if not isinstance(value, dict) or not value:
            raise ValueError(
                'Must be a JSON object of strategy weights, e.g. {"content": 0.7, "popular": 0.3}.'
            )
        cleaned = {}
        for name, weight in value.items():
            if not isinstance(name, str) or not name.replace("_", "").isalnum():
                raise ValueError(f"Strategy names are letters, digits and underscores (got {name!r}).")
            if isinstance(weight, bool) or not isinstance(weight, int | float):
                raise ValueError(f"Weight of {name!r} must be a number (got {weight!r}).")
            check_range(float(weight), f"Weight of {name!r}")
            cleaned[name] = float(weight)
        if sum(cleaned.values()) <= 0:
            raise ValueError("At least one strategy needs a weight above 0.")
        return cleaned
    # json: anything JSON-serialisable
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Must be JSON-serialisable ({exc}).") from exc
    return value


def validate_overrides(overrides: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean a dict of overrides: returns (cleaned, errors by key). Unknown keys are errors."""
    if not isinstance(overrides, dict):
        return {}, {"__all__": "Overrides must be a JSON object of setting names to values."}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    allowed = set(editable_keys())
    for key, value in overrides.items():
        if key not in allowed:
            errors[key] = f"Unknown setting {key!r}; known settings: see ecom_ai.runtime.DEFAULTS."
            continue
        try:
            cleaned[key] = validate_value(key, value)
        except ValueError as exc:
            errors[key] = str(exc)
    return cleaned, errors


def _load_saved() -> dict[str, Any]:
    """Saved overrides from the shared cache, else the database (then cached)."""
    try:
        saved = cache.get(CACHE_KEY)
    except Exception:  # the cache being down must not break a page
        logger.warning("ecom_ai tuning: cache unavailable, reading the database", exc_info=True)
        saved = None
    if saved is not None:
        return saved
    try:
        from django.db import transaction

        from ..models.tuning import TuningSettings

        # A savepoint, so that a failed read cannot abort the caller's transaction.
        with transaction.atomic():
            row = (
                TuningSettings.objects.filter(pk=TuningSettings.SINGLETON_ID)
                .values_list("overrides", flat=True)
                .first()
            )
        saved = row or {}
    except Exception:  # no table yet (migrations pending) or the database is down
        logger.warning("ecom_ai tuning: could not read saved settings; using defaults", exc_info=True)
        return {}
    try:
        cache.set(CACHE_KEY, saved, CACHE_SECONDS)
    except Exception:
        pass
    return saved


def current_tuning() -> dict[str, Any]:
    """DEFAULTS overlaid with saved overrides (memoised per request) and any active overlay."""
    saved = _request_memo.get() if _in_request.get() else None
    if saved is None:
        saved = _load_saved()
        if _in_request.get():
            _request_memo.set(saved)
    values = copy.deepcopy(runtime.DEFAULTS)
    for key, value in saved.items():
        if key in values:  # keys removed from DEFAULTS are ignored, not errors
            values[key] = copy.deepcopy(value)
    extra = _overlay.get()
    if extra:
        values.update(copy.deepcopy(extra))
    return values


def invalidate() -> None:
    """Forget cached overrides everywhere (called when the singleton is saved)."""
    global _snapshot
    _request_memo.set(None)
    _snapshot = None
    try:
        cache.delete(CACHE_KEY)
    except Exception:
        logger.warning("ecom_ai tuning: could not clear the cache", exc_info=True)


@contextlib.contextmanager
def overlay(values: dict[str, Any]) -> Iterator[None]:
    """Within the block, ``tuning()`` returns these values on top (admin preview, experiment arms)."""
    merged = {**(_overlay.get() or {}), **values}
    token = _overlay.set(merged)
    try:
        yield
    finally:
        _overlay.reset(token)


# A process-wide copy of the saved overrides for ``memoised(max_age=...)``: (loaded at, overrides).
_snapshot: tuple[float, dict[str, Any]] | None = None


def _saved_at_most(max_age: float) -> dict[str, Any]:
    global _snapshot
    now = time.monotonic()
    snapshot = _snapshot
    if snapshot is None or now - snapshot[0] > max_age:
        snapshot = _snapshot = (now, _load_saved())
    return snapshot[1]


@contextlib.contextmanager
def memoised(max_age: float = 0.0) -> Iterator[None]:
    """Within the block saved overrides are read once, as within a request (a chat turn calls
    ``tuning()`` from the agent, its tools and search: one cache round trip instead of each).

    ``max_age > 0`` reuses this process's copy when it is younger than that many seconds, so a busy
    chat server reads the cache about once per ``max_age`` instead of once per message; saving the
    settings in this process clears the copy, other processes see a change within ``max_age``.
    """
    in_request = _in_request.set(True)
    memo = _request_memo.set(_saved_at_most(max_age) if max_age > 0 else None)
    try:
        yield
    finally:
        _request_memo.reset(memo)
        _in_request.reset(in_request)


def _request_start(**kwargs: Any) -> None:
    _request_memo.set(None)
    _in_request.set(True)


def _request_end(**kwargs: Any) -> None:
    _request_memo.set(None)
    _in_request.set(False)


request_started.connect(_request_start, dispatch_uid="ecom_ai_tuning_request_started")
request_finished.connect(_request_end, dispatch_uid="ecom_ai_tuning_request_finished")
