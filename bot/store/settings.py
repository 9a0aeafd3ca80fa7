"""Per-server settings (members with Manage Server change them) and the store's own notes in ``meta`` (the pack
it was seeded from, digests that let a restart skip seeding and command sync)."""

from __future__ import annotations

from bot.store.core import Core, scalar
from bot.store.db import Row, Value
from bot.store.records import SETTINGS, GuildSettings

# Whether a store holds what no pack can re-create: admin changes (edits, imports, videos from feeds), settings,
# or trivia (the rounds asked, the players' scores).
HOLDS_CHANGES_SQL = (
    "SELECT EXISTS (SELECT 1 FROM change_sets WHERE action != 'seed') OR EXISTS (SELECT 1 FROM guild_settings) "
    "OR EXISTS (SELECT 1 FROM trivia_rounds) OR EXISTS (SELECT 1 FROM trivia_scores)"
)
_SETTINGS_SQL = f"SELECT guild_id, {', '.join(SETTINGS)} FROM guild_settings "


def settings_of(row: Row) -> GuildSettings:
    guild_id, bts, announce, region, weekly, mentions, reason, trivia, hour, on_this_day = row
    return GuildSettings(
        guild_id, bts, announce, region, bool(weekly), bool(mentions), reason, trivia, hour, on_this_day
    )


class Settings(Core):
    """Server settings and meta."""

    async def holds_changes(self) -> bool:
        return bool(await scalar(self.db, HOLDS_CHANGES_SQL))

    async def get_meta(self, key: str) -> str | None:
        row = await self.db.fetch_one("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        async with self._transaction() as tx:
            await tx.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        row = await self.db.fetch_one(_SETTINGS_SQL + "WHERE guild_id = ?", (guild_id,))
        return GuildSettings(guild_id) if row is None else settings_of(row)

    async def all_guild_settings(self) -> list[GuildSettings]:
        return [settings_of(row) for row in await self.db.fetch(_SETTINGS_SQL + "ORDER BY guild_id")]

    async def update_guild_settings(self, guild_id: int, **values: Value) -> GuildSettings:
        unknown = set(values) - set(SETTINGS)
        if unknown:
            raise ValueError(f"unknown settings {unknown}")
        self.backend.keep()
        async with self._transaction() as tx:
            await tx.execute("INSERT INTO guild_settings (guild_id) VALUES (?) ON CONFLICT DO NOTHING", (guild_id,))
            for name, value in values.items():  # a name of SETTINGS, checked above
                await tx.execute(f"UPDATE guild_settings SET {name} = ? WHERE guild_id = ?", (value, guild_id))
        return await self.guild_settings(guild_id)
