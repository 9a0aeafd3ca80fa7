"""Pure text helpers for look-ups: folding, tokens, stop words and what a question is asking about.

Used by the store, the renderer, forms and cogs alike, so they live outside ``bot.store``: importing them never
loads a database driver.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from bot.models import Fact, Film, Kind, Location, Release, Stunt, Video

_NON_WORD = re.compile(r"[^\w]+|_")

# Words that carry no topic: question words, and "film"/"movie", which every fact is about.
STOP_WORDS = frozenset(
    """a about after an and any are as at be been before by can could did do does doing for from get got had
    has have how i in into is it its me mi many much my of on or please show tell than that the their them
    then there these they this those to was were what which who whom why will with would you your
    film films movie movies""".split()
)

# Words that say which kind of fact a question wants. They steer ranking and are not searched themselves.
RELEASE_WORDS = frozenset(
    """release released releases releasing date dates premiere premieres premiered cinema cinemas theater
    theaters theatre theatres countdown""".split()
)
PLACE_WORDS = frozenset("where location locations place places country countries".split())
VIDEO_WORDS = frozenset("video videos watch bts featurette featurettes clip clips youtube".split())
# Words asking for a number or a measure: the numbers are on stunt cards.
MEASURE_WORDS = frozenset(
    """big bigger biggest size high height tall fast faster speed heavy weight weigh deep far long length
    cold times number numbers""".split()
)
# Units the numbers on stunt cards are given in, searched alongside the word asking for them.
MEASURE_UNITS = {
    "fast": "mph km",
    "speed": "mph km",
    "high": "feet m metres",
    "height": "feet m metres",
    "tall": "feet m metres",
    "big": "litres tons",
    "size": "litres tons",
    "heavy": "tons",
    "weight": "tons",
    "cold": "degrees",
    "long": "minutes",
}
# Words of release and place questions ("come out", "filmed"), also not searched themselves.
QUESTION_WORDS = frozenset("behind when come comes coming came out filmed filming stunt stunts".split())
_MARKERS = RELEASE_WORDS | PLACE_WORDS | VIDEO_WORDS | QUESTION_WORDS

# Country abbreviations fans type, and what the pack calls those places.
PLACE_ABBREVIATIONS = {
    "us": "united states",
    "usa": "united states",
    "america": "united states",
    "uk": "united kingdom",
    "gb": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "england": "united kingdom",
    "uae": "united arab emirates",
    "emirates": "united arab emirates",
}


FOLDED_KEPT = 8192  # folded texts kept (``fold``): every name of a mid-sized store, under a few MB


@functools.lru_cache(maxsize=FOLDED_KEPT)
def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation: "Speed-Flying" and "speed flying" fold alike. The same names are
    folded for every question (films named in it, facts it names), so the latest are kept."""
    if text.isascii():  # most names: nothing to decompose
        plain = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", plain).split())


def tokens(text: str) -> list[str]:
    return fold(text).split()


def intent(words: list[str]) -> Kind | None:
    """The kind of fact a plain-language question is about, if its words say so ("when" alone does not: "when
    was the bike jump" asks for a shooting date, which is on the stunt card)."""
    said = set(words)
    if said & VIDEO_WORDS or {"behind", "scenes"} <= said:
        return "video"
    if said & PLACE_WORDS:
        return "location"
    if said & RELEASE_WORDS or {"come", "out"} <= said:
        return "film"
    if said & (MEASURE_WORDS | {"stunt", "stunts"}):
        return "stunt"
    return None


def search_terms(words: list[str]) -> list[str]:
    """The words worth searching for: no stop words and no intent markers (measure words do carry meaning:
    "how cold" finds "the cold")."""
    return [w for w in words if w not in STOP_WORDS and w not in _MARKERS]


def with_units(terms: list[str]) -> list[str]:
    """Search terms plus the units a measure word asks about ("how fast" finds "60 mph")."""
    return list(dict.fromkeys([*terms, *(unit for t in terms for unit in MEASURE_UNITS.get(t, "").split())]))


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether folded ``phrase`` occurs in folded ``text`` as whole words."""
    return bool(phrase) and f" {phrase} " in f" {text} "


def phrases(text: str, longest: int) -> set[str]:
    """Every run of whole words of a folded text, at most ``longest`` characters long: the names it may say, as
    ``contains_phrase`` finds them."""
    words = text.split()
    found: set[str] = set()
    for start in range(len(words)):
        phrase = ""
        for word in words[start:]:
            phrase = f"{phrase} {word}".lstrip()
            if len(phrase) > longest:
                break
            found.add(phrase)
    return found


def place_matches(place: str, query: str) -> bool:
    """A region or country matching what a fan typed: whole-word prefixes, accents and case ignored, and the
    usual abbreviations understood ("us" is the United States, not a part of "Australia")."""
    wanted = fold(query)
    if len(wanted.replace(" ", "")) <= 3:
        wanted = wanted.replace(" ", "")  # "U.S." folds to "u s"
    words = fold(place).split()
    return any(
        all(any(word.startswith(part) for word in words) for part in option.split())
        for option in (wanted, PLACE_ABBREVIATIONS.get(wanted, wanted))
    )


def closest(query: str, choices: Iterable[str], limit: int = 3) -> list[str]:
    """The choices nearest to what was typed, for a "did you mean" (each once, best first)."""
    return [
        name for name, _, _ in process.extract(query, list(dict.fromkeys(choices)), scorer=fuzz.WRatio, limit=limit)
    ]


def body_text(fact: Fact) -> str:
    """Everything a fan may search for in a fact besides its names."""
    parts: list[str] = []
    if isinstance(fact, Film):
        parts += [str(fact.year), fact.director, fact.summary, *(n.text for n in fact.notes)]
    elif isinstance(fact, Release):
        parts += [fact.date.strftime("%d %B %Y"), fact.note, *(f"{h.date} {h.status} {h.note}" for h in fact.history)]
    elif isinstance(fact, Stunt):
        parts += [fact.summary, fact.filmed, *fact.people, *fact.numbers, *fact.quotes, *fact.trivia, fact.spoiler]
    elif isinstance(fact, Location):
        parts += [fact.place, fact.country, fact.filmed, fact.when]
    elif isinstance(fact, Video):
        parts += [fact.shows, fact.published]
    return "\n".join(p for p in parts if p)


@dataclasses.dataclass(frozen=True)
class NameIndex:
    """Folded names and the keys each one names, with the length of the longest: which names a text holds is then
    a look-up of its runs of words (``phrases``), not a search for each name (9,000 names at 2,000 films took a
    millisecond a question). Made once where the names are made, and shared."""

    keys: dict[str, set[str]]
    longest: int  # characters

    @classmethod
    def of(cls, names: Iterable[tuple[str, str]]) -> NameIndex:
        """The index of ``(key, folded name)`` pairs."""
        keys: dict[str, set[str]] = {}
        for key, name in names:
            if name:
                keys.setdefault(name, set()).add(key)
        return cls(keys, max(map(len, keys), default=0))


def longest_names(text: str, names: NameIndex) -> set[str]:
    """The keys whose names occur in folded ``text`` as whole words; a name inside a longer matching name does not
    count ("dead reckoning" inside "dead reckoning part two")."""
    found = [(key, run) for run in phrases(text, names.longest) for key in names.keys.get(run, ())]
    return {
        key
        for key, name in found
        if not any(other != name and contains_phrase(other, name) and k != key for k, other in found)
    }
