"""Pluggable backends (encoders, LLMs, recommenders), chosen by dotted path in ``ECOM_AI``."""

from __future__ import annotations

import threading

from ..conf import ecom_ai_settings, import_backend

_lock = threading.Lock()
_encoder = None


def get_encoder():
    """The process-wide encoder, loaded once (models are expensive to load)."""
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                _encoder = import_backend(ecom_ai_settings.ENCODER)
    return _encoder


def reset_backends() -> None:
    global _encoder
    _encoder = None
