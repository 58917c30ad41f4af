"""Shared set-up for the benchmarks (a package: `make bench` runs only bench/*.py): Django, Icecat."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATASET = ROOT.parent / "shared" / "datasets" / "chorus_icecat_search"


def setup_django() -> None:
    """Configure Django with the demo shop's settings (embedded servers unless URLs are set)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ECOM_AI_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def index_catalogue(dataset: Path, limit: int | None = None) -> list[str]:
    """Upsert the Icecat products into IndexedProduct (in the current database); returns their refs.

    Rows whose text did not change keep their vectors (content-hash cache).
    """
    from ecom_ai.evaluation.icecat import iter_documents
    from ecom_ai.services.indexing import index_documents

    docs = list(iter_documents(dataset, limit=limit))
    index_documents(docs)
    return [d.ref for d in docs]


def embed_missing_inline(refs: list[str] | None = None, chunk: int = 512) -> dict:
    """Embed stale rows in this process (first run only; later runs find them cached)."""
    from tqdm import tqdm

    from ecom_ai.backends import get_encoder
    from ecom_ai.models import IndexedProduct
    from ecom_ai.services.indexing import embed_products

    model_key = get_encoder().model_key
    qs = IndexedProduct.objects.stale(model_key)
    if refs is not None:
        qs = qs.filter(product_ref__in=refs)
    stale = list(qs.values_list("product_ref", flat=True))
    started = time.perf_counter()
    with tqdm(
        total=len(stale),
        desc="embedding (cached afterwards)",
        unit="product",
        file=sys.stderr,
        disable=not stale,
    ) as bar:
        for start in range(0, len(stale), chunk):
            part = stale[start : start + chunk]
            embed_products(part)
            bar.update(len(part))
    return {"embedded_now": len(stale), "seconds": round(time.perf_counter() - started, 1)}
