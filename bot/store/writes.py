"""Writing facts: add, edit, remove and restore, each one transaction that also writes the look-up rows (names,
links, places, days, the search index) and the change log, so nothing is ever half-written.

Every write keeps the rules of ``bot.rules`` (checked against the live store, here), and a fact's row is changed
only if it is still as it was when the change was decided (``WHERE id = ? AND revision = ?``, then the row count):
of two processes changing one fact at once, one wins and the other is refused, losing nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot import rules
from bot.errors import Conflict, Invalid, NotFound
from bot.models import FACT_TYPES, Fact, Film, Location, Release, changed_fields
from bot.pack import fact_hash
from bot.store.changelog import ChangeLog
from bot.store.core import fact_of, marks, now, parse_ref, scalar
from bot.store.days import INSERT_DAYS_SQL, days_of
from bot.store.db import Document, Reader, Row, Writer
from bot.store.names import Names
from bot.store.records import Author, Entry, F, Place
from bot.text import body_text, fold

CHUNK = 500  # values per ``IN (…)`` list: far below every backend's limit on parameters

_LIVE_SQL = "SELECT kind, key FROM facts WHERE kind = ? AND NOT deleted AND key IN ({})"
_HOLDERS_SQL = (
    "SELECT n.kind, n.folded, f.key FROM names n JOIN facts f ON f.id = n.fact_id "
    "WHERE n.kind = ? AND NOT f.deleted AND n.folded IN ({})"
)
# The live facts a change set wrote, and the live facts pointing at the facts it removed.
_TOUCHED_SQL = (
    "SELECT f.kind, f.doc FROM changes c JOIN facts f ON f.id = c.fact_id WHERE c.set_id = ? AND NOT f.deleted "
    "UNION SELECT u.kind, u.doc FROM changes c JOIN facts g ON g.id = c.fact_id "
    "JOIN links l ON l.target = g.kind || ':' || g.key JOIN facts u ON u.id = l.fact_id "
    "WHERE c.set_id = ? AND g.deleted AND NOT u.deleted"
)


def places_of(fact_id: int, fact: Fact) -> list[tuple[int, Place, str]]:
    """The ``places`` rows of a fact: a filming location's country, a release's region."""
    if isinstance(fact, Location):
        return [(fact_id, "country", fact.country)]
    if isinstance(fact, Release):
        return [(fact_id, "premiere" if fact.premiere else "region", fact.region)]
    return []


def overtaken(expected: Entry[Fact], current: Entry[Fact]) -> str:
    """Why an edit of ``expected`` is refused now that the fact is ``current``: who changed which fields, when."""
    theirs = changed_fields(expected.fact.model_dump(mode="json"), current.fact.model_dump(mode="json"))
    return (
        f"{current.fact.label} was changed by {current.updated_by} at {current.updated_at:%Y-%m-%d %H:%M} UTC after "
        f"you opened it ({'changed: ' + ', '.join(theirs) if theirs else 'removed and restored'}). "
        "Nothing was overwritten: run /fact edit again to see their version."
    )


def raced(ref: str) -> Conflict:
    """Another process changed ``ref`` between this transaction's read and its write."""
    return Conflict(f"{ref} was changed by someone else at the same moment, so nothing was changed. Try again.")


async def _by_kind(db: Reader, sql: str, pairs: Collection[tuple[str, str]]) -> list[Row]:
    """The rows of ``sql`` (``kind = ?`` and an ``IN ({})`` list) for every ``(kind, value)``, a chunk at a time."""
    by_kind: dict[str, list[str]] = {}
    for kind, value in sorted(pairs):
        by_kind.setdefault(kind, []).append(value)
    rows: list[Row] = []
    for kind, values in by_kind.items():
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            rows += await db.fetch(sql.format(marks(chunk)), (kind, *chunk))
    return rows


class Writes(Names, ChangeLog):
    """Admin writes of single facts, and the parts every write shares."""

    async def add(self, fact: F, author: Author) -> Entry[F]:
        async with self._transaction() as tx:
            row = await tx.fetch_one("SELECT deleted FROM facts WHERE kind = ? AND key = ?", (fact.kind, fact.key))
            if row is not None:
                hint = " (it was removed: use /fact restore)" if row[0] else ""
                raise Invalid(f"There is already a {fact.kind} with the key {fact.key!r}{hint}.")
            await self._check(tx, fact)
            set_id = await self._new_set(tx, "add", f"added {fact.kind} {fact.label}", author)
            return await self._put(tx, set_id, fact, author)

    async def update(self, fact: F, author: Author, *, expected: Entry[Fact]) -> Entry[F]:
        """Written only while the fact is still at ``expected.revision`` (checked by the write itself, so it holds
        across processes). A release whose date moves keeps the old date in its history, so fans can see the delay."""
        async with self._transaction() as tx:
            current = await self._entry_in(tx, fact.ref)
            if isinstance(fact, Release) and isinstance(current.fact, Release):
                fact = fact.keeping_history_of(current.fact, now().date())
            if fact == current.fact:
                return Entry(fact, current.revision, current.updated_at, current.updated_by, current.edited)
            await self._check(tx, fact)
            set_id = await self._new_set(tx, "edit", f"edited {fact.kind} {fact.label}", author)
            return await self._put(tx, set_id, fact, author, expected=expected)

    async def removable(self, ref: str) -> Entry[Fact]:
        entry = await self.entry(ref)
        await self._refuse_if_used(self.db, entry.fact)
        return entry

    async def remove(self, ref: str, author: Author) -> Fact:
        kind, key = parse_ref(ref)
        async with self._transaction() as tx:
            row = await tx.fetch_one(
                "SELECT id, doc FROM facts WHERE kind = ? AND key = ? AND NOT deleted", (kind, key)
            )
            if row is None:
                raise NotFound(kind, key)
            fact = fact_of(kind, row[1])
            await self._refuse_if_used(tx, fact)
            set_id = await self._new_set(tx, "remove", f"removed {kind} {fact.label}", author)
            await self._set_deleted(tx, set_id, row[0], fact.ref, row[1], True, author)
        return fact

    async def restore(self, ref: str, author: Author) -> Fact:
        kind, key = parse_ref(ref)
        async with self._transaction() as tx:
            row = await tx.fetch_one("SELECT id, doc FROM facts WHERE kind = ? AND key = ? AND deleted", (kind, key))
            if row is None:
                raise NotFound(f"removed {kind}", key)
            fact = fact_of(kind, row[1])
            await self._check(tx, fact)
            set_id = await self._new_set(tx, "restore", f"restored {kind} {fact.label}", author)
            await self._set_deleted(tx, set_id, row[0], fact.ref, row[1], False, author)
        return fact

    # ----------------------------------------------------------------- the rules, against the live store

    async def _breaks(self, db: Reader, facts: Sequence[Fact]) -> tuple[list[rules.NameClash], list[rules.Dangling]]:
        """Where ``facts`` (as they are, or are about to be, stored) break a rule against the other live facts."""
        own = {(fact.kind, fact.key) for fact in facts}
        wanted = {(kind, key) for fact in facts for _, kind, key in fact.references()}
        exists = {(kind, key) for kind, key in await _by_kind(db, _LIVE_SQL, wanted)}
        names = {(fact.kind, fold(name)) for fact in facts if not isinstance(fact, Release) for name in fact.names}
        holders = await _by_kind(db, _HOLDERS_SQL, names)
        taken = {(kind, folded): key for kind, folded, key in holders if (kind, key) not in own}
        return rules.name_clashes(facts, taken), rules.dangling(facts, exists)

    async def _check(self, tx: Writer, fact: Fact) -> None:
        """Refuse, in words for the admin, a fact that would point at a missing one or use a taken name."""
        clashes, missing = await self._breaks(tx, [fact])
        for ref in missing:
            near = await self.suggest(FACT_TYPES[ref.kind], ref.key.replace("-", " "), limit=3)
            hint = f" Did you mean {', '.join(f'`{f.key}` ({f.label})' for f in near)}?" if near else ""
            raise Invalid(f"{ref.path}: there is no {ref.kind} with the key {ref.key!r}.{hint}")
        for clash in clashes:
            raise Invalid(f"The name {clash.name!r} is already used by the {fact.kind} {clash.other!r}.")

    async def _set_problems(self, tx: Writer, set_id: int) -> list[str]:
        """What the change set ``set_id`` would leave broken, checked where it could break a rule: the facts it
        wrote, and the live facts pointing at the facts it removed."""
        touched = [fact_of(kind, doc) for kind, doc in await tx.fetch(_TOUCHED_SQL, (set_id, set_id))]
        clashes, missing = await self._breaks(tx, touched)
        return [f"{touched[m.index].ref} › {m.path} would point at the missing {m.kind} {m.key!r}" for m in missing] + [
            f"the {touched[c.index].kind} name {c.name!r} would be used twice" for c in clashes
        ]

    async def _refuse_if_used(self, db: Reader, fact: Fact) -> None:
        users = [f"{user.kind} {user.label}" for user in await self._users(db, fact)]
        if users:
            more = f" and {len(users) - 5} more" if len(users) > 5 else ""
            raise Invalid(
                f"{fact.label} cannot be removed: it is still used by {', '.join(users[:5])}{more}. "
                "Edit or remove those first. Nothing was changed."
            )

    # ----------------------------------------------------------------- one fact's rows

    async def _put(
        self,
        tx: Writer,
        set_id: int,
        fact: F,
        author: Author,
        *,
        edited: bool = True,
        expected: Entry[Fact] | None = None,
    ) -> Entry[F]:
        """Insert or replace one fact (un-deleting it), index it and log the change. A stored fact is replaced
        only while it is at the revision ``expected`` holds (by default, the one read here)."""
        row = await tx.fetch_one(
            "SELECT id, doc, deleted, revision, edited FROM facts WHERE kind = ? AND key = ?", (fact.kind, fact.key)
        )
        at, doc, film = now(), fact.model_dump_json(), getattr(fact, "film", None)
        if row is None:
            added = await tx.fetch_one(
                "INSERT INTO facts (kind, key, doc, film, edited, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                (fact.kind, fact.key, doc, film, edited, at.isoformat(), author.name),
            )
            assert added is not None
            fact_id, before, action, revision = int(added[0]), None, "add", 1
        else:
            fact_id, stored, gone, revision, was_edited = row
            revision = expected.revision if expected else revision
            written = await tx.execute(
                "UPDATE facts SET doc = ?, film = ?, revision = revision + 1, deleted = FALSE, edited = edited OR ?, "
                "updated_at = ?, updated_by = ? WHERE id = ? AND revision = ?",
                (doc, film, edited, at.isoformat(), author.name, fact_id, revision),
            )
            if not written:
                raise await self._refusal(tx, fact.ref, expected)
            before, action = (None, "add") if gone else (stored, "edit")
            revision, edited = revision + 1, edited or bool(was_edited)
        await self._index(tx, fact_id, fact)
        await self._log(tx, set_id, fact_id, action, before, doc)
        return Entry(fact, revision, at, author.name, edited)

    async def _refusal(self, tx: Writer, ref: str, expected: Entry[Fact] | None) -> Conflict:
        """The refusal of a write that lost a race with another process: who won, when an editor was waiting."""
        if expected is None:
            return raced(ref)
        return Conflict(overtaken(expected, await self._entry_in(tx, ref, include_deleted=True)))

    async def _set_deleted(
        self, tx: Writer, set_id: int, fact_id: int, ref: str, doc: str, deleted: bool, author: Author
    ) -> None:
        """Remove (soft) or restore one fact, if it is not so already, and log it."""
        written = await tx.execute(
            "UPDATE facts SET deleted = ?, edited = TRUE, revision = revision + 1, updated_at = ?, updated_by = ? "
            "WHERE id = ? AND deleted = ?",
            (deleted, now().isoformat(), author.name, fact_id, not deleted),
        )
        if not written:
            raise raced(ref)
        if deleted:
            await self._unindex(tx, fact_id)
            await self._log(tx, set_id, fact_id, "remove", doc, None)
        else:
            kind, _ = parse_ref(ref)
            await self._index(tx, fact_id, fact_of(kind, doc))
            await self._log(tx, set_id, fact_id, "restore", None, doc)

    async def _index(self, tx: Writer, fact_id: int, fact: Fact) -> None:
        """(Re)write the look-up rows of one fact: names, links, places, days and the search index."""
        await self._unindex(tx, fact_id)
        await self._index_new(tx, [(fact_id, fact)])

    async def _index_new(self, tx: Writer, facts: Sequence[tuple[int, Fact]]) -> None:
        """Write the look-up rows of facts (by id) that have none: names, links, places, days, then the search index,
        each in one batched statement however many facts there are."""
        await tx.execute_many(
            "INSERT INTO names (fact_id, kind, folded, name, primary_name) VALUES (?, ?, ?, ?, ?)",
            [(i, fact.kind, fold(name), name, n == 0) for i, fact in facts for n, name in enumerate(fact.names)],
        )
        await tx.execute_many(
            "INSERT INTO links (fact_id, target) VALUES (?, ?)",
            [(i, f"{kind}:{key}") for i, fact in facts for _, kind, key in fact.references()],
        )
        await tx.execute_many(
            "INSERT INTO places (fact_id, what, place) VALUES (?, ?, ?)",
            [row for i, fact in facts for row in places_of(i, fact)],
        )
        await tx.execute_many(INSERT_DAYS_SQL, [row for i, fact in facts for row in days_of(i, fact)])
        found = await documents(tx, [fact for _, fact in facts])
        await self.index.add(tx, [(i, doc) for (i, _), doc in zip(facts, found, strict=True)])

    async def _unindex(self, tx: Writer, fact_id: int) -> None:
        """Remove one fact's look-up rows: a removed fact is found by nothing but its reference."""
        await self.index.remove(tx, fact_id)
        await tx.execute("DELETE FROM names WHERE fact_id = ?", (fact_id,))
        await tx.execute("DELETE FROM links WHERE fact_id = ?", (fact_id,))
        await tx.execute("DELETE FROM places WHERE fact_id = ?", (fact_id,))
        await tx.execute("DELETE FROM days WHERE fact_id = ?", (fact_id,))

    # ----------------------------------------------------------------- many new facts at once

    async def _insert(self, tx: Writer, set_id: int, facts: Sequence[Fact], author: Author) -> list[tuple[int, Fact]]:
        """Add facts that have no row yet, as a pack adds them (``edited`` false, with their pack fingerprint), in a
        few batched statements: their rows and change log. Their look-up rows (``_index_new``) are the caller's to
        write, once every fact they name is there; returns the facts with their ids for it."""
        if not facts:
            return []
        at = now().isoformat()
        docs = [fact.model_dump_json() for fact in facts]
        newest = await scalar(tx, "SELECT coalesce(max(id), 0) FROM facts")
        await tx.execute_many(
            "INSERT INTO facts (kind, key, doc, film, edited, pack_hash, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, FALSE, ?, ?, ?)",
            [
                (fact.kind, fact.key, doc, getattr(fact, "film", None), fact_hash(fact), at, author.name)
                for fact, doc in zip(facts, docs, strict=True)
            ],
        )
        ids = {(k, key): i for i, k, key in await tx.fetch("SELECT id, kind, key FROM facts WHERE id > ?", (newest,))}
        fact_ids = [ids[fact.kind, fact.key] for fact in facts]
        await tx.execute_many(
            "INSERT INTO changes (set_id, fact_id, action, before, after) VALUES (?, ?, 'add', NULL, ?)",
            [(set_id, fact_id, doc) for fact_id, doc in zip(fact_ids, docs, strict=True)],
        )
        return list(zip(fact_ids, facts, strict=True))


async def documents(tx: Writer, facts: Sequence[Fact]) -> list[Document]:
    """What search reads of these facts, releases named after their films as stored now (one query for all)."""
    wanted = {(Film.kind, fact.film) for fact in facts if isinstance(fact, Release)}
    rows = await _by_kind(tx, "SELECT doc FROM facts WHERE kind = ? AND key IN ({})", wanted)
    films = {film.key: film for film in (Film.model_validate_json(doc) for (doc,) in rows)}
    return [document(fact, films.get(fact.film) if isinstance(fact, Release) else None) for fact in facts]


def document(fact: Fact, film: Film | None) -> Document:
    """What search reads of a fact; a release is named by its film's title and region, and found by the film's
    other names (its aliases and earlier titles)."""
    if not isinstance(fact, Release):
        return Document(fact.names[0], fact.names[1:], body_text(fact))
    name = f"{film.title if film else fact.film} {fact.region}"
    return Document(name, film.names[1:] if film else [], body_text(fact))
