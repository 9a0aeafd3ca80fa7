"""FactStore: the only code that speaks SQL.

Facts are JSON documents validated by ``bot.models``. One connection writes (behind a lock, one transaction
per change, so nothing is ever half-written), another reads only committed data (WAL). Every change is
recorded in the change log with its author, time, and the fact before and after, and can be undone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager, closing, suppress
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import aiosqlite
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.errors import Conflict, DatabaseMissing, Invalid, NotFound, StoreUnavailable
from bot.models import FACT_TYPES, Change, Fact, Film, Kind, Release, Video, changed_fields
from bot.pack import Pack, dump_pack, fact_hash
from bot.store.text import (
    body_text,
    contains_phrase,
    fold,
    intent,
    longest_names,
    match_expression,
    search_terms,
    tokens,
    with_units,
)

if TYPE_CHECKING:
    from bot.store.games import Games, Params, Row

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Fact)
# How long a query waits for another program's lock: short enough that the person still gets an answer
# ("the database is busy") inside Discord's 3-second window.
BUSY_TIMEOUT_MS = 2000
MASS_REMOVAL = 0.25  # an import that removes more than this share of the facts asks twice before it applies
COMMON_FACTS = 1000  # a search word in more facts than this only ranks the facts that a rarer word found
CANDIDATES = 300  # matches considered per look-up before ranking: enough for 25 choices, bounded at any size
SYSTEM = "pack"


@dataclass(frozen=True)
class Author:
    """Who made a change: a Discord user (id and name) or the pack loader."""

    id: int | None
    name: str


PACK_AUTHOR = Author(None, SYSTEM)
_PAST = {"add": "added", "remove": "removed", "restore": "restored"}


@dataclass(frozen=True)
class Entry(Generic[F]):
    """A fact with its bookkeeping: what cards show as "edited" and what editors must not overwrite."""

    fact: F
    revision: int
    updated_at: dt.datetime
    updated_by: str
    edited: bool
    deleted: bool = False


@dataclass(frozen=True)
class Vocabulary:
    """Every indexed word, in how many facts it occurs, and the words of each length (a word within two typos
    of another is at most two letters longer or shorter, so typo correction compares only those)."""

    counts: dict[str, int]
    by_length: dict[int, list[str]]

    @classmethod
    def of(cls, counts: dict[str, int]) -> Vocabulary:
        by_length: dict[int, list[str]] = {}
        for word in counts:
            by_length.setdefault(len(word), []).append(word)
        return cls(counts, by_length)

    def near_length(self, word: str, typos: int) -> list[str]:
        return [w for n in range(len(word) - typos, len(word) + typos + 1) for w in self.by_length.get(n, [])]


@dataclass(frozen=True)
class ChangeSet:
    id: int
    action: str
    summary: str
    author_name: str
    at: dt.datetime


@dataclass
class SeedReport:
    added: int = 0
    updated: int = 0
    conflicts: int = 0
    unchanged: int = 0


@dataclass
class ImportPlan:
    """What an import would do (the dry run); nothing is written until ``apply_import``.

    ``changed`` pairs each fact with the fields that differ. A merge (the default) only adds and changes: the
    stored facts the file leaves out are ``kept``. A ``replace`` removes them. A ``conflict`` is a fact the store
    changed after the file was exported (its ``exported_at``) that the file would overwrite, restore or remove:
    it is listed with the reason and left as it is. ``watermark`` is the newest change set when planned, so a
    plan whose store has moved on since is refused instead of applied blindly.
    """

    pack: Pack
    watermark: int
    live: int = 0  # facts in the store (not removed) when planned
    added: list[Fact] = field(default_factory=list)
    changed: list[tuple[Fact, list[str]]] = field(default_factory=list)
    removed: list[Fact] = field(default_factory=list)
    conflicts: list[tuple[Fact, str]] = field(default_factory=list)
    unchanged: int = 0
    kept: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    @property
    def mass_removal(self) -> bool:
        """Removes more than ``MASS_REMOVAL`` of the facts (a wrong or truncated file, perhaps): asked twice."""
        return len(self.removed) > self.live * MASS_REMOVAL


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    bts_channel_id: int | None = None
    announce_channel_id: int | None = None
    region: str | None = None
    weekly_pick: bool = False
    mention_replies: bool = True
    disabled_reason: str | None = None
    trivia_channel_id: int | None = None
    trivia_hour: int | None = None  # UTC; None: the configured default
    on_this_day_channel_id: int | None = None


def _now() -> dt.datetime:
    """Exact to the microsecond: an export's time must tell the edits made before it from those made after."""
    return dt.datetime.now(dt.UTC)


def _kinds(kind: Kind | Sequence[Kind] | None) -> list[Kind]:
    """One kind, several, or (None) every kind, as a list."""
    if kind is None:
        return list(FACT_TYPES)  # type: ignore[arg-type]
    return [kind] if isinstance(kind, str) else list(kind)


def _parse_ref(ref: str) -> tuple[str, str]:
    kind, _, key = ref.partition(":")
    if kind not in FACT_TYPES or not key:
        raise NotFound("fact", ref)
    return kind, key


# Whether a store holds what no pack can re-create (see ``FactStore.holds_changes``).
_HOLDS_CHANGES_SQL = (
    "SELECT EXISTS (SELECT 1 FROM change_sets WHERE action != 'seed') OR EXISTS (SELECT 1 FROM guild_settings)"
)

# The change sets undone now (see ``FactStore.undo``): following ``undone_by`` from a set, an odd number of links.
_UNDONE_CTE = (
    "WITH RECURSIVE chain(id, next, links) AS (SELECT id, undone_by, 1 FROM change_sets WHERE undone_by IS NOT NULL "
    "UNION ALL SELECT chain.id, s.undone_by, chain.links + 1 FROM chain JOIN change_sets s ON s.id = chain.next "
    "WHERE s.undone_by IS NOT NULL), undone(id) AS (SELECT id FROM chain GROUP BY id HAVING max(links) % 2 = 1) "
)

# The live facts of one kind that point at a fact (by its ``kind:key`` reference), in the order they were added.
_LINKED_SQL = (
    "SELECT f.kind, f.doc FROM links l JOIN facts f ON f.id = l.fact_id "
    "WHERE l.target = ? AND f.kind = ? AND f.deleted = 0 ORDER BY f.id"
)


async def _unindex(db: aiosqlite.Connection, fact_id: int) -> None:
    """Remove one fact's look-up rows: a removed fact is found by nothing but its reference."""
    await db.execute("DELETE FROM names_fts WHERE rowid IN (SELECT id FROM names WHERE fact_id = ?)", (fact_id,))
    await db.execute("DELETE FROM names WHERE fact_id = ?", (fact_id,))
    await db.execute("DELETE FROM links WHERE fact_id = ?", (fact_id,))
    await db.execute("DELETE FROM facts_fts WHERE rowid = ?", (fact_id,))


async def _row(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first row of a query inside a transaction (the cursor closed, so COMMIT is never blocked)."""
    async with db.execute(sql, params) as cursor:
        return await cursor.fetchone()


def _doc(fact: Fact) -> str:
    return fact.model_dump_json()


def _fact(kind: str, doc: str) -> Fact:
    return FACT_TYPES[kind].model_validate_json(doc)


def _named_words(text: str, fact: Fact) -> int:
    """How many words of the longest of the fact's names the question contains outright (0 for none)."""
    return max((len(name.split()) for name in map(fold, fact.names) if contains_phrase(text, name)), default=0)


def kept_marker(path: Path) -> Path:
    """The file beside a database that says it holds changes no pack can re-create (``facts.sqlite3-kept``)."""
    return path.with_name(f"{path.name}-kept")


def _check_readable(path: Path) -> None:
    """Read the header of an existing file with plain sqlite3, so that a file that is no database fails here,
    where nothing is left open, instead of in an aiosqlite connection whose failed connect leaves its thread."""
    if path.exists():
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            db.execute("PRAGMA user_version").fetchone()


def backup(source: Path, target: Path) -> int:
    """Copy the database ``source`` to the new file ``target`` with SQLite's online backup, consistent even while
    the bot writes; returns the number of facts in the copy. The copy is written as ``target.partial`` and renamed
    when whole, so a failed backup leaves no file that looks like one; an existing file is never overwritten."""
    if target.exists():
        raise Invalid(f"{target} already exists: a backup never overwrites a file, so choose a new name.")
    if not source.is_file() or source.stat().st_size == 0:
        raise StoreUnavailable(f"There is no fact database at {source} to back up.")
    partial = target.with_name(f"{target.name}.partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with (
            closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as db,
            closing(sqlite3.connect(partial)) as copy,
        ):
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.backup(copy)
            (facts,) = copy.execute("SELECT count(*) FROM facts WHERE deleted = 0").fetchone()
        partial.rename(target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise StoreUnavailable(f"The backup of {source} to {target} failed ({exc}); nothing was written.") from exc
    return int(facts)


class FactStore:
    """Async API over the SQLite fact store. Open with ``await FactStore.open(path)``."""

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection, *, created: bool = False
    ) -> None:
        self.path = path
        self.created = created  # this open created the database (it was missing or empty)
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._vocabulary: Vocabulary | None = None
        self._film_cache: dict[str, Film] | None = None
        self._film_names: list[tuple[str, str]] | None = None

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    async def open(cls, path: Path, *, new: bool = False) -> FactStore:
        """Open and migrate the database; raises ``StoreUnavailable`` (one line, saying why) if it cannot.

        A missing or empty file is created, unless its marker says it held changes no pack can re-create:
        then ``DatabaseMissing``, and only ``new`` (a fresh start on purpose) creates it. A file that is not a
        database is refused as damaged, and no connection is left open (its thread would keep the process alive).
        """
        if path.is_dir():
            raise StoreUnavailable(f"The fact database {path} is a folder: `database:` must name a file.")
        created = not path.exists() or path.stat().st_size == 0
        marker = kept_marker(path)
        if created and marker.exists() and not new:
            state = "empty" if path.exists() else "missing"
            raise DatabaseMissing(
                f"The fact database {path} is {state}, but it held admin changes ({marker.name} beside it says so). "
                "Restore it from a backup (README: Backups), or start a new one on purpose: mi-bot run --new-database"
            )
        connections: list[aiosqlite.Connection] = []
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(_check_readable, path)
            writer = await aiosqlite.connect(path, isolation_level=None)
            connections.append(writer)
            await writer.executescript(
                f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
                "PRAGMA synchronous = NORMAL;"
            )
            await cls._migrate(writer)
            reader = await aiosqlite.connect(path, isolation_level=None)
            connections.append(reader)
            await reader.executescript(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA query_only = ON;")
            store = cls(path, writer, reader, created=created)
            if created:
                marker.unlink(missing_ok=True)
            elif (await _row(writer, _HOLDS_CHANGES_SQL))[0]:
                store._keep()
        except BaseException as exc:
            for db in connections:
                with suppress(sqlite3.Error, ValueError):
                    await db.close()
            if isinstance(exc, (sqlite3.Error, OSError)):
                raise StoreUnavailable(
                    f"The fact database {path} cannot be opened ({exc}). If it is damaged, restore it from a backup "
                    "(README: Backups)."
                ) from exc
            raise
        return store

    @staticmethod
    async def _migrate(db: aiosqlite.Connection) -> None:
        """Apply the numbered ``migrations/NNNN_*.sql`` files newer than ``PRAGMA user_version``."""
        async with db.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()  # type: ignore[misc]
        scripts = sorted(p for p in resources.files("bot.store.migrations").iterdir() if p.name.endswith(".sql"))
        for script in scripts:
            number = int(script.name.split("_", 1)[0])
            if number <= version:
                continue
            log.info("Applying database migration %s", script.name)
            await db.executescript(f"BEGIN;\n{script.read_text()}\nPRAGMA user_version = {number};\nCOMMIT;")

    async def holds_changes(self) -> bool:
        """Whether the store holds what no pack can re-create: admin changes (edits, imports, videos from
        feeds) or server settings."""
        return bool((await self._one(_HOLDS_CHANGES_SQL))[0])

    def _keep(self) -> None:
        """Leave the marker beside the database that makes its loss stop the next start (see ``open``)."""
        marker = kept_marker(self.path)
        if marker.exists():
            return
        try:
            marker.write_text(
                f"{self.path.name}, beside this file, holds admin changes that no data pack can re-create. While this "
                "file is here, mi-bot will not start on a new, empty database in its place; restore a backup, or "
                "start fresh on purpose with: mi-bot run --new-database\n",
                encoding="utf-8",
            )
        except OSError as exc:  # the change itself must not fail for it
            log.warning("Could not write %s (%s): a lost database would not be noticed at the next start", marker, exc)

    async def close(self) -> None:
        for db in (self._reader, self._writer):
            with suppress(sqlite3.Error, ValueError):
                await db.close()

    async def schema_version(self) -> int:
        return (await self._one("PRAGMA user_version"))[0]

    # ----------------------------------------------------------------- low-level helpers

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            async with self._reader.execute(sql, params) as cursor:
                return list(await cursor.fetchall())
        except (sqlite3.Error, ValueError) as exc:
            raise StoreUnavailable("The fact database cannot be read right now.") from exc

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One writer at a time, all or nothing."""
        async with self._write_lock:
            db = self._writer
            try:
                await db.execute("BEGIN IMMEDIATE")
            except (sqlite3.Error, ValueError) as exc:
                raise StoreUnavailable(self._write_problem(exc)) from exc
            try:
                yield db
                await db.execute("COMMIT")
            except BaseException as exc:
                with suppress(sqlite3.Error, ValueError):
                    await db.execute("ROLLBACK")
                if isinstance(exc, (sqlite3.Error, ValueError)) and not isinstance(exc, Invalid):
                    raise StoreUnavailable(self._write_problem(exc)) from exc
                raise
            finally:
                self._vocabulary = None
                self._film_cache = self._film_names = None

    @staticmethod
    def _write_problem(exc: BaseException) -> str:
        text = str(exc).lower()
        if "readonly" in text or "read-only" in text:
            return "The fact database is read-only right now, so nothing was changed."
        if "locked" in text or "busy" in text:
            return "The fact database is busy (locked by another program), so nothing was changed. Try again."
        return "The fact database cannot be written right now, so nothing was changed."

    # ----------------------------------------------------------------- reading facts

    def _entry(self, row: sqlite3.Row) -> Entry[Any]:
        kind, doc, revision, updated_at, updated_by, edited, deleted = row
        return Entry(
            _fact(kind, doc), revision, dt.datetime.fromisoformat(updated_at), updated_by, bool(edited), bool(deleted)
        )

    _ENTRY_COLUMNS = "kind, doc, revision, updated_at, updated_by, edited, deleted"

    async def entry(self, ref: str, *, include_deleted: bool = False) -> Entry[Any]:
        """The fact with this ``kind:key`` reference."""
        kind, key = _parse_ref(ref)
        row = await self._one(f"SELECT {self._ENTRY_COLUMNS} FROM facts WHERE kind = ? AND key = ?", (kind, key))
        if row is None or (row[6] and not include_deleted):
            raise NotFound(kind, key)
        return self._entry(row)

    async def get(self, ref: str) -> Fact:
        return (await self.entry(ref)).fact

    async def find(self, kind: Kind | Sequence[Kind], text: str) -> Entry[Any]:
        """Resolve what a fan typed (an autocomplete value, a name, an alias or a near miss) to one fact.

        Given several kinds, an exact name of an earlier kind wins, then the best near miss of any of them.
        """
        kinds = _kinds(kind)
        text = text.strip()
        if text.partition(":")[0] in kinds:
            return await self.entry(text)
        for each in kinds:
            row = await self._one(
                f"SELECT {self._ENTRY_COLUMNS} FROM facts WHERE deleted = 0 AND id IN (SELECT id FROM facts "
                "WHERE kind = ? AND key = ? UNION ALL SELECT fact_id FROM names WHERE kind = ? AND folded = ?) LIMIT 1",
                (each, text, each, fold(text)),
            )
            if row is not None:
                return self._entry(row)
        candidates = await self.suggest(kinds, text, limit=5)
        if candidates and self._confident(text, candidates[0]):
            return await self.entry(candidates[0].ref)
        what = " or ".join(kinds) if len(kinds) < 3 else f"{', '.join(kinds[:-1])} or {kinds[-1]}"
        raise NotFound(what, text, [c.label for c in candidates[:3]])

    @staticmethod
    def _confident(text: str, fact: Fact) -> bool:
        """A near miss is taken as meant only when one of the fact's names contains it, typos allowed (a name
        inside what was typed is not enough: "submarine bike" is not the submarine)."""
        query = fold(text)
        return len(query) >= 3 and any(
            (fuzz.partial_ratio(query, name) if len(query) <= len(name) else fuzz.ratio(query, name)) >= 85
            for name in map(fold, fact.names)
        )

    async def facts(
        self, kind: Kind, *, film: str | None = None, keys: Sequence[str] | None = None, deleted: bool = False
    ) -> list[Any]:
        """Every fact of a kind (optionally of one film, or with these keys), in a stable, readable order."""
        sql = "SELECT kind, doc FROM facts WHERE kind = ? AND deleted = ?"
        params: list[Any] = [kind, int(deleted)]
        if film:
            sql += " AND json_extract(doc, '$.film') = ?"
            params.append(film)
        if keys is not None:
            sql += f" AND key IN ({','.join('?' * len(keys))})"
            params += keys
        rows = await self._all(sql + " ORDER BY id", params)
        return [_fact(k, d) for k, d in rows]

    async def films(self) -> dict[str, Film]:
        """Films by key (few, read often, so cached until the next write)."""
        if self._film_cache is None:
            self._film_cache = {f.key: f for f in await self.facts("film")}
        return self._film_cache

    async def _folded_film_names(self) -> list[tuple[str, str]]:
        """(film key, folded name) for every name of every film, for spotting films named in a question."""
        if self._film_names is None:
            self._film_names = [(f.key, fold(n)) for f in (await self.films()).values() for n in f.names]
        return self._film_names

    async def linked(self, kind: Kind, ref: str) -> list[Any]:
        """Facts of ``kind`` that point at ``ref``: stunts at a location, videos about a stunt."""
        rows = await self._all(_LINKED_SQL, (ref, kind))
        return [_fact(k, d) for k, d in rows]

    async def random_video(self) -> Video | None:
        videos = await self.facts("video")
        return random.choice(videos) if videos else None

    async def video_about(self, topic: str) -> Entry[Any]:
        """The video a fan means by a topic: that video, or one about that stunt or place (a verified link first)."""
        entry = await self.find(("video", "stunt", "location"), topic)
        if isinstance(entry.fact, Video):
            return entry
        videos = await self.linked("video", entry.fact.ref)
        if not videos:
            raise NotFound("video", entry.fact.label, [v.title for v in await self.facts("video") if v.url])
        return await self.entry(min(videos, key=lambda video: video.url is None).ref)

    async def counts(self) -> dict[str, int]:
        rows = await self._all("SELECT kind, count(*) FROM facts WHERE deleted = 0 GROUP BY kind")
        found = dict(rows)
        return {kind: found.get(kind, 0) for kind in FACT_TYPES}

    # ----------------------------------------------------------------- autocomplete and search

    async def suggest(self, kind: Kind | Sequence[Kind] | None, text: str, *, limit: int = 25) -> list[Any]:
        """Facts whose names start with, contain the words of, or nearly match ``text``; best first."""
        query = fold(text)
        kinds = _kinds(kind)
        marks = ",".join("?" * len(kinds))
        if not query:
            rows = await self._all(
                f"SELECT kind, doc FROM facts WHERE kind IN ({marks}) AND deleted = 0 ORDER BY id LIMIT ?",
                (*kinds, limit),
            )
            return [_fact(k, d) for k, d in rows]
        found: dict[int, Fact] = {}
        # 1. A name or alias that starts with what was typed: an index range scan per kind, capped before
        # ranking so that one typed letter never sorts thousands of names.
        starting = " UNION ALL ".join(
            "SELECT * FROM (SELECT fact_id, primary_name, folded FROM names WHERE kind = ? AND folded >= ? "
            "AND folded < ? LIMIT ?)"
            for _ in kinds
        )
        rows = await self._all(
            f"SELECT f.id, f.kind, f.doc FROM ({starting}) n JOIN facts f ON f.id = n.fact_id WHERE f.deleted = 0 "
            "ORDER BY n.primary_name DESC, length(n.folded), n.folded LIMIT ?",
            (*(value for k in kinds for value in (k, query, query + "\uffff", CANDIDATES)), limit * 2),
        )
        for fact_id, k, doc in rows:
            found.setdefault(fact_id, _fact(k, doc))
        # 2. Names containing every typed word as a word prefix, typos corrected against the vocabulary;
        # 3. for a "did you mean" when nothing did, names containing any of the words.
        words = query.split()
        if len(found) < limit:
            await self._names_matching(found, kinds, " ".join(f'"{w}"*' for w in words), limit)
        if len(found) < limit:
            fixed = await self._corrected(words)
            if fixed != words:
                await self._names_matching(found, kinds, " ".join(f'"{w}"*' for w in fixed), limit)
            if not found:
                await self._names_matching(found, kinds, " OR ".join(f'"{w}"*' for w in fixed), limit)
        return list(found.values())[:limit]

    async def _names_matching(self, found: dict[int, Fact], kinds: list[Kind], match: str, limit: int) -> None:
        """Add the facts whose names or aliases match an FTS5 expression: the first matches (capped, so that
        a common word or one letter costs no more than a rare one), main names first, then the shortest."""
        rows = await self._all(
            "SELECT f.id, f.kind, f.doc FROM (SELECT rowid FROM names_fts WHERE names_fts MATCH ? LIMIT ?) m "
            "JOIN names n ON n.id = m.rowid JOIN facts f ON f.id = n.fact_id WHERE f.deleted = 0 "
            "ORDER BY n.primary_name DESC, length(n.folded), n.folded LIMIT ?",
            (f"kind : ({' OR '.join(kinds)}) AND folded : ({match})", CANDIDATES, limit * 2),
        )
        for fact_id, kind, doc in rows:
            found.setdefault(fact_id, _fact(kind, doc))

    async def _vocab(self) -> Vocabulary:
        if self._vocabulary is None:
            rows = await self._all("SELECT term, doc FROM facts_vocab WHERE length(term) > 2 ORDER BY term")
            self._vocabulary = Vocabulary.of(dict(rows))
        return self._vocabulary

    async def _corrected(self, words: list[str]) -> list[str]:
        """Each unknown word of five letters or more replaced by the nearest word the store knows: one typo in a
        short word, two in a long one; swapped letters count as one ("trian" is "train"); the commonest wins."""
        vocabulary = await self._vocab()
        out = []
        for word in words:
            if word in vocabulary.counts or len(word) < 5 or word.isdigit():  # "come" is no typo of "rome"
                out.append(word)
                continue
            typos = 1 if len(word) < 6 else 2
            near = process.extract(
                word, vocabulary.near_length(word, typos), scorer=OSA.distance, score_cutoff=typos, limit=20
            )
            out.append(min(near, key=lambda m: (m[1], -vocabulary.counts[m[0]]))[0] if near else word)
        return out

    async def search(self, question: str, *, limit: int = 5) -> list[Any]:
        """Facts answering a plain-language question, best first; weak matches are left out.

        Full-text relevance (bm25; names weigh most) is re-weighted by what the question says: a fact it names
        outright ("the bike jump"), the film it names ("dead reckoning …" favours that film's facts) and the kind
        of fact it asks for ("where" → places, "come out" → release dates, "how many" → stunt numbers). When it
        asks for one kind and names a fact of another, the related fact of the asked kind answers: "where was the
        bike jump filmed" → the place, "when was the Rome premiere" → the film's release card.
        """
        words = tokens(question)
        wanted = intent(words)
        asked = search_terms(words) or words
        fixed = dict(zip(asked, await self._corrected(asked), strict=True))
        text = " ".join(fixed.get(w, w) for w in words)
        terms = with_units(list(fixed.values()))
        if not terms:
            return []
        counts = (await self._vocab()).counts
        rows = await self._all(  # ranked on the index alone: only the best rows' documents are read
            "SELECT f.kind, f.doc, m.score FROM (SELECT rowid, bm25(facts_fts, 10.0, 6.0, 1.0) AS score "
            "FROM facts_fts WHERE facts_fts MATCH ? ORDER BY score LIMIT 60) m JOIN facts f ON f.id = m.rowid "
            "WHERE f.deleted = 0 ORDER BY m.score",
            (match_expression(terms, counts, COMMON_FACTS),),
        )
        films = await self.films()
        films_named = longest_names(text, await self._folded_film_names())
        relevance: dict[str, float] = {}
        facts: dict[str, Fact] = {}
        for kind, doc, score in rows:
            fact = _fact(kind, doc)
            if isinstance(fact, Release):  # a release date is answered by its film's release card
                fact = films.get(fact.film, fact)
            if -score > relevance.get(fact.ref, 0.0):  # bm25 is negative: lower is better
                relevance[fact.ref], facts[fact.ref] = -score, fact
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
            return await self.facts("location", keys=getattr(fact, "locations", []))
        if kind == "video" and fact.kind in ("stunt", "location"):
            return await self.linked("video", fact.ref)
        return []

    # ----------------------------------------------------------------- writing facts

    async def _index(self, db: aiosqlite.Connection, fact_id: int, fact: Fact) -> None:
        """(Re)write the look-up rows of one fact (names, links, full text), inside the caller's transaction."""
        await _unindex(db, fact_id)
        names = fact.names
        await db.executemany(
            "INSERT INTO names (fact_id, kind, folded, name, primary_name) VALUES (?, ?, ?, ?, ?)",
            [(fact_id, fact.kind, fold(n), n, int(i == 0)) for i, n in enumerate(names)],
        )
        await db.execute(
            "INSERT INTO names_fts (rowid, kind, folded) SELECT id, kind, folded FROM names WHERE fact_id = ?",
            (fact_id,),
        )
        await db.executemany(
            "INSERT INTO links (fact_id, target) VALUES (?, ?)",
            [(fact_id, f"{kind}:{key}") for _, kind, key in fact.references()],
        )
        name, aliases = names[0], names[1:]
        if isinstance(fact, Release):
            film = await self._film_for_index(db, fact.film)
            name = f"{film.title if film else fact.film} {fact.region}"
            aliases = film.names[1:] if film else []  # its aliases and earlier titles
        await db.execute(
            "INSERT INTO facts_fts (rowid, name, aliases, body) VALUES (?, ?, ?, ?)",
            (fact_id, name, "\n".join(aliases), body_text(fact)),
        )

    @staticmethod
    async def _film_for_index(db: aiosqlite.Connection, key: str) -> Film | None:
        async with db.execute("SELECT doc FROM facts WHERE kind = 'film' AND key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return Film.model_validate_json(row[0]) if row else None

    async def _check(self, db: aiosqlite.Connection, fact: Fact) -> None:
        """Refuse references to missing facts and names already used by another fact of the same kind."""
        for path, kind, key in fact.references():
            async with db.execute(
                "SELECT 1 FROM facts WHERE kind = ? AND key = ? AND deleted = 0", (kind, key)
            ) as cursor:
                if await cursor.fetchone() is None:
                    near = await self.suggest(kind, key.replace("-", " "), limit=3)  # type: ignore[arg-type]
                    hint = f" Did you mean {', '.join(f'`{f.key}` ({f.label})' for f in near)}?" if near else ""
                    raise Invalid(f"{path}: there is no {kind} with the key {key!r}.{hint}")
        if isinstance(fact, Release):
            return
        folded = [fold(name) for name in fact.names]
        twice = next((name for name, f in zip(fact.names, folded, strict=True) if folded.count(f) > 1), None)
        if twice:
            raise Invalid(f"The name {twice!r} is given twice for this {fact.kind}.")
        for name in fact.names:
            async with db.execute(
                "SELECT f.key FROM names n JOIN facts f ON f.id = n.fact_id "
                "WHERE n.kind = ? AND n.folded = ? AND f.key != ? AND f.deleted = 0",
                (fact.kind, fold(name), fact.key),
            ) as cursor:
                clash = await cursor.fetchone()
            if clash:
                raise Invalid(f"The name {name!r} is already used by the {fact.kind} {clash[0]!r}.")

    async def _new_set(self, db: aiosqlite.Connection, action: str, summary: str, author: Author) -> int:
        if action != "seed":
            self._keep()
        cursor = await db.execute(
            "INSERT INTO change_sets (action, summary, author_id, author_name, at) VALUES (?, ?, ?, ?, ?)",
            (action, summary[:200], author.id, author.name, _now().isoformat()),
        )
        return int(cursor.lastrowid or 0)

    async def _log(
        self, db: aiosqlite.Connection, set_id: int, fact_id: int, action: str, before: str | None, after: str | None
    ) -> None:
        await db.execute(
            "INSERT INTO changes (set_id, fact_id, action, before, after) VALUES (?, ?, ?, ?, ?)",
            (set_id, fact_id, action, before, after),
        )

    async def _put(
        self, db: aiosqlite.Connection, set_id: int, fact: Fact, author: Author, *, edited: bool = True
    ) -> None:
        """Insert or replace one fact (un-deleting it), index it and log the change."""
        async with db.execute(
            "SELECT id, doc, deleted FROM facts WHERE kind = ? AND key = ?", (fact.kind, fact.key)
        ) as cursor:
            row = await cursor.fetchone()
        now, doc = _now().isoformat(), _doc(fact)
        if row is None:
            cursor = await db.execute(
                "INSERT INTO facts (kind, key, doc, edited, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)",
                (fact.kind, fact.key, doc, int(edited), now, author.name),
            )
            fact_id, before, action = int(cursor.lastrowid or 0), None, "add"
        else:
            fact_id, before, action = row[0], (None if row[2] else row[1]), ("add" if row[2] else "edit")
            await db.execute(
                "UPDATE facts SET doc = ?, revision = revision + 1, deleted = 0, edited = edited OR ?, "
                "updated_at = ?, updated_by = ? WHERE id = ?",
                (doc, int(edited), now, author.name, fact_id),
            )
        await self._index(db, fact_id, fact)
        await self._log(db, set_id, fact_id, action, before, doc)

    async def add(self, fact: Fact, author: Author) -> Entry[Any]:
        """Store a new fact; its key and names must be free."""
        async with self._transaction() as db:
            async with db.execute("SELECT deleted FROM facts WHERE kind = ? AND key = ?", (fact.kind, fact.key)) as c:
                row = await c.fetchone()
            if row is not None:
                hint = " (it was removed: use /fact restore)" if row[0] else ""
                raise Invalid(f"There is already a {fact.kind} with the key {fact.key!r}{hint}.")
            await self._check(db, fact)
            set_id = await self._new_set(db, "add", f"added {fact.kind} {fact.label}", author)
            await self._put(db, set_id, fact, author)
        return await self.entry(fact.ref)

    async def update(self, fact: Fact, author: Author, *, expected: Entry[Any]) -> Entry[Any]:
        """Replace a fact, unless someone changed it since the editor opened ``expected`` (no lost update):
        then nothing is written and the refusal says who changed which fields.

        A release whose date moves keeps the old date in its history, so fans can see the delay.
        """
        async with self._transaction() as db:
            async with db.execute(
                f"SELECT {self._ENTRY_COLUMNS} FROM facts WHERE kind = ? AND key = ?", (fact.kind, fact.key)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None or row[6]:
                raise NotFound(fact.kind, fact.key)
            current = self._entry(row)
            if current.revision != expected.revision:
                theirs = changed_fields(expected.fact.model_dump(mode="json"), current.fact.model_dump(mode="json"))
                raise Conflict(
                    f"{current.fact.label} was changed by {current.updated_by} at "
                    f"{current.updated_at:%Y-%m-%d %H:%M} UTC after you opened it "
                    f"({'changed: ' + ', '.join(theirs) if theirs else 'removed and restored'}). "
                    "Nothing was overwritten: run /fact edit again to see their version."
                )
            if isinstance(fact, Release) and isinstance(current.fact, Release):
                fact = fact.keeping_history_of(current.fact, _now().date())
            if fact == current.fact:
                return current
            await self._check(db, fact)
            set_id = await self._new_set(db, "edit", f"edited {fact.kind} {fact.label}", author)
            await self._put(db, set_id, fact, author)
        return await self.entry(fact.ref)

    async def removable(self, ref: str) -> Entry[Any]:
        """The fact, if it may be removed: asked before the confirmation buttons, so a refusal comes first."""
        entry = await self.entry(ref)
        await self._refuse_if_used(self._reader, entry.fact)
        return entry

    async def remove(self, ref: str, author: Author) -> Fact:
        """Soft-delete a fact (``restore`` brings it back); refused while other facts point at it."""
        kind, key = _parse_ref(ref)
        async with self._transaction() as db:
            row = await _row(db, "SELECT id, doc FROM facts WHERE kind = ? AND key = ? AND deleted = 0", (kind, key))
            if row is None:
                raise NotFound(kind, key)
            fact = _fact(kind, row[1])
            await self._refuse_if_used(db, fact)
            set_id = await self._new_set(db, "remove", f"removed {kind} {fact.label}", author)
            await self._set_deleted(db, set_id, row[0], row[1], True, author)
        return fact

    async def _refuse_if_used(self, db: aiosqlite.Connection, fact: Fact) -> None:
        users = [f"{f.kind} {f.label}" for k in FACT_TYPES for f in await self._linked_in(db, k, fact)]
        if users:
            more = f" and {len(users) - 5} more" if len(users) > 5 else ""
            raise Invalid(
                f"{fact.label} cannot be removed: it is still used by {', '.join(users[:5])}{more}. "
                "Edit or remove those first. Nothing was changed."
            )

    @staticmethod
    async def _linked_in(db: aiosqlite.Connection, kind: str, target: Fact) -> list[Fact]:
        async with db.execute(_LINKED_SQL, (target.ref, kind)) as cursor:
            return [_fact(k, d) for k, d in await cursor.fetchall()]

    async def _set_deleted(
        self, db: aiosqlite.Connection, set_id: int, fact_id: int, doc: str, deleted: bool, author: Author
    ) -> None:
        await db.execute(
            "UPDATE facts SET deleted = ?, edited = 1, revision = revision + 1, updated_at = ?, updated_by = ? "
            "WHERE id = ?",
            (int(deleted), _now().isoformat(), author.name, fact_id),
        )
        if deleted:
            await _unindex(db, fact_id)
            await self._log(db, set_id, fact_id, "remove", doc, None)
        else:
            await self._index(
                db,
                fact_id,
                _fact(*(await _row(db, "SELECT kind, doc FROM facts WHERE id = ?", (fact_id,)))),
            )  # type: ignore[misc]
            await self._log(db, set_id, fact_id, "restore", None, doc)

    async def restore(self, ref: str, author: Author) -> Fact:
        """Bring back a removed fact (its names must still be free)."""
        kind, key = _parse_ref(ref)
        async with self._transaction() as db:
            row = await _row(db, "SELECT id, doc FROM facts WHERE kind = ? AND key = ? AND deleted = 1", (kind, key))
            if row is None:
                raise NotFound(f"removed {kind}", key)
            fact = _fact(kind, row[1])
            await self._check(db, fact)
            set_id = await self._new_set(db, "restore", f"restored {kind} {fact.label}", author)
            await self._set_deleted(db, set_id, row[0], row[1], False, author)
        return fact

    async def removed_facts(self, text: str = "", *, limit: int = 25) -> list[Fact]:
        """Removed facts whose names contain ``text`` (what ``/fact restore`` offers), newest removal first."""
        rows = await self._all("SELECT kind, doc FROM facts WHERE deleted = 1 ORDER BY updated_at DESC, id DESC")
        query = fold(text)
        removed = (_fact(kind, doc) for kind, doc in rows)
        return [f for f in removed if any(query in fold(name) for name in [f.key, *f.names])][:limit]

    # ----------------------------------------------------------------- history and undo

    def _change(self, row: sqlite3.Row) -> Change:
        change_id, set_id, kind, key, action, author_id, author_name, at, before, after, undone = row
        return Change(
            id=change_id, set_id=set_id, ref=f"{kind}:{key}", action=action, author_id=author_id,
            author_name=author_name, at=dt.datetime.fromisoformat(at), before=json.loads(before) if before else None,
            after=json.loads(after) if after else None, undone=bool(undone),
        )  # fmt: skip

    _CHANGE_SQL = _UNDONE_CTE + (
        "SELECT c.id, c.set_id, f.kind, f.key, c.action, s.author_id, s.author_name, s.at, c.before, c.after, "
        "s.id IN (SELECT id FROM undone) FROM changes c JOIN change_sets s ON s.id = c.set_id "
        "JOIN facts f ON f.id = c.fact_id "
    )

    async def history(self, ref: str) -> list[Change]:
        """Every change of one fact, newest first (removed facts too)."""
        kind, key = _parse_ref(ref)
        rows = await self._all(self._CHANGE_SQL + "WHERE f.kind = ? AND f.key = ? ORDER BY c.id DESC", (kind, key))
        if not rows and await self._one("SELECT 1 FROM facts WHERE kind = ? AND key = ?", (kind, key)) is None:
            raise NotFound(kind, key)
        return [self._change(r) for r in rows]

    _SET_SQL = "SELECT id, action, summary, author_name, at FROM change_sets "

    @staticmethod
    def _change_set(row: sqlite3.Row) -> ChangeSet:
        set_id, action, summary, author_name, at = row
        return ChangeSet(set_id, action, summary, author_name, dt.datetime.fromisoformat(at))

    async def change_sets(self, text: str = "", *, limit: int = 25) -> list[ChangeSet]:
        """Recent admin change sets (not pack seeding) in effect, so the ones ``undo`` can revert, newest first,
        filtered by ``text`` (or ``#12``)."""
        rows = await self._all(
            _UNDONE_CTE + self._SET_SQL + "WHERE author_id IS NOT NULL AND id NOT IN (SELECT id FROM undone) "
            "AND (summary LIKE ? OR CAST(id AS TEXT) = ?) ORDER BY id DESC LIMIT ?",
            (f"%{text}%", text.strip().lstrip("#"), limit),
        )
        return [self._change_set(row) for row in rows]

    async def undo(self, set_id: int, author: Author) -> ChangeSet:
        """Revert one change set as a whole (an import too) in one transaction, recorded as a new change set
        (returned); undoing that one redoes the original.

        Only the fields a change touched are put back, so a later edit of other fields survives. Refused, with
        who and which change, when a later change touched the same fields (nothing is guessed), and when the
        result would leave a fact pointing at a missing one or a name used twice.

        Which sets are undone follows the chain of undos. A set's ``undone_by`` is the undo that last reverted
        it, kept for good, and the set is undone exactly when that undo is itself in effect (not undone). So,
        following ``undone_by`` from a set, an odd number of links means undone and an even number (none
        included) means in effect: after edit A, undo U1 of A, undo U2 of U1 and undo U3 of U2, A and U2 are
        undone and U1 and U3 are in effect, as the facts are. A set in effect may be undone (again); an undone
        one is refused, naming the undo in effect.
        """
        async with self._transaction() as db:
            row = await _row(
                db,
                _UNDONE_CTE + "SELECT action, summary, undone_by, id IN (SELECT id FROM undone) FROM change_sets "
                "WHERE id = ?",
                (set_id,),
            )
            if row is None or row[0] == "seed":
                raise NotFound("change", f"#{set_id}")
            _, summary, undone_by, undone = row
            if undone:
                raise Conflict(f"Change #{set_id} was already undone (by change #{undone_by}). Nothing was changed.")
            async with db.execute(
                self._CHANGE_SQL + "WHERE c.set_id = ? AND c.action != 'conflict' ORDER BY c.id DESC", (set_id,)
            ) as cursor:
                changes = [self._change(r) for r in await cursor.fetchall()]
            undo_id = await self._new_set(db, "undo", f"undid #{set_id}: {summary}", author)
            for change in changes:
                await self._revert(db, undo_id, change, author)
            problems = await self._integrity_problems(db)
            if problems:
                raise Conflict(f"Change #{set_id} cannot be undone: {problems[0]}. Nothing was changed.")
            await db.execute("UPDATE change_sets SET undone_by = ? WHERE id = ?", (undo_id, set_id))
            return self._change_set(await _row(db, self._SET_SQL + "WHERE id = ?", (undo_id,)))

    async def _revert(self, db: aiosqlite.Connection, set_id: int, change: Change, author: Author) -> None:
        """Put back what one change did, if the fact still shows that change in the fields it touched."""
        kind, key = _parse_ref(change.ref)
        fact_id, doc, deleted = await _row(
            db, "SELECT id, doc, deleted FROM facts WHERE kind = ? AND key = ?", (kind, key)
        )
        current = None if deleted else json.loads(doc)
        if change.before is None:  # it was added (or restored): remove it again, if nobody edited it since
            if current != change.after:
                raise Conflict(await self._blocked(db, change))
            await self._set_deleted(db, set_id, fact_id, doc, True, author)
        elif change.after is None:  # it was removed: bring it back, if nobody did already
            if current is not None:
                raise Conflict(await self._blocked(db, change))
            await self._set_deleted(db, set_id, fact_id, doc, False, author)
        else:
            fields = change.fields
            if current is None or any(current.get(f) != change.after.get(f) for f in fields):
                raise Conflict(await self._blocked(db, change))
            reverted = {k: v for k, v in current.items() if k not in fields}
            reverted.update({f: change.before[f] for f in fields if f in change.before})
            await self._put(db, set_id, FACT_TYPES[kind].model_validate(reverted), author)

    async def _blocked(self, db: aiosqlite.Connection, change: Change) -> str:
        """Why a change cannot be undone: the latest later change of the same fact that touched its fields."""
        async with db.execute(
            self._CHANGE_SQL + "WHERE c.fact_id = (SELECT fact_id FROM changes WHERE id = ?) AND c.id > ? "
            "AND c.action != 'conflict' ORDER BY c.id DESC",
            (change.id, change.id),
        ) as cursor:
            later = [self._change(r) for r in await cursor.fetchall()]
        newer = next((c for c in later if set(c.fields) & set(change.fields)), None)
        if newer is None:
            return f"Change #{change.set_id} cannot be undone: {change.ref} changed since. Nothing was changed."
        touched = ", ".join(sorted(set(change.fields) & set(newer.fields)))
        did = f"changed {touched} of" if newer.action == "edit" else _PAST.get(newer.action, newer.action)
        return (
            f"Change #{change.set_id} cannot be undone: {newer.author_name} {did} {change.ref} later "
            f"(change #{newer.set_id}, {newer.at:%Y-%m-%d %H:%M} UTC). Undo that one first, or edit the fact by "
            "hand. Nothing was changed."
        )

    async def _integrity_problems(self, db: aiosqlite.Connection) -> list[str]:
        """What no write may leave behind: a fact pointing at a missing one, or a name used twice in a kind."""
        async with db.execute("SELECT kind, key, doc FROM facts WHERE deleted = 0") as cursor:
            rows = await cursor.fetchall()
        live = {(kind, key) for kind, key, _ in rows}
        problems = [
            f"{kind}:{key} › {path} would point at the missing {target_kind} {target!r}"
            for kind, key, doc in rows
            for path, target_kind, target in _fact(kind, doc).references()
            if (target_kind, target) not in live
        ]
        async with db.execute(
            "SELECT n.kind, min(n.name) FROM names n JOIN facts f ON f.id = n.fact_id WHERE f.deleted = 0 "
            "AND n.kind != 'release' GROUP BY n.kind, n.folded HAVING count(DISTINCT n.fact_id) > 1"
        ) as cursor:
            problems += [f"the {kind} name {name!r} would be used twice" for kind, name in await cursor.fetchall()]
        return problems

    # ----------------------------------------------------------------- packs: seed, import, export

    async def seed(self, packs: Iterable[Pack]) -> SeedReport:
        """Load packs: add new facts, update facts the pack changed, never overwrite an admin's edit.

        A pack fact that differs from an admin-edited one is logged as a ``conflict`` change instead.
        """
        report = SeedReport()
        async with self._transaction() as db:
            set_id = await self._new_set(db, "seed", "data pack", PACK_AUTHOR)
            for pack in packs:
                for fact in pack.facts():
                    await self._seed_one(db, set_id, fact, report)
            if report.added == report.updated == report.conflicts == 0:
                await db.execute("DELETE FROM change_sets WHERE id = ?", (set_id,))
        return report

    async def _seed_one(self, db: aiosqlite.Connection, set_id: int, fact: Fact, report: SeedReport) -> None:
        new_hash = fact_hash(fact)
        async with db.execute(
            "SELECT id, doc, edited, pack_hash FROM facts WHERE kind = ? AND key = ?", (fact.kind, fact.key)
        ) as cursor:
            row = await cursor.fetchone()
        if row is not None and row[3] == new_hash:
            report.unchanged += 1
            return
        if row is not None and row[2]:
            await self._log(db, set_id, row[0], "conflict", row[1], _doc(fact))
            await db.execute("UPDATE facts SET pack_hash = ? WHERE id = ?", (new_hash, row[0]))
            report.conflicts += 1
            log.warning("Pack update of %s not applied: an admin edited it (see /fact history)", fact.ref)
            return
        await self._put(db, set_id, fact, PACK_AUTHOR, edited=False)
        await db.execute("UPDATE facts SET pack_hash = ? WHERE kind = ? AND key = ?", (new_hash, fact.kind, fact.key))
        if row is None:
            report.added += 1
        else:
            report.updated += 1

    async def export(self) -> str:
        """The whole store (not removed facts) as pack YAML that ``plan_import`` reads back unchanged.

        The file records when it was exported, so importing it later can tell an admin's newer edit (a
        conflict, kept) from a change made in the file.
        """
        facts = [f for kind in FACT_TYPES for f in await self.facts(kind)]  # type: ignore[arg-type]
        name, version, title = await self._pack_meta()
        return dump_pack(name, version, title, facts, exported_at=_now())

    async def pack_name(self) -> str:
        """The name of the pack the facts came from (``mission-impossible``), which names an export's file."""
        return (await self._pack_meta())[0]

    async def _pack_meta(self) -> tuple[str, int, str]:
        meta = await self._one("SELECT value FROM meta WHERE key = 'pack'")
        if meta is None:
            return "export", 1, "Exported facts"
        name, version, title = json.loads(meta[0])
        return name, version, title

    async def plan_import(self, pack: Pack, *, replace: bool = False) -> ImportPlan:
        """Compare a pack with the store (a dry run): add what is new, change what differs, and with ``replace``
        (the file is the whole truth) remove what the file leaves out. Facts changed after ``pack.exported_at``
        are conflicts and stay as they are."""
        rows = await self._all("SELECT kind, doc, deleted, updated_at, updated_by FROM facts")
        newest = await self._one("SELECT coalesce(max(id), 0) FROM change_sets")
        plan = ImportPlan(pack, watermark=newest[0], live=sum(not gone for _, _, gone, _, _ in rows))
        stored: dict[str, tuple[Fact, bool, dt.datetime, str]] = {}
        for kind, doc, gone, at, by in rows:
            fact = _fact(kind, doc)
            stored[fact.ref] = (fact, bool(gone), dt.datetime.fromisoformat(at), by)

        def conflict(ref: str) -> str | None:
            """Why the file may not touch this fact: it changed in the store after the export."""
            if pack.exported_at is None or ref not in stored:
                return None
            _, gone, at, by = stored[ref]
            if at <= pack.exported_at:
                return None
            return f"{'removed' if gone else 'changed'} by {by} at {at:%Y-%m-%d %H:%M} UTC, after the export"

        incoming = {f.ref: f for f in pack.facts()}
        for ref, fact in incoming.items():
            current, gone = stored[ref][:2] if ref in stored else (None, True)
            if not gone and current == fact:
                plan.unchanged += 1
            elif why := conflict(ref):
                plan.conflicts.append((current or fact, why))  # named as stored: that is what stays
            elif gone or current is None:
                plan.added.append(fact)
            else:
                fields = changed_fields(current.model_dump(mode="json"), fact.model_dump(mode="json"))
                plan.changed.append((fact, fields))
        for ref, (current, gone, _, _) in stored.items():
            if gone or ref in incoming:
                continue
            if not replace:
                plan.kept += 1
            elif why := conflict(ref):
                plan.conflicts.append((current, why))
            else:
                plan.removed.append(current)
        return plan

    async def apply_import(self, plan: ImportPlan, author: Author) -> int:
        """Apply a planned import in one transaction, recorded as one change set that ``undo`` reverts whole.

        Refused when the store changed since the dry run, or when the result would be inconsistent.
        """
        async with self._transaction() as db:
            newest, by = await _row(db, "SELECT id, author_name FROM change_sets ORDER BY id DESC LIMIT 1") or (0, "")
            if newest != plan.watermark:
                raise Conflict(
                    f"The facts changed since this dry run (change #{newest} by {by}), so nothing was imported. "
                    "Run /fact import again to see an up-to-date summary."
                )
            summary = f"import: {len(plan.added)} added, {len(plan.changed)} changed, {len(plan.removed)} removed"
            set_id = await self._new_set(db, "import", summary, author)
            for fact in [*plan.added, *(fact for fact, _ in plan.changed)]:
                await self._put(db, set_id, fact, author)
            for fact in plan.removed:
                row = await _row(
                    db, "SELECT id, doc FROM facts WHERE kind = ? AND key = ? AND deleted = 0", (fact.kind, fact.key)
                )
                await self._set_deleted(db, set_id, row[0], row[1], True, author)
            problems = await self._integrity_problems(db)
            if problems:
                raise Invalid("Nothing was imported: the result would be inconsistent: " + "; ".join(problems[:5]))
        return set_id

    async def remember_pack(self, pack: Pack) -> None:
        """Keep the pack's name, version and title so an export is written in the same format."""
        async with self._transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('pack', ?)",
                (json.dumps([pack.pack, pack.version, pack.title]),),
            )

    # ----------------------------------------------------------------- meta, settings and posts

    async def get_meta(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        async with self._transaction() as db:
            await db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    _SETTINGS = (
        "bts_channel_id", "announce_channel_id", "region", "weekly_pick", "mention_replies", "disabled_reason",
        "trivia_channel_id", "trivia_hour", "on_this_day_channel_id",
    )  # fmt: skip
    _SETTINGS_SQL = f"SELECT guild_id, {', '.join(_SETTINGS)} FROM guild_settings "

    @staticmethod
    def _settings(row: sqlite3.Row) -> GuildSettings:
        guild_id, bts, announce, region, weekly, mentions, reason, trivia, hour, on_this_day = row
        return GuildSettings(
            guild_id, bts, announce, region, bool(weekly), bool(mentions), reason, trivia, hour, on_this_day
        )

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        row = await self._one(self._SETTINGS_SQL + "WHERE guild_id = ?", (guild_id,))
        return GuildSettings(guild_id) if row is None else self._settings(row)

    async def all_guild_settings(self) -> list[GuildSettings]:
        """Every server that changed a setting (the posting loops read this each time they run)."""
        return [self._settings(row) for row in await self._all(self._SETTINGS_SQL + "ORDER BY guild_id")]

    async def update_guild_settings(self, guild_id: int, **values: Any) -> GuildSettings:
        unknown = set(values) - set(self._SETTINGS)
        if unknown:
            raise ValueError(f"unknown settings {unknown}")
        self._keep()
        async with self._transaction() as db:
            await db.execute("INSERT OR IGNORE INTO guild_settings (guild_id) VALUES (?)", (guild_id,))
            for name, value in values.items():
                await db.execute(f"UPDATE guild_settings SET {name} = ? WHERE guild_id = ?", (value, guild_id))
        return await self.guild_settings(guild_id)

    @cached_property
    def games(self) -> Games:
        """Trivia's rounds, answers, scores and recent questions (``bot.store.games``), on this store's database."""
        from bot.store.games import Games  # it reads bot.trivia, which needs this package loaded first

        return Games(_Database(self))

    async def unseen_feed_items(self, feed_url: str, item_ids: Sequence[str]) -> set[str] | None:
        """The items not seen in this feed before, or None when the feed was never polled (its first poll only
        records what is there, so following a channel never floods servers with its back catalogue)."""
        rows = await self._all("SELECT item_id FROM seen_feed_items WHERE feed_url = ?", (feed_url,))
        seen = {item_id for (item_id,) in rows}
        return set(item_ids) - seen if seen else None

    async def remember_feed_items(self, feed_url: str, item_ids: Sequence[str]) -> None:
        """Record items as seen, after they were handled: a crash in between repeats the work instead of losing
        it, and post claims keep the repeat from posting twice. The empty id marks a polled (even empty) feed."""
        now = _now().isoformat()
        async with self._transaction() as db:
            await db.executemany(
                "INSERT OR IGNORE INTO seen_feed_items (feed_url, item_id, seen_at) VALUES (?, ?, ?)",
                [(feed_url, item_id, now) for item_id in ("", *item_ids)],
            )

    async def last_change_id(self) -> int:
        return (await self._one("SELECT coalesce(max(id), 0) FROM changes"))[0]

    async def changes_after(self, change_id: int, kinds: Sequence[Kind]) -> list[Change]:
        """Changes to facts of these kinds made after ``change_id``, oldest first (pack conflicts left out):
        what release news reads to tell fans about a moved date or a new title, whoever made the change."""
        marks = ",".join("?" * len(kinds))
        rows = await self._all(
            self._CHANGE_SQL + f"WHERE c.id > ? AND f.kind IN ({marks}) AND c.action != 'conflict' ORDER BY c.id",
            (change_id, *kinds),
        )
        return [self._change(r) for r in rows]

    async def claim_post(self, guild_id: int, item: str) -> bool:
        """Record that ``item`` is posted to a guild; False when it already was (exactly-once posting)."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO posts (guild_id, item, posted_at) VALUES (?, ?, ?)",
                (guild_id, item, _now().isoformat()),
            )
            return bool(cursor.rowcount)

    async def release_post(self, guild_id: int, item: str) -> None:
        """Forget a claimed post whose sending failed, so it may be tried again."""
        async with self._transaction() as db:
            await db.execute("DELETE FROM posts WHERE guild_id = ? AND item = ?", (guild_id, item))


class _Connection:
    """``bot.store.games.Writer`` over the store's writing connection, inside one of its transactions."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.db.execute(sql, params) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self.db.execute(sql, params)
        return cursor.rowcount


class _Database:
    """``bot.store.games.Database`` over a ``FactStore``: reads on its reader, writes in its transactions."""

    def __init__(self, store: FactStore) -> None:
        self.store = store

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        return [tuple(row) for row in await self.store._all(sql, params)]

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return await self.store._one(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Connection]:
        async with self.store._transaction() as db:
            yield _Connection(db)
