"""Faults: Discord failing a reply, a restart half-way through an admin's work, a database that is read-only or
locked, and the process killed in the middle of an import. Each time the person asking gets an answer or a
clean failure, the bot keeps serving, and the database stays whole.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest

from bot.app import create_bot
from bot.models import Stunt, Video
from bot.store import open_store
from tests.conftest import ROOT, changed, export, prefilled, seeded_copy

CALLBACK = "/interactions/*/callback"
APOLOGY = "Sorry, something went wrong on my side"


async def card_title(fan, channel, name: str = "motorbike") -> str:
    result = await fan.slash(channel, "stunt", name=name)
    assert result.acknowledged and not result.ephemeral
    return result.response.embeds[0].title


# ---------------------------------------------------------------------------------------- Discord failing a reply


@pytest.mark.expected_errors(discord.HTTPException, reason="Discord answers the reply with an error")
@pytest.mark.parametrize("status", [500, 429])
async def test_a_reply_discord_refuses_once_becomes_a_private_apology(env, fan, channel, status):
    env.inject_error("POST", CALLBACK, status=status, message="injected by the test", times=1)
    result = await fan.slash(channel, "stunt", name="motorbike")
    assert result.ephemeral and APOLOGY in result.response.content
    assert "Motorcycle" in await card_title(fan, channel)  # and the next fan is served as usual


@pytest.mark.expected_errors(discord.HTTPException, reason="Discord answers every reply with an error")
async def test_when_discord_refuses_the_apology_too_the_bot_logs_it_and_serves_on(env, fan, channel, caplog):
    env.inject_error("POST", CALLBACK, status=500, message="injected by the test", times=2)
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        result = await fan.slash(channel, "stunt", name="motorbike")
    assert not result.acknowledged  # Discord tells the fan the interaction failed
    assert "Could not tell" in caplog.text
    assert "Motorcycle" in await card_title(fan, channel)


# ---------------------------------------------------------------------------------------------- a restart


async def test_a_restart_half_way_loses_nothing(env, bot, fact_admin, fan, channel):
    form = await fact_admin.slash(channel, "fact edit", fact="stunt:bike-cliff-jump")
    await fact_admin.submit_modal(form, prefilled(form) | {"name": "Motorcycle cliff jump over Helsetkopen"})
    dry_run = await fact_admin.slash(
        channel,
        "fact import",
        file=("edited.yaml", changed(await export(fact_admin, channel), drop_last_video)),
        mode="replace",
    )
    videos = len(await bot.store.facts(Video))
    syncs = sum(r.method == "PUT" for r in env.http_requests)

    await bot.close()  # the process stops between the dry run and Apply; a new one starts on the same file
    restarted = create_bot(bot.config)
    await env.restart_bot(restarted)

    assert await card_title(fan, channel) == "🎬 Motorcycle cliff jump over Helsetkopen"  # the saved edit
    assert sum(r.method == "PUT" for r in env.http_requests) == syncs  # nothing to re-sync or re-seed
    stale = await fact_admin.click(dry_run.response, label="Apply")
    assert not stale.acknowledged  # the old process's buttons are gone: Discord says the interaction failed
    assert len(await restarted.store.facts(Video)) == videos  # and nothing of the import was applied
    again = await fact_admin.slash(
        channel,
        "fact import",
        file=("edited.yaml", changed(await export(fact_admin, channel), drop_last_video)),
        mode="replace",
    )
    applied = await fact_admin.click(again.response, label="Apply")
    assert "Imported as change" in applied.response.content
    assert len(await restarted.store.facts(Video)) == videos - 1


def drop_last_video(document: dict) -> None:
    document["videos"] = document["videos"][:-1]


# ------------------------------------------------------------------------------- a read-only or locked database


def read_only_copy(path: Path) -> Path:
    """A copy of the database that SQLite refuses to write for anyone, root included, as it would a file on a
    read-only mount. Its header says a newer SQLite wrote it (write version 3: "treated as read-only", file format
    §1.3.3). Permission bits would not do: root ignores them. Nor would the immutable attribute: it needs a
    capability, and SQLite reuses a read-write descriptor still open on the same file (an earlier connection
    whose statement is not finalised yet), so whether the file was writable depended on the tests before."""
    copy = path.with_name("read-only.sqlite3")
    with contextlib.closing(sqlite3.connect(path)) as source, contextlib.closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    with copy.open("r+b") as header:
        header.seek(18)  # the write version (1 rollback journal, 2 WAL)
        header.write(b"\x03")
    return copy


async def save_summary(admin, channel, summary: str):
    form = await admin.slash(channel, "fact edit", fact="stunt:speed-flying")
    return await admin.submit_modal(form, prefilled(form) | {"summary": summary})


@pytest.mark.sqlite_only(reason="a SQLite file that SQLite treats as read-only")
async def test_a_read_only_database_refuses_changes_clearly_and_fans_still_read(env, bot, config, fact_admin, fan,
                                                                                  channel):  # fmt: skip
    await bot.close()
    restarted = create_bot(bot.config.model_copy(update={"database": read_only_copy(config.database)}))
    await env.restart_bot(restarted)  # a bot started on a read-only database
    assert "Motorcycle" in await card_title(fan, channel)
    refused = await save_summary(fact_admin, channel, "A new summary.")
    assert refused.ephemeral
    assert refused.response.content == "The fact database is read-only right now, so nothing was changed."
    assert (await restarted.store.get("stunt:speed-flying")).summary != "A new summary."


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another program holds the write lock (readers go on: the store uses WAL)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.mark.simcord(settle_timeout=20)
@pytest.mark.sqlite_only(reason="another program holds the SQLite file's write lock")
async def test_a_locked_database_refuses_changes_clearly_and_fans_still_read(bot, config, fact_admin, fan, channel):
    with locked(config.database):
        assert "Motorcycle" in await card_title(fan, channel)
        refused = await save_summary(fact_admin, channel, "A new summary.")
        assert refused.ephemeral
        assert "busy (locked by another program), so nothing was changed" in refused.response.content
    saved = await save_summary(fact_admin, channel, "A new summary.")
    assert "Saved" in saved.response.content
    assert (await bot.store.get("stunt:speed-flying")).summary == "A new summary."


@pytest.mark.sqlite_only(reason="SQLite's busy timeout on the file's connections")
async def test_a_change_blocked_by_a_lock_gives_up_inside_discords_three_seconds(bot):
    """A write waits for another program's lock as long as SQLite's busy timeout on the bot's connections: it must
    end well inside the 3 seconds Discord gives an answer (the test above shows the answer; a clock would only
    measure how busy the machine is)."""
    for connection in (bot.store.db.writer.connection, bot.store.db.connection):
        async with connection.execute("PRAGMA busy_timeout") as cursor:
            (waits_ms,) = await cursor.fetchone()
        assert 0 < waits_ms <= 2000


# ---------------------------------------------------------------------------------------- SIGKILL during an import

IMPORTER = """
import asyncio, sys
from pathlib import Path
from benchmarks.generate import synthetic_pack
from bot.store import Author, open_store

async def main(path, size):
    store = await open_store(Path(path))
    plan = await store.plan_import(synthetic_pack(size))
    print(len(plan.added), flush=True)
    await store.apply_import(plan, Author(1, "importer"))
    print("applied", flush=True)

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def state(path: Path) -> tuple[int, int]:
    """The facts and import change sets in a database file, after checking that it is whole."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        (facts,) = db.execute("SELECT count(*) FROM facts WHERE deleted = 0").fetchone()
        (indexed,) = db.execute("SELECT count(*) FROM facts_fts").fetchone()
        (named,) = db.execute("SELECT count(DISTINCT fact_id) FROM names").fetchone()
        (imports,) = db.execute("SELECT count(*) FROM change_sets WHERE action = 'import'").fetchone()
    assert indexed == named == facts, "the search and name indexes match the facts"
    return facts, imports


def import_and_kill(path: Path, delay: float) -> tuple[int, bool]:
    """Import 3,000 generated facts in another process and SIGKILL it ``delay`` seconds after the import's
    transaction started writing (the WAL file grew); how many facts it was adding and whether it had finished."""
    wal = path.with_name(path.name + "-wal")
    child = subprocess.Popen([sys.executable, "-c", IMPORTER, str(path), "3000"], cwd=ROOT, stdout=subprocess.PIPE,
                             text=True)  # fmt: skip
    assert child.stdout is not None
    adding = int(child.stdout.readline())  # planned: the transaction starts now
    deadline = time.monotonic() + 60
    while not (wal.exists() and wal.stat().st_size > 0) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    return adding, "applied" in child.communicate()[0]


@pytest.mark.parametrize("delay", [0.0, 0.3, 0.8])
async def test_sigkill_during_an_import_leaves_it_wholly_applied_or_not_at_all(tmp_path, delay):
    path = seeded_copy(tmp_path / "facts.sqlite3")
    facts, imports = state(path)

    adding, finished = import_and_kill(path, delay)

    result, applied = state(path), (facts + adding, imports + 1)
    assert result in ((facts, imports), applied), "never half an import"
    assert result == applied or not finished
    if delay == 0.0:  # killed as the transaction started writing: none of it is kept
        assert result == (facts, imports)
    store = await open_store(path)  # the bot can open it and answer from it
    try:
        assert (await store.find(Stunt, "motorbike")).fact.key == "bike-cliff-jump"
    finally:
        await store.close()
