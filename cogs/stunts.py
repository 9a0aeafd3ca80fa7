"""/stunt and /stunts: stunt cards and the list of stunts."""

from __future__ import annotations

import functools

import discord
from discord import app_commands
from discord.ext import commands

from bot import render, ui
from bot.app import FanBot, anywhere, fan_cooldown
from bot.cards import card_for
from bot.models import Film, Stunt


class Stunts(commands.Cog):
    """Stunt cards and lists."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot

    @app_commands.command()
    @anywhere()
    @app_commands.describe(name="A stunt, for example the motorcycle jump")
    @fan_cooldown()
    async def stunt(self, interaction: discord.Interaction[FanBot], name: app_commands.Range[str, 1, 100]) -> None:
        """Show one stunt: what happened, where, and how it was done."""
        entry = await self.bot.store.find(Stunt, name)
        await ui.send_card(interaction, await card_for(self.bot.store, entry))

    @stunt.autocomplete("name")
    async def stunt_names(
        self, interaction: discord.Interaction[FanBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await ui.fact_choices(self.bot.store, Stunt, current)

    @app_commands.command()
    @anywhere()
    @app_commands.describe(film="Only the stunts of this film")
    @app_commands.autocomplete(film=ui.film_names)
    @fan_cooldown()
    async def stunts(
        self, interaction: discord.Interaction[FanBot], film: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        """List every stunt, page by page."""
        films = await self.bot.store.films()
        chosen = (await self.bot.store.find(Film, film)).fact if film else None
        title = f"Stunts of {chosen.title}" if chosen else "Every stunt"
        line = functools.partial(render.stunt_line, films=films)
        await ui.send_facts(interaction, Stunt, title, line, film=chosen.key if chosen else None)


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Stunts(bot))
