"""The seams between the store's shared logic and a database backend (SQLite, PostgreSQL).

The logic (facts, history and undo, import planning, seeding, settings, post claims) is written once against
``Database``, a tiny adapter: ``fetch``/``fetch_one`` outside a transaction, and inside ``transaction()`` the same
plus ``execute``/``execute_many``. SQL written for it is portable:

* ``?`` placeholders (an adapter may translate them to ``$1 …``), and values that are ``None``, ``bool``,
  ``int``, ``float`` or ``str``; times are ISO-8601 text, booleans are compared as ``NOT deleted`` and passed
  as ``bool`` (SQLite keeps them as 0/1: read them back with ``bool()``);
* ``INSERT … ON CONFLICT … DO NOTHING / DO UPDATE`` and ``RETURNING`` (SQLite ≥ 3.35 and PostgreSQL), never
  ``INSERT OR IGNORE/REPLACE`` or ``lastrowid``; subqueries in ``FROM`` are named;
* ``names.folded`` compares byte by byte (SQLite's default; PostgreSQL declares it ``COLLATE "C"``), so a prefix
  is the range from the prefix to the prefix plus U+FFFF.

Transactions run one at a time, across processes too (SQLite's single writer; a PostgreSQL advisory lock), so
the rules checked before a write still hold when it commits, and change ids are committed in the order drawn.

What differs between backends stays behind them: connection set-up, migrations, turning driver errors into
``StoreUnavailable`` sentences (read-only, busy), the poster election, and the ``SearchIndex`` (full-text search
and name matching, FTS5 on SQLite; ``tsvector`` and ``unaccent`` on PostgreSQL) that reads a backend-neutral
``Match``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from bot.models import Kind

Row = tuple[Any, ...]
Value = None | bool | int | float | str
Params = Sequence[Value]
# What a fan reads when a read fails, on either backend: the cause (a missing file, a server gone) is for the log.
READ_PROBLEM = "The fact database cannot be read right now."


class Reader(Protocol):
    """Queries; outside a transaction they see committed data only."""

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row (for queries of one row: an ``INSERT … RETURNING`` too), or None."""
        ...


class Writer(Reader, Protocol):
    """One transaction: everything in it is applied together or not at all."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; how many rows it changed (so a conditional ``UPDATE`` can tell it lost a race)."""
        ...

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None: ...


class Database(Reader, Protocol):
    @property
    def now(self) -> Reader:
        """The same reads, answered without a hand-off to a database thread where the driver allows (SQLite: on
        the event loop; asyncpg is on it already): for small reads bounded by an index (a primary key, a unique
        name, a fact's links, a capped name match). Never for a read that grows with the data, which would hold
        up every other command meanwhile."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Writer]:
        """A transaction, committed when the block ends and rolled back when it raises. Driver errors leave every
        method as ``StoreUnavailable`` saying why in words an admin understands (read-only, busy, unreadable)."""
        ...


@dataclass(frozen=True)
class Term:
    """A word or a phrase ("united kingdom") to match in a name or a fact's text, whole or as a word prefix."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Match:
    """A full-text query in no backend's syntax: every group must match, by any of its terms."""

    groups: tuple[tuple[Term, ...], ...]


@dataclass(frozen=True)
class Document:
    """What full-text search reads of one fact: its name, its other names, and its text."""

    name: str
    aliases: list[str]
    body: str


class SearchIndex(Protocol):
    """Full-text search and name matching, the part of the store each backend builds its own way. It keeps its own
    rows beside ``facts`` and ``names`` (which the shared logic writes), in the caller's transaction."""

    async def add(self, tx: Writer, documents: Sequence[tuple[int, Document]]) -> None:
        """Index facts (by id), after their ``names`` rows were written: many at once in a few statements."""
        ...

    async def remove(self, tx: Writer, fact_id: int) -> None:
        """Forget one fact, before its ``names`` rows are deleted."""
        ...

    async def names(self, db: Reader, kinds: Sequence[Kind], match: Match, candidates: int, limit: int) -> list[Row]:
        """``(fact id, kind, doc)`` of live facts of these kinds with a name or alias matching (the first
        ``candidates`` matches only, so a common word costs no more than a rare one), main names first, then the
        shortest."""
        ...

    async def ranked(self, db: Reader, match: Match, limit: int) -> list[Row]:
        """``(kind, doc, relevance)`` of the live facts best matching, most relevant first (names weigh most)."""
        ...

    async def vocabulary(self, db: Reader) -> dict[str, int]:
        """Every indexed word of three letters or more, with the number of facts it occurs in."""
        ...


class Backend(Protocol):
    """One database, open: what the shared logic is given by ``bot.store.open_store``."""

    @property
    def db(self) -> Database: ...

    @property
    def index(self) -> SearchIndex: ...

    @property
    def created(self) -> bool:
        """This open created the database (it was missing or empty)."""
        ...

    @property
    def shared(self) -> bool:
        """Whether other bot processes may write the database (PostgreSQL; a SQLite file has one bot)."""
        ...

    def keep(self) -> None:
        """Record that the database holds what no pack can re-create (admin changes, settings, trivia), so that
        losing it stops the next start instead of starting empty."""
        ...

    async def schema_version(self) -> int: ...

    async def lead(self) -> bool:
        """Whether this process is the one that posts (feeds, release news, the weekly pick), elected through the
        database so that exactly one process of those sharing it does, and another takes over when it stops."""
        ...

    async def follow_ids(self, tx: Writer) -> None:
        """After rows were written with their own ids (a copy), make new rows get ids after the highest."""
        ...

    async def close(self) -> None: ...
