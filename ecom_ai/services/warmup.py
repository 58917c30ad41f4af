"""Process warm-up: load the query encoder and build the search catalogue index before the first
customer waits for them (seconds otherwise: model load plus tokenising the whole catalogue).

Explicit, not automatic: a server process calls ``start_warmup()`` once it is set up — the host's
ASGI/WSGI module (the demo's ``demo_shop/asgi.py`` does) — and inference workers warm their encoder
on Celery's ``worker_ready``. ``migrate``, tests and other management commands never import those
modules, so they never pay for it. ``ECOM_AI["WARMUP"] = False`` turns it off. A failed warm-up only
logs: the first search then builds what it needs itself, as it would without warm-up.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

logger = logging.getLogger(__name__)

# A text no customer types; the probe search leaves it as one entry in the query cache.
PROBE_TEXT = "ecom ai warm up probe"

_started = False
_start_lock = threading.Lock()
done = threading.Event()  # set when the background warm-up finished (successfully or not)
last_report: dict[str, Any] = {}


def _step(report: dict[str, Any], name: str, action) -> None:
    started = time.perf_counter()
    try:
        action()
    except Exception as exc:  # warm-up must never take a process down
        report["ok"] = False
        report["errors"].append(f"{name}: {type(exc).__name__}: {exc}")
        logger.warning("ecom_ai warm-up: %s failed; it is built on first use instead", name, exc_info=True)
    else:
        report[f"{name}_s"] = round(time.perf_counter() - started, 3)


def _encoder() -> None:
    from ..backends import get_encoder

    # One forward pass: the first call initialises kernels and the tokenizer, not only the weights.
    get_encoder().encode_queries([PROBE_TEXT])


def _catalogue() -> None:
    from .search_catalog import catalog_index

    catalog_index()


def _probe_search() -> None:
    from .search import SearchParams, search

    # Fills what a first query would (brand/category name caches, adapters); records no event.
    search(SearchParams(q=PROBE_TEXT, page_size=1))


def warm(*, encoder: bool = True, catalogue: bool = True) -> dict[str, Any]:
    """Load the encoder and build the catalogue index now, in this thread, then run one probe search;
    returns what took how long (``ok`` false and ``errors`` filled when a step failed — it never raises)."""
    report: dict[str, Any] = {"ok": True, "errors": []}
    if encoder:
        _step(report, "encoder", _encoder)
    if catalogue:
        _step(report, "catalogue", _catalogue)
        if report["ok"]:
            _step(report, "search", _probe_search)
    level = logging.INFO if report["ok"] else logging.WARNING
    logger.log(level, "ecom_ai warm-up: %s", report)
    last_report.clear()
    last_report.update(report)
    return report


def _run_in_background(encoder: bool, catalogue: bool) -> None:
    from django.db import connections

    try:
        warm(encoder=encoder, catalogue=catalogue)
    finally:
        connections.close_all()  # this thread's connections; the server's threads have their own
        done.set()


def start_warmup(*, encoder: bool = True, catalogue: bool = True) -> threading.Thread | None:
    """Warm this process up in a daemon thread, once (later calls return None, as does
    ``ECOM_AI["WARMUP"] = False``). Requests arriving meanwhile are served: the catalogue index and
    the encoder are built under locks, so a search waits for the warm-up instead of doing it twice."""
    global _started
    from ..conf import ecom_ai_settings

    if not ecom_ai_settings.WARMUP:
        return None
    with _start_lock:
        if _started:
            return None
        _started = True
    done.clear()
    thread = threading.Thread(
        target=_run_in_background, args=(encoder, catalogue), name="ecom_ai-warmup", daemon=True
    )
    thread.start()
    return thread


def reset() -> None:
    """Allow ``start_warmup`` again (tests)."""
    global _started
    with _start_lock:
        _started = False
    done.clear()
    last_report.clear()
