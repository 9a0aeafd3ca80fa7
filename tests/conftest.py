"""Shared fixtures: the real bot (built by ``create_bot``, as the CLI does) on a fresh SQLite file holding the
shipped pack (a copy of one seeded once), running against SimCord, with fans, a bot admin and server managers as
actors.

Every test that runs the bot also checks every REST request it made against Discord's contract.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import tempfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiosqlite
import discord
import pytest
from discord import app_commands
from simcord import Env

from bot.app import FanBot, create_bot, seed
from bot.config import BUNDLED_PACK, Admins, Config, Cooldown
from bot.errors import FanBotError
from bot.pack import dump_pack, load_pack
from bot.store import FactStore
from tests.discord_contract import load_contract

ROOT = Path(__file__).resolve().parent.parent
PACK = BUNDLED_PACK


@functools.cache
def pack_as_one_file() -> str:
    """The shipped pack (a folder) as one YAML file, in the format of ``/fact export`` and ``/fact import``."""
    pack = load_pack(PACK)
    return dump_pack(pack.pack, pack.version, pack.title, pack.facts())


@functools.cache
def seeded_database() -> bytes:
    """A database file as a first start on the shipped pack leaves it, made once per test process by the bot's own
    ``seed`` (in a thread with its own event loop, whatever loop the caller runs). It holds no command-sync digest,
    so every bot started on a copy still syncs its commands."""

    async def first_start(path: Path) -> None:
        store = await FactStore.open(path)
        try:
            await seed(store, [PACK])
        finally:
            await store.close()

    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(1) as worker:
        path = Path(folder) / "facts.sqlite3"
        worker.submit(asyncio.run, first_start(path)).result()
        return path.read_bytes()


def seeded_copy(path: Path) -> Path:
    """``path``, a new database holding the shipped pack (a copy of ``seeded_database``: no seeding each time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(seeded_database())
    return path


def make_config(tmp_path: Path, *, seeded: bool = True, **overrides: object) -> Config:
    """The config tests run with: a throwaway database, the shipped pack, a generous cooldown. With the shipped
    pack the database starts as a copy of ``seeded_database``, so the bot finds the pack loaded and skips seeding;
    ``seeded=False`` leaves the file to the bot's first start, for tests of first starts and of seeding."""
    values: dict[str, object] = {
        "database": tmp_path / "facts.sqlite3",
        "packs": [PACK],
        "cooldown": Cooldown(uses=1000, per_seconds=10),
    }
    config = Config.model_validate({**values, **overrides})
    if seeded and config.packs == [PACK]:
        seeded_copy(config.database)
    return config


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture
async def bots() -> AsyncIterator[list[FanBot]]:
    """Every bot a test ran, closed with their databases once SimCord has let go of them (its shutdown does not
    close bots): the one it began with, and the one attached at the end if it restarted (a test closes a bot it
    replaces, as a stopping process would)."""
    ran: list[FanBot] = []
    yield ran
    for bot in ran:
        await bot.close()  # closing a bot twice is harmless


@pytest.fixture
def simcord_bot(config: Config, bots: list[FanBot]) -> FanBot:
    """The bot under test."""
    bot = create_bot(config)
    bots.append(bot)
    return bot


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A failed test keeps its bot alive through the traceback; stop any database thread still running,
    so that a failure ends the run instead of hanging it."""
    for leftover in gc.get_objects():
        if isinstance(leftover, aiosqlite.Connection) and leftover._running:
            leftover.stop()


def answered_to_user(error: BaseException) -> bool:
    """Errors the bot turns into a friendly ephemeral reply on purpose (not bugs)."""
    cause = getattr(error, "original", error)
    return isinstance(cause, (FanBotError, app_commands.CommandOnCooldown, app_commands.CheckFailure))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "expected_errors(*types, reason): errors a test provokes on purpose (injected faults)"
    )


@pytest.fixture(autouse=True)
def discord_contract(request: pytest.FixtureRequest) -> object:
    """After each test that ran the bot: no unexpected error, and every request it sent is one Discord
    would accept."""
    if "simcord_env" not in request.fixturenames:
        yield None
        return
    env: Env = request.getfixturevalue("simcord_env")
    yield env
    marker = request.node.get_closest_marker("expected_errors")
    provoked = marker.args if marker else ()
    unexpected = [
        e for e in env.errors if not answered_to_user(e) and not isinstance(getattr(e, "original", e), provoked)
    ]
    if unexpected:
        raise ExceptionGroup("the bot raised unexpected errors", unexpected)  # type: ignore[type-var]
    problems = load_contract().violations(env.http_requests)
    assert not problems, "The bot sent requests Discord would reject:\n" + "\n".join(problems)


@pytest.fixture
def env(simcord_env: Env, bots: list[FanBot]) -> Iterator[Env]:
    yield simcord_env
    bots.append(simcord_env.bot)  # the bot a restart attached, if the test restarted one


@pytest.fixture
def bot(env: Env) -> FanBot:
    return env.bot  # type: ignore[return-value]


@pytest.fixture
def guild(env: Env):
    return env.create_guild("Reckoning Fans")


@pytest.fixture
def channel(guild):
    return guild.create_text_channel("mission-chat")


@pytest.fixture
def fan(env: Env, guild):
    return guild.add_member(env.create_user("ethan_fan"))


@pytest.fixture
def other_fan(env: Env, guild):
    return guild.add_member(env.create_user("grace_fan"))


@pytest.fixture
def admin(env: Env, guild, bot: FanBot):
    """A bot admin, listed by user id under ``admins`` in the config (no server permissions needed)."""
    member = guild.add_member(env.create_user("luther_admin"))
    bot.config = bot.config.model_copy(update={"admins": Admins(user_ids=[member.id])})
    return member


@pytest.fixture
def manager(env: Env, guild):
    """A member with Manage Server who is not a bot admin."""
    role = guild.create_role("Moderators", permissions=discord.Permissions(manage_guild=True))
    return guild.add_member(env.create_user("benji_manager"), roles=[role])


async def show_command(bot: FanBot, guild, name: str, *members) -> None:
    """Show a command its default permissions hide to these members, as a server's Integrations settings can
    (a per-user allow overrides ``default_member_permissions`` in Discord, and in SimCord)."""
    command = next(c for c in await bot.tree.fetch_commands() if c.name == name)
    guild.set_command_permissions(command, dict.fromkeys(members, True))


@pytest.fixture
async def fact_admin(bot: FanBot, guild, admin):
    """The bot admin, to whom the server shows /fact (a bot admin needs no Manage Server)."""
    await show_command(bot, guild, "fact", admin)
    return admin


@pytest.fixture
def store(bot: FanBot) -> FactStore:
    return bot.store
