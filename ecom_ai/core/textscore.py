"""Cross-field BM25 (BM25F) and title-match features for reranking search candidates (pure Python)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .text import code_key, tokens

FIELD_WEIGHTS = {"title": 3.0, "brand": 2.0, "category": 1.0, "attributes": 0.5, "description": 0.5}
# The fields best-field BM25 compares: what the product is called and how the shop describes it.
BEST_FIELDS = ("title", "description")


@dataclass
class CorpusStats:
    """Document frequencies and mean field lengths of the catalogue (from ``build_stats``)."""

    documents: int = 0
    df: dict[str, int] = field(default_factory=dict)
    avg_len: dict[str, float] = field(default_factory=dict)

    def idf(self, term: str) -> float:
        n = self.documents
        d = self.df.get(term, 0)
        return math.log(1.0 + (n - d + 0.5) / (d + 0.5)) if n else 0.0

    @property
    def vocabulary(self) -> Iterable[str]:
        return self.df.keys()


def field_tokens(doc: Mapping[str, str]) -> dict[str, list[str]]:
    """Tokens per field of a candidate document (fields as in FIELD_WEIGHTS)."""
    return {name: tokens(doc.get(name) or "") for name in FIELD_WEIGHTS}


def build_stats(docs: Iterable[Mapping[str, str]]) -> CorpusStats:
    """Document frequency of every token over all fields, and mean token count per field."""
    stats = CorpusStats()
    totals: Counter[str] = Counter()
    df: Counter[str] = Counter()
    for doc in docs:
        stats.documents += 1
        fields = field_tokens(doc)
        seen: set[str] = set()
        for name, toks in fields.items():
            totals[name] += len(toks)
            seen.update(toks)
        df.update(seen)
    stats.df = dict(df)
    stats.avg_len = {
        name: (totals[name] / stats.documents if stats.documents else 1.0) or 1.0 for name in FIELD_WEIGHTS
    }
    return stats


def bm25f(
    query_terms: Sequence[str],
    fields: Mapping[str, Sequence[str]],
    stats: CorpusStats,
    *,
    k1: float = 1.2,
    b: float = 0.75,
    weights: Mapping[str, float] = FIELD_WEIGHTS,
) -> float:
    """BM25F: per-term field frequencies are length-normalised, weighted, summed, then saturated."""
    score = 0.0
    counters = {name: Counter(toks) for name, toks in fields.items()}
    for term in dict.fromkeys(query_terms):
        tf = 0.0
        for name, counter in counters.items():
            freq = counter.get(term, 0)
            if freq:
                norm = 1.0 - b + b * len(fields[name]) / stats.avg_len.get(name, 1.0)
                tf += weights.get(name, 0.0) * freq / norm
        if tf:
            score += stats.idf(term) * tf / (k1 + tf)
    return score


def bm25_best_field(
    query_terms: Sequence[str],
    fields: Mapping[str, Sequence[str]],
    stats: CorpusStats,
    *,
    names: Sequence[str] = BEST_FIELDS,
    k1: float = 1.2,
    b: float = 0.75,
) -> float:
    """Best-field BM25 (DisMax per term, as Lucene's edismax): each query term scores BM25 in the one
    field where it matches best, and the terms' scores add up. Unlike BM25F the fields are not pooled,
    so a product whose short description says "camera bag" ranks with one whose title does, and a
    long title full of specification words does not drown the match."""
    score = 0.0
    for term in dict.fromkeys(query_terms):
        best = 0.0
        for name in names:
            toks = fields.get(name) or ()
            freq = sum(1 for t in toks if t == term)
            if freq:
                norm = 1.0 - b + b * len(toks) / (stats.avg_len.get(name) or 1.0)
                best = max(best, freq * (k1 + 1.0) / (freq + k1 * norm))
        score += stats.idf(term) * best
    return score


@dataclass(frozen=True)
class FieldCounts:
    """Term counts and token lengths of a document's best fields, prepared once per product so that
    scoring a candidate is a few dictionary look-ups (``field_counts``)."""

    counts: dict[str, dict[str, int]]
    lengths: dict[str, int]
    title: tuple[str, ...] = ()


def field_counts(fields: Mapping[str, Sequence[str]], names: Sequence[str] = BEST_FIELDS) -> FieldCounts:
    """The ``FieldCounts`` of tokenised fields (as from ``field_tokens``)."""
    return FieldCounts(
        counts={name: dict(Counter(fields.get(name) or ())) for name in names},
        lengths={name: len(fields.get(name) or ()) for name in names},
        title=tuple(fields.get("title") or ()),
    )


def bm25_best_field_many(
    query_terms: Sequence[str],
    docs: Sequence[FieldCounts],
    stats: CorpusStats,
    *,
    names: Sequence[str] = BEST_FIELDS,
    k1: float = 1.2,
    b: float = 0.75,
) -> list[float]:
    """``bm25_best_field`` of many candidates at once, from prepared counts: the same arithmetic in the
    same order (equal scores), with each term's IDF and each field's mean length looked up once."""
    terms = list(dict.fromkeys(query_terms))
    idfs = [stats.idf(t) for t in terms]
    means = [(name, stats.avg_len.get(name) or 1.0) for name in names]
    out: list[float] = []
    for doc in docs:
        score = 0.0
        for term, idf in zip(terms, idfs, strict=True):
            best = 0.0
            for name, mean in means:
                freq = doc.counts[name].get(term, 0)
                if freq:
                    norm = 1.0 - b + b * doc.lengths[name] / mean
                    best = max(best, freq * (k1 + 1.0) / (freq + k1 * norm))
            score += idf * best
        out.append(score)
    return out


def phrase_in_counted(query_terms: Sequence[str], doc: FieldCounts) -> float:
    """``phrase_in`` over the title of prepared counts, skipping the scan when a term is missing."""
    title_counts = doc.counts.get("title")
    if len(query_terms) < 2 or title_counts is None or any(t not in title_counts for t in query_terms):
        return 0.0
    return phrase_in(query_terms, doc.title)


def title_coverage(query_terms: Sequence[str], title_tokens: Sequence[str], stats: CorpusStats) -> float:
    """Share of the query's IDF mass whose terms appear in the title (1.0 = every term in the title)."""
    terms = list(dict.fromkeys(query_terms))
    total = sum(stats.idf(t) for t in terms)
    if total <= 0:
        return 0.0
    present = set(title_tokens)
    return sum(stats.idf(t) for t in terms if t in present) / total


def phrase_in(query_terms: Sequence[str], title_tokens: Sequence[str]) -> float:
    """1.0 when the query's terms (two or more) occur contiguously and in order in the title."""
    n = len(query_terms)
    if n < 2:
        return 0.0
    for i in range(len(title_tokens) - n + 1):
        if list(title_tokens[i : i + n]) == list(query_terms):
            return 1.0
    return 0.0


def code_match(codes: Sequence[str], title: str) -> float:
    """Share of the query's model codes found in the title (separators ignored: "tn-2110" ~ "TN2110")."""
    if not codes:
        return 0.0
    folded = code_key(title)
    return sum(1 for c in codes if c and c in folded) / len(codes)
