"""Reader for the Chorus/Icecat product catalogue (products_*.json.zip), read in place."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from ..core.documents import ProductDocument, clean_text

# Icecat rows carry no category; the product type is named in the title. First match wins.
CATEGORY_RULES: list[tuple[str, str]] = [
    (r"\btoner\b|\bdrum\b|\bfuser\b|\bink ?cartridge|\bink\b|\bprinthead|\bribbon\b|\bstaples?\b", "Printer supplies"),
    (r"\bprinters?\b|\bmultifunctional\b|\bscanners?\b|\bcopier|\bplotter|\bfax\b", "Printers & scanners"),
    (r"\bnotebooks?\b|\blaptops?\b|\bchromebook|\bultrabook|\bnetbook", "Laptops"),
    (r"\bnotebook (?:case|bag|sleeve)|\bcases?\b|\bbags?\b|\bbackpacks?\b|\bsleeves?\b", "Bags & cases"),
    (r"\bmonitors?\b|\bdisplays?\b|\bprojectors?\b|\btv\b|\bscreens?\b|privacy filter", "Displays & projectors"),
    (r"\bkeyboards?\b|\bmice\b|\bmouse\b|\bwebcams?\b|\bheadsets?\b|\bheadphones?\b|\bspeakers?\b|\bmicrophones?\b",
     "Peripherals & audio"),
    (r"\bhdds?\b|\bssds?\b|\bhard (?:disk|drive)|\bflash drive|\busb flash|\bmemory card|\bmemory module|\bram\b|"
     r"\bdvd|\bcd-r|\bblu-ray|\bstorage\b|\bnas\b|\btape\b", "Storage & memory"),
    (r"\bcables?\b|\badapters?\b|\bconnectors?\b|\bcharger|\bpower (?:supply|adapter)|\bbatter(?:y|ies)\b|\bups\b|"
     r"\bsurge|\bdocking|\bhub\b|\bkvm\b", "Cables, power & docks"),
    (r"\bswitch(?:es)?\b|\brouters?\b|\baccess point|\bnetwork|\bfirewall|\btransceiver|\bethernet|\bmodem",
     "Networking"),
    (r"\bservers?\b|\brack\b|\bpcs?\b|\bdesktop|\bworkstation|\ball-in-one|\bthin client|\bmotherboard|\bprocessor|"
     r"\bcpu\b|\bgraphics card|\bfans?\b|\bcooler", "Computers & components"),
    (r"\bsmartphones?\b|\bmobile phone|\btablets?\b|\bphones?\b|\bsmartwatch", "Phones & tablets"),
    (r"\bcameras?\b|\blens(?:es)?\b|\bcamcorder|\btripod", "Cameras"),
    (r"\bwarranty|\bservice|\bsupport\b|\bon-site|\blicen[cs]e|\bsoftware|\bsubscription", "Software & services"),
    (r"\bpaper\b|\blabels?\b|\benvelopes?\b|\bbinders?\b|\bfolders?\b|\bpens?\b|\bmarkers?\b|\bstationery|\bcalculators?",
     "Office supplies"),
    (r"\bpuzzle|\btoys?\b|\bgames?\b|\bconsole", "Games & toys"),
]
_COMPILED = [(re.compile(pattern, re.IGNORECASE), name) for pattern, name in CATEGORY_RULES]


def guess_category(title: str) -> str:
    """A coarse category from the title's product-type words, or "Other"."""
    for pattern, name in _COMPILED:
        if pattern.search(title):
            return name
    return "Other"


def iter_records(directory: str | Path) -> Iterator[dict]:
    """Raw product objects from every products_*.json.zip in ``directory``, in file order."""
    files = sorted(Path(directory).glob("products_*.json.zip"))
    if not files:
        raise FileNotFoundError(f"no products_*.json.zip in {directory}")
    for path in files:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.endswith(".json"):
                    with archive.open(name) as handle:
                        yield from json.load(handle)


def attributes_of(record: dict, limit: int = 8) -> dict[str, str]:
    """Readable text attributes (``attr_t_*``), e.g. colour, compatibility, print technology."""
    out: dict[str, str] = {}
    for key, value in record.items():
        if key.startswith("attr_t_") and isinstance(value, str) and value.strip():
            name = key[len("attr_t_"):].split("__")[0].replace("_", " ").strip()
            out[name] = clean_text(value, 200)
            if len(out) >= limit:
                break
    return out


def to_document(record: dict) -> ProductDocument:
    """An Icecat product as a product document (price in the data is in cents)."""
    title = clean_text(record.get("title") or record.get("name") or "", 500)
    price = record.get("price")
    return ProductDocument(
        ref=str(record["id"]),
        title=title,
        description=clean_text(record.get("short_description") or "", 5000),
        brand=clean_text(record.get("supplier") or "", 200),
        category=guess_category(title),
        price=(Decimal(int(price)) / 100) if isinstance(price, int | float) and price > 0 else None,
        in_stock=True,
        attributes=attributes_of(record),
    )


def iter_documents(directory: str | Path, limit: int | None = None) -> Iterator[ProductDocument]:
    """Product documents of the catalogue, at most ``limit``; rows without an id are skipped."""
    for count, record in enumerate(r for r in iter_records(directory) if r.get("id")):
        if limit is not None and count >= limit:
            return
        yield to_document(record)
