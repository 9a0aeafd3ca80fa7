""" "Check this fact": a message's claims (dates, places, titles, numbers) checked against the facts, privately."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import cards, factcheck
from bot.app import FanBot, anywhere, fan_cooldown


class FactCheck(commands.Cog):
    """The message context menu (a message's ⋯ menu → Apps → Check this fact)."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.menu = anywhere()(app_commands.ContextMenu(name="Check this fact", callback=self.check))

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @fan_cooldown()
    async def check(self, interaction: discord.Interaction[FanBot], message: discord.Message) -> None:
        """Only the asker sees the verdicts: a fact check is a question, not a public rebuttal."""
        verdicts = await cards.fact_check(self.bot.store, message.content)
        await interaction.response.send_message(factcheck.reply(verdicts), ephemeral=True)


async def setup(bot: FanBot) -> None:
    await bot.add_cog(FactCheck(bot))
