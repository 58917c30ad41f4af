"""Checks that an LLM's wording states no price, amount or order number the tools did not return."""

from __future__ import annotations

import json
import re
from typing import Any

_AMOUNT = re.compile(
    r"(?:[€$£]\s?)?\b\d{1,7}(?:[.,]\d{2})\b|[€$£]\s?\d{1,7}\b|\b\d{1,7}\s?(?:€|eur(?:os?)?|usd)\b",
    re.IGNORECASE,
)
_ORDER_NO = re.compile(r"\b[A-Z]{1,5}-[A-Z0-9]{4,20}\b")


def _digits(value: str) -> str:
    number = re.sub(r"[^\d.,]", "", value).replace(",", ".")
    if "." in number:
        whole, _, cents = number.partition(".")
        return f"{int(whole or 0)}.{cents[:2].ljust(2, '0')}"
    return str(int(number)) if number else ""


def unsupported_claims(text: str, facts: Any) -> list[str]:
    """Amounts and order numbers in ``text`` that appear nowhere in ``facts`` (tools + template text)."""
    source = json.dumps(facts, default=str)
    known_amounts = {_digits(m.group(0)) for m in _AMOUNT.finditer(source)}
    known_amounts |= {_digits(m) for m in re.findall(r"\d+(?:\.\d+)?", source)}
    known_amounts |= {a[:-3] for a in known_amounts if a.endswith(".00")}
    bad = [m.group(0) for m in _AMOUNT.finditer(text) if _digits(m.group(0)) not in known_amounts]
    bad += [m.group(0) for m in _ORDER_NO.finditer(text) if m.group(0) not in source]
    return bad
