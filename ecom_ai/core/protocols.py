"""Protocols of the pluggable parts; backends implement these, services depend only on them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised vectors."""

    model_key: str
    dimensions: int

    def encode_documents(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...
