"""/trivia: a question made from the facts, answered with four buttons; scores, streaks and the daily question.

``/trivia play`` asks a question (see ``bot.trivia``) in one of two modes: personal (only the asker answers) or
race (anyone in the channel answers once, and the first right answer scores). ``/trivia scores`` shows the
leaderboard of the server, or of everywhere. A server that chose a channel (``/settings trivia-channel``) gets a
question a day at its hour, which everyone there answers once until it is revealed.

The buttons name their round, whose state is in the store, so they work after a restart and in any process; a
click after the close shows the answer. A round closes when it is answered (personal), won (race) or when its
time is up: then the bot reveals the answer in the message, which it edits through the interaction for a
question asked with /trivia (Discord allows that for 15 minutes) and as its own message for a daily one. After a
restart the reveal of a /trivia question whose interaction is gone waits for the next click.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import re
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import cards, limits, render, render_games, schedule, ui
from bot.app import FanBot, anywhere, fan_bot, fan_cooldown
from bot.errors import Invalid, NotAllowed
from bot.models import Film
from bot.posting import DailyPosts, Post, Poster
from bot.store import GuildSettings
from bot.store.games import EVERYWHERE, RECENT, Outcome, Round, Score
from bot.trivia import LETTERS, TOPICS, Question

log = logging.getLogger(__name__)
Edit = Callable[..., Awaitable[Any]]  # edits the message a round was asked in


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"trivia:(?P<round>[0-9]+):(?P<choice>[0-3])"
):
    """One of a question's four answers. Its custom_id names the round and the option, so it works from any
    message at any time; the round (in the store) says whether it still counts."""

    def __init__(self, round_id: int, choice: int, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(label=label, custom_id=f"trivia:{round_id}:{choice}", style=discord.ButtonStyle.primary)
        )
        self.round_id = round_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        return cls(int(match["round"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """discord.py only logs what a dynamic item's callback raises, so errors are handed to the bot's one error
        handler here."""
        bot = fan_bot(interaction.client)
        cog = bot.get_cog(Trivia.__cog_name__)
        try:
            assert isinstance(cog, Trivia)
            await cog.answer(interaction, self.round_id, self.choice)
        except Exception as error:
            await bot.tree.on_error(interaction, error)


def answer_view(round_id: int, question: Question) -> discord.ui.View:
    """The four answer buttons ("A · Ghost Protocol", without the embed's *italics*: a label shows no markdown);
    nothing in the view expires (the round does)."""
    view = discord.ui.View(timeout=None)
    for choice, (letter, option) in enumerate(zip(LETTERS, question.options, strict=True)):
        label = render.clip(f"{letter} · {option.replace('*', '')}", limits.BUTTON_LABEL_MAX)
        view.add_item(AnswerButton(round_id, choice, label))
    return view


@anywhere()
class Trivia(commands.GroupCog, group_name="trivia", group_description="Trivia questions made from the facts"):
    """Trivia rounds, scores and the daily question."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.poster = Poster(bot)
        self.rng = random.Random()
        self.timers: dict[int, asyncio.Task[None]] = {}  # round id → the task that closes it on time
        self.daily = DailyPosts(bot, self.daily_hours, self.post_daily)

    async def cog_load(self) -> None:
        """The answer buttons of every round ever asked are handled; the open rounds (their timers were lost with
        the last process) close on time again."""
        self.bot.add_dynamic_items(AnswerButton)
        for round_id, closes_at in await self.bot.store.games.open_rounds():
            self.close_at(round_id, closes_at, None)
        self.daily.start()

    async def cog_unload(self) -> None:
        self.daily.stop()
        for timer in self.timers.values():
            timer.cancel()
        self.bot.remove_dynamic_items(AnswerButton)

    # ------------------------------------------------------------------ /trivia play and scores

    @app_commands.command()
    @app_commands.describe(
        film="Only questions about this film",
        topic="Only questions of this kind",
        mode="personal: only you answer; race: anyone here answers, the first right answer scores",
        spoilers="Also ask about stunts whose card has a plot spoiler",
    )
    @app_commands.choices(topic=[app_commands.Choice(name=name, value=key) for key, name in TOPICS.items()])
    @app_commands.autocomplete(film=ui.film_names)
    @fan_cooldown()
    async def play(
        self,
        interaction: discord.Interaction[FanBot],
        film: app_commands.Range[str, 1, 100] | None = None,
        topic: str | None = None,
        mode: Literal["personal", "race"] = "personal",
        spoilers: bool = False,
    ) -> None:
        """A multiple-choice question made from the facts: four answers, one right."""
        store = self.bot.store
        chosen = (await store.find(Film, film)).fact if film else None
        asked = next((t for t in TOPICS if t == topic), None)  # the chosen topic, typed as one
        seen = await store.games.recent(interaction.user.id)
        question, made = await cards.question(
            store, self.rng, discord.utils.utcnow().date(), seen,
            film=chosen.key if chosen else None, topic=asked, spoilers=spoilers,
        )  # fmt: skip
        if question is None:
            what = f"“{TOPICS[topic]}” question" if topic in TOPICS else "question"
            about = f" about *{chosen.title}*" if chosen else ""
            if made is None:
                raise Invalid(f"No {what}{about} can be made from the facts yet.")
            raise Invalid(
                f"You have had every {what}{about} lately (a question comes back after {RECENT} others). "
                "Try another film or topic."
            )
        now = discord.utils.utcnow()
        config = self.bot.config.trivia
        seconds = config.race_seconds if mode == "race" else config.answer_seconds
        closes_at = now + dt.timedelta(seconds=seconds)
        round_id = await store.games.start_round(
            question, mode, now=now, closes_at=closes_at, guild_id=interaction.guild_id,
            channel_id=interaction.channel_id, asker_id=interaction.user.id,
        )  # fmt: skip
        await store.games.remember([interaction.user.id], question.id, now)
        embed = render_games.question_embed(question, mode=mode, asker_id=interaction.user.id, closes_at=closes_at)
        await interaction.response.send_message(embed=embed, view=answer_view(round_id, question))
        self.close_at(round_id, closes_at, interaction.edit_original_response)

    @app_commands.command()
    @app_commands.describe(everywhere="Everyone's points in every server, DM and group DM, not only this server's")
    @fan_cooldown()
    async def scores(self, interaction: discord.Interaction[FanBot], everywhere: bool = False) -> None:
        """The trivia leaderboard: points and best streaks, in pages."""
        scope = EVERYWHERE if everywhere or interaction.guild_id is None else interaction.guild_id
        board = await self.bot.store.games.board(scope)
        if not board:
            await interaction.response.send_message(
                "No trivia scores here yet: answer a question with /trivia play to be the first.", ephemeral=True
            )
            return
        where = "everywhere" if scope == EVERYWHERE else "in this server"
        pages = render.pages("trivia", f"Trivia scores {where}", render_games.board_lines(board), per_page=10)
        await ui.send_pages(interaction, pages)

    # ------------------------------------------------------------------ answers

    async def answer(self, interaction: discord.Interaction, round_id: int, choice: int) -> None:
        """A click on an answer: counted (once, while open), then the reveal when it closed the round, or a private
        word to the player when the round goes on (a wrong answer in a race, any daily answer)."""
        games = self.bot.store.games
        now = discord.utils.utcnow()
        user = interaction.user
        outcome = await games.answer(round_id, user.id, user.display_name, choice, now)
        played = await games.round(round_id)
        if outcome is Outcome.NOT_YOURS:
            raise NotAllowed(f"This question is <@{played.asker_id}>'s to answer. Ask your own with /trivia play.")
        if outcome is Outcome.ALREADY:
            mine = played.answer_of(user.id)
            raise Invalid(f"You already answered this one{f' ({LETTERS[mine.choice]})' if mine else ''}.")
        if outcome is Outcome.CLOSED:
            await self.late(interaction, played, now)
            return
        await games.remember([user.id], played.question.id, now)
        if played.closed:  # the asker answered, or the race is won
            self.stop_timer(round_id)
            score = await games.score(played.guild_id or EVERYWHERE, user.id)
            await interaction.response.edit_message(embed=await self.reveal(played, score), view=None)
            return
        letter = LETTERS[choice]
        if played.mode == "race":
            text = f"❌ Not {letter}. You are out of this race; the others may still answer."
        else:
            points = "✅ Right: +1 point." if outcome is Outcome.RIGHT else f"❌ Not {letter}."
            text = f"{points} Everyone sees the answer {render.timestamp_at(played.closes_at, 'R')}."
        await interaction.response.send_message(text, ephemeral=True)

    async def late(self, interaction: discord.Interaction, played: Round, now: dt.datetime) -> None:
        """A click after the round closed (or ran out): the message shows the answer, the clicker hears why not."""
        if not played.closed:
            await self.bot.store.games.close(played.id, now)
            played = await self.bot.store.games.round(played.id)
        self.stop_timer(played.id)
        await interaction.response.edit_message(embed=await self.reveal(played), view=None)
        if played.winner_id and played.winner_id != interaction.user.id:
            text = f"Too late: <@{played.winner_id}> got it first."
        else:
            text = "Too late: this question has closed."
        await interaction.followup.send(text, ephemeral=True)

    async def reveal(self, played: Round, score: Score | None = None) -> discord.Embed:
        return render_games.reveal_embed(played, await self.bot.store.films(), score)

    # ------------------------------------------------------------------ closing on time

    def close_at(self, round_id: int, closes_at: dt.datetime, edit: Edit | None) -> None:
        """Close a round when its time is up, and show the answer with ``edit`` (or in the bot's own post)."""
        delay = max(0.0, (closes_at - discord.utils.utcnow()).total_seconds())
        self.timers[round_id] = asyncio.create_task(self._close_later(round_id, delay, edit))

    def stop_timer(self, round_id: int) -> None:
        timer = self.timers.pop(round_id, None)
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()

    async def _close_later(self, round_id: int, delay: float, edit: Edit | None) -> None:
        await asyncio.sleep(delay)
        try:
            if not await self.bot.store.games.close(round_id, discord.utils.utcnow()):
                return  # answered or won meanwhile, perhaps in another process
            played = await self.bot.store.games.round(round_id)
            if edit is None and played.channel_id and played.message_id:
                channel = self.bot.get_partial_messageable(played.channel_id)
                edit = channel.get_partial_message(played.message_id).edit
            if edit is not None:
                await edit(embed=await self.reveal(played), view=None)
        except discord.HTTPException as exc:  # the message was deleted, or the interaction expired
            log.warning("Could not show the answer of trivia round %s: %s", round_id, exc)
        except Exception:
            log.exception("Closing trivia round %s failed", round_id)
        finally:
            if self.timers.get(round_id) is asyncio.current_task():
                del self.timers[round_id]

    # ------------------------------------------------------------------ the daily question

    def daily_hours(self, servers: list[GuildSettings]) -> set[int]:
        return {schedule.daily_hour(s, self.bot.config.trivia) for s in servers if s.trivia_channel_id}

    async def post_daily(self, now: dt.datetime) -> None:
        """The daily question for every server whose hour has come, once per server and day."""
        try:
            config = self.bot.config.trivia
            due: dict[dt.date, set[int]] = {}
            for settings in await self.bot.store.all_guild_settings():
                day = schedule.daily_due(now, schedule.daily_hour(settings, config))
                if settings.trivia_channel_id and day is not None:
                    due.setdefault(day, set()).add(settings.guild_id)
            for day, guilds in sorted(due.items()):
                await self.poster.publish(
                    f"trivia:{day.isoformat()}",
                    lambda s, guilds=guilds: s.trivia_channel_id if s.guild_id in guilds else None,  # type: ignore[misc]
                    self.daily_post,
                )
        except Exception:
            log.exception("The daily trivia question failed; it is tried again within the next hours")

    async def daily_post(self, guild_id: int, channel_id: int) -> Post:
        """A server's question of the day: one it has not had among its last 50, as a round of its own, which
        stays only if the post is made."""
        games = self.bot.store.games
        _, question = await cards.question(
            self.bot.store, self.rng, discord.utils.utcnow().date(), await games.recent(guild_id)
        )
        if question is None:
            raise Invalid("No trivia question can be made from the facts.")
        now = discord.utils.utcnow()
        closes_at = now + dt.timedelta(hours=self.bot.config.trivia.daily_open_hours)
        round_id = await games.start_round(
            question, "daily", now=now, closes_at=closes_at, guild_id=guild_id, channel_id=channel_id
        )

        async def settle(message: discord.Message | None) -> None:
            """A round whose post failed is removed; one posted is revealed by editing its post."""
            if message is None:
                await games.remove_round(round_id)
                return
            self.close_at(round_id, closes_at, message.edit)
            await games.set_message(round_id, message.channel.id, message.id)  # for a reveal after a restart
            await games.remember([guild_id], question.id, now)

        embed = render_games.question_embed(question, mode="daily", asker_id=None, closes_at=closes_at)
        return Post("❓ **Today's trivia question**", embed, answer_view(round_id, question), settle)


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Trivia(bot))
