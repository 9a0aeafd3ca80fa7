"""What every part of the store builds on: the backend's database and search index, the change watch behind the
caches (and the memo of hot facts and cards), and turning rows into facts.

The store is one object assembled from parts by concern (``bot.store.store.Store``); each part is a class that
names the parts it builds on as its bases, and all of them share this one.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeGuard

from bot.errors import NotFound
from bot.models import FACT_TYPES, Fact, Kind
from bot.store.cache import ChangeWatch, Memo
from bot.store.db import Backend, Params, Reader, Row, Writer
from bot.store.records import Entry, F, Kinds

ENTRY_COLUMNS = "kind, doc, revision, updated_at, updated_by, edited, deleted"
FACTS_KEPT = 4096  # parsed facts kept (``fact_of``): the hot ones of a large store, a few MB


def now() -> dt.datetime:
    """Exact to the microsecond: an export's time must tell the edits made before it from those made after."""
    return dt.datetime.now(dt.UTC)


@functools.lru_cache(maxsize=FACTS_KEPT)
def fact_of(kind: str, doc: str) -> Fact:
    """The fact stored as ``doc``. Parsing validates every field (each source's URL character by character), which
    costs more than the rest of a look-up, so the hot facts are kept by their JSON: a fact is frozen and its JSON
    says all of it, so a kept fact is never stale, and an edit is new JSON."""
    return FACT_TYPES[kind].model_validate_json(doc)


def fact_as(kind: type[F], doc: str) -> F:
    """``fact_of`` for a row known to hold a fact of ``kind``, typed as one."""
    fact = fact_of(kind.kind, doc)
    assert isinstance(fact, kind)
    return fact


def entry_of(row: Row) -> Entry[Fact]:
    """An ``Entry`` from a row of ``ENTRY_COLUMNS``."""
    kind, doc, revision, updated_at, updated_by, edited, deleted = row
    at = dt.datetime.fromisoformat(updated_at)
    return Entry(fact_of(kind, doc), revision, at, updated_by, bool(edited), bool(deleted))


def holds(entry: Entry[Fact], kind: type[F]) -> TypeGuard[Entry[F]]:
    """Whether an entry holds a fact of this kind (its type narrowed to say so)."""
    return isinstance(entry.fact, kind)


def parse_ref(ref: str) -> tuple[str, str]:
    """``stunt:bike-cliff-jump`` → ``("stunt", "bike-cliff-jump")``; NotFound for anything else."""
    kind, _, key = ref.partition(":")
    if kind not in FACT_TYPES or not key:
        raise NotFound("fact", ref)
    return kind, key


def kinds_of(kinds: Kinds) -> list[Kind]:
    if kinds is None:
        return [cls.kind for cls in FACT_TYPES.values()]
    return [kinds.kind] if isinstance(kinds, type) else [cls.kind for cls in kinds]


def marks(values: Sequence[object]) -> str:
    """The placeholders of an ``IN (…)`` list."""
    return ",".join("?" * len(values))


async def scalar(db: Reader, sql: str, params: Params = ()) -> Any:
    """The one value of a query that always returns one row (``count``, ``max``, ``EXISTS``)."""
    row = await db.fetch_one(sql, params)
    assert row is not None, sql
    return row[0]


class Core:
    """The shared base of the store's parts."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.db = backend.db
        self.index = backend.index
        self.watch = ChangeWatch(self.last_change_id)
        self.memo = Memo(self.watch)

    @property
    def created(self) -> bool:
        return self.backend.created

    async def last_change_id(self) -> int:
        (newest,) = (await self.db.now.fetch("SELECT coalesce(max(id), 0) FROM changes"))[0]
        return int(newest)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Writer]:
        """One transaction; afterwards the caches look at the change log again."""
        async with self.db.transaction() as tx:
            yield tx
        self.watch.recheck()
