"""Pure rendering for trivia and "on this day": questions, the reveal, leaderboards and anniversaries.

Like ``bot.render``: no I/O, everything within Discord's limits. Players are shown as mentions, which never ping
(every message is sent with ``allowed_mentions`` none, and mentions in embeds never ping anyway).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import discord

from bot import limits, render
from bot.anniversaries import Anniversary
from bot.models import Film, Source
from bot.store.games import Round, Score
from bot.trivia import LETTERS, TOPICS, Question

COLOUR = render.COLOURS["trivia"]
ANSWERS_SHOWN = 15  # players listed by name in a reveal; more are counted
OPTION_MAX = 300


def _film(films: Mapping[str, Film], key: str) -> str:
    return render.film_title(films.get(key), key)


def _options(question: Question, marks: Sequence[str] = ("", "", "", "")) -> str:
    return "\n".join(
        f"{mark}**{letter}** · {render.clip(option, OPTION_MAX)}"
        for letter, option, mark in zip(LETTERS, question.options, marks, strict=True)
    )


def _footer(embed: discord.Embed, question: Question, films: Mapping[str, Film] | None = None) -> None:
    """The kind of question, and once ``films`` are given (at the reveal) its film: named while the question is
    open, the film would give away the answer to "which film has this stunt?"."""
    parts = ["Trivia", TOPICS[question.topic]]
    parts += [_film(films, question.film)] if films is not None else []
    parts += ["spoilers asked for"] if question.spoiler else []
    parts += ["closed"] if films is not None else []
    embed.set_footer(text=render.clip(" · ".join(parts), limits.FOOTER_MAX))


def how_to_answer(mode: str, asker_id: int | None, closes_at: dt.datetime) -> str:
    when = render.timestamp_at(closes_at, "R")
    if mode == "personal":
        return f"🎯 <@{asker_id}>'s question: only they answer. It closes {when}."
    if mode == "race":
        return f"🏁 A race: anyone may answer, once; the first right answer scores. It closes {when}."
    return f"🗓 Everyone gets one answer; right answers score. The answer shows {when}."


def question_embed(question: Question, *, mode: str, asker_id: int | None, closes_at: dt.datetime) -> discord.Embed:
    """The question as asked: the prompt, the four options (the buttons repeat their letters) and who may answer
    until when."""
    description = f"{question.prompt}\n\n{_options(question)}\n\n{how_to_answer(mode, asker_id, closes_at)}"
    embed = discord.Embed(
        title=f"❓ Trivia: {TOPICS[question.topic]}",
        description=render.clip(description, limits.DESCRIPTION_MAX),
        colour=COLOUR,
    )
    _footer(embed, question)
    return embed


def _source_lines(sources: Sequence[Source], most: int = 3) -> str:
    lines = [f"[{render.clip(s.title, 90).replace(']', ')')}]({s.url})" for s in sources[:most]]
    more = len(sources) - most
    return "\n".join(lines + ([f"… and {more} more"] if more > 0 else []))


def _answers(played: Round) -> str:
    """Who answered what, in the order they answered."""
    if not played.answers:
        return "Nobody answered in time."
    lines = [
        f"<@{a.user_id}> · {LETTERS[a.choice]} {'✅' if a.correct else '❌'}" for a in played.answers[:ANSWERS_SHOWN]
    ]
    more = len(played.answers) - ANSWERS_SHOWN
    right = sum(a.correct for a in played.answers)
    if more > 0:
        lines.append(f"… and {more} more ({right} of {len(played.answers)} right in all)")
    return "\n".join(lines)


def reveal_embed(played: Round, films: Mapping[str, Film], score: Score | None = None) -> discord.Embed:
    """The answer: the options marked, who answered what (and who won a race), what the answer stands for, and
    its sources. ``score`` is the scorer's standing, for a personal question or a race's winner."""
    question = played.question
    marks = ["✅ " if i == question.right else "" for i in range(4)]
    embed = discord.Embed(
        title=f"✅ Trivia answer: {render.clip(question.answer, limits.EMBED_TITLE_MAX - 20)}",
        description=render.clip(f"{question.prompt}\n\n{_options(question, marks)}", limits.DESCRIPTION_MAX),
        colour=COLOUR,
    )
    if played.mode == "race":
        winner = f"🏁 <@{played.winner_id}> got it first." if played.winner_id else "🏁 Nobody got it right in time."
        embed.add_field(name="Race", value=winner, inline=False)
    embed.add_field(name="Who answered", value=render.clip(_answers(played), limits.FIELD_VALUE_MAX), inline=False)
    if score is not None:
        embed.add_field(name="Score", value=standing(score), inline=False)
    if question.note:
        embed.add_field(name="Good to know", value=render.clip(question.note, 500), inline=False)
    embed.add_field(name="Sources", value=_source_lines(question.sources), inline=False)
    _footer(embed, question, films)
    return render.fit([embed])[0]


def standing(score: Score) -> str:
    """ "12 points · streak 3 (best 5)"."""
    points = f"{score.points} point{'s' if score.points != 1 else ''}"
    return f"<@{score.user_id}>: {points} · streak {score.streak} (best {score.best_streak})"


def board_lines(scores: Sequence[Score]) -> list[str]:
    """One leaderboard line per player, ranked."""
    return [
        f"**{rank}.** {render.echo(s.user_name, 40)} · **{s.points}** point{'s' if s.points != 1 else ''} · "
        f"{s.answered} answered · best streak {s.best_streak}"
        for rank, s in enumerate(scores, 1)
    ]


def anniversary_embed(anniversaries: Sequence[Anniversary], month: int, day: int, today: dt.date) -> discord.Embed:
    """What happened on a day of the year, oldest first, each with how long ago, and their sources."""
    when = f"{day} {dt.date(2024, month, day):%B}"
    lines = []
    for item in anniversaries:
        years = item.years_ago(today)
        ago = "today" if years == 0 else f"{years} year{'s' if years != 1 else ''} ago"
        lines.append(f"**{item.day.year}** ({ago}) · {item.text}")
    embed = discord.Embed(
        title=f"📆 On this day: {when}",
        description=render.clip("\n".join(lines), limits.DESCRIPTION_MAX),
        colour=COLOUR,
    )
    sources = list(dict.fromkeys(s for item in anniversaries for s in item.sources))
    embed.add_field(name="Sources", value=_source_lines(sources, most=5), inline=False)
    embed.set_footer(text=f"On this day · {len(anniversaries)} dated fact{'s' if len(anniversaries) != 1 else ''}")
    return render.fit([embed])[0]
