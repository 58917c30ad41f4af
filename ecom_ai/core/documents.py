"""The product document: what ecom_ai knows of a host product, independent of the host's models."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

_TAG = re.compile(r"<[^>]{0,2000}>")
_SPACE = re.compile(r"\s+")
_CONTROL = dict.fromkeys(c for c in range(0x20) if c not in (9, 10, 13))


@dataclass(frozen=True)
class ProductDocument:
    """A host product flattened into the fields ecom_ai indexes and filters on."""

    ref: str
    title: str
    description: str = ""
    brand: str = ""
    category: str = ""
    price: Decimal | None = None
    in_stock: bool = True
    is_visible: bool = True
    attributes: dict[str, str] = field(default_factory=dict)
    url: str = ""


def clean_text(text: str, max_chars: int | None = None) -> str:
    """Plain, normalised text: HTML tags and entities removed, control characters dropped."""
    if not text:
        return ""
    if max_chars is not None:
        text = text[: max_chars * 4]  # bound the work below on megabyte inputs
    text = html.unescape(_TAG.sub(" ", text))
    text = unicodedata.normalize("NFKC", text).translate(_CONTROL)
    text = _SPACE.sub(" ", text).strip()
    return text[:max_chars] if max_chars is not None else text


def default_document_text(doc: ProductDocument) -> str:
    """The text that is embedded: title, brand, category, attributes, then the description."""
    parts = [doc.title]
    if doc.brand:
        parts.append(f"Brand: {doc.brand}")
    if doc.category:
        parts.append(f"Category: {doc.category}")
    if doc.attributes:
        parts.append("; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in sorted(doc.attributes.items()) if v))
    if doc.description:
        parts.append(doc.description)
    return clean_text(". ".join(p for p in parts if p))


def content_hash(text: str, model_key: str) -> str:
    """Identifies an embedding: the same text under the same model never needs re-encoding."""
    return hashlib.sha256(f"{model_key}\x00{text}".encode()).hexdigest()
