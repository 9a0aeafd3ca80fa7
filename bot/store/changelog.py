"""The change log: one change set per admin action (an import is one set), one change per fact touched, with
the author, the time and the fact before and after. Reading it: a fact's history, the sets undo may revert, and
the changes release news reports.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from bot.errors import NotFound
from bot.models import Change, Fact
from bot.store.core import Core, kinds_of, marks, now, parse_ref
from bot.store.db import Row, Writer
from bot.store.records import Author, ChangeSet

# The change sets undone now (see ``Undo.undo``): following ``undone_by`` from a set, an odd number of links.
UNDONE_CTE = (
    "WITH RECURSIVE chain(id, next, links) AS (SELECT id, undone_by, 1 FROM change_sets WHERE undone_by IS NOT NULL "
    "UNION ALL SELECT chain.id, s.undone_by, chain.links + 1 FROM chain JOIN change_sets s ON s.id = chain.next "
    "WHERE s.undone_by IS NOT NULL), undone(id) AS (SELECT id FROM chain GROUP BY id HAVING max(links) % 2 = 1) "
)
CHANGE_SQL = UNDONE_CTE + (
    "SELECT c.id, c.set_id, f.kind, f.key, c.action, s.author_id, s.author_name, s.at, c.before, c.after, "
    "s.id IN (SELECT id FROM undone) FROM changes c JOIN change_sets s ON s.id = c.set_id "
    "JOIN facts f ON f.id = c.fact_id "
)
SET_SQL = "SELECT id, action, summary, author_name, at FROM change_sets "


def change_of(row: Row) -> Change:
    change_id, set_id, kind, key, action, author_id, author_name, at, before, after, undone = row
    return Change(
        id=change_id, set_id=set_id, ref=f"{kind}:{key}", action=action, author_id=author_id,
        author_name=author_name, at=dt.datetime.fromisoformat(at), before=json.loads(before) if before else None,
        after=json.loads(after) if after else None, undone=bool(undone),
    )  # fmt: skip


def change_set_of(row: Row) -> ChangeSet:
    set_id, action, summary, author_name, at = row
    return ChangeSet(set_id, action, summary, author_name, dt.datetime.fromisoformat(at))


class ChangeLog(Core):
    """Writing and reading the change log."""

    async def _new_set(self, tx: Writer, action: str, summary: str, author: Author) -> int:
        if action != "seed":
            self.backend.keep()
        row = await tx.fetch_one(
            "INSERT INTO change_sets (action, summary, author_id, author_name, at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (action, summary[:200], author.id, author.name, now().isoformat()),
        )
        assert row is not None
        return int(row[0])

    @staticmethod
    async def _log(tx: Writer, set_id: int, fact_id: int, action: str, before: str | None, after: str | None) -> None:
        await tx.execute(
            "INSERT INTO changes (set_id, fact_id, action, before, after) VALUES (?, ?, ?, ?, ?)",
            (set_id, fact_id, action, before, after),
        )

    async def history(self, ref: str) -> list[Change]:
        kind, key = parse_ref(ref)
        rows = await self.db.fetch(CHANGE_SQL + "WHERE f.kind = ? AND f.key = ? ORDER BY c.id DESC", (kind, key))
        if not rows and await self.db.fetch_one("SELECT 1 FROM facts WHERE kind = ? AND key = ?", (kind, key)) is None:
            raise NotFound(kind, key)
        return [change_of(r) for r in rows]

    async def change_sets(self, text: str = "", *, limit: int = 25) -> list[ChangeSet]:
        rows = await self.db.fetch(
            UNDONE_CTE + SET_SQL + "WHERE author_id IS NOT NULL AND id NOT IN (SELECT id FROM undone) "
            "AND (lower(summary) LIKE lower(?) OR CAST(id AS TEXT) = ?) ORDER BY id DESC LIMIT ?",
            (f"%{text}%", text.strip().lstrip("#"), limit),
        )
        return [change_set_of(row) for row in rows]

    async def changes_after(self, change_id: int, kinds: Sequence[type[Fact]]) -> list[Change]:
        wanted = kinds_of(kinds)
        rows = await self.db.fetch(
            CHANGE_SQL + f"WHERE c.id > ? AND f.kind IN ({marks(wanted)}) AND c.action != 'conflict' ORDER BY c.id",
            (change_id, *wanted),
        )
        return [change_of(r) for r in rows]
