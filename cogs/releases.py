"""/release: release dates in each fan's own time zone, premieres, delays, retitles and a countdown."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import ui
from bot.app import FanBot, anywhere, fan_cooldown
from bot.cards import release_cards
from bot.models import Film


class Releases(commands.Cog):
    """Release dates."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot

    @app_commands.command()
    @anywhere()
    @app_commands.describe(
        film="A film, for example Fallout, Ghost Protocol or Part Two (every film, newest first, when empty)",
        region="Only the releases in this country or region, for example Germany, UK or US",
    )
    @app_commands.autocomplete(film=ui.film_names)
    @fan_cooldown()
    async def release(
        self,
        interaction: discord.Interaction[FanBot],
        film: app_commands.Range[str, 1, 100] | None = None,
        region: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Release dates in your own time zone, premieres, delays and retitles, and a countdown to what's next."""
        store = self.bot.store
        if film:
            films = [(await store.find(Film, film)).fact]
        else:  # every film, one page each, the newest first: what most fans asking about releases are after
            films = sorted((await store.films()).values(), key=lambda f: (f.year, f.installment or 0), reverse=True)
        cards = await release_cards(store, films, region or "")
        await ui.send_pages(interaction, [card.embed for card in cards])

    @release.autocomplete("region")
    async def regions(self, interaction: discord.Interaction[FanBot], current: str) -> list[app_commands.Choice[str]]:
        return ui.place_choices(await self.bot.store.places(["region", "premiere"], current))


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Releases(bot))
