"""Shared fixtures: the real bot (built by ``create_bot``, as the CLI does) on a fresh SQLite file seeded
from the shipped pack, running against SimCord, with fans, a bot admin and server managers as actors.

Every test that runs the bot also checks every REST request it made against Discord's contract.

Store-level tests take ``database``: they run once on a new SQLite file and once on a new PostgreSQL database
(of a throwaway server started once per session, see ``tests/postgres.py``, or of the server that
``MI_BOT_TEST_DATABASE_URL`` names). Without a server they skip on PostgreSQL, saying why; with
``MI_BOT_REQUIRE_POSTGRES=1`` (as in CI) they fail instead.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import itertools
import os
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiosqlite
import discord
import pytest
from discord import app_commands
from simcord import Env

from bot.app import FanBot, create_bot
from bot.config import BUNDLED_PACK, Admins, Config, Cooldown
from bot.errors import FanBotError, StoreUnavailable
from bot.pack import dump_pack, load_pack
from bot.store import FactStore, open_store
from tests.discord_contract import load_contract
from tests.postgres import database_url, throwaway_server

ROOT = Path(__file__).resolve().parent.parent
PACK = BUNDLED_PACK


@functools.cache
def pack_as_one_file() -> str:
    """The shipped pack (a folder) as one YAML file, in the format of ``/fact export`` and ``/fact import``."""
    pack = load_pack(PACK)
    return dump_pack(pack.pack, pack.version, pack.title, pack.facts())


def make_config(tmp_path: Path, **overrides: object) -> Config:
    """The config tests run with: a throwaway database, the shipped pack, a generous cooldown."""
    values: dict[str, object] = {
        "database": tmp_path / "facts.sqlite3",
        "packs": [PACK],
        "cooldown": Cooldown(uses=1000, per_seconds=10),
    }
    return Config.model_validate({**values, **overrides})


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


# ---------------------------------------------------------------------------------------------- PostgreSQL

MIGRATED, SEEDED = "mi_template_migrated", "mi_template_seeded"  # template databases, made once per session
_numbers = itertools.count(1)


def _in_a_thread(work: object) -> None:
    """Run a coroutine function to its end on an event loop of its own (session set-up, outside any test's)."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(work())  # type: ignore[operator]
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def _make_templates(server: str) -> None:
    """A migrated database and one seeded from the shipped pack, which tests copy (CREATE DATABASE … TEMPLATE)."""
    import asyncpg

    from bot.store import open_store

    async def make() -> None:
        admin = await asyncpg.connect(server)
        try:
            for name in (MIGRATED, SEEDED):
                await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                await admin.execute(f"CREATE DATABASE {name}")
        finally:
            await admin.close()
        for name in (MIGRATED, SEEDED):
            store = await open_store(database_url(server, name))
            try:
                if name == SEEDED:
                    pack = load_pack(PACK)
                    await store.seed([pack])
                    await store.remember_pack(pack)
            finally:
                await store.close()

    _in_a_thread(make)


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get("MI_BOT_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here (MI_BOT_REQUIRE_POSTGRES=1), but {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL for the tests: {reason} (set MI_BOT_TEST_DATABASE_URL, or install PostgreSQL)")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a database on the tests' PostgreSQL server (with the template databases made)."""
    try:
        import asyncpg
    except ImportError:
        _postgres_unavailable("asyncpg is not installed (pip install -e '.[test]')")
    given = os.environ.get("MI_BOT_TEST_DATABASE_URL", "").strip()
    if given:
        try:
            _make_templates(given)
        except (OSError, StoreUnavailable, asyncpg.PostgresError) as exc:
            _postgres_unavailable(f"MI_BOT_TEST_DATABASE_URL cannot be used ({exc})")
        yield given
        return
    try:
        with throwaway_server() as url:
            _make_templates(url)
            yield url
    except RuntimeError as exc:
        _postgres_unavailable(str(exc))


async def new_postgres_database(server: str, template: str = "template1") -> str:
    """A new database on the tests' server, a copy of ``template``; its URL."""
    import asyncpg

    name = f"mi_test_{os.getpid()}_{next(_numbers)}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    finally:
        await admin.close()
    return database_url(server, name)


async def drop_postgres_database(server: str, url: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {url.partition('?')[0].rpartition('/')[2]} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture
async def postgres_database(postgres_server: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database (the store migrates it when it opens it), dropped afterwards."""
    url = await new_postgres_database(postgres_server)
    yield url
    await drop_postgres_database(postgres_server, url)


@pytest.fixture
async def seeded_postgres_database(postgres_server: str) -> AsyncIterator[str]:
    """A new PostgreSQL database holding the shipped pack, as a store leaves it after seeding; dropped afterwards."""
    url = await new_postgres_database(postgres_server, SEEDED)
    yield url
    await drop_postgres_database(postgres_server, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a store-level test keeps its facts: a new SQLite file, then a new (empty) PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "facts.sqlite3"
    return request.getfixturevalue("postgres_database")


@pytest.fixture(scope="session")
def seeded_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the shipped pack as seeding leaves it, made once; tests copy it."""
    path = tmp_path_factory.mktemp("seeded") / "facts.sqlite3"

    async def make() -> None:
        store = await open_store(path)
        try:
            pack = load_pack(PACK)
            await store.seed([pack])
            await store.remember_pack(pack)
        finally:
            await store.close()

    _in_a_thread(make)
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded_database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A database holding the shipped pack as seeding leaves it: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "facts.sqlite3"
        shutil.copyfile(request.getfixturevalue("seeded_sqlite_file"), path)
        return path
    return request.getfixturevalue("seeded_postgres_database")


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
