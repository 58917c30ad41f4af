"""Encoding customer queries: in the web process by default (lowest latency), cached.

``ECOM_AI["QUERY_ENCODING"] = "worker"`` sends the encoding to the inference queue instead (web
servers without the model in memory); after ``QUERY_ENCODING_TIMEOUT`` seconds, or if the broker
is down, the query is encoded inline so search never fails because the workers are busy.
Inline encoding goes through the process's query batcher (``query_batcher.py``): queries that
arrive together from different threads share one encoder call.
"""

from __future__ import annotations

import functools
import logging

import numpy as np

from ..backends import get_encoder
from ..conf import ecom_ai_settings
from .query_batcher import batching_enabled, get_batcher

logger = logging.getLogger(__name__)


def _encode(text: str) -> np.ndarray:
    if ecom_ai_settings.QUERY_ENCODING == "worker":
        try:
            from ..tasks import encode_query_on_worker

            return encode_query_on_worker(text, float(ecom_ai_settings.QUERY_ENCODING_TIMEOUT))
        except Exception as exc:
            logger.warning(
                "query encoding on the inference queue failed (%s: %s); encoding inline",
                type(exc).__name__,
                exc,
            )
    if batching_enabled():
        return get_batcher().encode(text)
    return get_encoder().encode_queries([text])[0]


@functools.lru_cache(maxsize=4096)
def _cached(text: str) -> bytes:
    return np.asarray(_encode(text), dtype=np.float32).tobytes()


def encode_query(text: str) -> np.ndarray:
    """The normalised query vector for ``text`` (whitespace-folded, cut to 500 characters)."""
    key = " ".join(text.split())[:500]
    size = ecom_ai_settings.QUERY_CACHE_SIZE
    if size <= 0:
        return np.asarray(_encode(key), dtype=np.float32)
    return np.frombuffer(_cached(key), dtype=np.float32)
