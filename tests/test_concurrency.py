"""500 interactions in flight at once, fans and admins mixed: each answered exactly once, with no "database is
locked", and the store whole afterwards.

Two ways:

* Through SimCord, against the bot the tests build. SimCord runs one actor action at a time and waits for the
  bot after each, so the burst is made by dispatching every interaction first (``in_flight``) and letting the
  bot work on all of them together afterwards. SimCord enforces the 3-second answer deadline on its virtual
  clock, which stands still while the bot works: a bot that waits on a timer is caught, a slow one is not.
* Over real sockets against ``mi-bot run`` in its own process (the wire-level fake Discord), while another
  process writes to the same database file.

How fast the answers come is measured, not asserted (a loaded machine would fail any limit):
``benchmarks/wire.py`` times the same bursts over the wire against a bare discord.py bot.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import re
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import yaml
from simcord import Env, InteractionResult

from bot.config import Admins
from bot.models import Fact
from bot.pack import load_pack
from bot.store import Author, open_store
from tests.conftest import (
    PACK,
    STOP_A_HANG,
    bot_environment,
    in_flight,
    is_command_sync,
    prefilled,
    show_command,
    write_config,
)
from tests.discord_contract import load_contract
from tests.fake_discord import FakeDiscord

BURST = 500
BURST_TIMEOUT = 120  # seconds: only ends a burst that would otherwise hang, never asserted as a duration
CALLBACK = re.compile(r"^/interactions/(\d+)/[^/]+/callback$")
SHIPPED = load_pack(PACK)


def names(facts: list[Any]) -> list[str]:
    """Every name a fan may type for these facts (options hold at most 100 characters)."""
    return [name[:100] for fact in facts for name in fact.names]


STUNTS, PLACES, FILMS = names(SHIPPED.stunts), names(SHIPPED.locations), names(SHIPPED.films)


def fan_command(rng: random.Random) -> tuple[str, dict[str, str]]:
    """A fan's slash command with its options, drawn from the shipped pack's names."""
    return rng.choice(
        [
            ("stunt", {"name": rng.choice(STUNTS)}),
            ("location", {"name": rng.choice(PLACES)}),
            ("release", {"film": rng.choice(FILMS)}),
            ("search", {"query": rng.choice(STUNTS + PLACES)}),
            ("bts", {"topic": rng.choice(STUNTS)}),
            ("stunts", {}),
        ]
    )


def callbacks(requests: list[Any], since: int = 0) -> Counter[str]:
    """How many times the bot answered each interaction (initial responses only)."""
    return Counter(m[1] for r in requests[since:] if r.method == "POST" and (m := CALLBACK.match(r.path)))


# ---------------------------------------------------------------------------------------------- through SimCord


def fan_actions(fans: list[Any], channel: Any, count: int, rng: random.Random) -> Iterator[Any]:
    """What fans do: cards, lists, searches, videos, and autocompletes as they type."""
    for fan in itertools.islice(itertools.cycle(fans), count):
        if rng.random() < 0.2:
            command, option, names_ = rng.choice([("stunt", "name", STUNTS), ("location", "name", PLACES)])
            yield fan.autocomplete(channel, command, option, rng.choice(names_)[: rng.randint(1, 6)])
        else:
            command, options = fan_command(rng)
            yield fan.slash(channel, command, **options)


@pytest.fixture
async def admins(env: Env, bot: Any, guild: Any) -> list[Any]:
    """Three bot admins who can see /fact."""
    members = [guild.add_member(env.create_user(f"admin{i}")) for i in range(3)]
    bot.config = bot.config.model_copy(update={"admins": Admins(user_ids=[m.id for m in members])})
    await show_command(bot, guild, "fact", *members)
    return members


async def until_answered(env: Env, since: int, count: int) -> None:
    """Wait until ``count`` interactions dispatched after request ``since`` are answered, leaving the event loop to
    the bot, then settle. ``env.settle`` alone would re-examine each of the hundreds of pending bot tasks at every
    turn of the loop and leave the bot a sliver of it between turns: enough when the store works in aiosqlite's
    thread meanwhile, far from enough when every query is a round trip on the loop's own sockets (asyncpg), where
    the burst then took minutes with the server idle (issue #14)."""
    give_up = time.monotonic() + BURST_TIMEOUT
    while sum(callbacks(env.http_requests, since).values()) < count and time.monotonic() < give_up:
        await asyncio.sleep(0.05)
    await env.settle(timeout=BURST_TIMEOUT)


async def test_500_interactions_at_once_are_each_answered_exactly_once(env, bot, guild, channel, admins, caplog):
    rng = random.Random(500)
    fans = [guild.add_member(env.create_user(f"fan{i}")) for i in range(20)]
    first, second, third = admins
    # Each admin opens an edit form before the burst and saves it during it; two edit the same stunt.
    edits = {
        first: ("stunt:bike-cliff-jump", "Edited by the first admin."),
        second: ("stunt:bike-cliff-jump", "Edited by the second admin."),
        third: ("stunt:train-roof-fight", "Edited by the third admin."),
    }
    forms = {admin: await admin.slash(channel, "fact edit", fact=ref) for admin, (ref, _) in edits.items()}
    before, counts = len(env.http_requests), await bot.store.counts()

    with in_flight(env), caplog.at_level(logging.WARNING):
        # (an autocomplete gives back its choices, none yet: its answer is counted in the callbacks below)
        outcomes = [await action for action in fan_actions(fans, channel, BURST - 2 * len(edits), rng)]
        saves = {}
        for admin, (ref, summary) in edits.items():
            saves[admin] = await admin.submit_modal(forms[admin], prefilled(forms[admin]) | {"summary": summary})
            outcomes += [saves[admin], await admin.slash(channel, "fact history", fact=ref)]
        assert not callbacks(env.http_requests, before), "the bot must not start before the whole burst is out"
    await until_answered(env, before, BURST)

    answered = callbacks(env.http_requests, before)
    assert len(outcomes) == len(answered) == BURST, f"{BURST - len(answered)} interactions were not answered"
    assert set(answered.values()) == {1}, "each interaction is answered exactly once"
    assert all(o.acknowledged for o in outcomes if isinstance(o, InteractionResult))
    assert not [r for r in caplog.records if "locked" in r.getMessage() or r.levelno >= logging.ERROR]
    # The store is whole: nothing lost, one of the two competing edits saved, the other refused and kept out.
    assert await bot.store.counts() == counts
    assert (await bot.store.get("stunt:bike-cliff-jump")).summary in (edits[first][1], edits[second][1])
    assert (await bot.store.get("stunt:train-roof-fight")).summary == edits[third][1]
    refused = [s for s in (saves[first], saves[second]) if "after you opened it" in s.response.content]
    assert len(refused) == 1 and refused[0].ephemeral
    if isinstance(bot.config.database, Path):  # and a SQLite file passes SQLite's own check
        with closing(sqlite3.connect(bot.config.database)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# ---------------------------------------------------------------------------------------------- over the wire

ADMIN_ID = 1100000000000000999


@pytest.fixture
async def wire_bot(tmp_path: Path) -> AsyncIterator[tuple[FakeDiscord, Path, Path]]:
    """``mi-bot run`` in its own process against the fake Discord, with one bot admin; (fake, database, log)."""
    fake = FakeDiscord()
    await fake.start()
    config = write_config(tmp_path, fake=fake)
    settings = yaml.safe_load(config.read_text()) | {"admins": {"user_ids": [ADMIN_ID]}, "log_level": "WARNING"}
    config.write_text(yaml.safe_dump(settings))
    log = tmp_path / "bot.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), "run",
            cwd=tmp_path, env=bot_environment(fake.token), stdout=output, stderr=output,
        )  # fmt: skip
    try:
        await fake.wait_request(is_command_sync, STOP_A_HANG)
        await fake.wait_ready(STOP_A_HANG)
        yield fake, Path(settings["database"]), log
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), STOP_A_HANG)
        await asyncio.wait_for(fake.stop(), STOP_A_HANG)


async def edit_concurrently(database: Path, ref: str, count: int) -> list[Fact]:
    """Another process's writes to the same file (an operator's script, say), one transaction each."""
    store = await open_store(database)
    try:
        saved = []
        for i in range(count):
            entry = await store.entry(ref)
            fact = entry.fact.model_copy(update={"summary": f"{entry.fact.summary.split(' [')[0]} [edit {i}]"})
            saved.append((await store.update(fact, Author(None, "script"), expected=entry)).fact)
            await asyncio.sleep(0.01)
        return saved
    finally:
        await store.close()


async def test_500_commands_over_the_wire_are_each_answered_exactly_once(wire_bot):
    fake, database, log = wire_bot
    rng = random.Random(3)
    sent: list[int] = []
    writes = asyncio.create_task(edit_concurrently(database, "stunt:speed-flying", 20))
    for i in range(BURST):
        command, options = fan_command(rng)
        user = 10**17 + i  # 500 fans, one command each (the cooldown allows five)
        if i % 10 == 0:  # every tenth is the admin reading a change log
            fact = {"type": 3, "name": "fact", "value": rng.choice(["stunt:speed-flying", "location:rome"])}
            command, options, user = "fact", [{"type": 1, "name": "history", "options": [fact]}], ADMIN_ID
        sent.append(await fake.send_slash(command, options, user_id=user))
    await fake.wait_for(lambda: fake.callbacks.keys() >= set(sent), 120, "every answer")  # stops a hung bot only
    saved = await writes

    assert callbacks(fake.requests) == dict.fromkeys(map(str, sent), 1), "each interaction is answered exactly once"
    replies = [str(body) for body in fake.callbacks.values()]
    assert not [r for r in replies if "busy" in r or "something went wrong" in r]
    assert not [line for line in log.read_text().splitlines() if "locked" in line or "ERROR" in line]
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (doc,) = db.execute("SELECT doc FROM facts WHERE kind = 'stunt' AND key = 'speed-flying'").fetchone()
    assert saved[-1].summary in doc and len(saved) == 20
    assert load_contract().violations(fake.requests) == []
