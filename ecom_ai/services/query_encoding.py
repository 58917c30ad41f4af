"""Encoding customer queries: in the web process by default (lowest latency), cached."""

from __future__ import annotations

import functools

import numpy as np

from ..backends import get_encoder
from ..conf import ecom_ai_settings


@functools.lru_cache(maxsize=4096)
def _cached(text: str) -> bytes:
    return get_encoder().encode_queries([text])[0].astype(np.float32).tobytes()


def encode_query(text: str) -> np.ndarray:
    """The normalised query vector for ``text`` (whitespace-folded, cut to 500 characters)."""
    key = " ".join(text.split())[:500]
    size = ecom_ai_settings.QUERY_CACHE_SIZE
    if size <= 0:
        return get_encoder().encode_queries([key])[0]
    return np.frombuffer(_cached(key), dtype=np.float32)
