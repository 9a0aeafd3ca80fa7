"""The deletion index behind typo correction: every word within the allowed typos is among its candidates, as
comparing with every word would find (Hypothesis draws the words and the typos), and corrections follow the
store's writes."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from bot.store.typos import TypoIndex, deletions

LETTERS = "abcdeilmnorst"  # few letters, so that many words are near each other
words = st.text(LETTERS, min_size=3, max_size=12)


def typed(word: str, edits: int, rng: random.Random) -> str:
    """The word with up to ``edits`` letters dropped, added, changed or swapped."""
    for _ in range(edits):
        i = rng.randrange(len(word))
        edit = rng.choice(("drop", "add", "change", "swap"))
        if edit == "drop" and len(word) > 1:
            word = word[:i] + word[i + 1 :]
        elif edit == "add":
            word = word[:i] + rng.choice(LETTERS) + word[i:]
        elif edit == "change":
            word = word[:i] + rng.choice(LETTERS) + word[i + 1 :]
        elif i + 1 < len(word):
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word


@settings(deadline=None, max_examples=200)
@given(st.lists(words, min_size=1, max_size=60, unique=True), st.integers(0, 2**32), st.integers(1, 2))
def test_candidates_hold_every_word_within_the_typos(vocabulary, seed, typos):
    index = TypoIndex()
    index.add(vocabulary)
    rng = random.Random(seed)
    query = typed(rng.choice(vocabulary), typos, rng)
    within = {w for w in vocabulary if len(w) >= 4 and OSA.distance(query, w) <= typos}
    assert within <= set(index.near(query, typos))


def test_deletions_of_a_word():
    assert deletions("train", 1) == {"train", "rain", "tain", "trin", "tran", "trai"}
    assert len(deletions("abcdef", 2)) == 1 + 6 + 15
    assert deletions("ab", 2) == {"ab", "a", "b"}  # never the empty word


def test_words_are_added_once_and_short_words_never():
    index = TypoIndex()
    index.add(["helsetkopen", "cat", "helsetkopen"])
    index.add(["helsetkopen", "motorcycle"])
    assert index.words == ["helsetkopen", "motorcycle"]
    # Candidates are a superset (buckets are shared by hash, and hashes change per process): each word is among its
    # near misses' candidates, and only once.
    assert index.near("hesletkopen", 2).count("helsetkopen") == 1
    assert index.near("motorcylce", 2).count("motorcycle") == 1
