"""Undo: revert one change set as a whole (an import too), putting back only the fields its changes touched."""

from __future__ import annotations

import json

from bot.errors import Conflict, NotFound
from bot.models import FACT_TYPES, Change
from bot.store.changelog import CHANGE_SQL, SET_SQL, UNDONE_CTE, change_of, change_set_of
from bot.store.core import parse_ref
from bot.store.db import Writer
from bot.store.records import Author, ChangeSet
from bot.store.writes import Writes

PAST = {"add": "added", "remove": "removed", "restore": "restored"}


class Undo(Writes):
    """``/fact undo``."""

    async def undo(self, set_id: int, author: Author) -> ChangeSet:
        """Revert one change set in one transaction, recorded as a new change set (returned); undoing that one
        redoes the original.

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
        async with self._transaction() as tx:
            row = await tx.fetch_one(
                UNDONE_CTE + "SELECT action, summary, undone_by, id IN (SELECT id FROM undone) FROM change_sets "
                "WHERE id = ?",
                (set_id,),
            )
            if row is None or row[0] == "seed":
                raise NotFound("change", f"#{set_id}")
            _, summary, undone_by, undone = row
            if undone:
                raise Conflict(f"Change #{set_id} was already undone (by change #{undone_by}). Nothing was changed.")
            rows = await tx.fetch(
                CHANGE_SQL + "WHERE c.set_id = ? AND c.action != 'conflict' ORDER BY c.id DESC", (set_id,)
            )
            undo_id = await self._new_set(tx, "undo", f"undid #{set_id}: {summary}", author)
            for change in map(change_of, rows):
                await self._revert(tx, undo_id, change, author)
            problems = await self._set_problems(tx, undo_id)
            if problems:
                raise Conflict(f"Change #{set_id} cannot be undone: {problems[0]}. Nothing was changed.")
            await tx.execute("UPDATE change_sets SET undone_by = ? WHERE id = ?", (undo_id, set_id))
            done = await tx.fetch_one(SET_SQL + "WHERE id = ?", (undo_id,))
            assert done is not None
            return change_set_of(done)

    async def _revert(self, tx: Writer, set_id: int, change: Change, author: Author) -> None:
        """Put back what one change did, if the fact still shows that change in the fields it touched."""
        kind, key = parse_ref(change.ref)
        row = await tx.fetch_one("SELECT id, doc, deleted FROM facts WHERE kind = ? AND key = ?", (kind, key))
        assert row is not None  # facts are never deleted for good
        fact_id, doc, deleted = row
        current = None if deleted else json.loads(doc)
        if change.before is None:  # it was added (or restored): remove it again, if nobody edited it since
            if current != change.after:
                raise Conflict(await self._blocked(tx, change))
            await self._set_deleted(tx, set_id, fact_id, change.ref, doc, True, author)
        elif change.after is None:  # it was removed: bring it back, if nobody did already
            if current is not None:
                raise Conflict(await self._blocked(tx, change))
            await self._set_deleted(tx, set_id, fact_id, change.ref, doc, False, author)
        else:
            fields = change.fields
            if current is None or any(current.get(f) != change.after.get(f) for f in fields):
                raise Conflict(await self._blocked(tx, change))
            reverted = {k: v for k, v in current.items() if k not in fields}
            reverted.update({f: change.before[f] for f in fields if f in change.before})
            await self._put(tx, set_id, FACT_TYPES[kind].model_validate(reverted), author)

    @staticmethod
    async def _blocked(tx: Writer, change: Change) -> str:
        """Why a change cannot be undone: the latest later change of the same fact that touched its fields."""
        rows = await tx.fetch(
            CHANGE_SQL + "WHERE c.fact_id = (SELECT fact_id FROM changes WHERE id = ?) AND c.id > ? "
            "AND c.action != 'conflict' ORDER BY c.id DESC",
            (change.id, change.id),
        )
        newer = next((c for c in map(change_of, rows) if set(c.fields) & set(change.fields)), None)
        if newer is None:
            return f"Change #{change.set_id} cannot be undone: {change.ref} changed since. Nothing was changed."
        touched = ", ".join(sorted(set(change.fields) & set(newer.fields)))
        did = f"changed {touched} of" if newer.action == "edit" else PAST.get(newer.action, newer.action)
        return (
            f"Change #{change.set_id} cannot be undone: {newer.author_name} {did} {change.ref} later "
            f"(change #{newer.set_id}, {newer.at:%Y-%m-%d %H:%M} UTC). Undo that one first, or edit the fact by "
            "hand. Nothing was changed."
        )
