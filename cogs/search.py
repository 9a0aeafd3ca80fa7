"""/search: a plain-language question answered with the best card, and the other matches as buttons."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import render, ui
from bot.app import FanBot, fan_cooldown
from bot.cards import card_for
from bot.errors import NotFound


class Search(commands.Cog):
    """Search over every fact."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot

    @app_commands.command()
    @app_commands.describe(query="Ask in your own words, for example: how many times did Tom Cruise do the bike jump")
    @fan_cooldown()
    async def search(self, interaction: discord.Interaction, query: app_commands.Range[str, 1, 200]) -> None:
        """Search every stunt, place, release date and video; plain questions and typos are fine."""
        store = self.bot.store
        matches = await store.search(query)
        if not matches:
            raise NotFound("fact", query, [fact.label for fact in await store.suggest(None, query, limit=3)])
        best, others = matches[0], matches[1:]
        card = await card_for(store, await store.entry(best.ref))
        content = "\n".join(part for part in (render.search_header(query, others), card.content) if part)
        if not others:
            await ui.send_card(interaction, render.Card(card.embed, content, card.links))
            return
        view = ui.OpenMatches(others, ui.open_card, card.link_buttons())
        await interaction.response.send_message(content=content, embed=card.embed, view=view)
        view.message = await interaction.original_response()


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Search(bot))
