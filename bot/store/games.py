"""Trivia's bookkeeping: the questions asked (rounds), who answered what, points and streaks, and the questions
each player saw lately.

Everything a click changes happens in one transaction, and what decides a race is one conditional ``UPDATE`` (the
round closes only if it is still open), so of two players answering at once, in one process or two sharing the
database, exactly one wins. The SQL is portable (see ``bot.store.db``): written once against the ``Database``
adapter, for every backend.

Times are UTC and passed in by the caller (the bot's clock), stored as ISO-8601 text of one fixed width, so they
compare as text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from bot.errors import NotFound
from bot.store.db import Backend, Reader
from bot.trivia import Question

Mode = Literal["personal", "race", "daily"]
EVERYWHERE = 0  # the scope of a player's points across every server, DM and group DM
RECENT = 50  # a player is not asked a question again within their last this many
BOARD_MAX = 100  # players a leaderboard lists


@dataclass(frozen=True)
class Answer:
    user_id: int
    user_name: str
    choice: int
    correct: bool


@dataclass(frozen=True)
class Round:
    """One asked question and its answers so far."""

    id: int
    question: Question
    mode: Mode
    guild_id: int | None
    channel_id: int | None
    message_id: int | None
    asker_id: int | None
    closes_at: dt.datetime
    closed_at: dt.datetime | None
    winner_id: int | None
    answers: list[Answer]

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def answer_of(self, user_id: int) -> Answer | None:
        return next((a for a in self.answers if a.user_id == user_id), None)


class Outcome(Enum):
    """What became of a click on an answer button."""

    RIGHT = "right"  # counted, and right (in a race: the winner)
    WRONG = "wrong"
    ALREADY = "already"  # this player answered this question before
    CLOSED = "closed"  # too late: time ran out, or someone else got it first
    NOT_YOURS = "not yours"  # a personal question, and someone else's


@dataclass(frozen=True)
class Score:
    user_id: int
    user_name: str
    points: int
    answered: int
    streak: int
    best_streak: int


def _iso(moment: dt.datetime) -> str:
    """UTC, to the microsecond, always the same width: such texts sort as the times do."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


class _Late(Exception):
    """Raised inside a transaction to undo it: the round closed before this answer could count."""


_ROUND = "SELECT id, question, mode, guild_id, channel_id, message_id, asker_id, closes_at, closed_at, winner_id "
_SCORE = "SELECT user_id, user_name, points, answered, streak, best_streak FROM trivia_scores "
# One answer's points and streak, in one statement whether or not the player has a row yet (excluded.points is 1
# for a right answer, 0 for a wrong one).
_COUNT_ANSWER = (
    "INSERT INTO trivia_scores (scope, user_id, user_name, points, answered, streak, best_streak) "
    "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (scope, user_id) DO UPDATE SET "
    "user_name = excluded.user_name, points = trivia_scores.points + excluded.points, "
    "answered = trivia_scores.answered + 1, "
    "streak = CASE WHEN excluded.points > 0 THEN trivia_scores.streak + 1 ELSE 0 END, "
    "best_streak = CASE WHEN excluded.points > 0 AND trivia_scores.streak + 1 > trivia_scores.best_streak "
    "THEN trivia_scores.streak + 1 ELSE trivia_scores.best_streak END"
)


def _scopes(guild_id: int | None) -> list[int]:
    return [EVERYWHERE] if guild_id is None else [guild_id, EVERYWHERE]


class Games:
    """Rounds, answers, scores and recent questions (see the module's docstring)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.db = backend.db

    async def start_round(
        self,
        question: Question,
        mode: Mode,
        *,
        now: dt.datetime,
        closes_at: dt.datetime,
        guild_id: int | None,
        channel_id: int | None,
        asker_id: int | None = None,
    ) -> int:
        self.backend.keep()  # rounds, and the scores they lead to, are data no pack can re-create
        async with self.db.transaction() as tx:
            row = await tx.fetch_one(
                "INSERT INTO trivia_rounds (question, mode, guild_id, channel_id, asker_id, started_at, closes_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (question.model_dump_json(), mode, guild_id, channel_id, asker_id, _iso(now), _iso(closes_at)),
            )
        assert row is not None
        return int(row[0])

    async def set_message(self, round_id: int, channel_id: int, message_id: int) -> None:
        """Remember the bot's own post of a round, to edit it when the round closes."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE trivia_rounds SET channel_id = ?, message_id = ? WHERE id = ?",
                (channel_id, message_id, round_id),
            )

    async def remove_round(self, round_id: int) -> None:
        """Forget a round that was never asked (its post failed); it has no answers."""
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM trivia_rounds WHERE id = ?", (round_id,))

    async def round(self, round_id: int) -> Round:
        return await self._round(self.db, round_id)

    @staticmethod
    async def _round(db: Reader, round_id: int) -> Round:
        row = await db.fetch_one(_ROUND + "FROM trivia_rounds WHERE id = ?", (round_id,))
        if row is None:
            raise NotFound("trivia question", f"#{round_id}")
        answers = await db.fetch(
            "SELECT user_id, user_name, choice, correct FROM trivia_answers WHERE round_id = ? ORDER BY answered_at",
            (round_id,),
        )
        id_, question, mode, guild_id, channel_id, message_id, asker_id, closes_at, closed_at, winner_id = row
        return Round(
            id_, Question.model_validate_json(question), mode, guild_id, channel_id, message_id, asker_id,
            dt.datetime.fromisoformat(closes_at), _time(closed_at), winner_id,
            [Answer(user, name, choice, bool(correct)) for user, name, choice, correct in answers],
        )  # fmt: skip

    async def answer(self, round_id: int, user_id: int, user_name: str, choice: int, now: dt.datetime) -> Outcome:
        """Count one click: once per player, only while the round is open, only the asker's in a personal round;
        a right answer closes a race (its winner) and any answer closes a personal round."""
        try:
            async with self.db.transaction() as tx:
                found = await self._round(tx, round_id)
                if found.closed or now >= found.closes_at:
                    return Outcome.CLOSED
                if found.mode == "personal" and user_id != found.asker_id:
                    return Outcome.NOT_YOURS
                correct = choice == found.question.right
                added = await tx.fetch_one(
                    "INSERT INTO trivia_answers (round_id, user_id, user_name, choice, correct, answered_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING user_id",
                    (round_id, user_id, user_name, choice, correct, _iso(now)),
                )
                if added is None:
                    return Outcome.ALREADY
                if found.mode == "personal" or (found.mode == "race" and correct):
                    closed = await tx.execute(
                        "UPDATE trivia_rounds SET closed_at = ?, winner_id = ? WHERE id = ? AND closed_at IS NULL",
                        (_iso(now), user_id if correct else None, round_id),
                    )
                    if not closed:
                        raise _Late
                point = int(correct)
                for scope in _scopes(found.guild_id):
                    await tx.execute(_COUNT_ANSWER, (scope, user_id, user_name, point, point, point))
        except _Late:
            return Outcome.CLOSED
        return Outcome.RIGHT if correct else Outcome.WRONG

    async def close(self, round_id: int, now: dt.datetime) -> bool:
        """Close a round whose time ran out; True when this call closed it (it was open). A personal question left
        unanswered breaks the asker's streak."""
        async with self.db.transaction() as tx:
            closed = await tx.execute(
                "UPDATE trivia_rounds SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (_iso(now), round_id)
            )
            if not closed:
                return False
            missed = await tx.fetch_one(
                "SELECT guild_id, asker_id FROM trivia_rounds r WHERE id = ? AND mode = 'personal' "
                "AND NOT EXISTS (SELECT 1 FROM trivia_answers a WHERE a.round_id = r.id)",
                (round_id,),
            )
            if missed is not None:
                guild_id, asker_id = missed
                for scope in _scopes(guild_id):
                    await tx.execute(
                        "UPDATE trivia_scores SET streak = 0 WHERE scope = ? AND user_id = ?", (scope, asker_id)
                    )
        return True

    async def open_rounds(self) -> list[tuple[int, dt.datetime]]:
        """The rounds still open, with when each closes (to close them on time after a restart)."""
        rows = await self.db.fetch("SELECT id, closes_at FROM trivia_rounds WHERE closed_at IS NULL ORDER BY closes_at")
        return [(round_id, dt.datetime.fromisoformat(closes_at)) for round_id, closes_at in rows]

    # ----------------------------------------------------------------- scores

    async def board(self, scope: int) -> list[Score]:
        """The leaderboard of a server (its id) or of everywhere (``EVERYWHERE``): most points first, then the best
        streak, at most ``BOARD_MAX`` players."""
        rows = await self.db.fetch(
            _SCORE + "WHERE scope = ? AND answered > 0 ORDER BY points DESC, best_streak DESC, user_id LIMIT ?",
            (scope, BOARD_MAX),
        )
        return [Score(*row) for row in rows]

    async def score(self, scope: int, user_id: int) -> Score | None:
        row = await self.db.fetch_one(_SCORE + "WHERE scope = ? AND user_id = ?", (scope, user_id))
        return Score(*row) if row else None

    # ----------------------------------------------------------------- recent questions

    async def recent(self, player: int) -> set[str]:
        """The ids of the last ``RECENT`` questions a player (a user, or a server for its daily question) saw."""
        rows = await self.db.fetch("SELECT question FROM trivia_seen WHERE player = ?", (player,))
        return {question for (question,) in rows}

    async def remember(self, players: Iterable[int], question_id: str, now: dt.datetime) -> None:
        """Note that these players saw a question, keeping only each one's last ``RECENT``."""
        async with self.db.transaction() as tx:
            for player in dict.fromkeys(players):
                await tx.execute(
                    "INSERT INTO trivia_seen (player, question, seen_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (player, question) DO UPDATE SET seen_at = excluded.seen_at",
                    (player, question_id, _iso(now)),
                )
                await tx.execute(
                    "DELETE FROM trivia_seen WHERE player = ? AND question NOT IN (SELECT question FROM trivia_seen "
                    "WHERE player = ? ORDER BY seen_at DESC, question LIMIT ?)",
                    (player, player, RECENT),
                )
