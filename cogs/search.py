"""/search: a plain-language question answered in one line first, then the card backing it, and the other
matches as buttons."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import cards, ui
from bot.app import FanBot, anywhere, fan_cooldown


class Search(commands.Cog):
    """Search over every fact."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot

    @app_commands.command()
    @anywhere()
    @app_commands.describe(query="Ask in your own words, for example: how many times did Tom Cruise do the bike jump")
    @fan_cooldown()
    async def search(self, interaction: discord.Interaction[FanBot], query: app_commands.Range[str, 1, 200]) -> None:
        """Search every stunt, place, release date and video; plain questions and typos are fine."""
        found = await cards.answer(self.bot.store, query)  # raises NotKnown: "I don't have that yet"
        await ui.send_card(interaction, found.card, view=ui.answer_view(found))


async def setup(bot: FanBot) -> None:
    bot.add_dynamic_items(ui.OpenMatch)  # the match buttons of any answer ever sent (here or to a mention)
    await bot.add_cog(Search(bot))
