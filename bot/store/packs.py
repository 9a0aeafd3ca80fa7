"""Packs in and out of the store: seeding at start, ``/fact export``, and ``/fact import`` (a dry-run plan, then
one transaction that ``undo`` reverts whole)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from bot.errors import Conflict, Invalid
from bot.models import FACT_TYPES, Fact, changed_fields
from bot.pack import Pack, dump_pack, fact_hash, without_gc_pauses
from bot.store.core import fact_of, now, scalar
from bot.store.db import Writer
from bot.store.records import PACK_AUTHOR, Author, ImportPlan, SeedReport
from bot.store.settings import Settings
from bot.store.writes import Writes, raced

log = logging.getLogger(__name__)


class Packs(Writes, Settings):
    """Seeding, export and import."""

    async def seed(self, packs: Iterable[Pack]) -> SeedReport:
        """Add new facts, update facts the pack changed, never overwrite an admin's edit: a pack fact that
        differs from an admin-edited one is logged as a ``conflict`` change instead.

        One transaction. The facts the store does not hold yet (all of them, on a first start) are added in a
        few batched statements; those it holds with another content, fewer, are written one by one. In the order facts
        were seeded one by one: new facts' rows, then the stored facts (films before the releases named after
        them), then the new facts' look-up rows, then a fact a later pack gives again."""
        with without_gc_pauses():
            return await self._seed(packs)

    async def _seed(self, packs: Iterable[Pack]) -> SeedReport:
        report = SeedReport()
        async with self._transaction() as tx:
            set_id = await self._new_set(tx, "seed", "data pack", PACK_AUTHOR)
            stored = {(kind, key): pack_hash for kind, key, pack_hash in await tx.fetch(
                "SELECT kind, key, pack_hash FROM facts"
            )}  # fmt: skip
            new: dict[tuple[str, str], Fact] = {}
            known: list[Fact] = []
            repeated: list[Fact] = []
            for fact in (fact for pack in packs for fact in pack.facts()):
                ref = (fact.kind, fact.key)
                if ref in stored and stored[ref] == fact_hash(fact):
                    report.unchanged += 1
                elif ref in stored:
                    known.append(fact)
                elif ref in new:
                    repeated.append(fact)
                else:
                    new[ref] = fact
            added = await self._insert(tx, set_id, list(new.values()), PACK_AUTHOR)
            report.added = len(added)
            for fact in known:
                await self._seed_one(tx, set_id, fact, report)
            await self._index_new(tx, added)
            for fact in repeated:
                await self._seed_one(tx, set_id, fact, report)
            if report.added == report.updated == report.conflicts == 0:
                await tx.execute("DELETE FROM change_sets WHERE id = ?", (set_id,))
        return report

    async def _seed_one(self, tx: Writer, set_id: int, fact: Fact, report: SeedReport) -> None:
        new_hash = fact_hash(fact)
        row = await tx.fetch_one(
            "SELECT id, doc, edited, pack_hash FROM facts WHERE kind = ? AND key = ?", (fact.kind, fact.key)
        )
        assert row is not None
        if row[3] == new_hash:  # a later pack gives it again, as it is
            report.unchanged += 1
            return
        if row[2]:
            await self._log(tx, set_id, row[0], "conflict", row[1], fact.model_dump_json())
            await tx.execute("UPDATE facts SET pack_hash = ? WHERE id = ?", (new_hash, row[0]))
            report.conflicts += 1
            log.warning("Pack update of %s not applied: an admin edited it (see /fact history)", fact.ref)
            return
        await self._put(tx, set_id, fact, PACK_AUTHOR, edited=False)
        await tx.execute("UPDATE facts SET pack_hash = ? WHERE id = ?", (new_hash, row[0]))
        report.updated += 1

    async def remember_pack(self, pack: Pack) -> None:
        await self.set_meta("pack", json.dumps([pack.pack, pack.version, pack.title]))

    async def pack_name(self) -> str:
        return (await self._pack_meta())[0]

    async def _pack_meta(self) -> tuple[str, int, str]:
        meta = await self.get_meta("pack")
        if meta is None:
            return "export", 1, "Exported facts"
        name, version, title = json.loads(meta)
        return name, version, title

    async def export(self) -> str:
        """The file records when it was exported, so importing it later can tell an admin's newer edit (a
        conflict, kept) from a change made in the file."""
        facts = [fact for cls in FACT_TYPES.values() for fact in await self.facts(cls)]
        name, version, title = await self._pack_meta()
        return dump_pack(name, version, title, facts, exported_at=now())

    async def plan_import(self, pack: Pack, *, replace: bool = False) -> ImportPlan:
        rows = await self.db.fetch("SELECT kind, key, doc, deleted, updated_at, updated_by FROM facts")
        newest = await scalar(self.db, "SELECT coalesce(max(id), 0) FROM change_sets")
        stored = {
            f"{kind}:{key}": _Stored(kind, doc, bool(gone), dt.datetime.fromisoformat(at), by)
            for kind, key, doc, gone, at, by in rows
        }
        plan = ImportPlan(pack, watermark=newest, live=sum(not s.gone for s in stored.values()))

        def conflict(ref: str) -> str | None:
            """Why the file may not touch this fact: it changed in the store after the export."""
            if pack.exported_at is None or ref not in stored:
                return None
            at, by, gone = stored[ref].at, stored[ref].by, stored[ref].gone
            if at <= pack.exported_at:
                return None
            return f"{'removed' if gone else 'changed'} by {by} at {at:%Y-%m-%d %H:%M} UTC, after the export"

        incoming = {f.ref: f for f in pack.facts()}
        for ref, fact in incoming.items():
            current = stored.get(ref)
            if current is not None and not current.gone and current.holds(fact):
                plan.unchanged += 1
            elif why := conflict(ref):
                plan.conflicts.append((current.fact if current else fact, why))  # named as stored: that is what stays
            elif current is None or current.gone:
                plan.added.append(fact)
            else:
                fields = changed_fields(current.fact.model_dump(mode="json"), fact.model_dump(mode="json"))
                plan.changed.append((fact, fields))
        for ref, current in stored.items():
            if current.gone or ref in incoming:
                continue
            if not replace:
                plan.kept += 1
            elif why := conflict(ref):
                plan.conflicts.append((current.fact, why))
            else:
                plan.removed.append(current.fact)
        return plan

    async def apply_import(self, plan: ImportPlan, author: Author) -> int:
        async with self._transaction() as tx:
            newest, by = await tx.fetch_one("SELECT id, author_name FROM change_sets ORDER BY id DESC LIMIT 1") or (
                0,
                "",
            )
            if newest != plan.watermark:
                raise Conflict(
                    f"The facts changed since this dry run (change #{newest} by {by}), so nothing was imported. "
                    "Run /fact import again to see an up-to-date summary."
                )
            summary = f"import: {len(plan.added)} added, {len(plan.changed)} changed, {len(plan.removed)} removed"
            set_id = await self._new_set(tx, "import", summary, author)
            for fact in [*plan.added, *(fact for fact, _ in plan.changed)]:
                await self._put(tx, set_id, fact, author)
            for fact in plan.removed:
                row = await tx.fetch_one(
                    "SELECT id, doc FROM facts WHERE kind = ? AND key = ? AND NOT deleted", (fact.kind, fact.key)
                )
                if row is None:
                    raise raced(fact.ref)
                await self._set_deleted(tx, set_id, row[0], fact.ref, row[1], True, author)
            problems = await self._set_problems(tx, set_id)
            if problems:
                raise Invalid("Nothing was imported: the result would be inconsistent: " + "; ".join(problems[:5]))
        return set_id


@dataclass
class _Stored:
    """A stored fact as a dry run reads it: parsed only when the file's version of it is not the same text."""

    kind: str
    doc: str
    gone: bool
    at: dt.datetime
    by: str

    @cached_property
    def fact(self) -> Fact:
        return fact_of(self.kind, self.doc)

    def holds(self, fact: Fact) -> bool:
        """Whether ``fact`` is what is stored: the same JSON, as it is written (most facts of an export sent back),
        or else the same content."""
        return fact.model_dump_json() == self.doc or self.fact == fact
