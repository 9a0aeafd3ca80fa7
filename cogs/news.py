"""Release news in each server's announcements channel, and the optional weekly pick in its BTS channel.

Every ``news.check_minutes`` (an hour) the bot reads the store's change log for release dates and titles changed
since the last time (so admin edits, imports, undos and pack updates all count, and nothing is missed across a
restart). Once per news day (see ``bot.schedule``: from 12:00 UTC, and at start) it posts the countdowns due in
each server's region and, in servers that opted in, a random video once a week. A server that subscribes during a
day gets that day's news on the next one (one day late at most, as after downtime). Each item is posted once per
server (``bot.posting``); on the very first run only what changes from then on is news. Of several processes on
one database, only the one that posts (``FactStore.lead``) does this.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable

import discord
from discord.ext import commands, tasks

from bot import limits, render, schedule
from bot.app import FanBot
from bot.models import Film, Release, Video
from bot.posting import Post, Poster

log = logging.getLogger(__name__)

CURSOR = "news:last_change"  # meta key: the newest change-log entry already turned into news

Part = Callable[[dt.datetime], Awaitable[None]]


class News(commands.Cog):
    """Countdowns, date and title changes, and the weekly pick."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.poster = Poster(bot)
        self.day: dt.date | None = None  # the news day whose countdowns and pick are done

    async def cog_load(self) -> None:
        self.tick.change_interval(minutes=self.bot.config.news.check_minutes)
        self.tick.start()

    async def cog_unload(self) -> None:
        self.tick.cancel()

    @tasks.loop()  # every news.check_minutes, set in cog_load
    async def tick(self) -> None:
        # A round is a task of its own. Under SimCord, which the tests run on, a finished task settles at once
        # while a busy long-lived one is waited out 50 ms at a time: this keeps weeks of simulated hours fast.
        await asyncio.create_task(self.round(discord.utils.utcnow()))

    @tick.before_loop
    async def ready(self) -> None:
        await self.bot.wait_until_ready()

    async def round(self, now: dt.datetime) -> None:
        if not await self.bot.store.lead():
            return
        await self.attempt(self.changes, now)
        day = schedule.news_day(now)
        if day != self.day:
            done = [await self.attempt(part, now) for part in (self.countdowns, self.weekly_pick)]
            if all(done):
                self.day = day

    @staticmethod
    async def attempt(part: Part, now: dt.datetime) -> bool:
        """Run one part; a failure is logged and tried again at the next check, and never stops the other parts."""
        try:
            await part(now)
        except Exception:
            log.exception("Release news: %s failed; trying again at the next check", part.__name__)
            return False
        return True

    async def announce(self, news: schedule.Announcement) -> None:
        await self.poster.publish(
            news.item, lambda s: s.announce_channel_id if news.concerns(s.region) else None, Post(news.text)
        )

    async def changes(self, now: dt.datetime) -> None:
        """The cursor is read each time: another process may have posted (and moved it) before this one took over."""
        store = self.bot.store
        saved = await store.get_meta(CURSOR)
        cursor = int(saved) if saved is not None else await store.last_change_id()
        if saved is None:  # the first run ever: what is in the store already is not news
            await store.set_meta(CURSOR, str(cursor))
        for change in await store.changes_after(cursor, (Release, Film)):
            news = schedule.change_news(change, await store.films(), now)
            if news is not None:
                await self.announce(news)
            await store.set_meta(CURSOR, str(change.id))

    async def countdowns(self, now: dt.datetime) -> None:
        store = self.bot.store
        releases, films = await store.facts(Release), await store.films()
        for news in schedule.milestone_news(releases, films, schedule.news_day(now)):
            await self.announce(news)

    async def weekly_pick(self, now: dt.datetime) -> None:
        """A random video with a verified link, for the servers that opted in and have not had this week's."""
        videos = [v for v in await self.bot.store.facts(Video) if v.url]
        if not videos:
            return
        video = random.choice(videos)
        card = render.video_message(video, (await self.bot.store.films()).get(video.film))
        await self.poster.publish(
            schedule.week_item(schedule.news_day(now)),
            lambda s: s.bts_channel_id if s.weekly_pick else None,
            Post(render.clip(f"🎲 **This week's pick**\n{card.content}", limits.CONTENT_MAX), card.embed),
        )


async def setup(bot: FanBot) -> None:
    await bot.add_cog(News(bot))
