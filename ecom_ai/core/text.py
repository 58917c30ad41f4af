"""Tokenising product and query text the same way on both sides (pure Python)."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[0-9a-z]+(?:[-/.][0-9a-z]+)*")
_SPLIT = re.compile(r"[-/.]")

STOPWORDS = frozenset(
    "a an and are as at be by for from in into is it of on or the to with without your my me i "
    "we you our this that these those".split()
)


def fold(text: str) -> str:
    """Lower-case, accents removed, compatibility forms normalised ("Ｔóner" -> "toner")."""
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def stem(word: str) -> str:
    """A light plural stemmer: enough to match "laptops"/"laptop" and "batteries"/"battery"."""
    if len(word) <= 3 or any(ch.isdigit() for ch in word):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Stemmed word tokens; hyphenated codes give their parts and the joined form ("tn-2110" ->
    "tn", "2110", "tn2110")."""
    out: list[str] = []
    for match in _WORD.finditer(fold(text)):
        word = match.group(0)
        parts = [p for p in _SPLIT.split(word) if p]
        if len(parts) > 1:
            out.extend(stem(p) for p in parts if keep_stopwords or p not in STOPWORDS)
            out.append("".join(parts))
        elif keep_stopwords or word not in STOPWORDS:
            out.append(stem(word))
    return out


def code_key(text: str) -> str:
    """Letters and digits only, lower-case: how model codes are compared ("TN-2110" -> "tn2110")."""
    return "".join(c for c in fold(text) if c.isalnum())


def is_code(word: str) -> bool:
    """A model/product code: letters and digits mixed, or a long number ("tn-2110", "c4127x", "3310")."""
    key = code_key(word)
    has_digit = any(c.isdigit() for c in key)
    has_alpha = any(c.isalpha() for c in key)
    return len(key) >= 3 and has_digit and (has_alpha or len(key) >= 4)
