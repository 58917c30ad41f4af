"""Keeping IndexedProduct rows in step with the host's products, and embedding them."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, models, transaction
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


def _safe(value: str) -> str:
    """Text PostgreSQL accepts: no NUL bytes, no lone surrogates (from any document source)."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def _row_for(doc: ProductDocument, text: str, model_key: str) -> IndexedProduct:
    text = _safe(text[:MAX_TEXT_CHARS])
    return IndexedProduct(
        product_ref=_safe(doc.ref)[:64],
        title=_safe(doc.title)[:500],
        brand=_safe(doc.brand)[:200],
        category=_safe(doc.category)[:200],
        description=_safe(doc.description),
        attributes={_safe(str(k)): _safe(str(v)) for k, v in (doc.attributes or {}).items()},
        price=doc.price,
        in_stock=doc.in_stock,
        is_visible=doc.is_visible,
        url=_safe(doc.url)[:500],
        text=text,
        content_hash=content_hash(text, model_key),
        skip_reason="" if text.strip() else "empty text: no title, description or attributes",
    )


_UPSERT_FIELDS = [
    "title",
    "brand",
    "category",
    "description",
    "attributes",
    "price",
    "in_stock",
    "is_visible",
    "url",
    "text",
    "content_hash",
    "skip_reason",
    "updated_at",
]


_COMPARED = [f for f in _UPSERT_FIELDS if f != "updated_at"]


def _changed_rows(chunk: list[IndexedProduct]) -> list[IndexedProduct]:
    """The rows of ``chunk`` that are new or differ from what is stored (unchanged rows are not rewritten)."""
    stored = {
        row[0]: row[1:]
        for row in IndexedProduct.objects.filter(product_ref__in=[r.product_ref for r in chunk]).values_list(
            "product_ref", *_COMPARED
        )
    }
    changed = []
    for row in chunk:
        old = stored.get(row.product_ref)
        if old is None or any(getattr(row, f) != v for f, v in zip(_COMPARED, old, strict=True)):
            changed.append(row)
    return changed


def index_documents(documents: Iterable[ProductDocument], text_of=None) -> list[str]:
    """Upsert product documents (from any source) into IndexedProduct; returns the refs needing a vector.

    Rows whose text is unchanged keep their vector: the content hash makes this an embedding cache.
    Rows that did not change at all are not written, so a periodic full sync costs reads only.
    """
    text_of = text_of or default_document_text
    model_key = current_model_key()
    rows: dict[str, IndexedProduct] = {}
    for doc in documents:
        row = _row_for(doc, text_of(doc), model_key)
        rows[row.product_ref] = row  # the last document of a ref wins
        if row.skip_reason:
            logger.warning("product %s not embedded: %s", row.product_ref, row.skip_reason)
    ordered = list(rows.values())
    stale: list[str] = []
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start : start + 1000]
        changed = _changed_rows(chunk)
        if changed:
            IndexedProduct.objects.bulk_create(
                changed, update_conflicts=True, unique_fields=["product_ref"], update_fields=_UPSERT_FIELDS
            )
        stale += list(
            IndexedProduct.objects.filter(product_ref__in=[r.product_ref for r in chunk])
            .stale(model_key)
            .values_list("product_ref", flat=True)
        )
    return stale


def sync_products(refs: Iterable[str] | None = None) -> SyncResult:
    """Copy products from the host (all, or ``refs``) into IndexedProduct; return what needs embedding.

    Unknown references delete their rows, so a deleted host product leaves no trace.
    """
    adapter = get_shop_adapter()
    result = SyncResult()
    ref_list = list(adapter.iter_product_refs()) if refs is None else [str(r) for r in refs]
    for start in range(0, len(ref_list), 1000):
        chunk = ref_list[start : start + 1000]
        products = adapter.get_products(chunk)
        missing = [r for r in chunk if r not in products]
        with transaction.atomic():
            result.stale_refs += index_documents(
                (adapter.product_document(p) for p in products.values()), text_of=adapter.product_text
            )
            if missing:
                result.deleted += IndexedProduct.objects.filter(product_ref__in=missing).delete()[0]
        result.upserted += len(products)
    if refs is None:
        # Rows whose products no longer exist at all.
        known = set(ref_list)
        gone = [r for r in IndexedProduct.objects.values_list("product_ref", flat=True) if r not in known]
        for start in range(0, len(gone), 1000):
            chunk = gone[start : start + 1000]
            # A product created while this sync ran is not in ``ref_list``: ask the shop again.
            chunk = [r for r in chunk if r not in adapter.get_products(chunk)]
            result.deleted += IndexedProduct.objects.filter(product_ref__in=chunk).delete()[0]
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
    """Encode a chunk; if it fails, encode one by one so one bad text cannot sink the batch."""
    try:
        return list(encoder.encode_documents(texts, batch_size=batch_size))
    except Exception:
        logger.exception("chunk of %d texts failed to encode; retrying one by one", len(texts))
    out: list[np.ndarray | None] = []
    for text in texts:
        try:
            out.append(encoder.encode_documents([text], batch_size=1)[0])
        except Exception:
            logger.exception("text of %d chars failed to encode; skipped", len(text))
            out.append(None)
    return out


def _registered_raw_connection():
    """The psycopg connection under Django's, with pgvector's types registered (binary COPY)."""
    from pgvector.psycopg import register_vector

    connection.ensure_connection()
    raw = connection.connection
    if not getattr(raw, "_ecom_ai_vector_registered", False):
        register_vector(raw)
        raw._ecom_ai_vector_registered = True
    return raw


def write_vectors(rows: Sequence[tuple[int, str, np.ndarray]], model_key: str) -> int:
    """Store vectors ``(row id, content hash it was computed from, vector)`` in one COPY + UPDATE.

    Only rows whose text is still the one that was encoded are written (idempotent, race-free).
    Returns the number of rows written.
    """
    if not rows:
        return 0
    dims = int(len(rows[0][2]))
    raw = _registered_raw_connection()
    with transaction.atomic(), raw.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ecom_ai_vector_buffer "
            "(id bigint, hash text, embedding vector) ON COMMIT DELETE ROWS"
        )
        with cursor.copy(
            "COPY ecom_ai_vector_buffer (id, hash, embedding) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "text", "vector"])
            for pk, digest, vector in rows:
                copy.write_row((pk, digest, np.asarray(vector, dtype=np.float32)))
        cursor.execute(
            "UPDATE ecom_ai_indexedproduct p SET embedding = b.embedding, embedded_hash = b.hash, "
            "model_key = %s, dimensions = %s, embedded_at = %s, skip_reason = '' "
            "FROM ecom_ai_vector_buffer b WHERE p.id = b.id AND p.content_hash = b.hash",
            [model_key, dims, timezone.now()],
        )
        written = cursor.rowcount
        cursor.execute("DELETE FROM ecom_ai_vector_buffer")
    return written


_ensured: set[tuple[str, int]] = set()


def ensure_model_index(model_key: str, dimensions: int) -> None:
    """Create the HNSW index of this model once per process (cheap no-op afterwards)."""
    if (model_key, dimensions) in _ensured:
        return
    from .vectors import ensure_index

    ensure_index(model_key, dimensions)
    _ensured.add((model_key, dimensions))


def embed_products(
    refs: Iterable[str] | None = None, batch_size: int | None = None, chunk_size: int | None = None
) -> EmbedResult:
    """Embed the stale rows among ``refs`` (or all stale rows). Idempotent and safe to repeat.

    Rows are read shortest text first, so each chunk holds texts of similar length (little padding);
    each chunk is one encoder call and one binary COPY. A vector is written only if the row's text
    has not changed since it was read, so two workers (or a retried task) can never leave an old
    vector on new text, nor two vectors for one product.
    """
    started = time.perf_counter()
    encoder = get_encoder()
    model_key = encoder.model_key
    batch_size = batch_size or ecom_ai_settings.EMBED_BATCH_SIZE
    chunk_size = max(batch_size, chunk_size or ecom_ai_settings.EMBED_CHUNK_SIZE)
    qs = IndexedProduct.objects.stale(model_key)
    ref_list = None if refs is None else list(dict.fromkeys(str(r) for r in refs))
    rows: list[tuple[int, str, str]] = []
    if ref_list is None:
        rows = list(qs.values_list("id", "text", "content_hash"))
    else:
        for start in range(0, len(ref_list), 5000):
            rows += list(
                qs.filter(product_ref__in=ref_list[start : start + 5000]).values_list(
                    "id", "text", "content_hash"
                )
            )
    rows.sort(key=lambda row: len(row[1]))
    result = EmbedResult(unchanged=0 if ref_list is None else max(0, len(ref_list) - len(rows)))
    for start in range(0, len(rows), chunk_size):
        chunk = rows[start : start + chunk_size]
        t0 = time.perf_counter()
        vectors = _encode_isolating_failures(encoder, [text for _, text, _ in chunk], batch_size)
        result.encode_seconds += time.perf_counter() - t0
        good = [(pk, digest, v) for (pk, _, digest), v in zip(chunk, vectors, strict=True) if v is not None]
        bad = [pk for (pk, _, _), v in zip(chunk, vectors, strict=True) if v is None]
        if good:
            ensure_model_index(model_key, int(len(good[0][2])))
            result.embedded += write_vectors(good, model_key)
        if bad:
            IndexedProduct.objects.filter(id__in=bad).update(skip_reason="encoder failed on this text")
            result.skipped += len(bad)
    result.total_seconds = time.perf_counter() - started
    return result


def coverage(model_key: str | None = None) -> dict[str, int]:
    """Counts of fresh, stale, skipped and missing embeddings for the admin and commands."""
    model_key = model_key or current_model_key()
    adapter = get_shop_adapter()
    try:
        total_products = adapter.get_product_queryset().count()
    except Exception:  # the host's catalogue is unreachable (e.g. a scratch database): count rows only
        logger.exception("could not count the shop's products")
        total_products = IndexedProduct.objects.count()
    indexed = IndexedProduct.objects.count()
    fresh = IndexedProduct.objects.fresh(model_key).count()
    skipped = IndexedProduct.objects.exclude(skip_reason="").count()
    return {
        "products": total_products,
        "indexed": indexed,
        "fresh": fresh,
        "stale": max(0, indexed - fresh - skipped),
        "skipped": skipped,
        "missing": max(0, total_products - indexed),
    }


def coverage_by_model() -> list[dict]:
    """Coverage of the configured model first, then how many vectors each older model still holds."""
    current = current_model_key()
    rows = [{"model_key": current, "current": True, **coverage(current)}]
    for item in (
        IndexedProduct.objects.exclude(model_key=current)
        .exclude(embedding=None)
        .values("model_key")
        .annotate(vectors=models.Count("id"))
        .order_by("model_key")
    ):
        rows.append(
            {
                "model_key": item["model_key"],
                "current": False,
                "fresh": 0,
                "stale": item["vectors"],
                "skipped": 0,
                "missing": 0,
                "indexed": item["vectors"],
                "products": rows[0]["products"],
            }
        )
    return rows


def mark_all_stale() -> int:
    """Forget every stored vector's validity (the next embedding pass recomputes them all)."""
    return IndexedProduct.objects.exclude(embedded_hash="").update(embedded_hash="")
