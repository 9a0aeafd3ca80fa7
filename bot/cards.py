"""From a fact to its card: look up what the card links to (film, places, stunts, videos), then render.

Every command that shows a fact (fan commands, search, mentions, an admin's stored card) goes through
``card_for``, so a fact looks the same wherever it appears. Cards and answers are kept in the store's memo until
the facts change (``bot.store.cache``): a card asked for again is neither looked up nor rendered again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Collection, Sequence
from typing import Any

from bot import answers, factcheck, limits, render, trivia
from bot.errors import NotFound, NotKnown
from bot.models import Fact, Film, Location, Release, ReleaseType, Stunt, Video
from bot.render import Card, Stamp
from bot.store import Entry, FactStore
from bot.text import closest, place_matches
from bot.trivia import Question, Topic

# How many facts a trivia question is drawn from, at random: a small sample first, larger ones only when it makes
# no question the player has not seen (so "no question can be made" is said only after a wide look), and every
# fact when there are no more than that.
QUESTION_SAMPLES = (20, 80, 320)


def today() -> dt.date:
    """The day cards count from ("8 years ago", a countdown): part of a kept card's key."""
    return dt.datetime.now(dt.UTC).date()


async def card_for(store: FactStore, entry: Entry[Fact]) -> Card:
    """The card of one fact; a release date is shown on its film's release card."""
    key = ("card", entry.fact.ref, entry.revision, entry.deleted, today())
    return await store.memo.get(key, lambda: _card_for(store, entry))


async def _card_for(store: FactStore, entry: Entry[Fact]) -> Card:
    fact = entry.fact
    stamp = Stamp(entry.updated_at, entry.updated_by) if entry.edited else Stamp()  # pack facts carry no date
    films = await store.films()
    if isinstance(fact, Stunt | Location):
        around = await store.neighbours(fact)
        videos = [f for f in around if isinstance(f, Video)]
        if isinstance(fact, Location):
            stunts = [f for f in around if isinstance(f, Stunt)]
            return render.location_card(fact, films.get(fact.film), stunts, videos, stamp)
        places = sorted(
            (f for f in around if isinstance(f, Location) and f.key in fact.locations),
            key=lambda place: fact.locations.index(place.key),
        )
        return render.stunt_card(fact, films.get(fact.film), places, videos, stamp)
    if isinstance(fact, Video):
        return render.video_message(fact, films.get(fact.film), stamp)
    film = films[fact.film] if isinstance(fact, Release) else fact
    assert isinstance(film, Film)
    return (await release_cards(store, [film]))[0]


async def release_cards(
    store: FactStore, films: list[Film], region: str = "", types: Sequence[ReleaseType] = ()
) -> list[Card]:
    """One release card per film, with only the releases whose region matches ``region`` when it is given (and
    only those of the kinds ``types``, when given).

    Raises ``NotFound`` (suggesting the regions there are) when no release of these films matches the region.
    """
    key = ("releases", tuple(film.ref for film in films), region, tuple(types), today())
    return list(await store.memo.get(key, lambda: _release_cards(store, films, region, types)))


async def _release_cards(store: FactStore, films: list[Film], region: str, types: Sequence[ReleaseType]) -> list[Card]:
    releases = {film.key: await store.facts(Release, film=film.key) for film in films}
    if region:
        everywhere = [r.region for film_releases in releases.values() for r in film_releases]
        releases = {key: [r for r in found if place_matches(r.region, region)] for key, found in releases.items()}
        if not any(releases.values()):
            raise NotFound("release region", region, closest(region, everywhere))
    day = today()
    return [
        render.release_card(film, releases[film.key], day, region=region, types=types)
        for film in films
        if releases[film.key] or not region
    ]


@dataclasses.dataclass(frozen=True)
class Answer:
    """The reply to a plain-language question: the answer line first (when the question asks for one thing),
    the card of the fact that backs it with the asked item highlighted, and the other good matches, which the
    reply offers as buttons."""

    card: Card
    others: list[Fact]
    fact: Fact
    line: str = ""


async def answer(store: FactStore, question: str) -> Answer:
    """What ``/search`` and a mention of the bot both answer. Raises ``NotKnown`` (naming the closest facts it
    does know) when no fact answers the question confidently, rather than showing an unrelated card."""
    return await store.memo.get(("answer", question, today()), lambda: _answer(store, question))


async def _answer(store: FactStore, question: str) -> Answer:
    films = await store.films()
    ask = answers.read(question, films)
    matches = [] if ask.beyond else await store.search(answers.expand(question))
    places = await _places_of(store, matches) if answers.needs_places(ask) else []
    fact = answers.answering_fact(ask, matches, films, places)
    if ask.topic == "also_here" and fact is not None:
        places += await _same_country(store, fact, places)
    releases = await store.facts(Release, film=fact.key) if isinstance(fact, Film) else []
    said = answers.reply(ask, fact, films, matches, releases, places)
    if said.fact is None:
        near = matches or await store.suggest(None, question, limit=3)
        closest = list(dict.fromkeys(films[m.film].title if isinstance(m, Release) else m.label for m in near))[:3]
        raise NotKnown(question, [] if ask.beyond else closest, beyond=ask.beyond)
    if isinstance(said.fact, Film):
        card = (await release_cards(store, [said.fact], region=said.region, types=said.types))[0]
    else:
        card = await card_for(store, await store.entry(said.fact.ref))
    others = [m for m in matches if m.ref != said.fact.ref]
    header = render.search_header(question, others)
    content = "\n".join(part for part in (said.line, header, card.content) if part)
    card = dataclasses.replace(render.highlight(card, said.marks), content=render.clip(content, limits.CONTENT_MAX))
    return Answer(card, others, said.fact, said.line)


async def _places_of(store: FactStore, matches: Sequence[Fact]) -> list[Location]:
    """The filming locations an answer about places reads: the matches' own places (where a stunt was filmed)."""
    keys = [key for m in matches for key in getattr(m, "locations", [m.key] if isinstance(m, Location) else [])]
    return await store.facts(Location, keys=list(dict.fromkeys(keys)))


async def _same_country(store: FactStore, fact: Fact, places: list[Location]) -> list[Location]:
    """For "what else was filmed there": the first places in the country of the fact's place, those of its own
    film first (as many as the answer names, plus the place itself)."""
    owned = [p for p in places if p.key in getattr(fact, "locations", [])]
    home = fact if isinstance(fact, Location) else next(iter(owned), None)
    if home is None:
        return []
    country = answers.country_of(home.country)
    countries = [c for c in await store.places(["country"], country) if answers.country_of(c) == country]
    wanted = answers.ALSO_HERE_MAX + 1
    same = [
        *await store.facts(Location, places=countries, film=home.film, limit=wanted),
        *await store.facts(Location, places=countries, limit=wanted),
    ]
    known = {p.key for p in places}
    return list({p.key: p for p in same if p.key not in known}.values())


async def question(
    store: FactStore,
    rng: random.Random,
    today: dt.date,
    seen: Collection[str] = (),
    *,
    film: str | None = None,
    topic: Topic | None = None,
    spoilers: bool = False,
) -> tuple[Question | None, Question | None]:
    """A trivia question not among ``seen``, and (when there is none) any question, made from the smallest sample
    of the facts that makes one: None and None when no question can be made."""
    wanted: dict[str, Any] = {"film": film, "topic": topic, "spoilers": spoilers}
    made = None
    for size in QUESTION_SAMPLES:
        facts, every = await question_facts(store, size, today, film=film, topic=topic)
        fresh = trivia.pick(facts, rng, seen=seen, **wanted)
        if fresh is not None:
            return fresh, fresh
        made = made or trivia.pick(facts, rng, **wanted)
        if every:
            break
    return None, made


async def question_facts(
    store: FactStore, size: int, today: dt.date, *, film: str | None = None, topic: Topic | None = None
) -> tuple[trivia.Facts, bool]:
    """Up to ``size`` facts drawn at random that trivia questions (about ``film``, of ``topic``) are made about,
    with everything their options are judged by (``trivia.context``), read now by index: an admin's edit changes
    the next question at once, and the read is bounded at any size. Also whether those were all such facts."""
    films = await store.films()
    kinds = trivia.SUBJECTS[topic]
    subjects = await store.sample([kind for kind in kinds if kind is not Film], size, film=film)
    every = len(subjects) < size
    if film is not None and Film in kinds:
        subjects.append(films[film])  # the film's own claims (in the store, a film is not a fact of itself)
    with_releases, places = trivia.context(films, subjects)
    releases = [release for key in sorted(with_releases) for release in await store.facts(Release, film=key)]
    drawn = {fact.ref for fact in subjects}
    stunts = [fact for fact in subjects if isinstance(fact, Stunt)]
    locations = [fact for fact in subjects if isinstance(fact, Location)]
    locations += await store.facts(Location, keys=sorted(k for k in places if f"location:{k}" not in drawn))
    return trivia.Facts(films, stunts, locations, releases, today, frozenset(drawn)), every


async def fact_check(store: FactStore, text: str) -> list[factcheck.Verdict]:
    """The verdicts on a message's claims."""
    return factcheck.check(text, await check_facts(store, text))


async def check_facts(store: FactStore, text: str) -> factcheck.Facts:
    """What a message's claims are checked against, read by index at any size (every fact of the kinds would judge
    them alike): the films, the stunts it names, the releases and places of the films it names, the stunts' places,
    and in each country it names the first places (in the order added, as ``check`` reads them) up to one of a film
    it does not name."""
    films = await store.films()
    named, countries = factcheck.named(text, films)
    stunts = await store.named(Stunt, text)
    releases = [release for film in sorted(named) for release in await store.facts(Release, film=film)]
    theirs = [place for film in sorted(named) for place in await store.facts(Location, film=film)]
    keys = {place.key for place in theirs} | {key for stunt in stunts for key in stunt.locations}
    known = await store.places(["country"]) if countries else []
    for country in countries:
        there = [place for place in known if answers.country_of(place) == country]
        first = 1 + sum(answers.country_of(place.country) == country for place in theirs)
        keys |= {place.key for place in await store.facts(Location, places=there, limit=first)}
    places = await store.facts(Location, keys=sorted(keys))  # in the order they were added
    return factcheck.Facts(films, releases, stunts, places)
