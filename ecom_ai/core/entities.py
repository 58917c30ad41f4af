"""Entity extraction from customer messages: order numbers, emails, prices, quantities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
# Order numbers: a letter prefix with digits/hex (DS-1A2B3C4D, ORD-12345) or a long digit run,
# optionally after "#" or "order". Plain short numbers ("2 mugs", "50 euros") are not orders.
_ORDER_PREFIXED = re.compile(r"\b([A-Za-z]{1,5}-[A-Za-z0-9]{4,20})\b")
_ORDER_HASH = re.compile(r"#\s?([A-Za-z0-9-]{4,20})\b")
_ORDER_AFTER_WORD = re.compile(
    r"\b(?:order|purchase|number|no\.?|nr\.?)\s*(?:number|no\.?|nr\.?|id)?\s*[:#]?\s*([A-Za-z]*\d[A-Za-z0-9-]{3,19})\b",
    re.IGNORECASE,
)
_LONG_DIGITS = re.compile(r"(?<![\d.,])(\d{6,20})(?![\d.,])")

_NUM = r"(\d{1,7}(?:[.,]\d{1,2})?)"
_CUR = r"(?:\s*(?:€|eur(?:os?)?|\$|usd|dollars?|£|gbp|pounds?))?"
_PRE = r"(?:€|\$|£)?\s*"
_BETWEEN = re.compile(rf"\bbetween\s+{_PRE}{_NUM}{_CUR}\s+(?:and|to|-)\s+{_PRE}{_NUM}{_CUR}", re.IGNORECASE)
_RANGE = re.compile(
    rf"{_PRE}{_NUM}{_CUR}\s*(?:-|–|to)\s*{_PRE}{_NUM}\s*(?:€|eur(?:os?)?|\$|usd|dollars?)", re.IGNORECASE
)
_MAX = re.compile(
    rf"\b(?:under|below|less\s+than|cheaper\s+than|max(?:imum)?|at\s+most|up\s+to|no\s+more\s+than|within|"
    rf"not\s+over|budget(?:\s+of|\s+is)?)\s+{_PRE}{_NUM}{_CUR}",
    re.IGNORECASE,
)
_MIN = re.compile(
    rf"\b(?:over|above|more\s+than|at\s+least|min(?:imum)?|from|starting\s+at)\s+{_PRE}{_NUM}{_CUR}",
    re.IGNORECASE,
)
_MIN_NEEDS_CURRENCY = re.compile(
    rf"\b(?:over|above|more\s+than|at\s+least|from)\s+{_PRE}{_NUM}"
    r"\s*(?:€|eur(?:os?)?|\$|usd|dollars?|£)",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(r"[€$£]\s*\d")
_QTY = re.compile(r"\b(\d{1,2})\s*(?:x\b|pcs\b|pieces?\b|units?\b|of\s+(?:them|those|it))", re.IGNORECASE)


@dataclass
class Entities:
    """What was found in one message."""

    order_numbers: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    quantity: int | None = None

    @property
    def order_number(self) -> str | None:
        return self.order_numbers[0] if self.order_numbers else None

    @property
    def email(self) -> str | None:
        return self.emails[0] if self.emails else None

    def as_dict(self) -> dict:
        return {
            "order_numbers": self.order_numbers,
            "emails": self.emails,
            "min_price": str(self.min_price) if self.min_price is not None else None,
            "max_price": str(self.max_price) if self.max_price is not None else None,
            "quantity": self.quantity,
        }


def _money(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def extract_entities(text: str) -> Entities:
    """Find order numbers, emails, price bounds and a quantity in ``text``."""
    found = Entities()
    found.emails = list(dict.fromkeys(m.group(0) for m in EMAIL.finditer(text)))
    without_emails = EMAIL.sub(" ", text)
    numbers: list[str] = []
    for pattern in (_ORDER_PREFIXED, _ORDER_HASH, _ORDER_AFTER_WORD, _LONG_DIGITS):
        for m in pattern.finditer(without_emails):
            value = m.group(1).strip("-").upper()
            if any(ch.isdigit() for ch in value) and value not in numbers:
                numbers.append(value)
    # Drop numbers that are part of a longer one already found (e.g. "1A2B3C4D" inside "DS-1A2B3C4D").
    found.order_numbers = [n for n in numbers if not any(n != o and n in o for o in numbers)]

    if m := _BETWEEN.search(without_emails) or _RANGE.search(without_emails):
        lo, hi = _money(m.group(1)), _money(m.group(2))
        if lo is not None and hi is not None:
            found.min_price, found.max_price = min(lo, hi), max(lo, hi)
    else:
        if m := _MAX.search(without_emails):
            found.max_price = _money(m.group(1))
        min_match = _MIN_NEEDS_CURRENCY.search(without_emails) or (
            _MIN.search(without_emails) if _CURRENCY_BEFORE.search(without_emails) else None
        )
        if min_match:
            found.min_price = _money(min_match.group(1))
    if m := _QTY.search(without_emails):
        found.quantity = int(m.group(1))
    return found
