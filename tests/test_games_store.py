"""The games part of the store, on a new SQLite file and on a new PostgreSQL database (conftest's ``database``):
recent questions, rounds that close once, scores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.models import Source
from bot.store import open_store
from bot.store.games import EVERYWHERE, RECENT, Outcome
from bot.trivia import Question

T0 = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
QUESTION = Question(
    id="film:test", topic="stunts", film="mi4", prompt="Which film?", options=("A", "B", "C", "D"),
    claims=(("x",), ("x",), ("x",), ("x",)), right=2, sources=[Source(url="https://example.com/", title="Test")],
)  # fmt: skip


@pytest.fixture
async def store(database: Path | str):
    opened = await open_store(database)
    yield opened
    await opened.close()


async def test_a_player_keeps_only_the_last_fifty_questions(store):
    for n in range(RECENT + 10):
        await store.games.remember([7], f"q{n}", T0 + dt.timedelta(minutes=n))
    recent = await store.games.recent(7)
    assert recent == {f"q{n}" for n in range(10, RECENT + 10)}
    await store.games.remember([7], "q0", T0 + dt.timedelta(days=1))  # seen again: the newest, the oldest goes
    assert "q0" in await store.games.recent(7) and "q10" not in await store.games.recent(7)
    assert await store.games.recent(8) == set()


async def test_a_personal_round_counts_its_askers_answer_once_and_closes(store):
    round_id = await store.games.start_round(
        QUESTION, "personal", now=T0, closes_at=T0 + dt.timedelta(minutes=1), guild_id=5, channel_id=6, asker_id=1
    )
    assert await store.games.answer(round_id, 2, "other", 2, T0) is Outcome.NOT_YOURS
    assert await store.games.answer(round_id, 1, "asker", 2, T0) is Outcome.RIGHT
    assert await store.games.answer(round_id, 1, "asker", 2, T0) is Outcome.CLOSED
    assert not await store.games.close(round_id, T0 + dt.timedelta(minutes=2))  # closed already
    for scope in (5, EVERYWHERE):
        score = await store.games.score(scope, 1)
        assert score is not None and (score.points, score.answered, score.streak) == (1, 1, 1)


async def test_an_unanswered_personal_question_breaks_the_streak_and_time_ends_a_round(store):
    first = await store.games.start_round(
        QUESTION, "personal", now=T0, closes_at=T0 + dt.timedelta(minutes=1), guild_id=None, channel_id=6, asker_id=1
    )
    await store.games.answer(first, 1, "asker", 2, T0)
    missed = await store.games.start_round(
        QUESTION, "personal", now=T0, closes_at=T0 + dt.timedelta(minutes=1), guild_id=None, channel_id=6, asker_id=1
    )
    assert await store.games.answer(missed, 1, "asker", 2, T0 + dt.timedelta(minutes=1)) is Outcome.CLOSED
    assert await store.games.open_rounds() == [(missed, T0 + dt.timedelta(minutes=1))]
    assert await store.games.close(missed, T0 + dt.timedelta(minutes=1))
    score = await store.games.score(EVERYWHERE, 1)
    assert score is not None and (score.points, score.streak, score.best_streak) == (1, 0, 1)
    assert await store.games.open_rounds() == []


async def test_the_leaderboard_ranks_points_then_best_streak(store):
    for user, rights in ((1, [True, False, True]), (2, [True, True]), (3, [True, True])):
        for n, right in enumerate(rights):
            round_id = await store.games.start_round(
                QUESTION, "daily", now=T0, closes_at=T0 + dt.timedelta(hours=1), guild_id=9, channel_id=6
            )
            choice = QUESTION.right if right else 0
            await store.games.answer(round_id, user, f"player {user}", choice, T0 + dt.timedelta(seconds=n))
    board = await store.games.board(9)
    assert [(s.user_id, s.points, s.best_streak) for s in board] == [(2, 2, 2), (3, 2, 2), (1, 2, 1)]
    assert await store.games.board(10) == []
