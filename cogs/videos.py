"""/bts: a behind-the-scenes video, played inline when its link is verified."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import ui
from bot.app import FanBot, anywhere, fan_cooldown
from bot.cards import card_for
from bot.errors import NotFound
from bot.models import Fact, Location, Stunt, Video
from bot.store import Entry


class Videos(commands.Cog):
    """Behind-the-scenes videos."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot

    @app_commands.command()
    @anywhere()
    @app_commands.describe(topic="A video, stunt or place, for example the bike jump; leave empty for a random video")
    @fan_cooldown()
    async def bts(
        self, interaction: discord.Interaction[FanBot], topic: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        """A behind-the-scenes video: the player when its link is verified, else a labelled YouTube search."""
        store = self.bot.store
        entry: Entry[Fact]
        if topic:
            entry = await store.video_about(topic)
        else:
            videos = await store.sample(Video, 1)
            if not videos:
                raise NotFound("video", "anything")
            entry = await store.entry(videos[0].ref)
        await ui.send_card(interaction, await card_for(store, entry))

    @bts.autocomplete("topic")
    async def topics(self, interaction: discord.Interaction[FanBot], current: str) -> list[app_commands.Choice[str]]:
        return await ui.fact_choices(self.bot.store, (Video, Stunt, Location), current)


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Videos(bot))
