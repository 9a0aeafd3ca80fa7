"""Bookkeeping for what the bot posts by itself: the feed items already seen, and one claim per server and item,
so that nothing is posted twice, across restarts and (with a shared database) across processes."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.core import Core, now


class Posting(Core):
    """Feed items seen and post claims."""

    async def unseen_feed_items(self, feed_url: str, item_ids: Sequence[str]) -> set[str] | None:
        rows = await self.db.fetch("SELECT item_id FROM seen_feed_items WHERE feed_url = ?", (feed_url,))
        seen = {item_id for (item_id,) in rows}
        return set(item_ids) - seen if seen else None

    async def remember_feed_items(self, feed_url: str, item_ids: Sequence[str]) -> None:
        at = now().isoformat()
        async with self._transaction() as tx:
            await tx.execute_many(
                "INSERT INTO seen_feed_items (feed_url, item_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(feed_url, item_id, at) for item_id in ("", *item_ids)],
            )

    async def claim_post(self, guild_id: int, item: str) -> bool:
        """One statement, so that of two processes claiming the same post, exactly one gets it."""
        async with self._transaction() as tx:
            claimed = await tx.fetch_one(
                "INSERT INTO posts (guild_id, item, posted_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING item",
                (guild_id, item, now().isoformat()),
            )
        return claimed is not None

    async def release_post(self, guild_id: int, item: str) -> None:
        async with self._transaction() as tx:
            await tx.execute("DELETE FROM posts WHERE guild_id = ? AND item = ?", (guild_id, item))
