"""New behind-the-scenes videos from YouTube channel feeds (config ``videos.feeds``), posted to every server's
BTS channel.

Every ``videos.poll_minutes`` each feed is downloaded and parsed (see ``bot.youtube``). A new video whose title
matches one of the feed's words is added to the facts, with the feed as its source, and its URL posted once
in each server's BTS channel. The first poll of a feed only records what is already there. An entry that is not
a proper YouTube video (a bad id, a link elsewhere) is left out and logged once, and the feed's other videos are
posted. A feed that fails is logged and retried after 1, 2, 4, … poll intervals (at most a day), and never holds
up the other feeds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from discord.ext import commands, tasks

from bot import render, youtube
from bot.app import FanBot
from bot.config import Feed
from bot.errors import Invalid
from bot.models import Video
from bot.posting import Post, Poster
from bot.store import Author
from bot.youtube import FeedError

log = logging.getLogger(__name__)

FEED_AUTHOR = Author(None, "feed")  # how added videos appear in the change log


@dataclass
class Health:
    """A feed's recent failures: how many in a row, how many polls to skip before the next try, and the entries
    left out at the last poll (already logged)."""

    failures: int = 0
    skip: int = 0
    left_out: frozenset[str] = frozenset()


class Feeds(commands.Cog):
    """Polls the configured feeds and posts new matching videos."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.poster = Poster(bot)
        self.health: dict[str, Health] = {}

    async def cog_load(self) -> None:
        self.poll.change_interval(minutes=self.bot.config.videos.poll_minutes)
        self.poll.start()

    async def cog_unload(self) -> None:
        self.poll.cancel()

    @tasks.loop()  # every videos.poll_minutes, set in cog_load
    async def poll(self) -> None:
        await asyncio.create_task(self.round())  # a task of its own, as in cogs/news.py: fast tests under SimCord

    @poll.before_loop
    async def ready(self) -> None:
        await self.bot.wait_until_ready()

    async def round(self) -> None:
        """One round over every feed, in the one process that posts; whatever goes wrong with one feed is logged
        and the next one is read."""
        if not await self.bot.store.lead():
            return
        for feed in self.bot.config.videos.feeds:
            health = self.health.setdefault(feed.url, Health())
            if health.skip:
                health.skip -= 1
                continue
            try:
                await self.read(feed, health)
            except FeedError as exc:
                self.failed(feed, health, str(exc))
            except Exception:  # a bug or an unavailable store: logged with its traceback
                log.exception("Feed %s could not be handled", feed.url)
                self.failed(feed, health, "see the traceback above")
            else:
                health.failures = 0

    def failed(self, feed: Feed, health: Health, why: str) -> None:
        health.failures += 1
        interval = self.bot.config.videos.poll_minutes
        waits = youtube.retry_after(health.failures, cap=int(dt.timedelta(days=1) / dt.timedelta(minutes=interval)))
        health.skip = waits - 1
        log.warning(
            "Feed %s failed (%s), %d time(s) in a row; next try in %g min",
            feed.url, why, health.failures, waits * interval,
        )  # fmt: skip

    async def read(self, feed: Feed, health: Health) -> None:
        """Download and parse a feed, then publish its new matching videos (none on its first poll)."""
        videos = self.bot.config.videos
        data = await asyncio.to_thread(
            youtube.download, feed.url, timeout=videos.fetch_timeout_seconds, limit=videos.max_feed_bytes
        )
        channel = youtube.parse_feed(data)
        for why in channel.skipped:
            if why not in health.left_out:
                log.warning("Feed %s: %s left out", feed.url, why)
        health.left_out = frozenset(channel.skipped)
        ids = [item.video_id for item in channel.items]
        unseen = await self.bot.store.unseen_feed_items(feed.url, ids)
        if unseen is None:
            log.info("Feed %s (%s) followed: %d videos already there, not posted", feed.url, channel.title, len(ids))
        for item in youtube.new_matching(channel.items, unseen or set(), feed.match):
            await self.publish(youtube.video_fact(item, channel.title, feed.url, await self.bot.store.films()))
        await self.bot.store.remember_feed_items(feed.url, ids)

    async def publish(self, video: Video) -> None:
        """Add the video to the facts (so /bts finds it) and post it in every server's BTS channel."""
        try:
            await self.bot.store.add(video, FEED_AUTHOR)
        except Invalid as exc:  # the key or title is taken (a repeat after a crash, or a re-upload)
            log.info("New video %s not added to the facts (%s); posting it anyway", video.url, exc)
        card = render.video_message(video, (await self.bot.store.films()).get(video.film))
        sent = await self.poster.publish(
            f"video:{video.key}", lambda s: s.bts_channel_id, Post(card.content or "", card.embed)
        )
        log.info("New video %s posted in %d server(s)", video.url, len(sent))


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Feeds(bot))
