"""Posting one item (a new video, a piece of release news, the weekly pick) to many servers' channels.

Each server gets an item at most once: the post is claimed in the store before it is sent and the claim is
released if sending failed, so neither a restart nor two loops racing can post it twice. Sends are paced
(``POST_GAP`` apart) so that hundreds of servers never burst into Discord's global rate limit; discord.py
still waits out any 429 it gets. A server whose channel was deleted, or where the bot lost permission, has
its posting paused with a log line and a reason its managers see in ``/settings show``; the other servers
are served as usual.

One process posts for all (``FactStore.lead``). When the shards are spread over several processes, a server on
another process's shards is not in this one's cache: its post goes by channel id over REST (Discord serves any
channel to any shard), and Discord's refusal is what tells that the channel or a permission is gone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord

from bot.store import GuildSettings

if TYPE_CHECKING:
    from bot.app import FanBot

log = logging.getLogger(__name__)

POST_GAP = 0.25  # seconds between two posts of one loop: at most 4 a second, far below Discord's 50
NEEDED = ("view_channel", "send_messages", "embed_links")  # embed links: the video player and cards


def missing_permissions(channel: discord.abc.GuildChannel) -> list[str]:
    """What the bot lacks to post in ``channel``, as Discord names it ("Send Messages")."""
    granted = channel.permissions_for(channel.guild.me)
    return [name.replace("_", " ").title() for name in NEEDED if not getattr(granted, name)]


def channel_problem(guild: discord.Guild, channel_id: int) -> str | None:
    """Why the bot cannot post in a channel it was given (deleted, or a permission lost); None if it can."""
    channel = guild.get_channel(channel_id)
    if not isinstance(channel, discord.TextChannel):
        return f"the channel I post in (id {channel_id}) was deleted"
    missing = missing_permissions(channel)
    return f"I lost the {', '.join(missing)} permission in {channel.mention}" if missing else None


class Poster:
    """Sends items to servers exactly once each, paced, pausing servers whose channel broke."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self._next_send = 0.0

    async def publish(
        self,
        item: str,
        channel_of: Callable[[GuildSettings], int | None],
        *,
        content: str,
        embed: discord.Embed | None = None,
    ) -> int:
        """Post to each server for which ``channel_of(settings)`` names a channel, unless it is paused or has
        the item already; returns how many got it. Settings are read now, so a pause just made is respected."""
        sent = 0
        for settings in await self.bot.store.all_guild_settings():
            channel_id = channel_of(settings)
            guild_id = settings.guild_id
            guild = self.bot.get_guild(guild_id)
            if channel_id is None or settings.disabled_reason or (guild is None and self.bot.serves(guild_id)):
                continue  # a server of this process's shards that is not in the cache has removed the bot
            if guild is not None and guild.unavailable:
                continue  # an unavailable server (a Discord outage) is skipped, not paused
            await self._wait_turn()  # before the claim: a shutdown while waiting leaves nothing claimed
            if not await self.bot.store.claim_post(guild_id, item):
                continue
            problem = await self._send(guild_id, guild, channel_id, content, embed)
            if problem is None:
                sent += 1
                continue
            await self.bot.store.release_post(guild_id, item)
            if problem:
                await self.pause(guild_id, problem)
        return sent

    async def _send(
        self, guild_id: int, guild: discord.Guild | None, channel_id: int, content: str, embed: discord.Embed | None
    ) -> str | None:
        """None when posted; else why the server's posting must pause ("" for a passing failure). ``guild`` is None
        for a server on another process's shards."""
        channel: discord.abc.Messageable | None
        if guild is None:
            channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        else:
            problem = channel_problem(guild, channel_id)
            channel = guild.get_channel(channel_id)  # type: ignore[assignment]
            if problem or not isinstance(channel, discord.TextChannel):
                return problem
        try:
            await channel.send(content=content, embed=embed or discord.utils.MISSING)
        except (discord.Forbidden, discord.NotFound) as exc:
            return f"Discord refused my post in <#{channel_id}> ({exc.text or exc.status})"
        except discord.HTTPException as exc:
            log.warning("Could not post in channel %s of server %s (%s); not retried", channel_id, guild_id, exc)
            return ""
        finally:
            self._next_send = asyncio.get_running_loop().time() + POST_GAP
        return None

    async def _wait_turn(self) -> None:
        """Wait until ``POST_GAP`` has passed since this poster's last send (no wait after skipped servers)."""
        wait = self._next_send - asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)

    async def pause(self, guild_id: int, problem: str) -> None:
        """Stop posting to a server until a manager sets a channel again."""
        day = discord.utils.utcnow().strftime("%d %b %Y")
        reason = f"Paused on {day}: {problem}. Fix that, then set the channel again with /settings."
        log.warning("Posting paused in server %s: %s", guild_id, problem)
        await self.bot.store.update_guild_settings(guild_id, disabled_reason=reason)
