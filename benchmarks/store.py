"""Store benchmark: autocomplete, /search and card look-ups at the shipped pack and at 1k, 10k and 100k facts.

Each operation is timed through the API the cogs call (``store.suggest``, ``store.search``, ``store.find`` +
``card_for``) and, in the same run over the same database and queries, through two baselines:

* ``like``: a naive SQL scan, ``name LIKE '%query%'`` (for /search, every word of the question ``LIKE``-ed
  against the fact's JSON);
* ``rapidfuzz``: what well-known bots do (Red-DiscordBot, python-discord's bot): every name and alias in
  memory, ``process.extract(query, names, scorer=fuzz.WRatio, limit=25)``.

Queries are drawn (seeded) from the facts themselves: prefixes, whole names, aliases, one-letter typos, single
words and plain-language questions, so each has a known right answer; ``hit`` is how often it came back
(autocomplete: in the 25 choices, typed text of 4+ characters; search: in the top 5; card: the right card).

    python benchmarks/store.py                 # every size (the 100k database is built once, ~2 min)
    python benchmarks/store.py --sizes 0 1000  # 0 = the shipped pack
    python benchmarks/store.py --postgresql --sizes 0 1000 10000   # the same on PostgreSQL, beside SQLite

With ``--postgresql`` (a server's URL, or none to start a throwaway server as the tests do) each size is also
seeded into a new PostgreSQL database, timed, and the store's operations measured there (the baselines are
SQLite's: they do not depend on the backend).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
from common import summary, table, verdict, write_results
from generate import cached_database, seed_database, shipped_pack, synthetic_pack
from rapidfuzz import fuzz, process, utils

from bot.cards import card_for
from bot.errors import NotFound
from bot.models import FACT_TYPES, KINDS, Fact, Release
from bot.store import FactStore, open_store
from bot.text import fold

SIZES = [0, 1_000, 10_000, 100_000]
TARGETS_AT_100K = {"autocomplete": 5.0, "search": 20.0}  # p99, milliseconds
SUGGEST_KINDS = ("stunt", "location", "video", "film")
BUDGET_S = 6.0  # per operation and method, so that the 100k run stays within about two minutes
MIN_SAMPLES, MAX_SAMPLES, WARM_UP, WARM_UP_S = 200, 2_000, 50, 1.0


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


async def measure(run: Callable[[Query], Awaitable[list[str]]], queries: list[Query]) -> dict[str, Any]:
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
        if q.shape != "prefix" or len(q.text) >= 4:
            judged += 1
            hits += q.expected in refs
        if len(samples) >= MAX_SAMPLES or (len(samples) >= MIN_SAMPLES and time.perf_counter() - started > BUDGET_S):
            break
    return {**summary(samples), "hit_pct": round(100 * hits / judged, 1) if judged else None}


async def _answer(run: Callable[[Query], Awaitable[list[str]]], q: Query) -> list[str]:
    try:
        return await run(q)
    except NotFound:
        return []


async def bench_database(
    path: Path, rng: random.Random, postgresql: str | None = None
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
            methods += [("like", runs[1]), ("rapidfuzz", runs[2])]
            for method, run in methods:
                out[operation][method] = await measure(run, queries)
                print(f"  {operation:<12} {method:<18} {out[operation][method]}", flush=True)
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
    import asyncpg
    from postgres import database_url  # tests/postgres.py

    name = f"mi_bench_{size}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    url = database_url(server, name)
    return url, await seed_database(url, shipped_pack() if size == 0 else synthetic_pack(size))


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cli.add_argument("--sizes", type=int, nargs="*", default=SIZES, help="fact counts (0 = the shipped pack)")
    cli.add_argument(
        "--postgresql", nargs="?", const="", metavar="URL",
        help="also measure PostgreSQL: a server's URL (its user creates databases), or none for a throwaway server",
    )  # fmt: skip
    args = cli.parse_args()
    with contextlib.ExitStack() as stack:
        server = None
        if args.postgresql is not None:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
            from postgres import throwaway_server

            server = args.postgresql or stack.enter_context(throwaway_server())
        run(args.sizes, server)


def run(sizes: list[int], server: str | None) -> None:
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
            results[label] = asyncio.run(bench_database(path, random.Random(size), url))
    rows = []
    for label, operations in results.items():
        for operation, methods in operations.items():
            for method, r in methods.items():
                rows.append([label, operation, method, r["p50_ms"], r["p99_ms"], r["ops_per_s"], r["hit_pct"]])
    print("\n" + table(["facts", "operation", "method", "p50 ms", "p99 ms", "ops/s", "hit %"], rows))
    targets = {}
    if "100,000" in results:
        for operation, target in TARGETS_AT_100K.items():
            p99 = results["100,000"][operation]["store"]["p99_ms"]
            targets[operation] = {"p99_ms": p99, "target_ms": target, "verdict": verdict(p99, target)}
            print(f"target at 100k: {operation} p99 {p99:.2f} ms < {target:.0f} ms: {verdict(p99, target)}")
    if seeding:
        print("\nseeding (s): " + ", ".join(f"{label}: {s}" for label, s in seeding.items()))
    write_results("store", {"results": results, "targets": targets, "seeding": seeding})


if __name__ == "__main__":
    sys.exit(main())
