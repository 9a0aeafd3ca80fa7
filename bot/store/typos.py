"""Typo correction without a scan: a deletion index (SymSpell, Wolf Garbe 2012) over the search vocabulary.

Two words within two typos of each other (letters dropped, added, changed or swapped) share a form with at most
two letters deleted from each: "hesletkopen" and "helsetkopen" both give "heletkopen". So every word is filed
under each of its forms with up to two letters deleted, and a typed word's candidates are the words filed under
its own such forms: a few dozen look-ups instead of comparing it with every word of nearly the same length.

Forms are filed by their hash in buckets of word numbers (no form is kept as a string), which keeps the index
small: about 20 MB for the 28,000 words of a 100,000-fact store, built in about a second, once per process. A
bucket may hold words of other forms too; every candidate is checked with the real distance anyway.

Words are only ever added (a vocabulary read again after a change adds its new words, so the index keeps in step
with every write for the cost of those words); a word no longer in the store is left out by the caller, which
knows the live ones.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from itertools import combinations

MAX_TYPOS = 2
SHORTEST = 4  # a typed word is corrected from five letters up, so no word of three letters is ever a candidate
_BUCKET_BITS = 17


def deletions(word: str, most: int) -> set[str]:
    """The word and every form of it with up to ``most`` letters deleted."""
    forms = {word}
    for deleted in range(1, min(most, len(word) - 1) + 1):
        forms.update(map("".join, combinations(word, len(word) - deleted)))
    return forms


class TypoIndex:
    """Words filed under their deletions; ``near`` lists the words that may be within ``typos`` of a word."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self._numbers: dict[str, int] = {}
        self._buckets: list[array[int] | None] = [None] * (1 << _BUCKET_BITS)  # 1 MB; each bucket made when used

    def add(self, words: Iterable[str]) -> None:
        mask = (1 << _BUCKET_BITS) - 1
        for word in words:
            if len(word) < SHORTEST or word in self._numbers:
                continue
            number = self._numbers[word] = len(self.words)
            self.words.append(word)
            for bucket in {hash(form) & mask for form in deletions(word, MAX_TYPOS)}:
                numbers = self._buckets[bucket]
                if numbers is None:
                    numbers = self._buckets[bucket] = array("I")
                numbers.append(number)

    def near(self, word: str, typos: int) -> list[str]:
        """Candidates (a superset of the words within ``typos`` of ``word``, for the caller to check)."""
        mask = (1 << _BUCKET_BITS) - 1
        buckets = {hash(form) & mask for form in deletions(word, typos)}
        return [self.words[n] for n in {n for b in buckets for n in self._buckets[b] or ()}]
