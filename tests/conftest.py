"""Shared fixtures. Postgres+pgvector and Redis are real (embedded unless DATABASE_URL/REDIS_URL)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.factories import make_category, make_product  # noqa: F401  (re-exported for tests)

OUTPUT_DIR = Path(__file__).resolve().parent.parent / "test-output"
CHROMIUM = "/usr/bin/chromium"


def pytest_unconfigure(config):
    """Stop the embedded servers if this test run started them."""
    from django.conf import settings

    started = getattr(settings, "EMBEDDED_SERVICES_STARTED", ())
    if started:
        from ecom_ai.embedded import stop_services

        stop_services(settings.VAR_DIR, only=tuple(started))


def pytest_collection_modifyitems(config, items):
    # Browser tests run last: the session-wide Playwright keeps an event loop in the main thread,
    # and async tests (Channels, async_to_sync) that ran after it would find that loop.
    items.sort(key=lambda item: "browser" in item.keywords)
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        skip = pytest.mark.skip(reason="browser test skipped: Debian's chromium is not installed "
                                       "(apt-get install chromium); CI installs it")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture
def search_catalog(db, encoder, monkeypatch):
    """The small indexed and embedded catalogue the search tests query (``tests/search_catalog.py``)."""
    from tests.search_catalog import indexed_catalog

    with indexed_catalog(encoder, monkeypatch) as products:
        yield products


@pytest.fixture(scope="session")
def encoder():
    """The real packaged MiniLM encoder, loaded once per test session."""
    from ecom_ai.backends import get_encoder

    return get_encoder()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls
    # are still synchronous, so tell Django's async-safety guard that this is intended.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield instance
        instance.close()


@pytest.fixture(autouse=True)
def _fresh_recommendation_cache():
    """Each test's database starts over, so no prepared recommendation list may survive it in Redis."""
    from ecom_ai.services.recs_cache import new_generation

    new_generation()
    yield
