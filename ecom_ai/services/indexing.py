"""Keeping IndexedProduct rows in step with the host's products, and embedding them."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from ..adapters import get_shop_adapter
from ..backends import get_encoder
from ..conf import ecom_ai_settings
from ..core.documents import ProductDocument, content_hash, default_document_text
from ..models import IndexedProduct

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 20000  # stored text; the encoder reads far less


def current_model_key() -> str:
    """The key of the configured encoder, known without loading the model."""
    options = ecom_ai_settings.ENCODER.get("OPTIONS", {})
    model = str(options.get("model", ""))
    if model.startswith("packaged:"):
        return model
    return model.rstrip("/").rsplit("/", 1)[-1] or ecom_ai_settings.ENCODER["BACKEND"]


@dataclass
class SyncResult:
    """What a sync changed."""

    upserted: int = 0
    deleted: int = 0
    stale_refs: list[str] = field(default_factory=list)


def _row_for(doc: ProductDocument, text: str, model_key: str) -> IndexedProduct:
    text = text[:MAX_TEXT_CHARS]
    return IndexedProduct(
        product_ref=doc.ref, title=doc.title[:500], brand=doc.brand[:200], category=doc.category[:200],
        description=doc.description, attributes=doc.attributes, price=doc.price,
        in_stock=doc.in_stock, is_visible=doc.is_visible, url=doc.url[:500], text=text,
        content_hash=content_hash(text, model_key),
        skip_reason="" if text.strip() else "empty text: no title, description or attributes",
    )


_UPSERT_FIELDS = ["title", "brand", "category", "description", "attributes", "price", "in_stock", "is_visible",
                  "url", "text", "content_hash", "skip_reason", "updated_at"]


def index_documents(documents: Iterable[ProductDocument], text_of=None) -> list[str]:
    """Upsert product documents (from any source) into IndexedProduct; returns the refs needing a vector.

    Rows whose text is unchanged keep their vector: the content hash makes this an embedding cache.
    """
    text_of = text_of or default_document_text
    model_key = current_model_key()
    rows = [_row_for(doc, text_of(doc), model_key) for doc in documents]
    for row in rows:
        if row.skip_reason:
            logger.warning("product %s not embedded: %s", row.product_ref, row.skip_reason)
    stale: list[str] = []
    for start in range(0, len(rows), 1000):
        chunk = rows[start:start + 1000]
        IndexedProduct.objects.bulk_create(chunk, update_conflicts=True, unique_fields=["product_ref"],
                                           update_fields=_UPSERT_FIELDS)
        stale += list(IndexedProduct.objects.filter(product_ref__in=[r.product_ref for r in chunk])
                      .stale(model_key).values_list("product_ref", flat=True))
    return stale


def sync_products(refs: Iterable[str] | None = None) -> SyncResult:
    """Copy products from the host (all, or ``refs``) into IndexedProduct; return what needs embedding.

    Unknown references delete their rows, so a deleted host product leaves no trace.
    """
    adapter = get_shop_adapter()
    result = SyncResult()
    ref_list = list(adapter.iter_product_refs()) if refs is None else [str(r) for r in refs]
    for start in range(0, len(ref_list), 1000):
        chunk = ref_list[start:start + 1000]
        products = adapter.get_products(chunk)
        missing = [r for r in chunk if r not in products]
        with transaction.atomic():
            result.stale_refs += index_documents(
                (adapter.product_document(p) for p in products.values()), text_of=adapter.product_text)
            if missing:
                result.deleted += IndexedProduct.objects.filter(product_ref__in=missing).delete()[0]
        result.upserted += len(products)
    if refs is None:
        # Rows whose products no longer exist at all.
        known = set(ref_list)
        gone = [r for r in IndexedProduct.objects.values_list("product_ref", flat=True) if r not in known]
        for start in range(0, len(gone), 1000):
            result.deleted += IndexedProduct.objects.filter(product_ref__in=gone[start:start + 1000]).delete()[0]
    return result


@dataclass
class EmbedResult:
    """What an embedding batch did, with timings for throughput figures."""

    embedded: int = 0
    skipped: int = 0
    unchanged: int = 0
    encode_seconds: float = 0.0
    total_seconds: float = 0.0


def _encode_isolating_failures(encoder, texts: Sequence[str], batch_size: int) -> list[np.ndarray | None]:
    """Encode a batch; if it fails, encode one by one so one bad text cannot sink the batch."""
    try:
        return list(encoder.encode_documents(texts, batch_size=batch_size))
    except Exception:
        logger.exception("batch of %d failed to encode; retrying one by one", len(texts))
    out: list[np.ndarray | None] = []
    for text in texts:
        try:
            out.append(encoder.encode_documents([text], batch_size=1)[0])
        except Exception:
            logger.exception("text of %d chars failed to encode; skipped", len(text))
            out.append(None)
    return out


def embed_products(refs: Iterable[str] | None = None, batch_size: int | None = None) -> EmbedResult:
    """Embed the stale rows among ``refs`` (or all stale rows). Idempotent and safe to repeat.

    A vector is written only if the row's text has not changed since it was read, so two workers
    (or a retried task) can never leave an old vector on new text, nor two vectors for one product.
    """
    started = time.perf_counter()
    encoder = get_encoder()
    model_key = encoder.model_key
    batch_size = batch_size or ecom_ai_settings.EMBED_BATCH_SIZE
    qs = IndexedProduct.objects.stale(model_key)
    ref_list = None if refs is None else [str(r) for r in refs]
    if ref_list is not None:
        qs = qs.filter(product_ref__in=ref_list)
    rows = list(qs.values_list("id", "text", "content_hash"))
    result = EmbedResult(unchanged=0 if ref_list is None else max(0, len(set(ref_list)) - len(rows)))
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        t0 = time.perf_counter()
        vectors = _encode_isolating_failures(encoder, [text for _, text, _ in batch], batch_size)
        result.encode_seconds += time.perf_counter() - t0
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cursor:
            good = [(pk, h, v) for (pk, _, h), v in zip(batch, vectors, strict=True) if v is not None]
            bad = [pk for (pk, _, _), v in zip(batch, vectors, strict=True) if v is None]
            if good:
                cursor.executemany(
                    "UPDATE ecom_ai_indexedproduct SET embedding = %s::vector, embedded_hash = %s, "
                    "model_key = %s, dimensions = %s, embedded_at = %s, skip_reason = '' "
                    "WHERE id = %s AND content_hash = %s",
                    [(_vector_literal(v), h, model_key, len(v), now, pk, h) for pk, h, v in good],
                )
            if bad:
                IndexedProduct.objects.filter(id__in=bad).update(skip_reason="encoder failed on this text")
        result.embedded += len(good)
        result.skipped += len(bad)
    result.total_seconds = time.perf_counter() - started
    return result


def _vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32).tolist()) + "]"


def coverage(model_key: str | None = None) -> dict[str, int]:
    """Counts of fresh, stale, skipped and missing embeddings for the admin and commands."""
    model_key = model_key or current_model_key()
    adapter = get_shop_adapter()
    total_products = adapter.get_product_queryset().count()
    indexed = IndexedProduct.objects.count()
    fresh = IndexedProduct.objects.fresh(model_key).count()
    skipped = IndexedProduct.objects.exclude(skip_reason="").count()
    return {
        "products": total_products,
        "indexed": indexed,
        "fresh": fresh,
        "stale": indexed - fresh - skipped,
        "skipped": skipped,
        "missing": max(0, total_products - indexed),
    }
