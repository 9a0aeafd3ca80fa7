"""Copying a whole store into another database (``mi-bot db copy``): SQLite to PostgreSQL and back.

The source is read inside one of its transactions (writes take turns, so it is a consistent moment even while a
bot runs on it) and the target is written in one transaction: a failed copy leaves the target as it was. Rows keep
their ids, so the change log, undo chains and links stay as they were; the search index is built anew, each
backend its own way.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import Invalid, StoreUnavailable
from bot.store.core import Core, fact_of
from bot.store.db import Reader, Row, Writer
from bot.store.writes import Writes, documents

# Every table the shared logic writes, in an order in which each row's references are copied before it.
TABLES = {
    "facts": "id, kind, key, doc, revision, deleted, edited, pack_hash, updated_at, updated_by, film",
    "names": "id, fact_id, kind, folded, name, primary_name",
    "links": "fact_id, target",
    "places": "fact_id, what, place",
    "days": "fact_id, day, earliest",
    "change_sets": "id, action, summary, author_id, author_name, at, undone_by",
    "changes": "id, set_id, fact_id, action, before, after",
    "meta": "key, value",
    "guild_settings": "guild_id, bts_channel_id, announce_channel_id, region, weekly_pick, mention_replies, "
    "disabled_reason, trivia_channel_id, trivia_hour, on_this_day_channel_id",
    "seen_feed_items": "feed_url, item_id, seen_at",
    "posts": "guild_id, item, posted_at",
    "trivia_rounds": "id, question, mode, guild_id, channel_id, message_id, asker_id, started_at, closes_at, "
    "closed_at, winner_id",
    "trivia_answers": "round_id, user_id, user_name, choice, correct, answered_at",
    "trivia_scores": "scope, user_id, user_name, points, answered, streak, best_streak",
    "trivia_seen": "player, question, seen_at",
}
BOOLEANS = {"deleted", "edited", "primary_name", "weekly_pick", "mention_replies", "correct"}  # 0/1 on SQLite
CHUNK = 1000


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


def _typed(columns: list[str], row: Row) -> Row:
    return tuple(bool(value) if name in BOOLEANS else value for name, value in zip(columns, row, strict=True))


async def _count(db: Reader, table: str) -> int:
    row = await db.fetch_one(f"SELECT count(*) FROM {table}")
    assert row is not None
    return int(row[0])


class Copying(Writes):
    """``copy_from``."""

    async def copy_from(self, source: Core, *, replace: bool = False) -> list[Copied]:
        """Copy every row of ``source`` into this store, which must be empty unless ``replace`` (then what it held
        is replaced). Refused with nothing written when the row counts differ afterwards."""
        async with source.db.transaction() as reader, self._transaction() as tx:
            held = {table: await _count(tx, table) for table in TABLES}
            if any(held.values()) and not replace:
                raise Invalid(
                    f"The target database is not empty ({held['facts']} facts, {held['change_sets']} change sets, "
                    f"{held['guild_settings']} server settings); nothing was copied. Add --replace to replace them."
                )
            await self._clear(tx)
            for table, columns in TABLES.items():
                await self._copy_table(reader, tx, table, columns.split(", "))
            await self.backend.follow_ids(tx)
            live = await tx.fetch("SELECT id, kind, doc FROM facts WHERE NOT deleted ORDER BY id")
            facts = [fact_of(kind, doc) for _, kind, doc in live]
            await self.index.add(tx, list(zip([row[0] for row in live], await documents(tx, facts), strict=True)))
            expected = {table: await _count(reader, table) for table in TABLES}
            copied = [Copied(table, await _count(tx, table)) for table in TABLES]
            wrong = [f"{c.table} {expected[c.table]} → {c.rows}" for c in copied if c.rows != expected[c.table]]
            if wrong:
                raise StoreUnavailable(f"The copy's row counts differ ({', '.join(wrong)}), so nothing was copied.")
        return copied

    async def _clear(self, tx: Writer) -> None:
        for (fact_id,) in await tx.fetch("SELECT id FROM facts WHERE NOT deleted"):
            await self.index.remove(tx, fact_id)
        await tx.execute("UPDATE change_sets SET undone_by = NULL")
        for table in reversed(TABLES):
            await tx.execute(f"DELETE FROM {table}")

    @staticmethod
    async def _copy_table(reader: Reader, tx: Writer, table: str, columns: list[str]) -> None:
        """A change set may name a later one (``undone_by``): those links are written once every set is there."""
        rows = [_typed(columns, row) for row in await reader.fetch(f"SELECT {', '.join(columns)} FROM {table}")]
        later = "undone_by" in columns
        if later:
            at = columns.index("undone_by")
            links = [(row[at], row[0]) for row in rows if row[at] is not None]
            rows = [(*row[:at], None, *row[at + 1 :]) for row in rows]
        insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        for start in range(0, len(rows), CHUNK):
            await tx.execute_many(insert, rows[start : start + CHUNK])
        if later:
            await tx.execute_many("UPDATE change_sets SET undone_by = ? WHERE id = ?", links)
