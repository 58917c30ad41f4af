"""Spelling suggestions ("did you mean") from a vocabulary, by trigram similarity (pure Python)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping


def trigrams(word: str) -> set[str]:
    """pg_trgm-style trigrams: the word padded with two spaces in front and one behind."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """Trigram similarity (shared / union), as pg_trgm's ``similarity()``."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


class Speller:
    """Corrects unknown words to frequent known words with similar trigrams."""

    def __init__(self, frequencies: Mapping[str, int], *, min_frequency: int = 2):
        self.frequencies = {
            w: f for w, f in frequencies.items() if f >= min_frequency and w.isalpha() and 3 <= len(w) <= 30
        }
        self._index: dict[str, list[str]] = defaultdict(list)
        for word in self.frequencies:
            for gram in trigrams(word):
                self._index[gram].append(word)

    def known(self, word: str) -> bool:
        return word in self.frequencies

    def correct(self, word: str, *, threshold: float = 0.3) -> str | None:
        """The best known replacement for an unknown ``word``, or None (known words, codes, short words).

        Candidates share trigrams with the word (similarity >= ``threshold``) and are at most one edit
        away (two for words of eight letters or more); the fewest edits win, then the most frequent.
        """
        if self.known(word) or len(word) < 4 or not word.isalpha():
            return None
        grams = trigrams(word)
        shared: dict[str, int] = defaultdict(int)
        for gram in grams:
            for candidate in self._index.get(gram, ()):
                shared[candidate] += 1
        max_edits = 2 if len(word) >= 8 else 1
        best: tuple[int, int, str] | None = None
        for candidate, count in shared.items():
            if count / (len(grams) + len(trigrams(candidate)) - count) < threshold:
                continue
            edits = edit_distance(word, candidate, max_edits)
            if edits <= max_edits:
                key = (edits, -self.frequencies[candidate], candidate)
                if best is None or key < best:
                    best = key
        return best[2] if best else None

    def suggest(self, words: Iterable[str]) -> list[str] | None:
        """The words with unknown ones corrected, or None when nothing changed."""
        words = list(words)
        corrected = [self.correct(w) or w for w in words]
        return corrected if corrected != words else None


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), stopping early above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
