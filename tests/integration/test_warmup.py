"""Process warm-up: the encoder and the search catalogue index are ready before the first search,
started once per process in a background thread, and a failure only logs."""

from __future__ import annotations

import logging

import pytest

from ecom_ai.services import search_catalog as catalog_service
from ecom_ai.services import warmup
from ecom_ai.services.search import SearchParams, search

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_warmup():
    warmup.reset()
    yield
    warmup.reset()


def test_warm_builds_the_index_so_the_first_search_builds_nothing(search_catalog, monkeypatch):
    catalog_service.reset()
    assert not catalog_service._current.signature
    report = warmup.warm()
    assert report["ok"] and report["errors"] == []
    assert {"encoder_s", "catalogue_s", "search_s"} <= set(report)
    assert catalog_service._current.stats.documents == len(search_catalog)

    def no_build(signature):
        raise AssertionError("the first search rebuilt the catalogue index")

    monkeypatch.setattr(catalog_service, "_build", no_build)
    result = search(SearchParams(q="wireless mouse"))
    assert "mouse" in result.hits[0].title.lower()


def test_a_failed_warm_up_only_logs_and_search_still_builds_on_first_use(search_catalog, monkeypatch, caplog):
    catalog_service.reset()

    def broken(*args, **kwargs):
        raise RuntimeError("database unavailable")

    with monkeypatch.context() as patched:
        patched.setattr(catalog_service, "catalog_index", broken)
        with caplog.at_level(logging.WARNING, logger="ecom_ai.services.warmup"):
            report = warmup.warm()
    assert not report["ok"]
    assert report["errors"] == ["catalogue: RuntimeError: database unavailable"]
    assert "encoder_s" in report and "search_s" not in report  # the other step still ran
    assert any("catalogue failed" in r.getMessage() for r in caplog.records)
    assert not catalog_service._current.signature
    assert search(SearchParams(q="wireless mouse")).hits  # built on first use instead


def test_start_warmup_runs_once_per_process_in_a_background_thread(monkeypatch, settings):
    calls = []
    monkeypatch.setattr(warmup, "warm", lambda **kwargs: calls.append(kwargs) or {"ok": True})
    settings.ECOM_AI = {**settings.ECOM_AI, "WARMUP": True}
    thread = warmup.start_warmup()
    assert thread is not None and thread.daemon and thread.name == "ecom_ai-warmup"
    assert warmup.start_warmup() is None  # the second server hook does nothing
    thread.join(10)
    assert warmup.done.is_set()
    assert calls == [{"encoder": True, "catalogue": True}]


def test_start_warmup_is_off_when_the_setting_says_so(monkeypatch, settings):
    monkeypatch.setattr(warmup, "warm", lambda **kwargs: pytest.fail("warm-up ran although disabled"))
    settings.ECOM_AI = {**settings.ECOM_AI, "WARMUP": False}
    assert warmup.start_warmup() is None


def test_the_demo_asgi_module_starts_the_warm_up_only_where_enabled(monkeypatch, settings):
    import importlib

    import demo_shop.asgi

    started = []
    monkeypatch.setattr(warmup, "warm", lambda **kwargs: started.append(kwargs) or {"ok": True})
    importlib.reload(demo_shop.asgi)  # under the test settings: off
    assert not warmup._started
    settings.ECOM_AI = {**settings.ECOM_AI, "WARMUP": True}
    importlib.reload(demo_shop.asgi)  # as in a server process
    assert warmup._started and warmup.done.wait(10)
    assert started == [{"encoder": True, "catalogue": True}]
