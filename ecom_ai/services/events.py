"""Recording interaction events: the visitor id, server-side hooks, batch validation, login merge.

The visitor id lives *inside* the session (``request.session["ecom_ai_vid"]``), so it survives
the session-key rotation at login and lets ``merge_anonymous_history`` move the anonymous events
onto the account. Clients never choose it: the beacon's rows are attributed server-side.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..models import Event
from .recs_cache import touch_events, touch_visitors

logger = logging.getLogger(__name__)

VISITOR_KEY = "ecom_ai_vid"
# Kinds a browser may report; purchases and cart adds come only from the shop's own hooks.
BEACON_KINDS = {"view", "search", "search_click", "rec_impression", "rec_click"}
MAX_BATCH = 200
_MAX_SKEW = timedelta(days=1)


def visitor_id(request: Any, *, create: bool = True) -> str:
    """The anonymous visitor id of this browser (stored in the session); '' if none and not created."""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    vid = session.get(VISITOR_KEY, "")
    if not vid and create:
        vid = uuid.uuid4().hex
        session[VISITOR_KEY] = vid
    return vid


def actor_of(request: Any) -> tuple[Any, str]:
    """``(user or None, visitor id)`` for a request."""
    user = getattr(request, "user", None)
    user = user if user is not None and user.is_authenticated else None
    return user, visitor_id(request)


def _event(
    kind: str,
    *,
    user: Any = None,
    session_key: str = "",
    product_ref: str = "",
    weight: float | None = None,
    created_at: Any = None,
    **extra: Any,
) -> Event:
    return Event(
        kind=kind,
        user=user,
        session_key=session_key or "",
        product_ref=str(product_ref or "")[:64],
        weight=Event.DEFAULT_WEIGHTS.get(kind, 1.0) if weight is None else weight,
        created_at=created_at or timezone.now(),
        **extra,
    )


def record_event(
    kind: str,
    *,
    request: Any = None,
    user: Any = None,
    session_key: str = "",
    product_ref: str = "",
    **extra: Any,
) -> Event | None:
    """Store one event; attribution from ``request`` when given. Never raises (logs instead)."""
    try:
        if request is not None:
            user, session_key = actor_of(request)
        event = _event(kind, user=user, session_key=session_key, product_ref=product_ref, **extra)
        event.save(force_insert=True)
        transaction.on_commit(lambda: touch_events([event]))
        return event
    except Exception:
        logger.exception("ecom_ai: could not record %s event for %s", kind, product_ref)
        return None


def track_cart_add(request: Any, product_ref: str, quantity: int = 1) -> None:
    """Adapter hook: the visitor put a product in the cart."""
    record_event("add_to_cart", request=request, product_ref=product_ref, context={"quantity": int(quantity)})


def track_order(
    request: Any, order_ref: str, lines: Iterable[tuple[str, int, Decimal | None]], *, user: Any = None
) -> int:
    """Adapter hook: an order was placed; one ``purchase`` event per line ``(product_ref, qty, value)``."""
    try:
        req_user, vid = actor_of(request) if request is not None else (None, "")
        user = user or req_user
        now = timezone.now()
        events = [
            _event(
                "purchase",
                user=user,
                session_key=vid,
                product_ref=ref,
                value=value,
                created_at=now,
                context={"order": str(order_ref), "quantity": int(qty)},
            )
            for ref, qty, value in lines
        ]
        Event.objects.bulk_create(events)
        transaction.on_commit(lambda: touch_events(events))
        return len(events)
    except Exception:
        logger.exception("ecom_ai: could not record purchase events of order %s", order_ref)
        return 0


@dataclass
class BatchResult:
    """What happened to a beacon batch: rows stored and per-row errors (by index)."""

    accepted: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _clean_row(row: Any, now: Any) -> tuple[dict[str, Any] | None, dict[str, str]]:
    from .attribution import read_token

    errors: dict[str, str] = {}
    if not isinstance(row, Mapping):
        return None, {"row": "must be an object"}
    kind = row.get("kind")
    if kind not in BEACON_KINDS:
        errors["kind"] = f"must be one of {sorted(BEACON_KINDS)}"
    ref = row.get("product", "")
    if not isinstance(ref, str | int) or len(str(ref)) > 64:
        errors["product"] = "must be a product reference (string, at most 64 characters)"
    query = row.get("query", "")
    if not isinstance(query, str) or len(query) > 500:
        errors["query"] = "must be a string of at most 500 characters"
    created = now
    if row.get("ts") is not None:
        try:
            created = datetime.fromtimestamp(float(row["ts"]) / 1000.0, tz=UTC)
            if abs(created - now) > _MAX_SKEW:
                errors["ts"] = "must be within a day of the server time (milliseconds since the epoch)"
        except (TypeError, ValueError, OverflowError, OSError):
            errors["ts"] = "must be milliseconds since the epoch"
    attribution: dict[str, str] = {}
    if kind in ("rec_impression", "rec_click"):
        attribution = read_token(row.get("token", ""))
        if not attribution:
            errors["token"] = "a valid signed recommendation token is required for rec_* events"
        elif ref and str(ref) != attribution.get("product_ref"):
            errors["product"] = "does not match the token"
    if kind in ("view", "search_click") and not ref:
        errors["product"] = "is required for this kind"
    if errors:
        return None, errors
    clean = {
        "kind": kind,
        "product_ref": str(ref or attribution.get("product_ref", "")),
        "query": query,
        "created_at": created,
    }
    clean.update({k: v for k, v in attribution.items() if k != "product_ref"})
    return clean, {}


def ingest_batch(rows: Any, *, user: Any = None, session_key: str = "") -> BatchResult:
    """Validate beacon rows and store every valid one (one INSERT); invalid rows are reported by index.

    Policy: valid rows are kept even when others in the batch are malformed, and the response lists
    the rejected indexes, so a client never needs to resend a row that was accepted.
    """
    result = BatchResult()
    if not isinstance(rows, Sequence) or isinstance(rows, str | bytes):
        result.errors.append({"index": None, "errors": {"events": "must be a list of event objects"}})
        return result
    if len(rows) > MAX_BATCH:
        result.errors.append({"index": None, "errors": {"events": f"at most {MAX_BATCH} events per batch"}})
        return result
    now = timezone.now()
    events = []
    for index, row in enumerate(rows):
        clean, errors = _clean_row(row, now)
        if errors:
            result.errors.append({"index": index, "errors": errors})
            continue
        kind = clean.pop("kind")
        events.append(_event(kind, user=user, session_key=session_key, **clean))
    if events:
        Event.objects.bulk_create(events)
        transaction.on_commit(lambda: touch_events(events))
    result.accepted = len(events)
    return result


def merge_anonymous_history(user: Any, vid: str) -> int:
    """Give the anonymous visitor's events to the account they just logged in to."""
    if not vid or user is None or not user.is_authenticated:
        return 0
    with transaction.atomic():
        merged = Event.objects.filter(session_key=vid, user__isnull=True).update(user=user)
        transaction.on_commit(lambda: touch_visitors([f"u{user.pk}", f"s{vid}"]))
    return merged


def on_user_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver (connected in AppConfig.ready). Never breaks the login."""
    try:
        merged = merge_anonymous_history(user, visitor_id(request, create=False) if request else "")
        if merged:
            logger.info("ecom_ai: merged %d anonymous events into user %s", merged, user.pk)
    except Exception:
        logger.exception("ecom_ai: could not merge anonymous history at login")


def parse_decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except (InvalidOperation, ValueError):
        return None
