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
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import aiosqlite
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.errors import Conflict, Invalid, NotFound, StoreUnavailable
from bot.models import FACT_TYPES, Change, Fact, Film, Kind, Release, Video, changed_fields
from bot.pack import Pack, consistency_problems, dump_pack, fact_hash
from bot.store.text import body_text, fold, intent, search_terms, tokens

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Fact)
SYSTEM = "pack"


@dataclass(frozen=True)
class Author:
    """Who made a change: a Discord user (id and name) or the pack loader."""

    id: int | None
    name: str


PACK_AUTHOR = Author(None, SYSTEM)


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
class ChangeSet:
    id: int
    action: str
    summary: str
    author_name: str
    at: dt.datetime
    undone: bool


@dataclass
class SeedReport:
    added: int = 0
    updated: int = 0
    conflicts: int = 0
    unchanged: int = 0


@dataclass
class ImportPlan:
    """What an import would do; nothing is written until ``apply_import``."""

    pack: Pack
    added: list[Fact] = field(default_factory=list)
    changed: list[Fact] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    bts_channel_id: int | None = None
    announce_channel_id: int | None = None
    region: str | None = None
    weekly_pick: bool = False
    mention_replies: bool = True
    disabled_reason: str | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _parse_ref(ref: str) -> tuple[str, str]:
    kind, _, key = ref.partition(":")
    if kind not in FACT_TYPES or not key:
        raise NotFound("fact", ref)
    return kind, key


async def _row(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first row of a query inside a transaction (the cursor closed, so COMMIT is never blocked)."""
    async with db.execute(sql, params) as cursor:
        return await cursor.fetchone()


def _doc(fact: Fact) -> str:
    return fact.model_dump_json()


def _fact(kind: str, doc: str) -> Fact:
    return FACT_TYPES[kind].model_validate_json(doc)


class FactStore:
    """Async API over the SQLite fact store. Open with ``await FactStore.open(path)``."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._vocabulary: list[str] | None = None
        self._film_cache: dict[str, Film] | None = None

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    async def open(cls, path: Path) -> FactStore:
        """Open (creating if needed) and migrate the database; raises ``StoreUnavailable`` if it cannot."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = await aiosqlite.connect(path, isolation_level=None)
            await writer.executescript(
                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
                "PRAGMA synchronous = NORMAL;"
            )
            await cls._migrate(writer)
            reader = await aiosqlite.connect(path, isolation_level=None)
            await reader.executescript("PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;")
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(f"The fact database {path} cannot be opened: {exc}") from exc
        return cls(path, writer, reader)

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
                self._film_cache = None

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

    async def find(self, kind: Kind, text: str) -> Entry[Any]:
        """Resolve what a fan typed (an autocomplete value, a name, an alias or a near miss) to one fact."""
        text = text.strip()
        if text.startswith(f"{kind}:"):
            return await self.entry(text)
        row = await self._one(
            f"SELECT {self._ENTRY_COLUMNS} FROM facts WHERE kind = ? AND deleted = 0 AND (key = ? OR id IN "
            "(SELECT fact_id FROM names WHERE kind = ? AND folded = ?)) LIMIT 1",
            (kind, text, kind, fold(text)),
        )
        if row is not None:
            return self._entry(row)
        candidates = await self.suggest(kind, text, limit=5)
        if candidates and self._confident(text, candidates[0]):
            return await self.entry(candidates[0].ref)
        raise NotFound(kind, text, [c.label for c in candidates[:3]])

    @staticmethod
    def _confident(text: str, fact: Fact) -> bool:
        """A near miss is taken as meant only when one of the fact's names contains it, typos allowed."""
        query = fold(text)
        return any(fuzz.partial_ratio(query, fold(name)) >= 85 for name in fact.names) and len(query) >= 3

    async def facts(self, kind: Kind, *, film: str | None = None, deleted: bool = False) -> list[Any]:
        """Every fact of a kind (optionally of one film), in a stable, readable order."""
        sql = "SELECT kind, doc FROM facts WHERE kind = ? AND deleted = ?"
        params: list[Any] = [kind, int(deleted)]
        if film:
            sql += " AND json_extract(doc, '$.film') = ?"
            params.append(film)
        rows = await self._all(sql + " ORDER BY id", params)
        return [_fact(k, d) for k, d in rows]

    async def films(self) -> dict[str, Film]:
        """Films by key (few, read often, so cached until the next write)."""
        if self._film_cache is None:
            self._film_cache = {f.key: f for f in await self.facts("film")}
        return self._film_cache

    async def linked(self, kind: Kind, ref: str) -> list[Any]:
        """Facts of ``kind`` that point at ``ref``: stunts at a location, videos about a stunt."""
        target_kind, key = _parse_ref(ref)
        field = {"film": "$.film", "location": "$.locations", "stunt": "$.stunts"}[target_kind]
        rows = await self._all(
            "SELECT f.kind, f.doc FROM facts f WHERE f.kind = ? AND f.deleted = 0 AND EXISTS "
            f"(SELECT 1 FROM json_each(f.doc, '{field}') WHERE value = ?) ORDER BY f.id",
            (kind, key),
        )
        return [_fact(k, d) for k, d in rows]

    async def random_video(self) -> Video | None:
        videos = await self.facts("video")
        return random.choice(videos) if videos else None

    async def counts(self) -> dict[str, int]:
        rows = await self._all("SELECT kind, count(*) FROM facts WHERE deleted = 0 GROUP BY kind")
        found = dict(rows)
        return {kind: found.get(kind, 0) for kind in FACT_TYPES}

    # ----------------------------------------------------------------- autocomplete and search

    async def suggest(self, kind: Kind | None, text: str, *, limit: int = 25) -> list[Any]:
        """Facts whose names start with, contain the words of, or nearly match ``text``; best first."""
        query = fold(text)
        kinds = [kind] if kind else list(FACT_TYPES)
        marks = ",".join("?" * len(kinds))
        if not query:
            rows = await self._all(
                f"SELECT kind, doc FROM facts WHERE kind IN ({marks}) AND deleted = 0 ORDER BY id LIMIT ?",
                (*kinds, limit),
            )
            return [_fact(k, d) for k, d in rows]
        found: dict[int, Fact] = {}
        # 1. A name or alias that starts with what was typed (an index range scan).
        rows = await self._all(
            f"SELECT f.id, f.kind, f.doc FROM names n JOIN facts f ON f.id = n.fact_id WHERE n.kind IN ({marks}) "
            "AND n.folded >= ? AND n.folded < ? AND f.deleted = 0 ORDER BY n.primary_name DESC, length(n.folded) "
            "LIMIT ?",
            (*kinds, query, query + "\uffff", limit * 2),
        )
        for fact_id, k, doc in rows:
            found.setdefault(fact_id, _fact(k, doc))
        # 2. Names containing every typed word as a word prefix; typos corrected against the vocabulary.
        if len(found) < limit:
            for terms in (query.split(), await self._corrected(query.split())):
                if len(found) >= limit or not terms:
                    break
                match = "{name aliases}: " + " ".join(f'"{t}"*' for t in terms)
                rows = await self._all(
                    f"SELECT f.id, f.kind, f.doc FROM facts_fts JOIN facts f ON f.id = facts_fts.rowid "
                    f"WHERE facts_fts MATCH ? AND f.kind IN ({marks}) AND f.deleted = 0 ORDER BY rank LIMIT ?",
                    (match, *kinds, limit * 2),
                )
                for fact_id, k, doc in rows:
                    found.setdefault(fact_id, _fact(k, doc))
        return list(found.values())[:limit]

    async def _vocab(self) -> list[str]:
        if self._vocabulary is None:
            rows = await self._all("SELECT term FROM facts_vocab WHERE length(term) > 2")
            self._vocabulary = [term for (term,) in rows]
        return self._vocabulary

    async def _corrected(self, words: list[str]) -> list[str]:
        """Each word replaced by the nearest word the store knows (one or two typos), if it is unknown."""
        vocabulary = await self._vocab()
        known = set(vocabulary)
        out = []
        for word in words:
            if word in known or len(word) < 4 or word.isdigit():
                out.append(word)
                continue
            best = process.extractOne(
                word, vocabulary, scorer=Levenshtein.distance, score_cutoff=1 if len(word) < 6 else 2
            )
            out.append(best[0] if best else word)
        return out

    async def search(self, question: str, *, limit: int = 5) -> list[Any]:
        """Facts answering a plain-language question, best first (releases answered by their film)."""
        words = tokens(question)
        wanted = intent(words)
        terms = await self._corrected(search_terms(words) or words)
        if not terms:
            return []
        match = " OR ".join(f'"{t}"*' if len(t) > 2 else f'"{t}"' for t in terms)
        rows = await self._all(
            "SELECT f.kind, f.key, f.doc, bm25(facts_fts, 10.0, 6.0, 1.0) AS score FROM facts_fts "
            "JOIN facts f ON f.id = facts_fts.rowid WHERE facts_fts MATCH ? AND f.deleted = 0 "
            "ORDER BY score LIMIT 60",
            (match,),
        )
        films = await self.films()
        ranked: dict[str, tuple[float, Fact]] = {}
        for kind, _key, doc, score in rows:
            fact = _fact(kind, doc)
            if isinstance(fact, Release):  # a release date is answered by its film's release card
                fact = films.get(fact.film, fact)
            if fact.kind == wanted:
                score *= 2.0  # bm25 scores are negative: lower is better
            if fact.ref not in ranked or score < ranked[fact.ref][0]:
                ranked[fact.ref] = (score, fact)
        return [fact for _, fact in sorted(ranked.values(), key=lambda pair: pair[0])][:limit]

    # ----------------------------------------------------------------- writing facts

    async def _index(self, db: aiosqlite.Connection, fact_id: int, fact: Fact) -> None:
        """(Re)write the names and full-text rows of one fact, inside the caller's transaction."""
        await db.execute("DELETE FROM names WHERE fact_id = ?", (fact_id,))
        await db.execute("DELETE FROM facts_fts WHERE rowid = ?", (fact_id,))
        names = fact.names
        await db.executemany(
            "INSERT INTO names (fact_id, kind, folded, name, primary_name) VALUES (?, ?, ?, ?, ?)",
            [(fact_id, fact.kind, fold(n), n, int(i == 0)) for i, n in enumerate(names)],
        )
        name, aliases = names[0], names[1:]
        if isinstance(fact, Release):
            film = await self._film_for_index(db, fact.film)
            name = f"{film.title if film else fact.film} {fact.region}"
            aliases = film.aliases if film else []
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
                    raise Invalid(f"{path}: there is no {kind} {key!r}.")
        if isinstance(fact, Release):
            return
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

    async def update(self, fact: Fact, author: Author, *, expected_revision: int) -> Entry[Any]:
        """Replace a fact, unless someone changed it since ``expected_revision`` (no lost updates).

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
            if current.revision != expected_revision:
                changed = changed_fields(current.fact.model_dump(), fact.model_dump()) or ["nothing visible"]
                raise Conflict(
                    f"{current.fact.label} was changed by {current.updated_by} at "
                    f"{current.updated_at:%Y-%m-%d %H:%M} UTC after you opened it (fields: {', '.join(changed)}). "
                    "Nothing was overwritten: open it again to see their version."
                )
            if isinstance(fact, Release) and isinstance(current.fact, Release):
                fact = fact.keeping_history_of(current.fact, _now().date())
            if fact == current.fact:
                return current
            await self._check(db, fact)
            set_id = await self._new_set(db, "edit", f"edited {fact.kind} {fact.label}", author)
            await self._put(db, set_id, fact, author)
        return await self.entry(fact.ref)

    async def remove(self, ref: str, author: Author) -> Fact:
        """Soft-delete a fact (``restore`` brings it back); refused while other facts point at it."""
        kind, key = _parse_ref(ref)
        async with self._transaction() as db:
            row = await _row(db, "SELECT id, doc FROM facts WHERE kind = ? AND key = ? AND deleted = 0", (kind, key))
            if row is None:
                raise NotFound(kind, key)
            fact = _fact(kind, row[1])
            users = [f.label for k in FACT_TYPES for f in await self._linked_in(db, k, fact)]
            if users:
                raise Invalid(f"{fact.label} is still used by: {', '.join(users[:5])}. Edit or remove those first.")
            set_id = await self._new_set(db, "remove", f"removed {kind} {fact.label}", author)
            await self._set_deleted(db, set_id, row[0], row[1], True, author)
        return fact

    @staticmethod
    async def _linked_in(db: aiosqlite.Connection, kind: str, target: Fact) -> list[Fact]:
        field = {"film": "$.film", "location": "$.locations", "stunt": "$.stunts"}.get(target.kind)
        if field is None:
            return []
        async with db.execute(
            "SELECT f.kind, f.doc FROM facts f WHERE f.kind = ? AND f.deleted = 0 AND EXISTS "
            f"(SELECT 1 FROM json_each(f.doc, '{field}') WHERE value = ?)",
            (kind, target.key),
        ) as cursor:
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
            await db.execute("DELETE FROM names WHERE fact_id = ?", (fact_id,))
            await db.execute("DELETE FROM facts_fts WHERE rowid = ?", (fact_id,))
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

    # ----------------------------------------------------------------- history and undo

    def _change(self, row: sqlite3.Row) -> Change:
        change_id, set_id, kind, key, action, author_id, author_name, at, before, after, undone = row
        return Change(
            id=change_id, set_id=set_id, ref=f"{kind}:{key}", action=action, author_id=author_id,
            author_name=author_name, at=dt.datetime.fromisoformat(at), before=json.loads(before) if before else None,
            after=json.loads(after) if after else None, undone=undone is not None,
        )  # fmt: skip

    _CHANGE_SQL = (
        "SELECT c.id, c.set_id, f.kind, f.key, c.action, s.author_id, s.author_name, s.at, c.before, c.after, "
        "s.undone_by FROM changes c JOIN change_sets s ON s.id = c.set_id JOIN facts f ON f.id = c.fact_id "
    )

    async def history(self, ref: str) -> list[Change]:
        """Every change of one fact, newest first (removed facts too)."""
        kind, key = _parse_ref(ref)
        rows = await self._all(self._CHANGE_SQL + "WHERE f.kind = ? AND f.key = ? ORDER BY c.id DESC", (kind, key))
        if not rows and await self._one("SELECT 1 FROM facts WHERE kind = ? AND key = ?", (kind, key)) is None:
            raise NotFound(kind, key)
        return [self._change(r) for r in rows]

    async def change_sets(self, text: str = "", *, limit: int = 25) -> list[ChangeSet]:
        """Recent admin change sets (not pack seeding), newest first, filtered by ``text``."""
        rows = await self._all(
            "SELECT id, action, summary, author_name, at, undone_by FROM change_sets "
            "WHERE author_id IS NOT NULL AND (summary LIKE ? OR CAST(id AS TEXT) = ?) ORDER BY id DESC LIMIT ?",
            (f"%{text}%", text, limit),
        )
        return [ChangeSet(i, a, s, n, dt.datetime.fromisoformat(t), u is not None) for i, a, s, n, t, u in rows]

    async def undo(self, set_id: int, author: Author) -> ChangeSet:
        """Revert one change set; refused when a later change touched the same fields of the same fact."""
        async with self._transaction() as db:
            async with db.execute(
                "SELECT id, action, summary, author_name, at, undone_by FROM change_sets WHERE id = ?", (set_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None or row[1] in ("undo", "seed"):
                raise NotFound("change", str(set_id))
            if row[5] is not None:
                raise Conflict(f"Change #{set_id} was already undone (by change #{row[5]}).")
            async with db.execute(self._CHANGE_SQL + "WHERE c.set_id = ?", (set_id,)) as cursor:
                changes = [self._change(r) for r in await cursor.fetchall()]
            for change in changes:
                async with db.execute(
                    self._CHANGE_SQL + "WHERE c.fact_id = (SELECT fact_id FROM changes WHERE id = ?) AND c.id > ? "
                    "AND c.action != 'conflict' AND s.undone_by IS NULL",
                    (change.id, change.id),
                ) as cursor:
                    later = [self._change(r) for r in await cursor.fetchall()]
                for newer in later:
                    overlap = set(change.fields) & set(newer.fields) or (
                        {"(removed)"} if newer.action in ("remove", "restore") else set()
                    )
                    if overlap:
                        raise Conflict(
                            f"Change #{set_id} cannot be undone: {newer.author_name} changed "
                            f"{', '.join(sorted(overlap))} of {change.ref} later (change #{newer.set_id}). "
                            "Undo that one first, or edit the fact by hand."
                        )
            undo_id = await self._new_set(db, "undo", f"undid #{set_id}: {row[2]}", author)
            for change in reversed(changes):
                await self._revert(db, undo_id, change, author)
            await db.execute("UPDATE change_sets SET undone_by = ? WHERE id = ?", (undo_id, set_id))
            return ChangeSet(row[0], row[1], row[2], row[3], dt.datetime.fromisoformat(row[4]), True)

    async def _revert(self, db: aiosqlite.Connection, set_id: int, change: Change, author: Author) -> None:
        kind, key = _parse_ref(change.ref)
        async with db.execute("SELECT id, doc FROM facts WHERE kind = ? AND key = ?", (kind, key)) as cursor:
            fact_id, doc = await cursor.fetchone()  # type: ignore[misc]
        if change.before is None:  # it was added (or restored): remove it again
            await self._set_deleted(db, set_id, fact_id, doc, True, author)
        elif change.after is None:  # it was removed: bring it back
            await self._set_deleted(db, set_id, fact_id, doc, False, author)
        else:
            await self._put(db, set_id, FACT_TYPES[kind].model_validate(change.before), author)

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
        """The whole store (not removed facts) as pack YAML that ``plan_import`` reads back unchanged."""
        facts = [f for kind in FACT_TYPES for f in await self.facts(kind)]  # type: ignore[arg-type]
        meta = await self._one("SELECT value FROM meta WHERE key = 'pack'")
        name, version, title = json.loads(meta[0]) if meta else ("export", 1, "Exported facts")
        return dump_pack(name, version, title, facts)

    async def plan_import(self, pack: Pack) -> ImportPlan:
        """Compare a pack with the store: what would be added, changed and removed (a dry run)."""
        plan = ImportPlan(pack)
        incoming = {f.ref: f for f in pack.facts()}
        current = {f.ref: f for kind in FACT_TYPES for f in await self.facts(kind)}  # type: ignore[arg-type]
        for ref, fact in incoming.items():
            if ref not in current:
                plan.added.append(fact)
            elif current[ref] != fact:
                plan.changed.append(fact)
            else:
                plan.unchanged += 1
        plan.removed = [ref for ref in current if ref not in incoming]
        return plan

    async def apply_import(self, plan: ImportPlan, author: Author) -> int:
        """Apply a planned import in one transaction, as one change set ``undo`` can revert."""
        problems = consistency_problems(plan.pack)
        if problems:
            raise Invalid("; ".join(problems[:5]))
        async with self._transaction() as db:
            summary = f"import: +{len(plan.added)} ~{len(plan.changed)} -{len(plan.removed)}"
            set_id = await self._new_set(db, "import", summary, author)
            for fact in [*plan.added, *plan.changed]:
                await self._put(db, set_id, fact, author)
            for ref in plan.removed:
                kind, key = _parse_ref(ref)
                async with db.execute(
                    "SELECT id, doc FROM facts WHERE kind = ? AND key = ? AND deleted = 0", (kind, key)
                ) as cursor:
                    row = await cursor.fetchone()
                if row:
                    await self._set_deleted(db, set_id, row[0], row[1], True, author)
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

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        row = await self._one(
            "SELECT guild_id, bts_channel_id, announce_channel_id, region, weekly_pick, mention_replies, "
            "disabled_reason FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
        if row is None:
            return GuildSettings(guild_id)
        g, bts, announce, region, weekly, mentions, reason = row
        return GuildSettings(g, bts, announce, region, bool(weekly), bool(mentions), reason)

    async def all_guild_settings(self) -> list[GuildSettings]:
        rows = await self._all("SELECT guild_id FROM guild_settings ORDER BY guild_id")
        return [await self.guild_settings(g) for (g,) in rows]

    _SETTINGS = ("bts_channel_id", "announce_channel_id", "region", "weekly_pick", "mention_replies", "disabled_reason")

    async def update_guild_settings(self, guild_id: int, **values: Any) -> GuildSettings:
        unknown = set(values) - set(self._SETTINGS)
        if unknown:
            raise ValueError(f"unknown settings {unknown}")
        async with self._transaction() as db:
            await db.execute("INSERT OR IGNORE INTO guild_settings (guild_id) VALUES (?)", (guild_id,))
            for name, value in values.items():
                await db.execute(f"UPDATE guild_settings SET {name} = ? WHERE guild_id = ?", (value, guild_id))
        return await self.guild_settings(guild_id)

    async def unseen_feed_items(self, feed_url: str, item_ids: Sequence[str]) -> list[str]:
        """Record feed items as seen and return the ones that were new."""
        new: list[str] = []
        async with self._transaction() as db:
            for item_id in item_ids:
                cursor = await db.execute(
                    "INSERT OR IGNORE INTO seen_feed_items (feed_url, item_id, seen_at) VALUES (?, ?, ?)",
                    (feed_url, item_id, _now().isoformat()),
                )
                if cursor.rowcount:
                    new.append(item_id)
        return new

    async def feed_known(self, feed_url: str) -> bool:
        return await self._one("SELECT 1 FROM seen_feed_items WHERE feed_url = ? LIMIT 1", (feed_url,)) is not None

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
