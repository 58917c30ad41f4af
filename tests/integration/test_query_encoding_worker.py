"""QUERY_ENCODING="worker": queries encoded on the inference queue, inline fallback on timeout."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

from ecom_ai.services import query_encoding


@pytest.fixture
def worker_mode(settings):
    settings.ECOM_AI = {**settings.ECOM_AI, "QUERY_ENCODING": "worker", "QUERY_ENCODING_TIMEOUT": 20.0}
    query_encoding._cached.cache_clear()
    yield settings
    query_encoding._cached.cache_clear()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_query_is_encoded_by_the_inference_worker(celery_worker, worker_mode, encoder, caplog):
    worker = celery_worker()
    with caplog.at_level(logging.WARNING, logger="ecom_ai"):
        vector = query_encoding.encode_query("cordless kettle  with   temperature control")
    assert worker.received("ecom_ai.encode_query") == 1
    assert "encoding inline" not in caplog.text
    inline = encoder.encode_queries(["cordless kettle with temperature control"])[0]
    assert vector.shape == (384,) and float(np.dot(vector, inline)) > 0.999
    query_encoding.encode_query("cordless kettle with temperature control")  # cached: no second task
    assert worker.received("ecom_ai.encode_query") == 1


@pytest.mark.django_db
def test_without_a_worker_the_query_falls_back_inline_after_the_timeout(worker_mode, encoder, caplog):
    worker_mode.ECOM_AI = {**worker_mode.ECOM_AI, "QUERY_ENCODING_TIMEOUT": 0.5}
    from ecom_ai.backends import get_encoder

    get_encoder()  # a settings change drops the loaded model; load it before timing
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="ecom_ai"):
        vector = query_encoding.encode_query("no worker is listening")
    assert time.monotonic() - started < 5
    assert "encoding inline" in caplog.text and vector.shape == (384,)
