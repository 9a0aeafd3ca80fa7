"""Wire-level smoke test: ``mi-bot run`` as a real subprocess against FakeDiscord over real sockets.

It proves that ``discord.api_base_url`` and ``discord.gateway_url`` really redirect the bot (the fake answers
on 127.0.0.1 only), that the CLI starts the same bot the tests build (the synced commands are the ones
``create_bot`` registers), and that SIGTERM closes it cleanly with its SQLite file intact.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest
import simcord

from bot.app import create_bot
from tests.conftest import STOP_A_HANG, bot_environment, is_command_sync, make_config, write_config
from tests.discord_contract import load_contract
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM and a POSIX subprocess are needed")


async def expected_commands(tmp_path: Path) -> dict[str, dict]:
    """The command bodies of the bot the tests build, as SimCord's run syncs them."""
    bot = create_bot(make_config(tmp_path / "simcord"))
    try:
        async with simcord.run(bot):
            return {command["name"]: command for command in bot.command_payload(None)}
    finally:
        await bot.close()


@pytest.fixture
async def mi_bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot --config … run`` pointed at the fake; killed (before the fake stops) if a test fails."""
    (tmp_path / "run").mkdir()
    config = write_config(tmp_path / "run", fake=fake)
    with (tmp_path / "run" / "stderr.txt").open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), "run",
            cwd=tmp_path, env=bot_environment(fake.token), stdout=stderr, stderr=stderr,
        )  # fmt: skip
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_mi_bot_run_answers_a_slash_command_over_real_sockets(
    fake: FakeDiscord, mi_bot: asyncio.subprocess.Process, tmp_path: Path
) -> None:
    expected = await expected_commands(tmp_path)

    sync = await fake.wait_request(is_command_sync, STOP_A_HANG)
    assert sync.status == 200
    assert {command["name"]: command for command in sync.json} == expected
    await fake.wait_ready(STOP_A_HANG)
    assert fake.identifies == 1
    login = next(r for r in fake.requests if r.path == "/users/@me")
    assert login.status == 200  # the fake checks the Authorization header: DISCORD_TOKEN reached it

    first = await fake.send_slash("stunt", {"name": "motorbike"})
    body = await fake.wait_response(first, STOP_A_HANG)
    assert body["type"] == 4  # answered with a message, not an error
    card = body["data"]["embeds"][0]
    assert "Motorcycle" in card["title"]
    assert any("Helsetkopen" in field["value"] for field in card["fields"])
    assert body["data"]["allowed_mentions"] == {"parse": []}
    assert not body["data"].get("flags")  # public, not an ephemeral error

    await fake.drop_gateway()  # the socket drops; the next command arrives while the bot is away
    second = await fake.send_slash("location", {"name": "Helsetkopen"})
    assert "Helsetkopen" in (await fake.wait_response(second, STOP_A_HANG))["data"]["embeds"][0]["title"]
    await fake.wait_for(lambda: fake.resumes == 1, STOP_A_HANG, "RESUME")
    assert fake.identifies == 1  # resumed, not a new session

    assert load_contract().violations(fake.requests) == []

    mi_bot.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(mi_bot.wait(), STOP_A_HANG) == 0
    log = (tmp_path / "run" / "stderr.txt").read_text()
    assert "Traceback" not in log, log

    with closing(sqlite3.connect(tmp_path / "run" / "facts.sqlite3")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert not (tmp_path / "run" / "facts.sqlite3-wal").exists() or (
        (tmp_path / "run" / "facts.sqlite3-wal").stat().st_size == 0
    ), "the write-ahead log was not checkpointed at shutdown"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_api_is_one_line_and_a_failure(tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{closed_port()}/api/v10"
    config = tmp_path / "config.yaml"
    config.write_text(f"database: facts.sqlite3\ndiscord:\n  api_base_url: {api}\nlog_level: ERROR\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        cwd=tmp_path, env=bot_environment("x"), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"mi-bot: cannot reach {api}")
