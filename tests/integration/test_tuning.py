"""The run-time settings singleton: validation, Redis cache invalidation and the per-request memo."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from ecom_ai import runtime
from ecom_ai.models import TuningSettings
from ecom_ai.services import tuning as service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.delete(service.CACHE_KEY)
    yield
    cache.delete(service.CACHE_KEY)
    service._request_end()


def test_defaults_until_something_is_saved():
    assert runtime.tuning() == runtime.DEFAULTS
    assert runtime.tuning() is not runtime.DEFAULTS


def test_saving_invalidates_the_shared_cache():
    assert runtime.tuning()["ef_search"] == runtime.DEFAULTS["ef_search"]  # now cached in Redis
    TuningSettings.objects.create(pk=1, overrides={"ef_search": 250})  # create() calls save()
    assert runtime.tuning()["ef_search"] == 250
    # A write that bypasses save() is not seen: proves reads come from the cache, not the table.
    TuningSettings.objects.filter(pk=1).update(overrides={"ef_search": 300})
    assert runtime.tuning()["ef_search"] == 250
    row = TuningSettings.load()
    row.overrides = {"ef_search": 320}
    row.save()
    assert runtime.tuning()["ef_search"] == 320


def test_loaded_once_per_request():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The handlers connected to request_started/finished (sending the real signals would also
    # close the test's database connection).
    service._request_start()
    with CaptureQueriesContext(connection) as queries:
        first = runtime.tuning()
        runtime.tuning()
    # One read of the settings row (inside a savepoint, so a failed read cannot abort a transaction).
    assert sum("ecom_ai_tuningsettings" in q["sql"] for q in queries.captured_queries) == 1
    cache.set(service.CACHE_KEY, {"ef_search": 111})  # another process saved meanwhile
    assert runtime.tuning()["ef_search"] == first["ef_search"] == runtime.DEFAULTS["ef_search"]  # same request
    service._request_end()
    service._request_start()
    assert runtime.tuning()["ef_search"] == 111  # the next request sees it


def test_overlay_applies_unsaved_values_only_inside_the_block():
    with service.overlay({"recs_diversity_lambda": 0.9}):
        assert runtime.tuning()["recs_diversity_lambda"] == 0.9
    assert runtime.tuning()["recs_diversity_lambda"] == runtime.DEFAULTS["recs_diversity_lambda"]


def test_new_default_keys_need_no_migration_and_are_validated(monkeypatch):
    monkeypatch.setitem(runtime.DEFAULTS, "brand_new_threshold", 0.5)
    assert service.schema_for("brand_new_threshold")["type"] == "float"
    cleaned, errors = service.validate_overrides({"brand_new_threshold": "high", "nope": 1})
    assert "Must be a number" in errors["brand_new_threshold"] and "Unknown setting" in errors["nope"]
    TuningSettings.objects.create(pk=1, overrides={"brand_new_threshold": 0.7})
    assert runtime.tuning()["brand_new_threshold"] == 0.7


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("ef_search", 5, "at least 10"),
        ("recs_diversity_lambda", 1.5, "at most 1"),
        ("chat_enabled", "yes", "true or false"),
        ("search_fusion", "magic", "Must be one of rrf, weighted"),
        ("recs_blend_for_you", {"content": -1}, "Weight of 'content' must be at least 0"),
        ("recs_blend_for_you", {"content": 0}, "At least one strategy"),
        ("chat_product_results", 2.5, "whole number"),
    ],
)
def test_every_kind_of_bad_value_gets_a_clear_message(key, value, message):
    _, errors = service.validate_overrides({key: value})
    assert message in errors[key]


def test_secret_looking_keys_are_not_editable(monkeypatch):
    monkeypatch.setitem(runtime.DEFAULTS, "chat_api_key", "")
    assert "chat_api_key" not in service.editable_keys()
    assert "Unknown setting" in service.validate_overrides({"chat_api_key": "sk-123"})[1]["chat_api_key"]


def test_broken_cache_or_missing_row_falls_back_to_defaults(monkeypatch):
    def boom(*a, **k):
        raise ConnectionError("redis down")

    monkeypatch.setattr(service.cache, "get", boom)
    monkeypatch.setattr(service.cache, "set", boom)
    assert runtime.tuning()["ef_search"] == runtime.DEFAULTS["ef_search"]
