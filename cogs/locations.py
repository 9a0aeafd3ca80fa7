"""/location and /locations: filming location cards and the list of places, by country."""

from __future__ import annotations

import functools

import discord
from discord import app_commands
from discord.ext import commands

from bot import render, ui
from bot.app import FanBot, anywhere, fan_cooldown
from bot.cards import card_for
from bot.errors import NotFound
from bot.models import Location
from bot.text import closest


class Locations(commands.Cog):
    """Filming location cards and lists."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot

    @app_commands.command()
    @anywhere()
    @app_commands.describe(name="A filming location, for example Rome or Helsetkopen")
    @fan_cooldown()
    async def location(self, interaction: discord.Interaction[FanBot], name: app_commands.Range[str, 1, 100]) -> None:
        """Show one filming location: the place, what was filmed there and the stunts shot there."""
        entry = await self.bot.store.find(Location, name)
        await ui.send_card(interaction, await card_for(self.bot.store, entry))

    @location.autocomplete("name")
    async def location_names(
        self, interaction: discord.Interaction[FanBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await ui.fact_choices(self.bot.store, Location, current)

    @app_commands.command()
    @anywhere()
    @app_commands.describe(country="Only the places in this country, for example Norway, Italy or UK")
    @fan_cooldown()
    async def locations(
        self, interaction: discord.Interaction[FanBot], country: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        """List the filming locations, page by page."""
        store = self.bot.store
        countries = await store.places(["country"], country) if country else None
        if countries == []:
            raise NotFound(
                "country with filming locations", country or "", closest(country or "", await store.places(["country"]))
            )
        title = f"Filming locations in {', '.join(countries)}" if countries else "Every filming location"
        films = await store.films()
        line = functools.partial(render.location_line, films=films)
        await ui.send_facts(interaction, Location, title, line, places=countries)

    @locations.autocomplete("country")
    async def countries(self, interaction: discord.Interaction[FanBot], current: str) -> list[app_commands.Choice[str]]:
        return ui.place_choices(await self.bot.store.places(["country"], current))


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Locations(bot))
