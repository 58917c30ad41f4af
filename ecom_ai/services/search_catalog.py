"""What search knows of the whole catalogue, cached per process: term statistics, vocabulary,
known brands and categories, and tokenised fields of products for reranking."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from django.db import connection

from ..core.spelling import Speller
from ..core.text import fold, tokens
from ..core.textscore import CorpusStats, FieldCounts, build_stats, field_counts, field_tokens

logger = logging.getLogger(__name__)

CHECK_SECONDS = 30.0  # how often a process asks the database whether the catalogue changed
TOKEN_CACHE_SIZE = 50000
DESCRIPTION_CHARS = 300  # rerank reads the start of descriptions only (speed; titles carry most signal)


@dataclass
class CatalogIndex:
    """Term statistics and vocabulary of the visible catalogue at one moment."""

    signature: tuple = ()
    stats: CorpusStats = field(default_factory=CorpusStats)
    speller: Speller = field(default_factory=lambda: Speller({}))
    brands: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    field_cache: OrderedDict = field(default_factory=OrderedDict)
    count_cache: dict[str, FieldCounts] = field(default_factory=dict)
    checked_at: float = 0.0

    def fields_of(self, ref: str, doc: dict) -> dict[str, list[str]]:
        """Tokenised fields of a product (cached; the cache is dropped when the catalogue changes)."""
        cached = self.field_cache.get(ref)
        if cached is None:
            cached = field_tokens(_scoring_doc(doc))
            self.field_cache[ref] = cached
            if len(self.field_cache) > TOKEN_CACHE_SIZE:
                dropped, _ = self.field_cache.popitem(last=False)
                self.count_cache.pop(dropped, None)
        return cached

    def has_fields(self, ref: str) -> bool:
        """Whether the product's tokenised fields are cached (else rerank needs its text)."""
        return ref in self.field_cache

    def counts_of(self, ref: str, doc: dict) -> FieldCounts:
        """Prepared term counts of a product's best fields (cached alongside its tokens)."""
        counted = self.count_cache.get(ref)
        if counted is None or ref not in self.field_cache:
            counted = field_counts(self.fields_of(ref, doc))
            self.count_cache[ref] = counted
        return counted


_lock = threading.Lock()
_current = CatalogIndex()


def _scoring_doc(doc: dict) -> dict[str, str]:
    attributes = doc.get("attributes") or {}
    return {
        "title": doc.get("title") or "",
        "brand": doc.get("brand") or "",
        "category": doc.get("category") or "",
        "attributes": " ".join(str(v) for v in attributes.values()) if isinstance(attributes, dict) else "",
        "description": (doc.get("description") or "")[:DESCRIPTION_CHARS],
    }


def _signature() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(updated_at) FROM ecom_ai_indexedproduct WHERE is_visible")
        count, latest = cursor.fetchone()
    return (connection.settings_dict["NAME"], count, latest)


def _build(signature: tuple) -> CatalogIndex:
    started = time.perf_counter()
    index = CatalogIndex(signature=signature)
    docs: list[tuple[str, dict[str, str]]] = []
    brands: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    words: Counter[str] = Counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT product_ref, title, brand, category, attributes, left(description, %s) "
            "FROM ecom_ai_indexedproduct WHERE is_visible",
            [DESCRIPTION_CHARS],
        )
        for ref, title, brand, category, attributes, description in cursor.fetchall():
            doc = {
                "title": title,
                "brand": brand,
                "category": category,
                "attributes": attributes,
                "description": description,
            }
            docs.append((ref, _scoring_doc(doc)))
            if brand:
                brands[brand] += 1
            if category:
                categories[category] += 1
            words.update(w for w in fold(f"{title} {brand}").split() if w.isalpha())
    index.stats = build_stats(doc for _, doc in docs)
    for ref, doc in docs[:TOKEN_CACHE_SIZE]:
        index.field_cache[ref] = fields = field_tokens(doc)
        index.count_cache[ref] = field_counts(fields)
    index.speller = Speller(words)
    # Brands named by at least two products: one-off suppliers are too noisy to act on as filters.
    index.brands = [b for b, n in brands.most_common() if n >= 2 and len(b) >= 2]
    index.categories = [c for c, _ in categories.most_common()]
    index.checked_at = time.monotonic()
    logger.info(
        "search catalogue index: %d products, %d terms in %.2fs",
        index.stats.documents,
        len(index.stats.df),
        time.perf_counter() - started,
    )
    return index


def catalog_index(*, force: bool = False) -> CatalogIndex:
    """The current catalogue index, rebuilt when products changed (checked every CHECK_SECONDS)."""
    global _current
    now = time.monotonic()
    index = _current
    if not force and index.signature and now - index.checked_at < CHECK_SECONDS:
        return index
    with _lock:
        signature = _signature()
        if force or signature != _current.signature:
            _current = _build(signature)
        else:
            _current.checked_at = now
        return _current


def reset() -> None:
    """Forget the cached index (tests, scratch databases)."""
    global _current
    with _lock:
        _current = CatalogIndex()


def query_terms(text: str) -> list[str]:
    """The query's scoring terms (same tokeniser as the documents)."""
    return tokens(text)
