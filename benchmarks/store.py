"""Store benchmark: autocomplete, /search and card look-ups at the shipped pack and at 1k, 10k and 100k facts, and
every other path whose work grows with the data (the country, region, film, removed-fact and change-set choices,
lists by country and film, answers about places, a mention the bot cannot answer, the random video, on this
day, a trivia question, a message checked with "Check this fact").

Each operation is timed through the API the cogs call (``store.suggest``, ``store.search``, ``store.find`` +
``card_for``) and, in the same run over the same database and queries, through two baselines:

* ``like``: a naive SQL scan, ``name LIKE '%query%'`` (for /search, every word of the question ``LIKE``-ed
  against the fact's JSON);
* ``rapidfuzz``: what well-known bots do (Red-DiscordBot, python-discord's bot): every name and alias in
  memory, ``process.extract(query, names, scorer=fuzz.WRatio, limit=25)``.

Each of the other paths is timed as the cog calls the store and, as its baseline, the way it was answered before
(``whole kind``: every fact of the kind read into Python and filtered there). To time the removed-fact and
change-set choices, the copy of the database has 1 % of its videos removed first, one change set each.

Queries are drawn (seeded) from the facts themselves: prefixes, whole names, aliases, one-letter typos, single
words and plain-language questions, so each has a known right answer; ``hit`` is how often it came back
(autocomplete: in the 25 choices, typed text of 4+ characters; search: in the top 5; card: the right card).

    python benchmarks/store.py                 # every size (the 100k database is built once, ~2 min)
    python benchmarks/store.py --sizes 0 1000  # 0 = the shipped pack
    python benchmarks/store.py --postgresql --sizes 0 1000 10000   # the same on PostgreSQL, beside SQLite
    python benchmarks/store.py --sizes 1000000  # the store alone (--no-baselines-from): baselines take hours there

With ``--postgresql`` (a server's URL, or none to start a throwaway server as the tests do) each size is also
seeded into a new PostgreSQL database, timed, and the store's operations measured there (the baselines are
SQLite's: they do not depend on the backend).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
from common import (
    add_postgresql_option,
    new_postgres_database,
    postgresql_server,
    summary,
    table,
    verdict,
    write_results,
)
from generate import cached_database, seed_database, shipped_pack, synthetic_pack
from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import OSA

from bot import cards, factcheck, trivia
from bot.anniversaries import anniversaries, nearest_days, parse_day
from bot.cards import answer, card_for
from bot.errors import NotFound, NotKnown
from bot.models import FACT_TYPES, KINDS, Fact, Film, Location, Release, Stunt, Video
from bot.render import PAGE_SIZE
from bot.store import Author, FactStore, open_store
from bot.store.names import Vocabulary
from bot.text import PLACE_ABBREVIATIONS, fold, place_matches

SIZES = [0, 1_000, 10_000, 100_000]  # and 1_000_000 when asked for (--sizes), its store alone
TARGETS_AT_100K = {"autocomplete": 5.0, "search": 20.0, "card": 5.0}  # p99, milliseconds
PATH_TARGETS_AT_100K = {"country choices": 10.0, "region choices": 10.0, "unknown mention": 50.0}
SUGGEST_KINDS = ("stunt", "location", "video", "film")
BUDGET_S = 6.0  # per operation and method, so that the 100k run stays within about two minutes
MIN_SAMPLES, MAX_SAMPLES, WARM_UP, WARM_UP_S = 200, 2_000, 50, 1.0
SLOW_MIN_SAMPLES = 5  # a baseline that reads a whole kind takes seconds per call at 100k: a few samples tell
BENCH_ADMIN = Author(1, "benchmark")
TODAY = dt.date.today()
YEAR = [dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(366)]  # a leap year: every day of the year


@dataclass(frozen=True)
class Query:
    kind: str | None  # the autocomplete / look-up kind (None for /search)
    text: str
    expected: str  # the ref that answers it
    shape: str  # prefix, name, alias, typo, word, question

    @property
    def fact_type(self) -> type[Fact]:
        assert self.kind is not None
        return FACT_TYPES[self.kind]


def typo(word: str, rng: random.Random) -> str:
    """One edit (swap, drop or double) inside a word, as a hurried fan types."""
    i = rng.randrange(1, len(word) - 2)
    edit = rng.choice(("swap", "drop", "double"))
    if edit == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if edit == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def with_typo(name: str, rng: random.Random) -> str | None:
    long_words = [w for w in name.split() if len(w) >= 6 and w.isalpha()]
    if not long_words:
        return None
    target = rng.choice(long_words)
    return name.replace(target, typo(target, rng), 1)


def name_queries(facts: list[Fact], rng: random.Random, count: int) -> list[Query]:
    """What fans type into a name box: prefixes (one per keystroke), names, aliases, typos, words."""
    out: list[Query] = []
    while len(out) < count:
        fact = rng.choice(facts)
        name = rng.choice(fact.names)
        shape = rng.choice(("prefix", "prefix", "name", "alias", "typo", "word"))
        text: str | None = name
        if shape == "prefix":
            text = name[: rng.randint(1, min(10, len(name)))]
        elif shape == "alias":
            text = fact.names[-1] if len(fact.names) > 1 else None
        elif shape == "typo":
            text = with_typo(name, rng)
        elif shape == "word":
            words = [w for w in name.split() if len(w) >= 4]
            text = rng.choice(words) if words else None
        if text and text.strip():
            out.append(Query(fact.kind, text, fact.ref, shape))
    return out


def questions(facts: dict[str, list[Fact]], rng: random.Random, count: int) -> list[Query]:
    """Plain-language /search questions, each about one known fact."""
    out: list[Query] = []
    while len(out) < count:
        shape = rng.choice(("where", "when", "stunt", "typo", "video", "words"))
        if shape == "where":
            loc = rng.choice(facts["location"])
            out.append(Query(None, f"where was {loc.name} filmed", loc.ref, "question"))
        elif shape == "when":
            film = rng.choice(facts["film"])
            out.append(Query(None, f"when does {film.title} come out", film.ref, "question"))
        elif shape == "stunt":
            stunt = rng.choice(facts["stunt"])
            out.append(Query(None, f"how did they do the {stunt.name} stunt", stunt.ref, "question"))
        elif shape == "typo":
            stunt = rng.choice(facts["stunt"])
            text = with_typo(stunt.name, rng)
            if text:
                out.append(Query(None, text, stunt.ref, "typo"))
        elif shape == "video":
            video = rng.choice(facts["video"])
            out.append(Query(None, f"video {video.title}", video.ref, "question"))
        else:
            stunt = rng.choice(facts["stunt"])
            words = [w for w in fold(stunt.summary).split() if len(w) >= 5]
            if len(words) >= 2:
                out.append(Query(None, " ".join(rng.sample(words, 2)), stunt.ref, "words"))
    return out


def answer_of(fact: Fact) -> str:
    """Search answers a release by its film's card."""
    return f"film:{fact.film}" if isinstance(fact, Release) else fact.ref


class Methods:
    """The three ways of answering, over one database: the store, a LIKE scan and rapidfuzz in memory."""

    def __init__(self, store: FactStore, raw: aiosqlite.Connection, facts: dict[str, list[Fact]]) -> None:
        self.store = store
        self.raw = raw
        pairs = {kind: [(n, f.ref) for f in facts[kind] for n in f.names] for kind in SUGGEST_KINDS}
        pairs["all"] = [pair for kind in SUGGEST_KINDS for pair in pairs[kind]]
        self.names = {kind: ([n for n, _ in p], [ref for _, ref in p]) for kind, p in pairs.items()}

    # --- autocomplete: the refs offered as choices
    async def store_suggest(self, q: Query) -> list[str]:
        self.store.memo.clear()  # the look-up itself, not the bot's memo of what fans asked before
        return [f.ref for f in await self.store.suggest(q.fact_type, q.text)]

    async def like_suggest(self, q: Query) -> list[str]:
        async with self.raw.execute(
            "SELECT f.kind || ':' || f.key FROM names n JOIN facts f ON f.id = n.fact_id "
            "WHERE n.kind = ? AND n.name LIKE ? AND f.deleted = 0 LIMIT 25",
            (q.kind, f"%{q.text}%"),
        ) as cursor:
            return list(dict.fromkeys(ref for (ref,) in await cursor.fetchall()))

    def fuzzy(self, text: str, scope: str, limit: int) -> list[str]:
        names, refs = self.names[scope]
        found = process.extract(text, names, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit)
        return list(dict.fromkeys(refs[index] for _, _, index in found))

    async def fuzzy_suggest(self, q: Query) -> list[str]:
        return self.fuzzy(q.text, q.kind or "all", 25)

    # --- /search: the refs of the best five answers
    async def store_search(self, q: Query) -> list[str]:
        self.store.memo.clear()
        return [f.ref for f in await self.store.search(q.text)]

    async def like_search(self, q: Query) -> list[str]:
        words = [w for w in q.text.split() if len(w) >= 3] or [q.text]
        where = " AND ".join("doc LIKE ?" for _ in words)
        async with self.raw.execute(
            f"SELECT kind, key, json_extract(doc, '$.film') FROM facts WHERE deleted = 0 AND {where} LIMIT 5",
            [f"%{w}%" for w in words],
        ) as cursor:
            rows = await cursor.fetchall()
        return [f"film:{film}" if kind == "release" else f"{kind}:{key}" for kind, key, film in rows]

    async def fuzzy_search(self, q: Query) -> list[str]:
        return self.fuzzy(q.text, "all", 5)

    # --- card look-up: find one fact, then render its card (the rendering is the same for every method)
    async def store_card(self, q: Query) -> list[str]:
        self.store.memo.clear()
        entry = await self.store.find(q.fact_type, q.text)
        await card_for(self.store, entry)
        return [entry.fact.ref]

    async def _card(self, refs: list[str]) -> list[str]:
        if not refs:
            return []
        self.store.memo.clear()
        await card_for(self.store, await self.store.entry(refs[0]))
        return refs[:1]

    async def like_card(self, q: Query) -> list[str]:
        return await self._card(await self.like_suggest(q))

    async def fuzzy_card(self, q: Query) -> list[str]:
        return await self._card(self.fuzzy(q.text, q.kind or "all", 1))


_BY_LENGTH: dict[int, dict[int, list[str]]] = {}


def scan_correct(self: Vocabulary, word: str) -> str:
    """Typo correction as it was before the deletion index: rapidfuzz's OSA distance to every word of nearly the
    same length (the words grouped by length once per vocabulary), nothing remembered."""
    if word in self.counts or len(word) < 5 or word.isdigit():
        return word
    if id(self.counts) not in _BY_LENGTH:
        _BY_LENGTH.clear()
        for known in self.counts:
            _BY_LENGTH.setdefault(id(self.counts), {}).setdefault(len(known), []).append(known)
    by_length = _BY_LENGTH[id(self.counts)]
    typos = 1 if len(word) < 6 else 2
    choices = [w for n in range(len(word) - typos, len(word) + typos + 1) for w in by_length.get(n, [])]
    near = process.extract(word, choices, scorer=OSA.distance, score_cutoff=typos, limit=20)
    return min(near, key=lambda m: (m[1], -self.counts[m[0]]))[0] if near else word


@contextlib.contextmanager
def typos_by_scan() -> Iterator[None]:
    """The store with the typo correction it had before (the baseline of the deletion index, same run)."""
    correct = Vocabulary.correct
    Vocabulary.correct = scan_correct  # type: ignore[method-assign]
    try:
        yield
    finally:
        Vocabulary.correct = correct  # type: ignore[method-assign]


async def measure(
    run: Callable[[Query], Awaitable[list[str]]], queries: list[Query], minimum: int = MIN_SAMPLES
) -> dict[str, Any]:
    """Warm up, then time queries one after another until the sample cap or the time budget is reached."""
    warming = time.perf_counter()
    for q in queries[:WARM_UP]:
        await _answer(run, q)
        if time.perf_counter() - warming > WARM_UP_S:
            break
    samples: list[int] = []
    hits = judged = 0
    started = time.perf_counter()
    for q in queries[WARM_UP:]:
        begin = time.perf_counter_ns()
        refs = await _answer(run, q)
        samples.append(time.perf_counter_ns() - begin)
        if q.expected and (q.shape != "prefix" or len(q.text) >= 4):
            judged += 1
            hits += q.expected in refs
        if len(samples) >= MAX_SAMPLES or (len(samples) >= minimum and time.perf_counter() - started > BUDGET_S):
            break
    return {**summary(samples), "hit_pct": round(100 * hits / judged, 1) if judged else None}


async def _answer(run: Callable[[Query], Awaitable[list[str]]], q: Query) -> list[str]:
    try:
        return await run(q)
    except (NotFound, NotKnown):
        return []


# ----------------------------------------------------------------------------- paths that grow with the data


def typed_place(place: str, rng: random.Random) -> str:
    """What a fan types for a country or region: a prefix of it, or its usual abbreviation."""
    short = [a for a, full in PLACE_ABBREVIATIONS.items() if fold(place).startswith(full)]
    return rng.choice(short) if short and rng.random() < 0.5 else place[: rng.randint(1, min(8, len(place)))]


def path_queries(facts: dict[str, list[Fact]], removed: list[Fact], rng: random.Random) -> dict[str, list[Query]]:
    """Queries per path, each with the answer that must come back (a place, a fact, or nothing to check)."""
    n = MAX_SAMPLES + WARM_UP
    locations = [f for f in facts["location"] if isinstance(f, Location)]
    regional = [f for f in facts["release"] if isinstance(f, Release) and not f.premiere]
    countries = [rng.choice(locations).country for _ in range(n)]
    regions = [rng.choice(regional).region for _ in range(n)]
    films = [rng.choice(facts["film"]) for _ in range(n)]
    gone = [rng.choice(removed) for _ in range(n)] if removed else []
    return {
        "country choices": [Query("location", typed_place(c, rng), c, "prefix") for c in countries],
        "region choices": [Query("release", typed_place(r, rng), r, "prefix") for r in regions],
        "film choices": [Query("film", f.title[: rng.randint(1, 10)], f.ref, "prefix") for f in films],
        "removed-fact choices": [Query(None, f.names[0][: rng.randint(1, 10)], f.ref, "prefix") for f in gone],
        "change-set choices": [Query(None, f.names[0][: rng.randint(0, 6)], "", "prefix") for f in gone],
        "locations by country": [Query("location", c, c, "list") for c in countries],
        "stunts of a film": [Query("stunt", f.key, f.key, "list") for f in films],
        "answer about places": [
            Query(None, f"where was {loc.name} filmed", loc.ref, "question") for loc in rng.choices(locations, k=n)
        ],
        "unknown mention": [Query(None, "tell me a joke about llamas", "", "list") for _ in range(n)],
        "random video": [Query("video", "", "", "list") for _ in range(n)],
        # /trivia play: any question mostly, or one about a film (the query's text is its key)
        "trivia question": [Query("trivia", rng.choice(["", "", "", f.key]), "", "list") for f in films],
        "check this fact": [Query(None, message_about(facts, rng), "", "list") for _ in range(n)],
        "on this day": on_this_day_queries(facts, rng, n),
    }


def message_about(facts: dict[str, list[Fact]], rng: random.Random) -> str:
    """A message to check: a film's release date and filming country, a stunt's country and one of its numbers."""
    film = rng.choice([f for f in facts["film"] if isinstance(f, Film)])
    stunt = rng.choice([s for s in facts["stunt"] if isinstance(s, Stunt)])
    day = rng.choice([r for r in facts["release"] if isinstance(r, Release)]).date
    country = rng.choice([p for p in facts["location"] if isinstance(p, Location)]).country
    number = (stunt.numbers or ["6 jumps"])[0].split()
    return (
        f"{film.title} came out on {day:%d %B %Y}. {film.title} was filmed in {country}. "
        f"{stunt.name} was filmed in {country}. {stunt.name} took {number[0]} {number[-1]}."
    )


def on_this_day_queries(facts: dict[str, list[Fact]], rng: random.Random, n: int) -> list[Query]:
    """Half the days a release came out on (its film must be among the anniversaries), half any day of the year
    (at the shipped pack most have nothing: then the three nearest days that have something)."""
    past = [f for f in facts["release"] if isinstance(f, Release) and f.date <= TODAY]
    queries = []
    for _ in range(n):
        if rng.random() < 0.5:
            release = rng.choice(past)
            queries.append(Query(None, f"{release.date:%m-%d}", release.film, "day"))
        else:
            queries.append(Query(None, f"{rng.choice(YEAR):%m-%d}", "", "day"))
    return queries


class Paths:
    """Each path as the cogs now answer it (``store``) and as they answered it before (``whole kind``)."""

    def __init__(self, store: FactStore) -> None:
        self.store = store
        self.rng = random.Random(5)

    def fresh(self, run: Callable[[Query], Awaitable[list[str]]]) -> Callable[[Query], Awaitable[list[str]]]:
        """``run`` with the bot's memo cleared first: the look-up itself, not the memo of what fans asked before."""

        async def cleared(q: Query) -> list[str]:
            self.store.memo.clear()
            return await run(q)

        return cleared

    async def whole_kind(self, kind: type[Fact]) -> list[Any]:
        return list(await self.store.facts(kind))

    # --- /locations country: and /settings region autocomplete
    async def country_choices(self, q: Query) -> list[str]:
        return (await self.store.places(["country"], q.text))[:25]

    async def country_choices_before(self, q: Query) -> list[str]:
        countries = dict.fromkeys(p.country for p in await self.whole_kind(Location))
        return [c for c in countries if place_matches(c, q.text)][:25]

    async def region_choices(self, q: Query) -> list[str]:
        return (await self.store.places(["region"], q.text))[:25]

    async def region_choices_before(self, q: Query) -> list[str]:
        regions = sorted({r.region for r in await self.whole_kind(Release) if not r.premiere}, key=str.casefold)
        return [r for r in regions if place_matches(r, q.text)][:25]

    # --- every film option
    async def film_choices(self, q: Query) -> list[str]:
        return [f.ref for f in await self.store.suggest(Film, q.text)]

    async def film_choices_before(self, q: Query) -> list[str]:
        return [f.ref for f in await self.whole_kind(Film) if fold(q.text) in fold(f.title)][:25]

    # --- /fact history and /fact restore autocomplete, /fact undo autocomplete
    async def removed_choices(self, q: Query) -> list[str]:
        return [f.ref for f in await self.store.removed_facts(q.text)]

    async def removed_choices_before(self, q: Query) -> list[str]:
        removed = [f for kind in FACT_TYPES.values() for f in await self.store.facts(kind, deleted=True)]
        return [f.ref for f in removed if any(fold(q.text) in fold(n) for n in [f.key, *f.names])][:25]

    async def change_choices(self, q: Query) -> list[str]:
        return [str(s.id) for s in await self.store.change_sets(q.text)]

    # --- /locations country: and /stunts film:
    async def locations_in(self, q: Query) -> list[str]:
        """What the list shows first: how many places, and the first page of them."""
        countries = await self.store.places(["country"], q.text)
        await self.store.count(Location, places=countries)
        return [p.country for p in await self.store.facts(Location, places=countries, limit=PAGE_SIZE)][:1]

    async def locations_in_before(self, q: Query) -> list[str]:
        return [p.country for p in await self.whole_kind(Location) if place_matches(p.country, q.text)][:1]

    async def stunts_of(self, q: Query) -> list[str]:
        return [s.film for s in await self.store.facts(Stunt, film=q.text)][:1]

    async def stunts_of_before(self, q: Query) -> list[str]:
        return [s.film for s in await self.whole_kind(Stunt) if s.film == q.text][:1]

    # --- /search and mentions: a question about places, a question nothing answers, the mention's "I know …"
    async def place_answer(self, q: Query) -> list[str]:
        found = await answer(self.store, q.text)
        return [found.fact.ref, *(f.ref for f in found.others)]

    async def place_answer_before(self, q: Query) -> list[str]:
        await self.whole_kind(Location)  # what answering read besides: every filming location
        return await self.place_answer(q)

    async def unknown(self, q: Query) -> list[str]:
        try:
            await answer(self.store, q.text)
        except NotKnown as unknown:
            if not unknown.closest:
                return [f.label for f in await self.store.sample((Stunt, Location), 3)]
            return unknown.closest
        return []

    async def unknown_before(self, q: Query) -> list[str]:
        try:
            await answer(self.store, q.text)
        except NotKnown as unknown:
            if not unknown.closest:
                known = [*await self.whole_kind(Stunt), *await self.whole_kind(Location)]
                return [f.label for f in random.sample(known, k=min(3, len(known)))]
            return unknown.closest
        return []

    # --- /trivia play (and the daily question), "Check this fact"
    async def trivia_question(self, q: Query) -> list[str]:
        made, _ = await cards.question(self.store, self.rng, cards.today(), film=q.text or None)
        return [made.id] if made else []

    async def trivia_question_before(self, q: Query) -> list[str]:
        kinds = await self.whole_kind(Stunt), await self.whole_kind(Location), await self.whole_kind(Release)
        facts = trivia.Facts(await self.store.films(), *kinds, cards.today())
        made = trivia.pick(facts, self.rng, film=q.text or None)
        return [made.id] if made else []

    async def check_fact(self, q: Query) -> list[str]:
        return [v.mark for v in await cards.fact_check(self.store, q.text)]

    async def check_fact_before(self, q: Query) -> list[str]:
        kinds = await self.whole_kind(Release), await self.whole_kind(Stunt), await self.whole_kind(Location)
        return [v.mark for v in factcheck.check(q.text, factcheck.Facts(await self.store.films(), *kinds))]

    # --- /bts without a topic
    async def random_video(self, q: Query) -> list[str]:
        return [v.ref for v in await self.store.sample(Video, 1)]

    async def random_video_before(self, q: Query) -> list[str]:
        videos = await self.whole_kind(Video)
        return [random.choice(videos).ref] if videos else []

    # --- /onthisday and the daily post
    async def on_this_day(self, q: Query) -> list[str]:
        month, day = parse_day(q.text)
        found = anniversaries(*await self.store.dated(month, day), await self.store.films(), month, day, TODAY)
        return [a.film for a in found] or nearest_days(await self.store.days(TODAY), month, day)

    async def on_this_day_before(self, q: Query) -> list[str]:
        month, day = parse_day(q.text)
        dated = await self.whole_kind(Release), await self.whole_kind(Stunt), await self.store.films()
        found = anniversaries(*dated, month, day, TODAY)
        if found:
            return [a.film for a in found]
        asked = dt.date(2024, month, day)  # the nearest days, each looked for in every release and stunt
        near = (asked + dt.timedelta(days=n * sign) for n in range(1, 184) for sign in (1, -1))
        having = (d for d in near if anniversaries(*dated, d.month, d.day, TODAY))
        return [f"{d.day} {d:%B}" for d in itertools.islice(having, 3)]


async def remove_some_videos(store: FactStore, share: float = 0.01) -> list[Fact]:
    """Remove a share of the videos (nothing points at a video), each as an admin's change set of its own."""
    videos = await store.facts(Video)
    gone: list[Fact] = []
    for video in videos[:: max(1, round(1 / share))][:1000]:
        gone.append(await store.remove(video.ref, BENCH_ADMIN))
    return gone


async def bench_paths(
    store: FactStore, facts: dict[str, list[Fact]], rng: random.Random, baselines: bool = True
) -> dict[str, Any]:
    removed = await remove_some_videos(store)
    queries = path_queries(facts, removed, rng)
    paths = Paths(store)
    plan: dict[str, tuple[Callable[[Query], Awaitable[list[str]]], Callable[[Query], Awaitable[list[str]]] | None]] = {
        "country choices": (paths.country_choices, paths.country_choices_before),
        "region choices": (paths.region_choices, paths.region_choices_before),
        "film choices": (paths.film_choices, paths.film_choices_before),
        "removed-fact choices": (paths.removed_choices, paths.removed_choices_before),
        "change-set choices": (paths.change_choices, None),
        "locations by country": (paths.locations_in, paths.locations_in_before),
        "stunts of a film": (paths.stunts_of, paths.stunts_of_before),
        "answer about places": (paths.place_answer, paths.place_answer_before),
        "unknown mention": (paths.unknown, paths.unknown_before),
        "random video": (paths.random_video, paths.random_video_before),
        "trivia question": (paths.trivia_question, paths.trivia_question_before),
        "check this fact": (paths.check_fact, paths.check_fact_before),
        "on this day": (paths.on_this_day, paths.on_this_day_before),
    }
    out: dict[str, Any] = {"removed videos": len(removed)}
    for path, (now, before) in plan.items():
        out[path] = {"store": await measure(paths.fresh(now), queries[path])}
        if before is not None and baselines:
            out[path]["whole kind"] = await measure(before, queries[path], SLOW_MIN_SAMPLES)
        print(f"  {path:<22} {out[path]}", flush=True)
    return out


async def bench_database(
    path: Path, rng: random.Random, postgresql: str | None = None, baselines: bool = True
) -> dict[str, dict[str, dict[str, Any]]]:
    """The three methods on the SQLite file ``path``; and, given a PostgreSQL database, the store on it as well
    (``store (PostgreSQL)``), with the same queries."""
    store = await open_store(path)
    raw = await aiosqlite.connect(f"file:{path}?mode=ro", uri=True)
    other = await open_store(postgresql) if postgresql else None
    try:
        facts = {kind: await store.facts(FACT_TYPES[kind]) for kind in KINDS}
        methods = Methods(store, raw, facts)
        findable = [f for kind in SUGGEST_KINDS for f in facts[kind]]
        n = MAX_SAMPLES + WARM_UP
        names = name_queries(findable, rng, n)
        cards = [q for q in name_queries(findable, rng, 3 * n) if q.shape in ("name", "alias", "typo")][:n]
        asked = questions(facts, rng, n)
        plan = {
            "autocomplete": (names, methods.store_suggest, methods.like_suggest, methods.fuzzy_suggest),
            "search": (asked, methods.store_search, methods.like_search, methods.fuzzy_search),
            "card": (cards, methods.store_card, methods.like_card, methods.fuzzy_card),
        }
        on_postgres = Methods(other, raw, facts) if other else None
        extra = {
            "autocomplete": on_postgres.store_suggest,
            "search": on_postgres.store_search,
            "card": on_postgres.store_card,
        } if on_postgres else {}  # fmt: skip
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for operation, (queries, *runs) in plan.items():
            out[operation] = {}
            methods = [("store", runs[0])]
            if operation in extra:
                methods.append(("store (PostgreSQL)", extra[operation]))
            methods += [("like", runs[1]), ("rapidfuzz", runs[2])] if baselines else []
            for method, run in methods:
                out[operation][method] = await measure(run, queries)
                print(f"  {operation:<12} {method:<18} {out[operation][method]}", flush=True)
            if not baselines:
                continue
            with typos_by_scan():
                out[operation]["store, typos by scan"] = await measure(runs[0], queries)
            print(f"  {operation:<12} {'store, typos by scan':<18} {out[operation]['store, typos by scan']}")
        out["paths"] = await bench_paths(store, facts, rng, baselines)
        return out
    finally:
        await raw.close()
        await store.close()
        if other:
            await other.close()


async def shipped_database(folder: Path) -> Path:
    path = folder / "shipped.sqlite3"
    await seed_database(path, shipped_pack())
    return path


async def postgres_database(server: str, size: int) -> tuple[str, float]:
    """A new database on ``server`` seeded with the pack of ``size`` facts; its URL and the seconds seeding took."""
    url = await new_postgres_database(server, f"mi_bench_{size}")
    return url, await seed_database(url, shipped_pack() if size == 0 else synthetic_pack(size))


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cli.add_argument("--sizes", type=int, nargs="*", default=SIZES, help="fact counts (0 = the shipped pack)")
    add_postgresql_option(cli, "also measure PostgreSQL")
    cli.add_argument(
        "--no-baselines-from", type=int, default=1_000_000, metavar="FACTS",
        help="measure only the store from this size up (the baselines take hours at 1,000,000 facts)",
    )  # fmt: skip
    args = cli.parse_args()
    with contextlib.ExitStack() as stack:
        run(args.sizes, postgresql_server(stack, args.postgresql), args.no_baselines_from)


def run(sizes: list[int], server: str | None, no_baselines_from: int) -> None:
    results: dict[str, Any] = {}
    seeding: dict[str, dict[str, float | None]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            if size == 0:
                path, label = asyncio.run(shipped_database(Path(tmp))), f"shipped ({len(shipped_pack().facts())})"
                seconds = None
            else:
                cached, seconds = cached_database(size)
                if seconds is None:  # built by an earlier run, which noted the time
                    seconds = json.loads(cached.with_suffix(".json").read_text())["seed_seconds"]
                path, label = Path(tmp) / cached.name, f"{size:,}"
                shutil.copy(cached, path)  # the store opens it read-write: keep the cache pristine
            url = None
            if server is not None:
                print(f"\nseeding {label} facts into PostgreSQL ...", flush=True)
                url, on_postgres = asyncio.run(postgres_database(server, size))
                seeding[label] = {"sqlite_s": seconds, "postgresql_s": round(on_postgres, 1)}
                print(f"  seeded in {on_postgres:.1f} s", flush=True)
            print(f"\n{label} facts", flush=True)
            results[label] = asyncio.run(bench_database(path, random.Random(size), url, size < no_baselines_from))
    rows, path_rows = [], []
    for label, operations in results.items():
        for operation, methods in operations.items():
            if operation == "paths":
                continue
            for method, r in methods.items():
                rows.append([label, operation, method, r["p50_ms"], r["p99_ms"], r["ops_per_s"], r["hit_pct"]])
        for path, methods in operations["paths"].items():
            if isinstance(methods, dict):
                now, before = methods["store"], methods.get("whole kind", {})
                path_rows.append([
                    label, path, now["p50_ms"], now["p99_ms"], before.get("p50_ms", "-"), before.get("p99_ms", "-"),
                    now["hit_pct"] if now["hit_pct"] is not None else "-",
                ])  # fmt: skip
    print("\n" + table(["facts", "operation", "method", "p50 ms", "p99 ms", "ops/s", "hit %"], rows))
    headers = ["facts", "path", "store p50", "store p99", "whole kind p50", "whole kind p99", "hit %"]
    print("\n" + table(headers, path_rows))
    targets = {}
    if "100,000" in results:
        at_100k = results["100,000"]
        for operation, target in {**TARGETS_AT_100K, **PATH_TARGETS_AT_100K}.items():
            measured = at_100k[operation] if operation in TARGETS_AT_100K else at_100k["paths"][operation]
            p99 = measured["store"]["p99_ms"]
            targets[operation] = {"p99_ms": p99, "target_ms": target, "verdict": verdict(p99, target)}
            print(f"target at 100k: {operation} p99 {p99:.2f} ms < {target:.0f} ms: {verdict(p99, target)}")
    if seeding:
        print("\nseeding (s): " + ", ".join(f"{label}: {s}" for label, s in seeding.items()))
    write_results("store", {"results": results, "targets": targets, "seeding": seeding})


if __name__ == "__main__":
    sys.exit(main())
