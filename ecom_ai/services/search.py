"""Product search: full-text + vector ANN + trigram/model-code retrieval, fused, filtered and reranked.

``search(SearchParams(q=...))`` is the one entry point for the API, the results page and the
offline evaluation, so what is measured is what customers get. Modes: ``fts`` (PostgreSQL full-text
only), ``vector`` (pgvector only) and ``hybrid`` (the default: both, fused and reranked).
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..core.fusion import ranked, reciprocal_rank_fusion
from ..core.query_parser import ParsedQuery, parse_query
from ..core.text import code_key, fold, is_code, stem
from ..runtime import tuning
from . import search_retrieval as retrieval
from .indexing import current_model_key
from .query_encoding import encode_query
from .search_catalog import CatalogIndex, catalog_index, query_terms
from .search_ranking import _zero, combine_features, fusion_weights, rerank_features
from .search_results import SearchHit, SearchParams, SearchResult, finish, sorted_by_price
from .vectors import VectorFilters, nearest

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200
MODES = ("hybrid", "fts", "vector")
SORTS = ("relevance", "price_asc", "price_desc")
__all__ = ["MODES", "SORTS", "SearchHit", "SearchParams", "SearchResult", "search"]


@dataclass
class _Candidates:
    fts: list[str] = field(default_factory=list)
    fts_rank: dict[str, float] = field(default_factory=dict)
    vector: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    trigram: list[str] = field(default_factory=list)
    query_vector: np.ndarray | None = None

    def lexical(self) -> set[str]:
        return set(self.fts) | set(self.codes) | set(self.trigram)

    def all(self) -> list[str]:
        return list(dict.fromkeys([*self.fts, *self.codes, *self.trigram, *self.vector]))


def _filters(params: SearchParams, parsed: ParsedQuery, settings: dict) -> VectorFilters:
    brands = set(params.brands)
    if settings["search_brand_words"] == "filter":
        brands |= set(parsed.brands)
    categories = set(params.categories)
    if settings["search_category_words"] == "filter":
        categories |= set(parsed.categories)
    min_price = params.min_price if params.min_price is not None else parsed.min_price
    max_price = params.max_price if params.max_price is not None else parsed.max_price
    in_stock = params.in_stock if params.in_stock is not None else parsed.in_stock
    return VectorFilters(
        categories=tuple(sorted(categories)),
        brands=tuple(sorted(brands)),
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
    )


def _spelling(text: str, index: CatalogIndex) -> str:
    """The query with unknown words replaced by close catalogue words, or "" when nothing changes."""
    words = re.findall(r"\S+", text)
    changed = False
    out = []
    for word in words:
        folded = fold(word).strip(".,;:!?")
        if folded.isalpha() and folded not in index.speller.frequencies and not index.stats.df.get(folded):
            fix = index.speller.correct(folded)
            if fix:
                out.append(fix)
                changed = True
                continue
        out.append(word)
    return " ".join(out) if changed else ""


def _joined_words(text: str, index: CatalogIndex) -> str:
    """Catalogue words that two adjacent query words make when written together ("head set" ->
    "headset", "blue tooth" -> "bluetooth"), so split compounds still match."""
    words = [w for w in re.findall(r"[0-9a-z]+", fold(text))]
    out = []
    for first, second in zip(words, words[1:], strict=False):
        if first.isalpha() and second.isalpha() and index.stats.df.get(stem(first + second), 0) >= 2:
            out.append(first + second)
    return " ".join(out)


def _retrieve(
    text: str,
    codes: list[str],
    filters: VectorFilters,
    mode: str,
    settings: dict,
    query_vector,
    *,
    encode: Callable[[], np.ndarray | None] | None = None,
) -> _Candidates:
    """Candidates of each retriever. ``encode`` (instead of ``query_vector``) encodes the query while
    PostgreSQL runs the full-text search; the vector is kept on the result."""
    found = _Candidates(query_vector=query_vector)
    size = int(settings["search_candidates"])
    if mode in ("fts", "hybrid"):
        limit = size if mode == "hybrid" else 50
        if encode is not None:
            rows, found.query_vector = retrieval.fts_candidates_while(text, filters, limit, encode)
        else:
            rows = retrieval.fts_candidates(text, filters, limit)
        found.fts = [ref for ref, _ in rows]
        found.fts_rank = dict(rows)
    elif encode is not None:
        found.query_vector = encode()
    query_vector = found.query_vector
    if mode == "hybrid":
        found.codes = retrieval.code_candidates(codes, filters, 50)
        if len(found.fts) < 10:
            found.trigram = [ref for ref, _ in retrieval.trigram_candidates(text, filters, 30)]
    if mode in ("vector", "hybrid") and query_vector is not None:
        k = int(settings["search_vector_candidates"]) if mode == "hybrid" else 50
        hits = nearest(
            query_vector, current_model_key(), k=k, filters=filters, ef_search=int(settings["ef_search"])
        )
        min_sim = float(settings["search_vector_min_similarity"])
        found.vector = [ref for ref, distance in hits if 1.0 - distance >= min_sim]
    return found


def _weighted_scores(
    terms: list[str],
    codes: list[str],
    found: _Candidates,
    rows: dict[str, dict],
    index: CatalogIndex,
    parsed: ParsedQuery,
    settings: dict,
) -> dict[str, float]:
    weights = fusion_weights(settings)
    features = rerank_features(terms, codes, found.all(), rows, index, found.fts_rank, skip=_zero(weights))
    return combine_features(features, rows, parsed.categories, weights)


def _rrf_scores(found: _Candidates, settings: dict) -> dict[str, float]:
    lists = {"fts": found.fts, "vector": found.vector, "codes": found.codes, "trigram": found.trigram}
    weights = {
        "fts": settings["search_weight_fts"],
        "vector": settings["search_weight_vector"],
        "codes": settings["search_weight_trigram"],
        "trigram": settings["search_weight_trigram"],
    }
    return reciprocal_rank_fusion(lists, weights, k=int(settings["search_rrf_k"]))


def _rank(
    mode: str,
    terms: list[str],
    codes: list[str],
    found: _Candidates,
    rows: dict[str, dict],
    index: CatalogIndex,
    parsed: ParsedQuery,
    settings: dict,
) -> dict[str, float]:
    if mode == "fts":
        return {r: found.fts_rank[r] for r in found.fts}
    if mode == "vector":
        return {r: float(rows[r]["similarity"] or 0.0) for r in found.vector if r in rows}
    if settings["search_fusion"] == "rrf":
        return _rrf_scores(found, settings)
    return _weighted_scores(terms, codes, found, rows, index, parsed, settings)


def search(params: SearchParams, *, overrides: dict | None = None) -> SearchResult:
    """Run a search; never raises on odd query text (it returns an empty result with a message).

    ``overrides`` replaces run-time tuning keys for this call (evaluations compare settings with it).
    """
    started = time.perf_counter()
    settings = {**tuning(), **(overrides or {})}
    mode = params.mode if params.mode in MODES else "hybrid"
    result = SearchResult(
        query=params.q,
        page=max(1, int(params.page)),
        page_size=max(1, min(100, int(params.page_size))),
        mode=mode,
    )
    # Control characters (NUL breaks PostgreSQL text) go; whitespace folds; long input is cut.
    raw = " ".join("".join(c if c >= " " else " " for c in (params.q or "")[: MAX_QUERY_CHARS * 4]).split())
    raw = raw[:MAX_QUERY_CHARS]
    index = catalog_index()
    parsed = (
        parse_query(raw, brands=index.brands, categories=index.categories)
        if params.understand
        else ParsedQuery(raw=raw, text=raw)
    )
    result.constraints = parsed.constraints()
    filters = _filters(params, parsed, settings)
    terms = query_terms(parsed.text)
    has_filters = bool(
        filters.categories or filters.brands or filters.min_price is not None or filters.max_price is not None
    )
    if not terms:
        if not has_filters:
            result.message = (
                "Type a product name, brand or model code to search."
                if not raw
                else "That search has no letters or digits we can match; try words or a model code."
            )
            result.took_ms = (time.perf_counter() - started) * 1000
            return result
        # Only constraints ("under 50"): browse the best sellers within them.
        order = retrieval.popular_refs(filters, 200)
        rows = retrieval.fetch_products(order, None, "")
        finish(
            result,
            sorted_by_price(order, rows, params.sort if params.sort != "relevance" else parsed.sort, set(order)),
            {},
            rows,
            params,
        )
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    correction = _spelling(parsed.text, index)
    if correction:
        result.did_you_mean = correction
    retrieval_text = " ".join(p for p in (parsed.text, correction) if p)
    if correction:
        terms = list(dict.fromkeys([*terms, *query_terms(correction)]))
    codes = [code_key(w) for w in re.findall(r"\S+", parsed.text) if is_code(w)]
    encode = (lambda: encode_query(parsed.text)) if mode in ("vector", "hybrid") else (lambda: None)
    found = _retrieve(retrieval_text, codes, filters, mode, settings, None, encode=encode)
    query_vector = found.query_vector
    if not found.all() and params.fallback and mode == "hybrid":
        found, filters = _relaxed(retrieval_text, codes, params, parsed, settings, query_vector, result)
    refs = found.all()
    rows = retrieval.fetch_products(refs, query_vector, current_model_key())
    scores = _rank(mode, terms, codes, found, rows, index, parsed, settings)
    order = [r for r in ranked(scores) if r in rows]
    if not order and params.fallback and mode == "hybrid":
        order, rows = _popular_fallback(parsed, query_vector, result)
        scores = {}
    sort = params.sort if params.sort in ("price_asc", "price_desc") else parsed.sort
    order = sorted_by_price(order, rows, sort, found.lexical() if mode != "vector" else set(order))
    finish(result, order, scores, rows, params)
    if not result.total:
        result.message = f"No products match “{raw}”."
    result.took_ms = (time.perf_counter() - started) * 1000
    return result


def _relaxed(
    text: str,
    codes: list[str],
    params: SearchParams,
    parsed: ParsedQuery,
    settings: dict,
    query_vector,
    result: SearchResult,
) -> tuple[_Candidates, VectorFilters]:
    """No match: drop the constraints read from the text and accept looser (trigram) matches."""
    filters = VectorFilters(
        categories=params.categories,
        brands=params.brands,
        min_price=params.min_price,
        max_price=params.max_price,
        in_stock=params.in_stock,
    )
    # Split compounds ("head set") are tried here only: as extra terms on every query they cost nDCG.
    joined = _joined_words(text, catalog_index())
    text = f"{text} {joined}" if joined else text
    found = _retrieve(text, codes, filters, "hybrid", settings, query_vector)
    if not found.trigram:
        found.trigram = [ref for ref, _ in retrieval.trigram_candidates(text, filters, 30, threshold=0.3)]
    if found.all():
        result.fallback = "relaxed"
    return found, filters


def _popular_fallback(parsed: ParsedQuery, query_vector, result: SearchResult) -> tuple[list[str], dict]:
    """Still nothing: the most popular products of the category the query most likely means."""
    category = parsed.categories[0] if parsed.categories else ""
    if not category and query_vector is not None:
        nearest_hits = nearest(query_vector, current_model_key(), k=5)
        rows = retrieval.fetch_products([r for r, _ in nearest_hits], None, "")
        guesses = Counter(rows[r]["category"] for r, _ in nearest_hits if r in rows and rows[r]["category"])
        category = guesses.most_common(1)[0][0] if guesses else ""
    order = retrieval.popular_refs(VectorFilters(categories=(category,) if category else ()), 12)
    if order:
        result.fallback = "popular_in_category" if category else "popular"
        result.message = (
            f"No exact matches; popular in {category}."
            if category
            else "No exact matches; popular products instead."
        )
    return order, retrieval.fetch_products(order, None, "")
