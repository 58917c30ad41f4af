"""Query understanding: price limits, brand and category words, sort words, quoted phrases (pure Python)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .text import fold, stem

_NUM = r"(\d+(?:[.,]\d{1,2})?)\s*(?:k\b)?"
_CUR = r"(?:\$|€|£|usd|eur|gbp|dollars?|euros?|pounds?|bucks)?"
_PRICE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(rf"\bbetween\s+{_CUR}\s*{_NUM}\s*{_CUR}\s+(?:and|to)\s+{_CUR}\s*{_NUM}\s*{_CUR}", re.I),
        "between",
    ),
    (
        re.compile(rf"(?:^|\s){_CUR}\s*{_NUM}\s*{_CUR}\s*(?:-|to)\s*{_CUR}\s*{_NUM}\s*{_CUR}(?=\s|$)", re.I),
        "range",
    ),
    (
        re.compile(
            rf"\b(?:under|below|less than|cheaper than|max(?:imum)?|up to|at most|<=?)"
            rf"\s*{_CUR}\s*{_NUM}\s*{_CUR}",
            re.I,
        ),
        "max",
    ),
    (
        re.compile(
            rf"\b(?:over|above|more than|at least|min(?:imum)?|from|>=?)\s*{_CUR}\s*{_NUM}\s*{_CUR}", re.I
        ),
        "min",
    ),
]
_SORTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"\b(?:cheapest|lowest price|least expensive|cheap(?:er)?|budget|affordable)\b", re.I),
        "price_asc",
    ),
    (re.compile(r"\b(?:most expensive|priciest|highest price|premium)\b", re.I), "price_desc"),
    (re.compile(r"\b(?:newest|latest)\b", re.I), "newest"),
]
_IN_STOCK = re.compile(r"\b(?:in stock|available now|available)\b", re.I)
_QUOTED = re.compile(r"[\"“”„«»]([^\"“”„«»]{1,200})[\"“”„«»]")
_SPACES = re.compile(r"\s+")


@dataclass
class ParsedQuery:
    """What the customer asked for: free text for retrieval plus structured constraints."""

    raw: str
    text: str = ""
    phrases: list[str] = field(default_factory=list)
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    brands: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    sort: str = ""
    in_stock: bool | None = None

    def constraints(self) -> list[dict[str, str]]:
        """The parsed constraints as labelled chips to show back to the customer."""
        out: list[dict[str, str]] = []
        if self.min_price is not None and self.max_price is not None:
            out.append({"kind": "price", "label": f"Price {self.min_price}–{self.max_price}"})
        elif self.max_price is not None:
            out.append({"kind": "price", "label": f"Price up to {self.max_price}"})
        elif self.min_price is not None:
            out.append({"kind": "price", "label": f"Price from {self.min_price}"})
        out += [{"kind": "brand", "label": f"Brand: {b}"} for b in self.brands]
        out += [{"kind": "category", "label": f"Category: {c}"} for c in self.categories]
        if self.sort:
            labels = {
                "price_asc": "Cheapest first",
                "price_desc": "Most expensive first",
                "newest": "Newest first",
            }
            out.append({"kind": "sort", "label": labels.get(self.sort, self.sort)})
        if self.in_stock:
            out.append({"kind": "stock", "label": "In stock"})
        out += [{"kind": "phrase", "label": f"Phrase: “{p}”"} for p in self.phrases]
        return out


def _money(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value >= 0 else None


@functools.lru_cache(maxsize=65536)  # brand names repeat on every query: fold and stem each once
def _name_key(name: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in re.findall(r"[0-9a-z]+", fold(name)))


def _match_names(words: list[str], names: Iterable[str]) -> list[str]:
    """Known names whose (stemmed) words occur contiguously in ``words``."""
    found: list[str] = []
    stemmed = [stem(w) for w in words]
    for name in names:
        key = _name_key(name)
        if key and any(tuple(stemmed[i : i + len(key)]) == key for i in range(len(stemmed) - len(key) + 1)):
            found.append(name)
    return found


def _category_heads(name: str) -> set[str]:
    """Head nouns of a category name: the last word of each listed part ("Bags & cases" -> bag, case)."""
    heads: set[str] = set()
    for part in re.split(r"[&,/]|\band\b", fold(name)):
        words = re.findall(r"[0-9a-z]+", part)
        if words:
            heads.add(stem(words[-1]))
    return heads


def _match_categories(words: list[str], categories: Iterable[str]) -> list[str]:
    """Categories named by the query's head noun (its last word): "gaming laptops", "laptop bag"."""
    if not words:
        return []
    head = stem(words[-1])
    return [name for name in categories if head in _category_heads(name)]


def parse_query(raw: str, *, brands: Iterable[str] = (), categories: Iterable[str] = ()) -> ParsedQuery:
    """Parse a customer query against the catalogue's known brands and categories.

    Price phrases, sort words and "in stock" are removed from the text. Brand names stay in the text
    (they are words of the product too) and become a brand filter. A category is recognised only as
    the head noun at the end of the query ("gaming laptops", not "laptop bag"), and stays in the text.
    """
    parsed = ParsedQuery(raw=raw)
    text = _SPACES.sub(" ", raw or "").strip()
    parsed.phrases = [p.strip() for p in _QUOTED.findall(text) if p.strip()]
    text = _QUOTED.sub(lambda m: f" {m.group(1)} ", text)
    for pattern, kind in _PRICE_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        values = [_money(v) for v in match.groups() if v]
        if kind in ("between", "range") and len(values) == 2 and None not in values:
            parsed.min_price, parsed.max_price = sorted(values)  # type: ignore[type-var]
        elif kind == "max" and values and values[0] is not None:
            parsed.max_price = values[0]
        elif kind == "min" and values and values[0] is not None:
            parsed.min_price = values[0]
        else:
            continue
        text = text[: match.start()] + " " + text[match.end() :]
    for pattern, kind in _SORTS:
        if pattern.search(text):
            parsed.sort = parsed.sort or kind
            text = pattern.sub(" ", text)
    if _IN_STOCK.search(text):
        parsed.in_stock = True
        text = _IN_STOCK.sub(" ", text)
    text = _SPACES.sub(" ", text).strip(" ,;-")
    words = re.findall(r"[0-9a-z]+", fold(text))
    parsed.brands = _match_names(words, brands)
    parsed.categories = _match_categories(words, categories)
    parsed.text = text
    return parsed
