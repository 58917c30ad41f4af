"""The result side of search: request and result types, facet counts, price sorting and paging.

``ecom_ai.services.search`` re-exports ``SearchParams``, ``SearchHit`` and ``SearchResult``.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal

PRICE_BUCKETS = (Decimal(25), Decimal(50), Decimal(100), Decimal(250), Decimal(500), Decimal(1000))


@dataclass
class SearchParams:
    """A search request: the query text plus explicit filters from facets or the API."""

    q: str = ""
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    mode: str = "hybrid"
    understand: bool = True  # parse prices/brands/sort words out of the text
    fallback: bool = True


@dataclass
class SearchHit:
    """One product in the results."""

    ref: str
    title: str
    brand: str
    category: str
    price: Decimal | None
    in_stock: bool
    url: str
    score: float


@dataclass
class SearchResult:
    """A page of results with facets, parsed constraints, spelling suggestion and fallback used."""

    query: str
    hits: list[SearchHit] = field(default_factory=list)
    ranking: list[str] = field(default_factory=list)  # every matching ref, best first
    total: int = 0
    page: int = 1
    page_size: int = 20
    facets: dict[str, list[dict]] = field(default_factory=dict)
    constraints: list[dict[str, str]] = field(default_factory=list)
    did_you_mean: str = ""
    fallback: str = ""
    message: str = ""
    mode: str = "hybrid"
    took_ms: float = 0.0

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size)) if self.page_size else 1

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("ranking")
        data["num_pages"] = self.num_pages
        return data


def facets(refs: list[str], rows: dict[str, dict]) -> dict[str, list[dict]]:
    """Counts of categories, brands, price buckets and in-stock products among ``refs``."""
    categories = Counter(rows[r]["category"] for r in refs if rows[r]["category"])
    brands = Counter(rows[r]["brand"] for r in refs if rows[r]["brand"])
    in_stock = sum(1 for r in refs if rows[r]["in_stock"])
    buckets: Counter[tuple] = Counter()
    for r in refs:
        price = rows[r]["price"]
        if price is None:
            continue
        low = Decimal(0)
        for edge in PRICE_BUCKETS:
            if price < edge:
                buckets[(low, edge)] += 1
                break
            low = edge
        else:
            buckets[(low, None)] += 1
    return {
        "category": [{"value": v, "count": n} for v, n in categories.most_common(20)],
        "brand": [{"value": v, "count": n} for v, n in brands.most_common(20)],
        "price": [
            {"min": str(lo), "max": (str(hi) if hi is not None else None), "count": n}
            for (lo, hi), n in sorted(buckets.items(), key=lambda kv: kv[0][0])
        ],
        "in_stock": [{"value": True, "count": in_stock}],
    }


def hit(ref: str, row: dict, score: float) -> SearchHit:
    """A result card from a product row."""
    return SearchHit(
        ref=ref,
        title=row["title"],
        brand=row["brand"],
        category=row["category"],
        price=row["price"],
        in_stock=row["in_stock"],
        url=row["url"],
        score=round(score, 6),
    )


def finish(
    result: SearchResult,
    order: list[str],
    scores: dict[str, float],
    rows: dict[str, dict],
    params: SearchParams,
) -> SearchResult:
    """Fill ``result`` with the full ranking, facets and the requested page (the last one if past it)."""
    result.ranking = order
    result.total = len(order)
    result.facets = facets(order, rows)
    start = (result.page - 1) * result.page_size
    if start >= len(order) and order:
        result.page = result.num_pages
        start = (result.page - 1) * result.page_size
    page_refs = order[start : start + result.page_size]
    result.hits = [hit(r, rows[r], scores.get(r, 0.0)) for r in page_refs]
    return result


def sorted_by_price(order: list[str], rows: dict[str, dict], sort: str, lexical: set[str]) -> list[str]:
    """``order`` unchanged for relevance, else its lexical matches by price."""
    if sort not in ("price_asc", "price_desc"):
        return order
    # Sort the real matches only: a price sort must not surface loosely related vector neighbours.
    pool = [r for r in order if r in lexical] or order
    reverse = sort == "price_desc"
    missing = Decimal("-1") if reverse else Decimal("1e12")
    return sorted(
        pool, key=lambda r: rows[r]["price"] if rows[r]["price"] is not None else missing, reverse=reverse
    )
