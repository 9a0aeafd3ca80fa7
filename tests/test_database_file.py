"""The database file as an operator meets it: damaged, a folder, deleted or emptied after admins changed facts,
backed up while the bot runs and restored. ``mi-bot check`` and ``mi-bot run`` run as processes, as people run
them; each failure ends at once with one line, and nothing an admin did is silently replaced by a new database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.config import Config
from bot.pack import load_pack
from bot.store import open_store
from bot.store.sqlite import kept_marker
from tests.conftest import PACK, outcome, prefilled, seeded_copy, write_config
from tests.fake_discord import FakeDiscord
from tests.test_trivia import ask, pick

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM and a POSIX subprocess are needed"),
    pytest.mark.sqlite_only(reason="the database file: damaged, deleted, backed up, its kept marker"),
]

NEW_SUMMARY = "Saved by an admin, to be kept."


async def mi_bot(
    folder: Path, *args: str, fake: FakeDiscord | None = None, cwd: Path | None = None
) -> tuple[int, str, str]:
    """``mi-bot ARGS --config folder/config.yaml`` as a process; with ``fake``, with its token (a run logs in
    there and is stopped with SIGTERM once READY). Returns the exit code, stdout and stderr."""
    environment = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    if fake is not None:
        environment["DISCORD_TOKEN"] = fake.token
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, "--config", str(folder / "config.yaml"), cwd=cwd or folder,
        env=environment, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await outcome(process, fake)
    return process.returncode or 0, out, err


def remove_database(path: Path) -> None:
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        (path.parent / name).unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------ a damaged database


def random_bytes(data: bytes) -> bytes:
    return os.urandom(len(data))


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def header_overwritten(data: bytes) -> bytes:
    return b"\0" * 100 + data[100:]


@pytest.mark.parametrize("damage", [random_bytes, truncated, header_overwritten])
@pytest.mark.parametrize("command", ["check", "run"])
async def test_a_damaged_database_stops_at_once_with_one_line(tmp_path, fake, damage, command) -> None:
    database = seeded_copy(tmp_path / "facts.sqlite3")
    database.write_bytes(damage(database.read_bytes()))
    write_config(tmp_path, fake=fake)

    code, _, stderr = await mi_bot(tmp_path, command, fake=fake)

    assert code == 1
    assert stderr.strip().splitlines() == [
        f"mi-bot: The fact database {database} cannot be opened ({damage_said(stderr)}). If it is damaged, restore "
        "it from a backup (README: Backups)."
    ]


def damage_said(stderr: str) -> str:
    """SQLite's own words, which differ with the damage ("file is not a database", "… malformed")."""
    said = stderr.partition(" cannot be opened (")[2].partition("). If it is damaged")[0]
    assert said in ("file is not a database", "database disk image is malformed"), stderr
    return said


@pytest.mark.parametrize("command", ["check", "run"])
async def test_a_database_path_that_is_a_folder_is_one_line(tmp_path, fake, command) -> None:
    (tmp_path / "facts").mkdir()
    write_config(tmp_path, database="facts", fake=fake)

    code, _, stderr = await mi_bot(tmp_path, command, fake=fake)

    assert code == 1
    assert stderr.strip().splitlines() == [
        f"mi-bot: The fact database {tmp_path / 'facts'} is a folder: `database:` must name a file."
    ]


# --------------------------------------------------------------------- a database lost after admins changed it


async def save_summary(admin, channel) -> None:
    form = await admin.slash(channel, "fact edit", fact="stunt:speed-flying")
    saved = await admin.submit_modal(form, prefilled(form) | {"summary": NEW_SUMMARY})
    assert "Saved" in saved.response.content


async def start_is_refused(folder: Path, config: Config, fake: FakeDiscord, state: str) -> None:
    """``mi-bot check`` and ``mi-bot run`` stop with one line on a database that is ``state`` (missing or empty)
    while its marker says it held changes, create nothing in its place, and never go online."""
    found = f"The fact database {config.database} is {state}, but it held"
    for command in ("check", "run"):
        code, _, stderr = await mi_bot(folder, command, fake=fake)
        assert code == 1
        assert stderr.strip().splitlines() == [
            f"mi-bot: {found} what no data pack can re-create (admin changes, server settings or trivia scores; "
            "facts.sqlite3-kept beside it says so). Restore it from a backup "
            "(README: Backups), or start a new one on purpose: mi-bot run --new-database"
        ]
        assert config.database.exists() == (state == "empty")  # nothing was created in its place
    assert fake.identifies == 0  # the refused run never went online


async def test_a_first_start_creates_the_database_and_says_so(tmp_path) -> None:
    write_config(tmp_path)
    code, stdout, _ = await mi_bot(tmp_path, "check")
    assert code == 0
    assert f"{tmp_path / 'facts.sqlite3'} (new, created now): {len(load_pack(PACK).films)} films" in stdout
    assert not kept_marker(tmp_path / "facts.sqlite3").exists()  # nothing an admin did yet


async def test_a_database_with_only_the_packs_may_be_recreated(tmp_path) -> None:
    database = seeded_copy(tmp_path / "facts.sqlite3")
    remove_database(database)
    write_config(tmp_path)
    code, stdout, _ = await mi_bot(tmp_path, "check")
    assert code == 0
    assert "(new, created now)" in stdout


@pytest.mark.parametrize("loss", ["deleted", "emptied"])
async def test_a_lost_database_with_admin_changes_stops_the_start_until_a_new_one_is_asked_for(
    tmp_path, bot, config: Config, fact_admin, channel, fake, loss
) -> None:
    await save_summary(fact_admin, channel)
    await bot.close()
    assert kept_marker(config.database).exists()
    remove_database(config.database)
    if loss == "emptied":
        config.database.touch()
    write_config(tmp_path, fake=fake)

    await start_is_refused(tmp_path, config, fake, "missing" if loss == "deleted" else "empty")

    code, _, stderr = await mi_bot(tmp_path, "run", "--new-database", fake=fake)
    assert code == 0, stderr
    assert fake.identifies == 1
    assert not kept_marker(config.database).exists()  # the new database holds no admin changes yet
    code, stdout, _ = await mi_bot(tmp_path, "check")
    assert (code, "(as seeded from the packs)" in stdout) == (0, True)


async def test_server_settings_count_as_changes_to_keep(bot, config: Config, manager, channel) -> None:
    assert not kept_marker(config.database).exists()
    result = await manager.slash(channel, "settings bts-channel", channel=channel)
    assert not result.ephemeral or "Sorry" not in result.response.content
    assert kept_marker(config.database).exists()


async def test_trivia_scores_alone_count_as_changes_to_keep(tmp_path, bot, config: Config, fan, fake) -> None:
    assert not kept_marker(config.database).exists()
    asked, played = await ask(fan.user, None)  # in a DM: no server settings, no admin change
    await pick(fan.user, asked, played, right=True)
    assert kept_marker(config.database).exists()
    await bot.close()

    with contextlib.closing(sqlite3.connect(config.database)) as db, db:  # only the scores left
        db.execute("DELETE FROM trivia_answers")
        db.execute("DELETE FROM trivia_rounds")
    kept_marker(config.database).unlink()
    store = await open_store(config.database)  # opening it sees the scores and marks them to keep
    await store.close()
    assert kept_marker(config.database).exists()

    remove_database(config.database)
    write_config(tmp_path, fake=fake)
    await start_is_refused(tmp_path, config, fake, "missing")


async def test_a_store_with_admin_changes_from_before_the_marker_gets_one_when_opened(
    bot, config: Config, fact_admin, channel
) -> None:
    await save_summary(fact_admin, channel)
    await bot.close()
    kept_marker(config.database).unlink()
    store = await open_store(config.database)
    await store.close()
    assert kept_marker(config.database).exists()


# ----------------------------------------------------------------------------------------- backup and restore


async def test_a_backup_taken_while_the_bot_runs_restores_every_admin_change(
    tmp_path, bot, config: Config, fact_admin, channel, fake
) -> None:
    await save_summary(fact_admin, channel)  # committed, maybe only in the write-ahead log so far
    write_config(tmp_path, fake=fake)
    backups = tmp_path / "backups"
    backups.mkdir()

    code, stdout, stderr = await mi_bot(tmp_path, "db", "backup", "facts-backup.sqlite3", cwd=backups)
    assert code == 0, stderr
    facts = len(load_pack(PACK).facts())
    assert stdout.strip() == f"Backed up {config.database} ({facts} facts) to facts-backup.sqlite3"
    backup = backups / "facts-backup.sqlite3"
    assert [p.name for p in backups.iterdir()] == [backup.name]  # no partial file left beside it
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    code, _, stderr = await mi_bot(tmp_path, "db", "backup", "facts-backup.sqlite3", cwd=backups)
    assert code == 1
    assert "already exists: a backup never overwrites a file" in stderr
    await bot.close()

    remove_database(config.database)  # lost
    code, _, _ = await mi_bot(tmp_path, "run", fake=fake)
    assert code == 1  # refused, as above
    shutil.copy(backup, config.database)  # restored as the README says
    store = await open_store(config.database)
    try:
        assert (await store.get("stunt:speed-flying")).summary == NEW_SUMMARY
    finally:
        await store.close()
    code, _, stderr = await mi_bot(tmp_path, "run", fake=fake)
    assert code == 0, stderr
    assert fake.identifies == 1
    code, stdout, _ = await mi_bot(tmp_path, "check")
    assert f"{config.database} (holds changes no pack can re-create): {len(load_pack(PACK).films)} films" in stdout


async def test_backing_up_a_missing_database_says_so(tmp_path) -> None:
    write_config(tmp_path)
    code, _, stderr = await mi_bot(tmp_path, "db", "backup", "b.sqlite3")
    assert code == 1
    assert stderr.strip() == f"mi-bot: There is no fact database at {tmp_path / 'facts.sqlite3'} to back up."
    assert not (tmp_path / "b.sqlite3").exists()
