"""Prepared candidate lists in the shared cache, so a widget is a cache read plus the business rules.

A slot's blended candidates (before stock, visibility, purchases, pins and diversity, which are
applied fresh on every request) are kept under a key made of:

- the *generation*, bumped whenever the prepared tables change (the periodic refresh, new
  neighbour lists), so no list outlives the statistics it was computed from;
- the visitor and their *history version*, bumped by every event written for them (a view, a
  cart add, an order, a login merge), so the next render after an event recomputes; slots that do
  not depend on the visitor (``similar`` / ``bought_together`` of a page product, ``trending``) are
  shared by everyone;
- a digest of the slot, page products and every tuning value and override that shapes candidates.

The visitor's purchased products are kept the same way. Entries also expire after
``recs_cache_seconds`` as a safety net for history written behind ecom_ai's back (bulk imports).
Every function here degrades to "no cache" when the cache is down.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)

_GENERATION_KEY = "ecom_ai:recs:generation"
_VERSION_KEY = "ecom_ai:recs:version:{who}"
_VERSION_SECONDS = 7 * 86400
_PENDING = "ecom_ai:recs:prepare:pending"
_SCHEDULED = "ecom_ai:recs:prepare:scheduled"
PREPARE_COALESCE_SECONDS = 1.0
# Overrides that do not change candidates (they only travel in the link tokens).
_NOT_SHAPING = {"experiment", "arm"}


def visitor_of(user: Any = None, session_key: str = "") -> str:
    """The cache identity of a visitor: ``u<pk>`` signed in, ``s<visitor id>`` anonymous, '' none."""
    if user is not None and getattr(user, "is_authenticated", False):
        return f"u{user.pk}"
    return f"s{session_key}" if session_key else ""


def touch_visitors(visitors: Iterable[str]) -> None:
    """Their history changed: bump their version so prepared lists are recomputed. Never raises."""
    stamp = time.time_ns()
    keys = {_VERSION_KEY.format(who=who): stamp for who in set(visitors) if who}
    if not keys:
        return
    try:
        cache.set_many(keys, _VERSION_SECONDS)
    except Exception:
        logger.warning("ecom_ai: could not invalidate prepared recommendations of %s", sorted(keys))


def touch_events(events: Iterable[Any]) -> None:
    """``touch_visitors`` for the authors of these ``Event`` rows (user and visitor id both), for
    the kinds that make up a history (an impression or a search changes no recommendation), and
    queue their personal lists to be prepared by a worker before their next page."""
    from .strategies import HISTORY_KINDS

    who: set[str] = set()
    primary: set[str] = set()  # the identity their widgets are read under
    for event in events:
        if event.kind not in HISTORY_KINDS:
            continue
        if event.user_id is not None:
            who.add(f"u{event.user_id}")
        if event.session_key:
            who.add(f"s{event.session_key}")
        primary.add(f"u{event.user_id}" if event.user_id is not None else f"s{event.session_key}")
    touch_visitors(who)
    primary.discard("s")
    if primary and _prepare_on_event():
        try:
            from ..tasks import schedule_visitor_preparation

            schedule_visitor_preparation(sorted(primary))
        except Exception:  # the lists are then computed on the visitor's next page instead
            logger.warning("ecom_ai: could not queue the preparation of %s", sorted(primary), exc_info=True)


def _prepare_on_event() -> bool:
    from ..runtime import tuning

    return bool(tuning().get("recs_prepare_on_event", True))


def queue_preparation(visitors: Iterable[str], schedule: Callable[[float], None]) -> bool:
    """Add visitors to the pending set; the first call of a burst schedules one drain (``schedule(
    countdown)``), so a visitor's clicks within a second are prepared once. Returns True if it did."""
    from .embedding_queue import get_redis

    visitors = [v for v in visitors if v]
    if not visitors:
        return False
    pipe = get_redis().pipeline()
    pipe.sadd(_PENDING, *visitors)
    # Bounded even when no worker drains it (a shop without a light worker): visitors not prepared
    # within the hour are simply computed on their next page.
    pipe.expire(_PENDING, 3600)
    pipe.set(_SCHEDULED, "1", nx=True, ex=int(PREPARE_COALESCE_SECONDS) + 60)
    if not pipe.execute()[-1]:
        return False
    client = get_redis()
    try:
        schedule(PREPARE_COALESCE_SECONDS)
    except Exception:
        client.delete(_SCHEDULED)
        raise
    return True


def reset_preparation_queue() -> None:
    """Forget pending visitors and the scheduled-drain flag (e.g. after the queue's worker changed)."""
    from .embedding_queue import get_redis

    get_redis().delete(_PENDING, _SCHEDULED)


def drain_preparation(process: Callable[[list[str]], int], chunk_size: int = 200) -> int:
    """Prepare every pending visitor in chunks (the task's body); returns how many were prepared.

    No in-flight bookkeeping: a visitor lost with a killed worker is computed on their next page."""
    from .embedding_queue import get_redis

    client = get_redis()
    client.delete(_SCHEDULED)  # events from now on schedule the next drain
    done = 0
    while True:
        members = client.spop(_PENDING, chunk_size)
        if not members:
            return done
        done += process(sorted(m.decode() for m in members))


def new_generation() -> None:
    """The prepared tables changed: every cached list is stale. Never raises."""
    try:
        cache.set(_GENERATION_KEY, time.time_ns(), None)
    except Exception:
        logger.warning("ecom_ai: could not bump the recommendation cache generation", exc_info=True)


def digest(slot: str, anchors: tuple[str, ...], limit: int, tune: dict[str, Any], overrides: dict[str, Any]) -> str:
    """A short hash of everything besides the visitor that shapes a slot's candidates (the limit
    too: ``for_you`` asks for embedding neighbours when co-occurrence finds fewer than 3 x limit)."""
    shaping = {k: v for k, v in tune.items() if k.startswith("recs_") or k == "ef_search"}
    extra = {k: v for k, v in overrides.items() if k not in _NOT_SHAPING}
    raw = json.dumps([slot, anchors, limit, shaping, extra], sort_keys=True, default=str)
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


class PreparedLists:
    """The cache entries one request may read: its slot's candidates and the visitor's purchases.

    Entries carry the generation and history version they were computed under; one ``get_many``
    reads them together with the current generation and version, so a render needs one round trip.
    The version is read before anything is computed: a list computed while an event arrives is
    stored under the old version and never served after it.
    """

    def __init__(self, who: str, personal: bool, key: str, seconds: float) -> None:
        self.who, self.personal, self.seconds = who, personal, seconds
        self.enabled = seconds > 0
        self.list_key = f"ecom_ai:recs:prep:{who if personal else '*'}:{key}"
        self.purchase_key = f"ecom_ai:recs:prep:{who}:purchased" if who else None
        self.version_key = _VERSION_KEY.format(who=who)
        self._stamp: tuple[Any, Any] = (0, 0)

    def fetch(self, wants_purchases: bool) -> tuple[Any, Any]:
        """``(candidates or None, purchased or None)``: what the cache holds that is still valid."""
        if not self.enabled:
            return None, None
        keys = [_GENERATION_KEY, self.version_key, self.list_key]
        if wants_purchases and self.purchase_key:
            keys.append(self.purchase_key)
        try:
            got = cache.get_many(keys)
        except Exception:
            logger.warning("ecom_ai: recommendation cache unavailable", exc_info=True)
            self.enabled = False
            return None, None
        generation, version = got.get(_GENERATION_KEY, 0), got.get(self.version_key, 0)
        self._stamp = (generation, version)

        def valid(key: str | None, personal: bool) -> Any:
            entry = got.get(key) if key else None
            if entry is None or entry[0] != generation or (personal and entry[1] != version):
                return None
            return entry[2]

        return valid(self.list_key, self.personal), valid(self.purchase_key, True)

    def store(self, candidates: Any = None, purchased: Any = None) -> None:
        """Keep what was just computed (either part may be None: not computed). Never raises."""
        if not self.enabled:
            return
        generation, version = self._stamp
        entries = {}
        if candidates is not None:
            entries[self.list_key] = (generation, version if self.personal else 0, candidates)
        if purchased is not None and self.purchase_key:
            entries[self.purchase_key] = (generation, version, purchased)
        if entries:
            try:
                cache.set_many(entries, self.seconds)
            except Exception:
                logger.warning("ecom_ai: could not store prepared recommendations", exc_info=True)
