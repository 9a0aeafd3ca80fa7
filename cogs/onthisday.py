"""/onthisday: what happened in the franchise on a day of the year, and the daily "on this day" post.

The anniversaries come from dated facts (``bot.anniversaries``). A server that chose a channel
(``/settings on-this-day``) gets them once a day at the configured hour, and nothing on a day without any; each
day's post goes out once per server (``bot.posting``), and one missed while the bot was down is posted when it
comes back, if only a few hours late (``schedule.daily_due``).
"""

from __future__ import annotations

import datetime as dt
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot import render_games, schedule
from bot.anniversaries import anniversaries, nearest_days, parse_day
from bot.app import FanBot, anywhere, fan_cooldown
from bot.errors import NotFound
from bot.models import Film, Release, Stunt
from bot.posting import DailyPosts, Post, Poster
from bot.store import GuildSettings

log = logging.getLogger(__name__)


class OnThisDay(commands.Cog):
    """Anniversaries on demand and once a day."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.poster = Poster(bot)
        self.daily = DailyPosts(bot, self.daily_hours, self.post)

    async def cog_load(self) -> None:
        self.daily.start()

    async def cog_unload(self) -> None:
        self.daily.stop()

    async def dated(self, month: int, day: int) -> tuple[list[Release], list[Stunt], dict[str, Film]]:
        """The facts dated on this day of the year, read now (an admin's edit shows at once), and the films."""
        store = self.bot.store
        return *await store.dated(month, day), await store.films()

    @app_commands.command(name="onthisday")
    @anywhere()
    @app_commands.describe(date="A day of the year, for example 27 July (today when empty)")
    @fan_cooldown()
    async def onthisday(
        self, interaction: discord.Interaction[FanBot], date: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        """What happened on this day in Mission: Impossible history: releases, premieres, filming days."""
        today = discord.utils.utcnow().date()
        month, day = parse_day(date) if date else (today.month, today.day)
        found = anniversaries(*await self.dated(month, day), month, day, today)
        if not found:
            asked = f"{day} {dt.date(2024, month, day):%B}"
            raise NotFound("dated fact", asked, nearest_days(await self.bot.store.days(today), month, day))
        await interaction.response.send_message(embed=render_games.anniversary_embed(found, month, day, today))

    # ------------------------------------------------------------------ the daily post

    def daily_hours(self, servers: list[GuildSettings]) -> set[int]:
        hour = self.bot.config.trivia.on_this_day_hour
        return {hour} if any(s.on_this_day_channel_id for s in servers) else set()

    async def post(self, now: dt.datetime) -> None:
        """Today's anniversaries for every server with a channel for them, once per server and day."""
        try:
            day = schedule.daily_due(now, self.bot.config.trivia.on_this_day_hour)
            if day is None:
                return
            found = anniversaries(*await self.dated(day.month, day.day), day.month, day.day, day)
            if found:
                embed = render_games.anniversary_embed(found, day.month, day.day, day)
                await self.poster.publish(
                    f"onthisday:{day.isoformat()}", lambda s: s.on_this_day_channel_id, Post(embed=embed)
                )
        except Exception:
            log.exception("The daily anniversaries failed; they are tried again within the next hours")


async def setup(bot: FanBot) -> None:
    await bot.add_cog(OnThisDay(bot))
