"""Questions in plain language (an @mention or a direct message): what was asked, and the bot's manners.

Pure helpers, no I/O: reading the question out of a message's text, the help guide, the "I don't know that one
yet" reply, and the per-user and per-channel answer budgets (which read time from the message itself, so
they follow Discord's clock, or a simulated one in tests).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

import discord
from discord.ext import commands

from bot import limits, render
from bot.text import fold

HELP_WORDS = frozenset({"", "help", "help me", "commands", "what can you do", "hi", "hello", "hey"})
EXAMPLE = "where did they film the train crash?"

# Discord markup that is not part of a question: user, role and channel mentions, custom emoji, @everyone/@here.
_MENTIONS_AND_EMOJI = re.compile(r"<(?:@[!&]?|#)\d+>|<a?:\w+:\d+>|@(?:everyone|here)\b")


def addressed_to(content: str, bot_id: int) -> bool:
    """True when the text itself mentions the bot (``<@id>`` or ``<@!id>``). A reply that pings the bot,
    ``@everyone``/``@here`` or a role the bot has is not a question to it."""
    return re.search(rf"<@!?{bot_id}>", content) is not None


def question(content: str, limit: int) -> str:
    """The question in a message: mentions and emoji removed, whitespace tidied, at most ``limit`` characters."""
    return " ".join(_MENTIONS_AND_EMOJI.sub(" ", content).split())[:limit]


def wants_help(text: str) -> bool:
    return fold(text) in HELP_WORDS


def help_embed(fan_commands: Iterable[tuple[str, str]], *, in_dm: bool) -> discord.Embed:
    """A short guide: every fan command with its description, and how to ask in plain language."""
    how = "Just write your question here" if in_dm else "Mention me with your question"
    lines = [f"`/{name}` — {description}" for name, description in fan_commands]
    embed = discord.Embed(
        title="🕶️ How to ask me",
        description=render.clip(f"{how}, for example: *{EXAMPLE}*\n\n" + "\n".join(lines), limits.DESCRIPTION_MAX),
        colour=render.COLOURS["search"],
    )
    embed.set_footer(text="Slash commands show their options as you type.")
    return embed


def unknown(text: str, closest: Sequence[str], beyond: str = "") -> str:
    """The friendly reply to a question no fact answers: "I don't have that yet", what comes closest, and help."""
    return render.clip(
        render.not_known(text, closest, beyond) + " Say `help` to see what I can do.", limits.CONTENT_MAX
    )


def slow_down(retry_after: float) -> str:
    return f"Easy, agent: that's a lot of questions at once. Ask me again in {max(1, round(retry_after))} s."


class Turn(NamedTuple):
    """What the budgets allow for one question."""

    wait: float = 0.0  # seconds until the asker may be answered (0: answer now)
    tell: bool = False  # say so: only the first time a budget runs out in its window


class Manners:
    """Answer budgets per user and per channel. When one runs out the bot says so once, then stays quiet
    until the budget is back, so a flood of questions gets one note rather than a flood of replies."""

    def __init__(
        self,
        per_user: Callable[[discord.Message], commands.Cooldown],
        per_channel: Callable[[discord.Message], commands.Cooldown],
    ) -> None:
        self._budgets: list[tuple[commands.BucketType, commands.CooldownMapping[discord.Message]]] = [
            (commands.BucketType.user, commands.DynamicCooldownMapping(per_user, commands.BucketType.user)),
            (commands.BucketType.channel, commands.DynamicCooldownMapping(per_channel, commands.BucketType.channel)),
        ]
        self._quiet_until: dict[tuple[commands.BucketType, int], float] = {}

    def take(self, message: discord.Message) -> Turn:
        """Spend one answer of every budget, or say how long to wait if one has run out."""
        now = message.created_at.timestamp()
        buckets = [(kind, b) for kind, mapping in self._budgets if (b := mapping.get_bucket(message, now)) is not None]
        wait, kind = max(((bucket.get_retry_after(now), kind) for kind, bucket in buckets), key=lambda pair: pair[0])
        if wait <= 0:
            for _, bucket in buckets:
                bucket.update_rate_limit(now)
            return Turn()
        self._quiet_until = {key: until for key, until in self._quiet_until.items() if until > now}
        key = (kind, kind.get_key(message))
        told = key in self._quiet_until
        self._quiet_until.setdefault(key, now + wait)
        return Turn(wait, tell=not told)
