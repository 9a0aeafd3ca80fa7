"""Plain-language search: what a question asks for, planned once as a backend-neutral ``Match`` and ranked here.

The search index (FTS5's bm25 on SQLite) scores the facts that match; this module re-weights them by what the
question says, so every backend gives the same answers even where its scores differ.
"""

from __future__ import annotations

from collections.abc import Container, Mapping

from bot.models import Fact, Kind, Location, Release, Video
from bot.store.core import fact_of
from bot.store.db import Match, Term
from bot.store.names import Names
from bot.text import PLACE_ABBREVIATIONS, contains_phrase, fold, intent, longest_names, search_terms, tokens, with_units

COMMON_FACTS = 1000  # a search word in more facts than this only ranks the facts that a rarer word found
RANKED = 60  # matches read from the index, best first, before re-weighting
# Ranking that reads at most this many facts' entries is a small read (``Database.now``: on the event loop, about a
# millisecond); the ranking of more, which grows with the data, stays off the loop.
RANKED_ON_THE_LOOP = 500


def match_forms(term: str, known: Container[str]) -> list[Term]:
    """The forms one search word is matched in. A known word matches itself and its plural or singular (not as a
    prefix: "train" must not find "training"); an unknown one, perhaps cut short, matches as a prefix."""
    if len(term) < 3:
        return [Term(term)]
    if term not in known:
        return [Term(term, prefix=True)]
    forms = [term + "s", term + "es", term.removesuffix("s"), term.removesuffix("es")]
    return [Term(form) for form in dict.fromkeys([term, *forms]) if form == term or form in known]


def text_match(terms: list[str], counts: Mapping[str, int], common: int) -> Match:
    """The query for a question's search terms: any of them (with plurals and place abbreviations).

    A word in more than ``common`` facts ("tom", "stunt" in a big store) cannot pick facts by itself, only add
    to the score of facts that match a rarer word of the question, as a search engine's common-terms query
    does: the index then scores hundreds of rows instead of every fact that mentions a common word.
    """
    abbreviated = {t: [Term(PLACE_ABBREVIATIONS[t])] for t in terms if t in PLACE_ABBREVIATIONS}
    forms = {t: match_forms(t, counts) + abbreviated.get(t, []) for t in terms}
    every = tuple(form for found in forms.values() for form in found)
    if not any(counts.get(t, 0) > common for t in terms):
        return Match((every,))
    rare = tuple(form for t, found in forms.items() if 0 < counts.get(t, 0) <= common for form in found)
    return Match((rare, every)) if rare else Match((every,))


def _named_words(text: str, fact: Fact) -> int:
    """How many words of the longest of the fact's names the question contains outright (0 for none)."""
    return max((len(name.split()) for name in map(fold, fact.names) if contains_phrase(text, name)), default=0)


class Search(Names):
    """``/search`` and questions in mentions."""

    async def search(self, question: str, *, limit: int = 5) -> list[Fact]:
        """Full-text relevance (names weigh most) is re-weighted by what the question says: a fact it names
        outright ("the bike jump"), the film it names ("dead reckoning …" favours that film's facts) and the kind
        of fact it asks for ("where" → places, "come out" → release dates, "how many" → stunt numbers). When it
        asks for one kind and names a fact of another, the related fact of the asked kind answers: "where was the
        bike jump filmed" → the place, "when was the Rome premiere" → the film's release card.
        """
        words = tokens(question)
        wanted = intent(words)
        asked = search_terms(words) or words
        fixed = dict(zip(asked, await self.corrected(asked), strict=True))
        text = " ".join(fixed.get(w, w) for w in words)
        terms = with_units(list(fixed.values()))
        if not terms:
            return []
        vocabulary = await self.vocabulary()
        match = text_match(terms, vocabulary.counts, COMMON_FACTS)
        small = vocabulary.facts_read(match, RANKED_ON_THE_LOOP) <= RANKED_ON_THE_LOOP
        rows = await self.index.ranked(self.db.now if small else self.db, match, RANKED)
        films = await self.films()
        films_named = longest_names(text, await self.folded_film_names())
        relevance: dict[str, float] = {}
        facts: dict[str, Fact] = {}
        for kind, doc, score in rows:
            fact = fact_of(kind, doc)
            if isinstance(fact, Release):  # a release date is answered by its film's release card
                fact = films.get(fact.film, fact)
            if score > relevance.get(fact.ref, 0.0):
                relevance[fact.ref], facts[fact.ref] = score, fact
        named = {ref: _named_words(text, fact) for ref, fact in facts.items()}
        other_named = any(n for ref, n in named.items() if facts[ref].kind != "film")
        for ref, fact in facts.items():
            if named[ref] and not (fact.kind == "film" and other_named):  # a film beside a stunt is context
                relevance[ref] *= 2 + named[ref]
            if getattr(fact, "film", None) in films_named:
                relevance[ref] *= 1.5
        if wanted in ("film", "location", "video"):
            await self._answer_with(wanted, facts, relevance)
        for ref, fact in facts.items():
            if fact.kind == wanted:
                relevance[ref] *= 1.5 if wanted == "stunt" else 2.0  # "how big" hints at numbers, "where" asks
            elif fact.kind == "video":
                relevance[ref] *= 0.5  # videos repeat the stunts they show: the stunt card answers better
        ranked = sorted(facts, key=lambda ref: relevance[ref], reverse=True)
        best = relevance[ranked[0]] if ranked else 0.0
        return [facts[ref] for ref in ranked if relevance[ref] >= best * 0.2][:limit]

    async def _answer_with(self, wanted: Kind, facts: dict[str, Fact], relevance: dict[str, float]) -> None:
        """Facts of the wanted kind become as relevant as the best-matching facts they belong to."""
        for ref in sorted(facts, key=lambda r: relevance[r], reverse=True)[:10]:
            if facts[ref].kind == wanted:
                continue
            for other in await self._related(facts[ref], wanted):
                facts.setdefault(other.ref, other)
                relevance[other.ref] = max(relevance.get(other.ref, 0.0), relevance[ref])

    async def _related(self, fact: Fact, kind: Kind) -> list[Fact]:
        """The facts of ``kind`` that answer for ``fact``: its film, its places or the videos about it."""
        if kind == "film":
            film = (await self.films()).get(getattr(fact, "film", ""))
            return [film] if film else []
        if kind == "location":
            return list(await self.facts(Location, keys=getattr(fact, "locations", [])))
        if kind == "video" and fact.kind in ("stunt", "location"):
            return list(await self.linked(Video, fact.ref))
        return []
