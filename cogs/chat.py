"""Questions in plain language: "@bot where did they film the train crash?" in a channel, or any direct message.

The same engine and cards as ``/search``: the store's ``search`` picks the facts, ``cards.answer`` draws the best
one, and buttons open the other matches. This works with the default intents, because Discord delivers the
text of messages that mention the bot, and of direct messages, without the message-content intent.
"""

from __future__ import annotations

import logging
import random

import discord
from discord import app_commands
from discord.ext import commands

from bot import cards, chat, render, ui
from bot.app import FanBot
from bot.errors import FanBotError
from bot.models import Fact, Location, Stunt

log = logging.getLogger(__name__)

CHANNEL_BUDGET = commands.Cooldown(10, 60.0)  # answers per channel per minute, however many people ask
ANSWERED_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class Chat(commands.Cog):
    """Answers @mentions and direct messages with the best matching card."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.manners = chat.Manners(self._user_budget, CHANNEL_BUDGET)

    def _user_budget(self, _: discord.Message) -> commands.Cooldown:
        """The same per-user budget as the slash commands (config ``cooldown``)."""
        return commands.Cooldown(self.bot.config.cooldown.uses, self.bot.config.cooldown.per_seconds)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if not self._is_question(message):
            return
        try:
            try:
                if message.guild and not (await self.bot.store.guild_settings(message.guild.id)).mention_replies:
                    return
                turn = self.manners.take(message)
                if turn.wait:
                    if turn.tell:
                        await self._reply(message, content=chat.slow_down(turn.wait), delete_after=turn.wait)
                    return
                async with message.channel.typing():
                    await self._answer(message, chat.question(message.content))
            except FanBotError as error:  # the store is unavailable, for instance: the commands' short message
                await self._reply(message, content=render.clip(str(error), render.CONTENT_MAX))
        except discord.HTTPException as error:  # no permission to type or reply here: nobody to tell
            log.warning("Could not answer %s in channel %s: %s", message.author, message.channel.id, error)

    def _is_question(self, message: discord.Message) -> bool:
        """A person's direct message, or a message whose text mentions the bot (the server's setting aside)."""
        if message.author.bot or message.webhook_id or message.type not in ANSWERED_TYPES:
            return False
        assert self.bot.user is not None
        return message.guild is None or chat.addressed_to(message.content, self.bot.user.id)

    async def _answer(self, message: discord.Message, text: str) -> None:
        """Help, the best card with buttons for the other matches, or "I don't know that one yet"."""
        store = self.bot.store
        if chat.wants_help(text):
            await self._reply(message, embed=chat.help_embed(self._fan_commands(), in_dm=message.guild is None))
            return
        found = await cards.answer(store, text)
        if found is None:
            known: list[Fact] = [*await store.facts(Stunt), *await store.facts(Location)]
            examples = random.sample(known, k=min(3, len(known)))
            await self._reply(message, content=chat.unknown(text, [fact.label for fact in examples]))
            return
        view = ui.answer_view(found) or discord.utils.MISSING
        await self._reply(message, content=found.card.content, embed=found.card.embed, view=view)

    def _fan_commands(self) -> list[tuple[str, str]]:
        """Every command a fan can see (admin and server-settings commands are hidden from them by default)."""
        return sorted(
            (command.qualified_name, command.description)
            for command in self.bot.tree.walk_commands()
            if isinstance(command, app_commands.Command)
            and (command.root_parent or command).default_permissions is None
        )

    @staticmethod
    async def _reply(message: discord.Message, **kwargs: object) -> discord.Message:
        """Reply without pinging the asker; still sent if they deleted their question meanwhile."""
        return await message.channel.send(
            reference=message.to_reference(fail_if_not_exists=False),
            mention_author=False,
            allowed_mentions=discord.AllowedMentions.none(),
            **kwargs,  # type: ignore[arg-type]
        )


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Chat(bot))
