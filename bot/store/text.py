"""Pure text helpers for look-ups: folding, tokens, stop words and what a question is asking about."""

from __future__ import annotations

import re
import unicodedata

from bot.models import Fact, Film, Kind, Location, Release, Stunt, Video

_NON_WORD = re.compile(r"[^\w]+|_")

STOP_WORDS = frozenset(
    """a about an and any are as at be been by can could did do does doing for from had has have how i in
    into is it its me mi many much my of on or please show tell that the their them there these they this
    those to was were what which who whom why will with would you your""".split()
)

# Words that say which kind of fact a question wants; they steer ranking and are not searched themselves.
INTENT_WORDS: dict[Kind, frozenset[str]] = {
    "film": frozenset(
        """when release released releases releasing date dates come comes coming out premiere premieres
        premiered cinema cinemas theaters theatres opening open opens countdown""".split()
    ),
    "location": frozenset("where filmed filming location locations shot place places country".split()),
    "video": frozenset("video videos watch bts behind scenes featurette featurettes clip clips youtube".split()),
    "stunt": frozenset("stunt stunts".split()),
}


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation: "Speed-Flying" and "speed flying" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", plain).split())


def tokens(text: str) -> list[str]:
    return fold(text).split()


def intent(words: list[str]) -> Kind | None:
    """The kind of fact a plain-language question is about, if its words say so."""
    for kind, markers in INTENT_WORDS.items():
        if any(word in markers for word in words):
            return kind
    return None


def search_terms(words: list[str]) -> list[str]:
    """The words worth searching for: no stop words and no intent markers."""
    markers = frozenset().union(*INTENT_WORDS.values())
    return [w for w in words if w not in STOP_WORDS and w not in markers]


def body_text(fact: Fact) -> str:
    """Everything a fan may search for in a fact besides its names."""
    parts: list[str] = []
    if isinstance(fact, Film):
        parts += [str(fact.year), fact.director, fact.summary, *fact.previous_titles, *(n.text for n in fact.notes)]
    elif isinstance(fact, Release):
        parts += [fact.date.strftime("%d %B %Y"), fact.note, *(f"{h.date} {h.status} {h.note}" for h in fact.history)]
    elif isinstance(fact, Stunt):
        parts += [fact.summary, fact.filmed, *fact.people, *fact.numbers, *fact.quotes, *fact.trivia, fact.spoiler]
    elif isinstance(fact, Location):
        parts += [fact.place, fact.country, fact.filmed, fact.when]
    elif isinstance(fact, Video):
        parts += [fact.shows, fact.published]
    return "\n".join(p for p in parts if p)
