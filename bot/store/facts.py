"""Reading facts: one by its reference, a kind's list (by film, by keys, by place), the facts linked to one, the
films, the places they are in, and facts drawn at random: each by index, never by reading a whole kind.

Films are read by nearly every card and change rarely, so they are cached (see ``bot.store.cache``). A look-up
by reference and the facts around one are small indexed reads, made on the event loop (``Database.now``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.errors import NotFound
from bot.models import FACT_TYPES, Fact, Film
from bot.store.cache import Cached
from bot.store.core import ENTRY_COLUMNS, Core, entry_of, fact_as, fact_of, kinds_of, marks, parse_ref, scalar
from bot.store.db import Backend, Reader, Row, Value
from bot.store.records import Entry, F, Kinds, Place
from bot.text import NameIndex, fold, place_matches

_ENTRY_SQL = f"SELECT {ENTRY_COLUMNS} FROM facts WHERE kind = ? AND key = ?"
# The live facts that point at a fact (by its ``kind:key`` reference), in the order they were added.
_USERS_SQL = "SELECT f.kind, f.doc FROM links l JOIN facts f ON f.id = l.fact_id WHERE l.target = ? AND NOT f.deleted"
_LIVE_SQL = "SELECT id, kind, doc FROM facts WHERE kind = ? AND NOT deleted"
_AROUND_SQL = _USERS_SQL.replace("SELECT f.kind", "SELECT f.id, f.kind")
# Every distinct place of one sort, one index seek each (a loose index scan): a few dozen at any size.
_PLACES_SQL = (
    "WITH RECURSIVE p(place) AS (SELECT min(place) FROM places WHERE what = ? UNION ALL "
    "SELECT (SELECT min(place) FROM places WHERE what = ? AND place > p.place) FROM p WHERE p.place IS NOT NULL) "
    "SELECT place FROM p WHERE place IS NOT NULL"
)
PLACE_SORTS = "('country', 'region', 'premiere')"  # every sort of ``places`` row, for its index
REMOVED_PAGE = 200  # removed facts read at a time, newest first, until enough match


class Facts(Core):
    """Look-ups by reference, kind, film and link."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self._films = Cached(self.watch, self._read_films)
        self._film_names = Cached(self.watch, self._read_film_names)

    async def entry(self, ref: str, *, include_deleted: bool = False) -> Entry[Fact]:
        return _only_entry(await self.db.now.fetch(_ENTRY_SQL, parse_ref(ref)), ref, include_deleted)

    @staticmethod
    async def _entry_in(db: Reader, ref: str, *, include_deleted: bool = False) -> Entry[Fact]:
        """The entry, read through ``db`` (inside a transaction: with what it wrote)."""
        return _only_entry(await db.fetch(_ENTRY_SQL, parse_ref(ref)), ref, include_deleted)

    async def get(self, ref: str) -> Fact:
        return (await self.entry(ref)).fact

    async def facts(
        self,
        kind: type[F],
        *,
        film: str | None = None,
        keys: Sequence[str] | None = None,
        places: Sequence[str] | None = None,
        deleted: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[F]:
        if (keys is not None and not keys) or (places is not None and not places):
            return []
        where, params = _where(kind, film=film, keys=keys, places=places, deleted=deleted)
        # Facts by key are read by the (kind, key) index and then sorted: ``ORDER BY id`` alone made SQLite walk
        # every live fact of the kind in id order for two keys or more (4 ms at 100,000 facts, not 0.05).
        order = "+id" if keys is not None else "id"
        sql = f"SELECT doc FROM facts WHERE {where} ORDER BY {order}"
        if limit is not None:  # a page: the ids by index first, so that only the page's documents are read
            sql = f"SELECT doc FROM facts WHERE id IN (SELECT id FROM facts WHERE {where} ORDER BY {order} LIMIT ? "
            sql += "OFFSET ?) ORDER BY id"
            params += [limit, offset]
        # As many rows as keys, or live facts by index from the first up to a limit or of one film (tens): a small
        # read. A whole kind, a country's places, removed facts or a page far down a list grow with the data.
        first = limit is not None and not offset
        small = keys is not None or (places is None and not deleted and (first or film is not None))
        read = self.db.now.fetch if small else self.db.fetch
        return [fact_as(kind, doc) for (doc,) in await read(sql, params)]

    async def count(self, kind: type[Fact], *, film: str | None = None, places: Sequence[str] | None = None) -> int:
        if places is not None and not places:
            return 0
        where, params = _where(kind, film=film, keys=None, places=places, deleted=False)
        return int(await scalar(self.db, f"SELECT count(*) FROM facts WHERE {where}", params))

    async def places(self, what: Sequence[Place], text: str = "") -> list[str]:
        found = {place for each in what for (place,) in await self.db.fetch(_PLACES_SQL, (each, each))}
        return sorted((place for place in found if place_matches(place, text)), key=str.casefold)

    async def films(self) -> dict[str, Film]:
        return await self._films.get()

    async def _read_films(self) -> dict[str, Film]:
        return {film.key: film for film in await self.facts(Film)}

    async def folded_film_names(self) -> NameIndex:
        """Every name of every film, folded, for spotting films named in a question."""
        return await self._film_names.get()

    async def _read_film_names(self) -> NameIndex:
        return NameIndex.of((film.key, fold(name)) for film in (await self.films()).values() for name in film.names)

    async def linked(self, kind: type[F], ref: str) -> list[F]:
        rows = await self.db.now.fetch(_USERS_SQL + " AND f.kind = ? ORDER BY f.id", (ref, kind.kind))
        return [fact_as(kind, doc) for _, doc in rows]

    async def neighbours(self, fact: Fact) -> list[Fact]:
        """The live facts pointing at ``fact`` and those it points at (its places and stunts; not its film), in the
        order they were added: what its card shows beside it, in one indexed read."""
        sql, params = _AROUND_SQL, list[Value]([fact.ref])
        for kind, keys in (("location", getattr(fact, "locations", [])), ("stunt", getattr(fact, "stunts", []))):
            if keys:
                sql += f" UNION {_LIVE_SQL} AND key IN ({marks(keys)})"
                params += [kind, *keys]
        rows = await self.db.now.fetch(f"SELECT kind, doc FROM ({sql}) AS around ORDER BY id", params)
        return [fact_of(kind, doc) for kind, doc in rows]

    async def _users(self, db: Reader, fact: Fact) -> list[Fact]:
        """Every live fact pointing at ``fact`` (read through ``db``: inside a transaction, its own view)."""
        return [fact_of(kind, doc) for kind, doc in await db.fetch(_USERS_SQL + " ORDER BY f.id", (fact.ref,))]

    async def sample(self, kind: Kinds, count: int, *, film: str | None = None) -> list[Fact]:
        """Each fact is read by a random position in its kind's index of live facts (of the film's, given one): a
        count, then an offset."""
        where = [_where(FACT_TYPES[k], film=film, keys=None, places=None, deleted=False) for k in kinds_of(kind)]
        sizes = [int(await scalar(self.db, f"SELECT count(*) FROM facts WHERE {sql}", params)) for sql, params in where]
        picked: list[Fact] = []
        for position in random.sample(range(sum(sizes)), min(count, sum(sizes))):
            at = 0  # the kind the position falls in, and the position within it
            while position >= sizes[at]:
                position, at = position - sizes[at], at + 1
            sql, params = where[at]
            row = await self.db.fetch_one(
                f"SELECT kind, doc FROM facts WHERE {sql} ORDER BY id LIMIT 1 OFFSET ?", [*params, position]
            )
            if row is not None:  # None only when facts were removed since the count
                picked.append(fact_of(*row))
        return picked

    async def counts(self) -> dict[str, int]:
        found: dict[str, int] = dict(
            await self.db.fetch("SELECT kind, count(*) FROM facts WHERE NOT deleted GROUP BY kind")
        )
        return {kind: found.get(kind, 0) for kind in FACT_TYPES}

    async def removed_facts(self, text: str = "", *, limit: int = 25) -> list[Fact]:
        """Read from the index of removed facts, newest first, a page at a time until ``limit`` match."""
        query = fold(text)
        found: list[Fact] = []
        offset = 0
        while True:
            rows = await self.db.fetch(
                "SELECT kind, doc FROM facts WHERE deleted ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?",
                (REMOVED_PAGE, offset),
            )
            removed = (fact_of(kind, doc) for kind, doc in rows)
            found += [f for f in removed if any(query in fold(name) for name in [f.key, *f.names])]
            if len(found) >= limit or len(rows) < REMOVED_PAGE:
                return found[:limit]
            offset += REMOVED_PAGE


def _where(
    kind: type[Fact], *, film: str | None, keys: Sequence[str] | None, places: Sequence[str] | None, deleted: bool
) -> tuple[str, list[Value]]:
    """The condition (and its parameters) picking a kind's facts of one film, with these keys, in these places."""
    # ``deleted`` as written, not a parameter, so that SQLite reads the partial index of live (or removed) facts
    where, params = f"kind = ? AND {'' if deleted else 'NOT '}deleted", list[Value]([kind.kind])
    if film:
        where += " AND film = ?"
        params.append(film)
    if keys is not None:  # as many rows as keys: a small read
        where += f" AND key IN ({marks(keys)})"
        params += keys
    if places is not None:
        where += f" AND id IN (SELECT fact_id FROM places WHERE what IN {PLACE_SORTS} AND place IN ({marks(places)}))"
        params += places
    return where, params


def _only_entry(rows: list[Row], ref: str, include_deleted: bool) -> Entry[Fact]:
    """The entry a look-up by reference found; NotFound when there is none (or it was removed, unless wanted)."""
    if not rows or (rows[0][6] and not include_deleted):
        raise NotFound(*parse_ref(ref))
    return entry_of(rows[0])
