"""Posting one item (a new video, a piece of release news, the weekly pick, the daily question and anniversaries)
to many servers' channels.

Each server gets an item at most once: the post is claimed in the store before it is made and sent, and the
claim is released if either failed, so neither a restart nor two loops racing can post it twice. Sends are paced
(config ``posting.gap_seconds`` apart) so that hundreds of servers never burst into Discord's global rate limit;
discord.py still waits out any 429 it gets. A server whose channel was deleted, or where the bot lost permission,
has its posting paused with a log line and the problem stored as a code (``ChannelProblem``), which its managers
see in words in ``/settings show``; the other servers are served as usual.

One process posts for all (``FactStore.lead``). When the shards are spread over several processes, a server on
another process's shards is not in this one's cache: its post goes by channel id over REST (Discord serves any
channel to any shard), and Discord's refusal is what tells that the channel or a permission is gone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Literal

import discord

from bot.errors import FanBotError
from bot.schedule import DAILY_CATCH_UP
from bot.store import GuildSettings

if TYPE_CHECKING:
    from bot.app import FanBot

log = logging.getLogger(__name__)

NEEDED = ("view_channel", "send_messages", "embed_links")  # embed links: the video player and cards
Cause = Literal["deleted", "permissions", "refused", "unknown"]
CAUSES: tuple[Cause, ...] = ("deleted", "permissions", "refused", "unknown")


@dataclasses.dataclass(frozen=True)
class ChannelProblem:
    """Why the bot cannot post in a server's channel: it was deleted, the bot lacks ``permissions`` (``detail``
    names them), or Discord ``refused`` a post (``detail`` is what it said). Stored as a code when posting to the
    server pauses (``since`` that day), and put in words only when shown (``render_admin.problem_text``)."""

    cause: Cause
    channel_id: int = 0
    detail: str = ""
    since: dt.date | None = None

    def code(self) -> str:
        """``cause day channel detail``, for example ``permissions 2026-01-05 1234 send_messages,embed_links``."""
        day = self.since.isoformat() if self.since else "-"
        return f"{self.cause} {day} {self.channel_id} {self.detail}".rstrip()

    @classmethod
    def from_code(cls, code: str) -> ChannelProblem:
        """The problem a code stands for; what is no code (a reason stored by an older version) is ``unknown``."""
        cause, day, channel_id, detail = [*code.split(" ", 3), "", "", ""][:4]
        known = next((c for c in CAUSES if c == cause), None)
        try:
            if known is None:
                raise ValueError(cause)
            return cls(known, int(channel_id), detail, None if day == "-" else dt.date.fromisoformat(day))
        except ValueError:
            return cls("unknown")


def missing_permissions(channel: discord.abc.GuildChannel) -> list[str]:
    """What the bot lacks to post in ``channel`` (permission names such as ``send_messages``)."""
    granted = channel.permissions_for(channel.guild.me)
    return [name for name in NEEDED if not getattr(granted, name)]


def channel_problem(guild: discord.Guild, channel_id: int) -> ChannelProblem | None:
    """Why the bot cannot post in a channel it was given (deleted, or a permission lost); None if it can."""
    channel = guild.get_channel(channel_id)
    if not isinstance(channel, discord.TextChannel):
        return ChannelProblem("deleted", channel_id)
    missing = missing_permissions(channel)
    return ChannelProblem("permissions", channel_id, ",".join(missing)) if missing else None


@dataclasses.dataclass(frozen=True)
class Post:
    """What one server is sent. ``settle``, if given, is told how sending went: the message, or None when it
    failed (a post made for one server undoes what making it stored)."""

    content: str = ""
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    settle: Callable[[discord.Message | None], Awaitable[None]] | None = None


# A post made for each server (given its id and the channel's), after its claim and just before sending (a daily
# question: its own round there). Ids, as a server on another process's shards is not in this one's cache.
Compose = Callable[[int, int], Awaitable[Post]]


class Poster:
    """Sends items to servers exactly once each, paced, pausing servers whose channel broke."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self._next_send = 0.0

    async def publish(
        self, item: str, channel_of: Callable[[GuildSettings], int | None], post: Post | Compose
    ) -> dict[int, discord.Message]:
        """Post to each server for which ``channel_of(settings)`` names a channel, unless it is paused or has
        the item already; returns the messages sent, by server id. ``post`` is the same for every server, or made
        for each (given the server's and the channel's ids) once it is claimed; a server whose post could not be made
        or sent may get it from a later call. Settings are read now, so a pause just made is respected."""
        sent: dict[int, discord.Message] = {}
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
            message = await self._post(guild_id, guild, channel_id, post)
            if message is None:  # released, so that a later try (the catch-up hours of a daily post) may post it
                await self.bot.store.release_post(guild_id, item)
            else:
                sent[guild_id] = message
        return sent

    async def _post(
        self, guild_id: int, guild: discord.Guild | None, channel_id: int, post: Post | Compose
    ) -> discord.Message | None:
        """Make and send one server's post; None if either failed (a broken channel pauses the server)."""
        try:
            made = post if isinstance(post, Post) else await post(guild_id, channel_id)
        except FanBotError as error:  # nothing to post there (no question possible): said once a try, no traceback
            log.warning("No post for server %s: %s", guild_id, error)
            return None
        except Exception:  # the store busy for a moment: the other servers go on
            log.exception("Could not make the post for server %s", guild_id)
            return None
        outcome = await self._send(guild_id, guild, channel_id, made)
        message = outcome if isinstance(outcome, discord.Message) else None
        if made.settle is not None:
            try:
                await made.settle(message)
            except Exception:  # what was posted stays posted
                log.exception("Could not record how the post to server %s went", guild_id)
        if isinstance(outcome, ChannelProblem):
            await self.pause(guild_id, outcome)
        return message

    async def _send(
        self, guild_id: int, guild: discord.Guild | None, channel_id: int, post: Post
    ) -> discord.Message | ChannelProblem | None:
        """The message posted; else why the server's posting must pause (None for a passing failure). ``guild`` is
        None for a server on another process's shards: only Discord's answer can tell what is wrong there."""
        channel: discord.abc.Messageable
        if guild is None:
            channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        else:
            problem = channel_problem(guild, channel_id)
            found = guild.get_channel(channel_id)
            if problem or not isinstance(found, discord.TextChannel):
                return problem
            channel = found
        try:
            return await channel.send(
                content=post.content or None,
                embed=post.embed or discord.utils.MISSING,
                view=post.view or discord.utils.MISSING,
            )
        except (discord.Forbidden, discord.NotFound) as exc:
            return ChannelProblem("refused", channel_id, exc.text or str(exc.status))
        except discord.HTTPException as exc:
            log.warning("Could not post in channel %s of server %s (%s); not retried", channel_id, guild_id, exc)
            return None
        finally:
            self._next_send = asyncio.get_running_loop().time() + self.bot.config.posting.gap_seconds

    async def _wait_turn(self) -> None:
        """Wait until ``posting.gap_seconds`` have passed since this poster's last send (no wait after skipped
        servers)."""
        wait = self._next_send - asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)

    async def pause(self, guild_id: int, problem: ChannelProblem) -> None:
        """Stop posting to a server until a manager sets a channel again."""
        code = dataclasses.replace(problem, since=discord.utils.utcnow().date()).code()
        log.warning("Posting paused in server %s: %s", guild_id, code)
        await self.bot.store.update_guild_settings(guild_id, disabled_reason=code)


def next_at(now: dt.datetime, hour: int) -> dt.datetime:
    """The next time it is ``hour`` o'clock (UTC) after ``now``."""
    at = now.astimezone(dt.UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + dt.timedelta(days=1)


class DailyPosts:
    """Runs ``post(now)`` once at start (to catch up what was missed while the bot was down), then at each hour
    ``hours(settings)`` names for the servers' settings and at the hours after it while a late post may still go
    out (``schedule.DAILY_CATCH_UP``: a post that failed is tried again). Nothing wakes while no server wants a
    daily post; a settings change (the ``guild_settings_change`` event) makes it look at the hours again. Of several
    processes on one database, only the one that posts (``FactStore.lead``) runs ``post``; as a change made in
    another process fires no event here, each wakes at least every hour, reads the hours again and posts what is
    due (each server's daily post is claimed once, so an extra look posts nothing twice)."""

    def __init__(
        self,
        bot: FanBot,
        hours: Callable[[list[GuildSettings]], Iterable[int]],
        post: Callable[[dt.datetime], Awaitable[None]],
    ) -> None:
        self.bot = bot
        self.hours = hours
        self.post = post
        self.task: asyncio.Task[None] | None = None
        self.sleeping = False  # waiting for the next hour (a settings change may interrupt that, never a post)

    def start(self) -> None:
        self.bot.add_listener(self.on_guild_settings_change)
        self.task = asyncio.create_task(self.run(catch_up=True))

    def stop(self) -> None:
        self.bot.remove_listener(self.on_guild_settings_change)
        if self.task is not None:
            self.task.cancel()

    async def on_guild_settings_change(self, settings: GuildSettings) -> None:
        if self.task is not None and not self.task.done():
            if not self.sleeping:
                return  # posting now: the hours are looked at again right after
            self.task.cancel()
        self.task = asyncio.create_task(self.run(catch_up=False))

    async def run(self, *, catch_up: bool) -> None:
        await self.bot.wait_until_ready()
        if catch_up:
            await self.post_if_lead(discord.utils.utcnow())
        retries = range(int(DAILY_CATCH_UP / dt.timedelta(hours=1)) + 1)
        while True:
            now = discord.utils.utcnow()
            try:
                hours = set(self.hours(await self.bot.store.all_guild_settings()))
            except Exception:
                log.exception("Daily posts: the servers' settings cannot be read; trying again in an hour")
                hours = {(now + dt.timedelta(hours=1)).hour}
            wake = min((next_at(now, (hour + late) % 24) for hour in hours for late in retries), default=None)
            if self.bot.store.shared:  # another process may have changed the hours: look again within the hour
                wake = min(wake or dt.datetime.max.replace(tzinfo=dt.UTC), next_at(now, (now.hour + 1) % 24))
            if wake is None:
                return  # until a server asks for a daily post
            self.sleeping = True
            try:
                await discord.utils.sleep_until(wake)
            finally:
                self.sleeping = False
            await self.post_if_lead(max(discord.utils.utcnow(), wake))  # never a hair before the hour it is for

    async def post_if_lead(self, now: dt.datetime) -> None:
        """Post, if this is the one process of those sharing the database that posts (``FactStore.lead``); the
        others keep the same hours, so one of them is ready when it takes over."""
        if await self.bot.store.lead():
            await self.post(now)
