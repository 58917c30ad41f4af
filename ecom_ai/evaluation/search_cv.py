"""Held-out check of the search fusion weights: k-fold cross-validation over queries.

The shipped weights were chosen on the dev queries, so their dev nDCG is optimistic. This refits the
weights of the shipped features on k-1 folds of queries (coordinate ascent from all-ones, the same
recipe that chose them) and scores each held-out fold with what it learned; the mean over held-out
queries estimates nDCG@10 on queries nobody looked at.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence

from ..core.fusion import ranked
from ..core.metrics import ndcg_at_k
from ..core.query_parser import parse_query
from ..core.text import code_key, is_code

SEEDS = (0, 1, 2, 3, 4)  # fold assignments averaged: one split alone moves the figure by about 0.01
GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
Features = dict[str, dict[str, float]]


def collect(queries: Sequence[str], settings: dict) -> dict[str, tuple[Features, dict[str, dict], list[str]]]:
    """Every rerank feature of every hybrid candidate per query, retrieved as ``search`` does.

    Mirrors the hybrid path of ``services.search.search`` up to the fusion (no fallbacks: those
    serve queries without candidates, which have nothing to reweight)."""
    from ..services import search as service
    from ..services import search_retrieval as retrieval
    from ..services.indexing import current_model_key
    from ..services.query_encoding import encode_query
    from ..services.search_catalog import catalog_index, query_terms
    from ..services.search_ranking import rerank_features

    index = catalog_index()
    out = {}
    for query in queries:
        parsed = parse_query(query, brands=index.brands, categories=index.categories)
        filters = service._filters(service.SearchParams(q=query), parsed, settings)
        terms = query_terms(parsed.text)
        correction = service._spelling(parsed.text, index)
        if correction:
            terms = list(dict.fromkeys([*terms, *query_terms(correction)]))
        text = " ".join(p for p in (parsed.text, correction) if p)
        codes = [code_key(w) for w in re.findall(r"\S+", parsed.text) if is_code(w)]
        vector = encode_query(parsed.text)
        found = service._retrieve(text, codes, filters, "hybrid", settings, vector)
        rows = retrieval.fetch_products(found.all(), vector, current_model_key())
        features = rerank_features(terms, codes, found.all(), rows, index, found.fts_rank)
        out[query] = (features, rows, parsed.categories)
    return out


def fused_order(features: Features, rows: dict[str, dict], categories: list[str], weights: Mapping) -> list[str]:
    """The ranking ``combine_features`` gives these features under ``weights``."""
    from ..services.search_ranking import combine_features

    return ranked(combine_features(features, rows, categories, dict(weights)))


def mean_ndcg(data: Mapping, labels: Mapping, queries: Sequence[str], weights: Mapping, k: int = 10) -> float:
    """Mean nDCG@k over ``queries`` under ``weights``."""
    if not queries:
        return 0.0
    return sum(ndcg_at_k(fused_order(*data[q], weights), labels[q], k) for q in queries) / len(queries)


def fit(data: Mapping, labels: Mapping, queries: Sequence[str], names: Sequence[str], rounds: int = 2) -> dict:
    """Coordinate ascent over GRID for the weights ``names`` (others zero), from all ones."""
    weights = {name: 1.0 for name in names}
    best = mean_ndcg(data, labels, queries, weights)
    for _ in range(rounds):
        for name in names:
            for value in GRID:
                trial = {**weights, name: value}
                score = mean_ndcg(data, labels, queries, trial)
                if score > best + 1e-9:
                    best, weights = score, trial
    return weights


def cross_validate(data: Mapping, labels: Mapping, names: Sequence[str], folds: int = 5, seed: int = 0) -> float:
    """Mean held-out nDCG@10 over queries, each fold scored with weights fitted on the other folds."""
    queries = sorted(data)
    random.Random(seed).shuffle(queries)
    parts = [queries[i::folds] for i in range(folds)]
    held: list[float] = []
    for i, part in enumerate(parts):
        train = [q for j, other in enumerate(parts) if j != i for q in other]
        weights = fit(data, labels, train, names)
        held += [ndcg_at_k(fused_order(*data[q], weights), labels[q], 10) for q in part]
    return sum(held) / len(held) if held else 0.0


def report(labels: Mapping[str, Mapping[str, float]], queries: Sequence[str], folds: int) -> dict:
    """Dev nDCG of the shipped weights replayed from the features, and the k-fold held-out nDCG."""
    from ..runtime import tuning
    from ..services.search_ranking import fusion_weights

    settings = tuning()
    shipped = fusion_weights(settings)
    names = [name for name, weight in shipped.items() if weight]
    data = collect(queries, settings)
    return {
        "features": names,
        "folds": folds,
        "dev_ndcg@10": round(mean_ndcg(data, labels, list(data), shipped), 4),
        "held_out_ndcg@10": round(
            sum(cross_validate(data, labels, names, folds, seed) for seed in SEEDS) / len(SEEDS), 4
        ),
    }
