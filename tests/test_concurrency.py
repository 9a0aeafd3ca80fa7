"""500 interactions in flight at once, fans and admins mixed: each answered exactly once, in time, and the
store consistent afterwards, with no "database is locked".

SimCord runs one actor action at a time and waits for the bot after each, so a burst is made by dispatching
every interaction first (``in_flight``) and letting the bot work on all of them together afterwards. SimCord's
3-second answer deadline runs on its virtual clock, which stands still while the bot works, so ``WallClock``
makes that clock follow real time: an answer sent more than three real seconds after its interaction was
created is refused by SimCord (10062 Unknown interaction), exactly as Discord refuses it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import random
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import discord
import pytest
from simcord import Env, InteractionResult

from bot.config import Admins
from tests.conftest import PACK, show_command
from tests.test_admin import prefilled

BURST = 500
CALLBACK = re.compile(r"^/interactions/(\d+)/[^/]+/callback$")


class WallClock:
    """SimCord's clock made to follow real time from now on (``advance_time`` still moves it on)."""

    def __init__(self, clock: Any) -> None:
        self._base, self._start, self._origin = clock.elapsed, time.perf_counter(), clock.now()
        self._advanced = 0.0

    @property
    def elapsed(self) -> float:
        return self._base + self._advanced + time.perf_counter() - self._start

    def now(self) -> dt.datetime:
        return self._origin + dt.timedelta(seconds=self.elapsed - self._base)

    def advance(self, seconds: float) -> None:
        self._advanced += seconds


@contextmanager
def real_time(env: Env) -> Iterator[None]:
    """SimCord's deadlines (the 3-second answer) in real seconds while the block runs."""
    virtual = env.backend.clock
    env.backend.clock = WallClock(virtual)
    try:
        yield
    finally:
        virtual.advance(env.backend.clock.elapsed - virtual.elapsed)
        env.backend.clock = virtual


@contextmanager
def in_flight(env: Env) -> Iterator[None]:
    """Actor actions only dispatch their interaction while the block runs; ``env.settle()`` then lets the bot
    work on every one of them at once."""

    async def dispatch_only(**_: Any) -> None:
        return None

    env._settle_internal = dispatch_only  # type: ignore[method-assign]
    try:
        yield
    finally:
        del env._settle_internal


def callbacks(env: Env, since: int = 0) -> Counter[str]:
    """How many times the bot answered each interaction (initial responses only)."""
    return Counter(m[1] for r in env.http_requests[since:] if r.method == "POST" and (m := CALLBACK.match(r.path)))


@pytest.fixture
async def admins(env: Env, bot, guild, channel):
    """Three bot admins who can see /fact."""
    members = [guild.add_member(env.create_user(f"admin{i}")) for i in range(3)]
    bot.config = bot.config.model_copy(update={"admins": Admins(user_ids=[m.id for m in members])})
    await show_command(bot, guild, "fact", *members)
    return members


def fan_actions(fans, channel, count: int, rng: random.Random) -> Iterator[Any]:
    """What fans do: cards, lists, searches and autocompletes, over the shipped pack's names."""
    from bot.pack import load_pack

    pack = load_pack(PACK)
    stunts = [n for s in pack.stunts for n in s.names]
    places = [n for p in pack.locations for n in p.names]
    films = [n for f in pack.films for n in f.names]
    actions = [
        lambda fan: fan.slash(channel, "stunt", name=rng.choice(stunts)[:100]),
        lambda fan: fan.slash(channel, "location", name=rng.choice(places)[:100]),
        lambda fan: fan.slash(channel, "release", film=rng.choice(films)),
        lambda fan: fan.slash(channel, "search", query=rng.choice(stunts + places)[:200]),
        lambda fan: fan.slash(channel, "bts", topic=rng.choice(stunts)[:100]),
        lambda fan: fan.slash(channel, "stunts"),
        lambda fan: fan.autocomplete(channel, "stunt", "name", rng.choice(stunts)[:4]),
        lambda fan: fan.autocomplete(channel, "location", "name", rng.choice(places)[:3]),
    ]
    for fan in itertools.islice(itertools.cycle(fans), count):
        yield rng.choice(actions)(fan)


async def test_500_interactions_at_once_are_each_answered_once_in_time(env, bot, guild, channel, admins, caplog):
    rng = random.Random(500)
    fans = [guild.add_member(env.create_user(f"fan{i}")) for i in range(20)]
    first, second, third = admins
    # Each admin opens an edit form before the burst and submits it during it; two edit the same stunt.
    forms = {
        (first, "stunt:bike-cliff-jump"): "Edited by the first admin.",
        (second, "stunt:bike-cliff-jump"): "Edited by the second admin.",
        (third, "stunt:train-roof-fight"): "Edited by the third admin.",
    }
    shown = {key: await key[0].slash(channel, "fact edit", fact=key[1]) for key in forms}
    before = len(env.http_requests)
    counts_before = await bot.store.counts()

    with real_time(env):
        with in_flight(env), caplog.at_level(logging.WARNING):
            # (an autocomplete gives back its choices, none yet: its answer is counted in the callbacks below)
            outcomes = [await action for action in fan_actions(fans, channel, BURST - 2 * len(forms), rng)]
            saves = {}
            for (admin, ref), summary in forms.items():
                typed = prefilled(shown[admin, ref]) | {"summary": summary}
                saves[admin] = await admin.submit_modal(shown[admin, ref], typed)
                outcomes += [saves[admin], await admin.slash(channel, "fact history", fact=ref)]
            assert not callbacks(env, before), "the bot must not start before the whole burst is out"
        await env.settle(timeout=60)

    answered = callbacks(env, before)
    assert len(outcomes) == len(answered) == BURST, f"{BURST - len(answered)} interactions not answered in time"
    assert set(answered.values()) == {1}, "each interaction is answered exactly once"
    assert all(o.acknowledged for o in outcomes if isinstance(o, InteractionResult))
    assert not [r for r in caplog.records if "locked" in r.getMessage() or r.levelno >= logging.ERROR]

    # The store is whole: nothing lost, one of the two competing edits won, the other was refused.
    assert await bot.store.counts() == counts_before
    bike = (await bot.store.entry("stunt:bike-cliff-jump")).fact
    assert bike.summary in ("Edited by the first admin.", "Edited by the second admin.")
    assert (await bot.store.entry("stunt:train-roof-fight")).fact.summary == "Edited by the third admin."
    refused = [r for r in (saves[first], saves[second]) if "after you opened it" in r.response.content]
    assert len(refused) == 1 and refused[0].ephemeral, "the slower of two edits of one fact is refused, not lost"
    with sqlite3.connect(bot.config.database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM facts_fts").fetchone() == db.execute(
            "SELECT count(*) FROM facts WHERE deleted = 0"
        ).fetchone()


@pytest.mark.expected_errors(discord.NotFound, reason="the answer comes too late")
async def test_an_answer_after_three_seconds_is_refused(env, fan, channel):
    """The deadline above is real: an interaction the bot gets to 3.2 s late cannot be answered any more."""
    with real_time(env):
        with in_flight(env):
            result = await fan.slash(channel, "stunt", name="motorbike")
        time.sleep(3.2)  # the bot is busy elsewhere
        await env.settle()
    assert not result.acknowledged
    assert [getattr(e, "original", e).code for e in env.errors] == [10062]  # Unknown interaction
