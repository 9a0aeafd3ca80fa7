"""Questions in plain language: "@bot where did they film the train crash?" in a channel, or any direct message.

The same engine and cards as ``/search``: the store's ``search`` picks the facts, ``cards.answer`` draws the best
one, and buttons open the other matches. This works with the default intents, because Discord delivers the
text of messages that mention the bot, and of direct messages, without the message-content intent.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import cards, conversation, ui
from bot.app import FanBot, cooldown
from bot.errors import NotKnown
from bot.models import Location, Stunt

log = logging.getLogger(__name__)

ANSWERED_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class Chat(commands.Cog):
    """Answers @mentions and direct messages with the best matching card."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        # Per person, the slash commands' budget (config ``cooldown``); per channel, ``mentions.channel_budget``.
        self.manners = conversation.Manners(
            lambda _: cooldown(self.bot.config.cooldown), lambda _: cooldown(self.bot.config.mentions.channel_budget)
        )

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
                        await self._reply(message, content=conversation.slow_down(turn.wait), delete_after=turn.wait)
                    return
                async with message.channel.typing():
                    question = conversation.question(message.content, self.bot.config.mentions.question_max)
                    await self._answer(message, question)
            except discord.HTTPException:
                raise
            except Exception as error:  # the one error path: what a slash command would have answered
                during = f"Answering message {message.id} of {message.author} ({message.author.id})"
                await self._reply(message, content=self.bot.tree.explain(error, during))
        except discord.HTTPException as error:  # no permission to type or reply here: nobody to tell
            log.warning("Could not answer %s in channel %s: %s", message.author, message.channel.id, error)

    def _is_question(self, message: discord.Message) -> bool:
        """A person's direct message, or a message whose text mentions the bot (the server's setting aside)."""
        if message.author.bot or message.webhook_id or message.type not in ANSWERED_TYPES:
            return False
        assert self.bot.user is not None
        return message.guild is None or conversation.addressed_to(message.content, self.bot.user.id)

    async def _answer(self, message: discord.Message, text: str) -> None:
        """Help, the answer and its card with buttons for the other matches, or "I don't have that yet"."""
        store = self.bot.store
        if conversation.wants_help(text):
            await self._reply(message, embed=conversation.help_embed(self._fan_commands(), in_dm=message.guild is None))
            return
        try:
            found = await cards.answer(store, text)
        except NotKnown as unknown:
            closest = unknown.closest
            if not closest and not unknown.beyond:  # nothing near: a few things it does know
                closest = [fact.label for fact in await store.sample((Stunt, Location), 3)]
            await self._reply(message, content=conversation.unknown(text, closest, unknown.beyond))
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
    async def _reply(message: discord.Message, **what: Any) -> None:
        """Reply (``what``: content, embed, view… as ``send`` takes them) without pinging the asker; still sent if
        they deleted their question meanwhile."""
        await message.channel.send(
            reference=message.to_reference(fail_if_not_exists=False),
            mention_author=False,
            allowed_mentions=discord.AllowedMentions.none(),
            **what,
        )


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Chat(bot))
