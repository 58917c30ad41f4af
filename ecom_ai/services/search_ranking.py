"""Reranking search candidates: per-candidate features and their weighted fusion (with category boosts)."""

from __future__ import annotations

from collections import Counter

from ..core.fusion import normalise, ranked, weighted_fusion
from ..core.textscore import bm25_best_field_many, bm25f, code_match, phrase_in_counted, title_coverage
from .search_catalog import CatalogIndex
from .search_retrieval import fetch_texts


def rerank_features(
    terms: list[str],
    codes: list[str],
    refs: list[str],
    rows: dict[str, dict],
    index: CatalogIndex,
    fts_rank: dict[str, float] | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
) -> dict[str, dict[str, float]]:
    """Per-candidate features in [0, 1]: PostgreSQL's weighted ts_rank, best-field BM25 and BM25F
    (shares of the best), cosine similarity (min-max over the candidates), IDF-weighted coverage of the
    query by the title and by all fields, exact title phrase, and model-code match.

    Tokens and term counts come from the catalogue index; the text of a product it does not hold yet
    (added since it was built) is read in one query."""
    refs = [r for r in refs if r in rows]
    missing = [r for r in refs if not index.has_fields(r)]
    if missing:
        for ref, text in fetch_texts(missing).items():
            rows[ref].update(text)
    counts = [index.counts_of(r, rows[r]) for r in refs]
    sims = {r: float(rows[r]["similarity"]) for r in refs if rows[r].get("similarity") is not None}
    low = min(sims.values(), default=0.0)
    span = (max(sims.values(), default=0.0) - low) or 1.0

    def fields(r: str) -> dict[str, list[str]]:
        return index.fields_of(r, rows[r])

    makers = {
        "fts": lambda: normalise({r: (fts_rank or {}).get(r, 0.0) for r in refs}),
        "best_field": lambda: normalise(
            dict(zip(refs, bm25_best_field_many(terms, counts, index.stats), strict=True))
        ),
        "bm25": lambda: normalise({r: bm25f(terms, fields(r), index.stats) for r in refs}),
        "coverage_all": lambda: {
            r: title_coverage(terms, [t for toks in fields(r).values() for t in toks], index.stats) for r in refs
        },
        "vector": lambda: {r: (v - low) / span for r, v in sims.items()},
        "coverage": lambda: {r: title_coverage(terms, fields(r)["title"], index.stats) for r in refs},
        "phrase": lambda: {r: phrase_in_counted(terms, c) for r, c in zip(refs, counts, strict=True)},
        "code": lambda: {r: code_match(codes, rows[r]["title"]) for r in refs},
    }
    # Features with weight zero are not computed (they cannot change the order).
    return {name: make() for name, make in makers.items() if name not in skip}


def combine_features(
    features: dict[str, dict[str, float]],
    rows: dict[str, dict],
    categories: list[str],
    weights: dict[str, float],
) -> dict[str, float]:
    """Weighted feature fusion, then two category boosts: ``category`` when the query names the
    product's category (its head noun), and ``intent``, the share of the ten best matches that sit in
    the product's category (the query's likely product type)."""
    scores = weighted_fusion(features, weights)
    top = ranked(scores)[:10]
    shares = Counter(rows[r]["category"] for r in top)
    w_intent = float(weights.get("intent", 0.0))
    w_category = float(weights.get("category", 0.0))
    for r in scores:
        category = rows[r]["category"]
        scores[r] += w_intent * shares.get(category, 0) / max(1, len(top))
        if category in categories:
            scores[r] += w_category
    return scores


FEATURES = ("fts", "best_field", "bm25", "vector", "coverage", "coverage_all", "phrase", "code", "intent", "category")


def fusion_weights(settings: dict) -> dict[str, float]:
    """The feature weights of the run-time tuning (``search_w_<feature>``)."""
    return {name: float(settings[f"search_w_{name}"]) for name in FEATURES}


def _zero(weights: dict[str, float]) -> set[str]:
    return {name for name, w in weights.items() if not w}
