"""Shared fixtures: the real bot (built by ``create_bot``, as the CLI does) on a fresh SQLite file holding the
shipped pack (a copy of one seeded once), running against SimCord, with fans, a bot admin and server managers as
actors.

Every test that runs the bot also checks every REST request it made against Discord's contract.

Store-level tests take ``database``: they run once on a new SQLite file and once on a new PostgreSQL database
(of a throwaway server started once per session, see ``tests/postgres.py``, or of the server that
``MI_BOT_TEST_DATABASE_URL`` names). Without a server they skip on PostgreSQL, saying why; with
``MI_BOT_REQUIRE_POSTGRES=1`` (as in CI) they fail instead.

``MI_BOT_TEST_BACKEND=postgresql`` runs the bot itself on PostgreSQL: ``make_config`` (and so ``config``) gives it a
new database on that server (a copy of one seeded once per session, made with ``CREATE DATABASE … TEMPLATE``), and
only the tests that use a bot's database run; those about SQLite files carry ``sqlite_only(reason)`` and are
deselected.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import gc
import itertools
import os
import shutil
import signal
import sqlite3
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import discord
import pytest
import yaml
from discord import app_commands
from simcord import Env

from bot import limits
from bot.app import FanBot, create_bot, seed
from bot.config import BUNDLED_PACK, Admins, Budget, Config, PostgresConfig
from bot.errors import FanBotError, StoreUnavailable
from bot.models import Source, Stunt
from bot.pack import dump_pack, load_pack
from bot.store import FactStore, open_store
from tests.discord_contract import load_contract
from tests.fake_discord import FakeDiscord, RecordedRequest
from tests.postgres import database_url, throwaway_server

ROOT = Path(__file__).resolve().parent.parent
PACK = BUNDLED_PACK


@functools.cache
def pack_as_one_file() -> str:
    """The shipped pack (a folder) as one YAML file, in the format of ``/fact export`` and ``/fact import``."""
    pack = load_pack(PACK)
    return dump_pack(pack.pack, pack.version, pack.title, pack.facts())


@functools.cache
def seeded_sqlite() -> bytes:
    """A SQLite file as a first start on the shipped pack leaves it, made once per test process by the bot's own
    ``seed``. It holds no command-sync digest, so every bot started on a copy still syncs its commands."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "facts.sqlite3"

        async def first_start() -> None:
            store = await open_store(path)
            try:
                await seed(store, [PACK])
            finally:
                await store.close()

        _in_a_thread(first_start)
        return path.read_bytes()


def seeded_copy(path: Path) -> Path:
    """``path``, a new SQLite file holding the shipped pack (a copy of ``seeded_sqlite``: no seeding each time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(seeded_sqlite())
    return path


def make_config(tmp_path: Path, *, seeded: bool = True, **overrides: object) -> Config:
    """The config tests run with: a throwaway database, the shipped pack, a generous cooldown. With the shipped
    pack the database starts as a copy of one seeded once, so the bot finds the pack loaded and skips seeding;
    ``seeded=False`` leaves it to the bot's first start, for tests of first starts and of seeding. The database is
    a SQLite file in ``tmp_path``, or a new PostgreSQL database under ``MI_BOT_TEST_BACKEND=postgresql``."""
    values: dict[str, object] = {
        "database": tmp_path / "facts.sqlite3",
        "packs": [PACK],
        "cooldown": Budget(uses=1000, per_seconds=10),
    }
    config = Config.model_validate({**values, **overrides})
    copy_of_seeded = seeded and config.packs == [PACK]
    if BACKEND == "postgresql" and "database" not in overrides:
        # A bot alone wins the poster election at its first try; standing again every 15 simulated seconds would
        # only make each simulated hour of the feeds', news' and daily posts' tests cost 240 real round trips.
        elected = config.postgresql if "postgresql" in overrides else PostgresConfig(election_seconds=3600)
        database = new_test_database(SEEDED if copy_of_seeded else None)
        return config.model_copy(update={"database": database, "postgresql": elected})
    if copy_of_seeded and isinstance(config.database, Path):
        seeded_copy(config.database)
    return config


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


# ---------------------------------------------------------------------------------------------- PostgreSQL

BACKENDS = ("sqlite", "postgresql")
BACKEND = os.environ.get("MI_BOT_TEST_BACKEND", "").strip() or "sqlite"  # where the bot under test keeps its facts
if BACKEND not in BACKENDS:
    raise pytest.UsageError(f"MI_BOT_TEST_BACKEND is {BACKEND!r}; expected one of {', '.join(BACKENDS)}")
MIGRATED, SEEDED = "mi_template_migrated", "mi_template_seeded"  # template databases, made once per session
_numbers = itertools.count(1)
_server: list[str | Exception] = []  # the tests' PostgreSQL server once started, or why it could not start
_servers = ExitStack()  # stops the throwaway server when the session ends
_made: list[str] = []  # the databases make_config made for the running test, dropped after it


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
                    await seed(store, [PACK])  # as the bot's first start, like ``seeded_sqlite``
            finally:
                await store.close()

    _in_a_thread(make)


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get("MI_BOT_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here (MI_BOT_REQUIRE_POSTGRES=1), but {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL for the tests: {reason} (set MI_BOT_TEST_DATABASE_URL, or install PostgreSQL)")


def tests_postgres_server() -> str:
    """The URL of a database on the tests' PostgreSQL server (with the template databases made): the server
    ``MI_BOT_TEST_DATABASE_URL`` names, else a throwaway one, started on first use and stopped when the session
    ends. Skips (or fails, if required) without one."""
    if not _server:
        try:
            _server.append(_start_postgres())
        except Exception as exc:  # remembered, so that every test says why, without trying again
            _server.append(exc)
    if isinstance(_server[0], Exception):
        _postgres_unavailable(str(_server[0]))
    return _server[0]


def _start_postgres() -> str:
    try:
        import asyncpg
    except ImportError:
        raise RuntimeError("asyncpg is not installed (pip install -e '.[test]')") from None
    given = os.environ.get("MI_BOT_TEST_DATABASE_URL", "").strip()
    if given:
        try:
            _make_templates(given)
        except (OSError, StoreUnavailable, asyncpg.PostgresError) as exc:
            raise RuntimeError(f"MI_BOT_TEST_DATABASE_URL cannot be used ({exc})") from None
        return given
    url = _servers.enter_context(throwaway_server())  # raises RuntimeError, saying why, when it cannot start
    _make_templates(url)
    return url


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of a database on the tests' PostgreSQL server (see ``tests_postgres_server``)."""
    return tests_postgres_server()


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


def new_test_database(template: str | None) -> str:
    """The URL of a new database for the running test (a copy of ``template``, else empty), dropped after it."""
    server = tests_postgres_server()
    made: list[str] = []

    async def create() -> None:
        made.append(await new_postgres_database(server, template or "template1"))

    _in_a_thread(create)
    _made.extend(made)
    return made[0]


@pytest.fixture(scope="session", autouse=True)
def backend_started() -> None:
    """On the postgresql backend, the server and its templates are made before the first test, not inside one (which
    may have changed what seeding them uses, such as the time a pack may take to read)."""
    if BACKEND == "postgresql":
        tests_postgres_server()


@pytest.fixture(autouse=True)
def dropped_after_the_test() -> Iterator[None]:
    """The PostgreSQL databases ``make_config`` made for the test are dropped after it."""
    yield
    if not _made:
        return
    server, urls = tests_postgres_server(), list(_made)
    _made.clear()

    async def drop() -> None:
        for url in urls:
            await drop_postgres_database(server, url)

    _in_a_thread(drop)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the postgresql backend, only the tests whose outcome it can change: those that run a bot on a database
    ``make_config`` made, without ``sqlite_only``."""
    if BACKEND != "postgresql":
        return
    kept, deselected = [], []
    for item in items:
        uses_config = "config" in getattr(item, "fixturenames", ())
        (kept if uses_config and not item.get_closest_marker("sqlite_only") else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


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


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded_database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A database holding the shipped pack as seeding leaves it: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return seeded_copy(tmp_path / "facts.sqlite3")
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
    so that a failure ends the run instead of hanging it. Then stop the throwaway PostgreSQL server, if any."""
    gc.unfreeze()  # a running bot keeps its start-up frozen (``FanBot.setup_hook``), and get_objects skips that
    for leftover in gc.get_objects():
        if isinstance(leftover, aiosqlite.Connection) and leftover._running:
            leftover.stop()
    _servers.close()


def answered_to_user(error: BaseException) -> bool:
    """Errors the bot turns into a friendly ephemeral reply on purpose (not bugs)."""
    cause = getattr(error, "original", error)
    return isinstance(cause, (FanBotError, app_commands.CommandOnCooldown, app_commands.CheckFailure))


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads its options
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Every core, an idle worker taking the other's queued tests, unless the command line says otherwise: ``-n N``,
    ``-n 0`` (one process) or ``-p no:xdist`` (which ``-n`` in ``addopts`` would break). Not in a worker, which runs
    its share of the tests itself."""
    worker = hasattr(config, "workerinput")
    if config.pluginmanager.has_plugin("xdist") and config.option.numprocesses is None and not worker:
        config.option.numprocesses = "auto"
        if config.option.dist == "no":
            config.option.dist = "worksteal"


def pytest_configure(config: pytest.Config) -> None:
    # What the bot keeps in the user's cache folder (the try-out's seeded database) stays with this run.
    cache = tempfile.mkdtemp(prefix="mi-bot-test-cache-")
    os.environ["XDG_CACHE_HOME"] = cache
    config.add_cleanup(functools.partial(shutil.rmtree, cache, ignore_errors=True))
    config.addinivalue_line(
        "markers", "expected_errors(*types, reason): errors a test provokes on purpose (injected faults)"
    )
    config.addinivalue_line(
        "markers", "sqlite_only(reason): about SQLite files; deselected under MI_BOT_TEST_BACKEND=postgresql"
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


# How long SimCord waits at least, in real time, for a bot on PostgreSQL to settle after an action or a stretch of
# simulated time: every store call is a round trip over a socket, and weeks of hourly rounds take longer than on
# SQLite. No test asserts a duration, but it is more than a limit: after an action, SimCord counts a bot timer due
# within it (an ``asyncio.sleep``, a ``delete_after``) as work still to do and waits for it in real time, so a test
# that means to reach a timer with ``advance_time`` sets it longer than ``env.settle_timeout`` (issue #14).
POSTGRES_SETTLE_TIMEOUT = 30.0


@pytest.fixture
def env(simcord_env: Env, bots: list[FanBot]) -> Iterator[Env]:
    if isinstance(simcord_env.bot.config.database, str):  # type: ignore[attr-defined]
        simcord_env.settle_timeout = max(simcord_env.settle_timeout, POSTGRES_SETTLE_TIMEOUT)
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


# ----------------------------------------------------------------------------- helpers the test modules share

STOP_A_HANG = 60  # seconds: only ends a test that would otherwise hang, never asserted as a duration
UTC_NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)  # "now" for the try-out's rendering of Discord timestamps
SOURCE = Source(url="https://example.com/a", title="Example source")


def stunt(**fields: object) -> Stunt:
    """A small stunt for the pure tests; ``fields`` replace its values."""
    values: dict[str, object] = {
        "key": "jump",
        "film": "dr1",
        "name": "Jump",
        "summary": "He jumped.",
        "sources": [SOURCE],
    }
    return Stunt(**{**values, **fields})


def within_limits(embed: discord.Embed) -> None:
    assert len(embed) <= limits.EMBED_TOTAL_MAX
    assert len(embed.title or "") <= limits.EMBED_TITLE_MAX
    assert len(embed.description or "") <= limits.DESCRIPTION_MAX
    assert len(embed.fields) <= limits.FIELDS_MAX
    for field in embed.fields:
        assert 0 < len(field.value) <= limits.FIELD_VALUE_MAX
        assert len(field.name) <= limits.FIELD_NAME_MAX
    assert len(embed.footer.text or "") <= limits.FOOTER_MAX


def field(embed: discord.Embed, name: str) -> str:
    """The value of an embed's field, by name."""
    return next(f.value for f in embed.fields if f.name == name)


def buttons(message: object) -> list[dict]:
    """Every button of a sent message, as the components Discord stores."""
    return [c for row in message.components for c in row["components"]]  # type: ignore[attr-defined]


async def ask(fan, channel, bot, text: str) -> discord.Message | None:
    """Mention the bot with a question; the bot's reply to it, if any."""
    question = await fan.send(channel, f"{bot.user.mention} {text}")
    last = channel.last_message
    if last.author.id != bot.user.id:
        return None
    assert last.reference is not None and last.reference.message_id == question.id
    return last


def posts(channel) -> list[str]:
    """What was posted in a channel, oldest first."""
    return [m.content for m in channel.history()]


def prefilled(shown) -> dict[str, str]:
    """The form's inputs as Discord shows them to the admin (SimCord submits only what a test passes)."""
    inputs = [row["components"][0] for row in shown.modal["components"]]
    return {i["custom_id"]: i.get("value", "") for i in inputs}


async def edit(admin, channel, ref: str, **changes: str):
    """The admin opens a fact's form and submits it with ``changes``."""
    shown = await admin.slash(channel, "fact edit", fact=ref)
    return await admin.submit_modal(shown, prefilled(shown) | changes)


async def export(admin, channel) -> bytes:
    """The file ``/fact export`` gives the admin."""
    result = await admin.slash(channel, "fact export")
    assert result.ephemeral
    (attachment,) = result.response.attachments
    assert attachment.filename.endswith(".yaml")
    return await attachment.read()


def yaml_data(text: str | bytes) -> Any:
    """YAML as a person's tools read it: PyYAML's safe loader (libyaml's, where PyYAML has it: same data, faster)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def yaml_text(data: object) -> str:
    """Data written as YAML, as an editor saves it: PyYAML's safe dumper (libyaml's, where PyYAML has it)."""
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True, sort_keys=False)


def changed(data: bytes, change) -> bytes:
    """The exported file after an admin edited it (parsed and written back, as a YAML editor would)."""
    document = yaml_data(data)
    change(document)
    return yaml_text(document).encode()


def find(document: dict, section: str, key: str) -> dict:
    return next(item for item in document[section] if item["key"] == key)


def index(data: bytes, section: str, key: str) -> int:
    return next(i for i, item in enumerate(yaml_data(data)[section]) if item["key"] == key)


def rows(database: Path | str, sql: str) -> list[tuple]:
    """What a query reads from the database itself: the SQLite file, or the PostgreSQL database."""
    if isinstance(database, Path):
        with closing(sqlite3.connect(database)) as db:
            return db.execute(sql).fetchall()
    found: list[tuple] = []

    async def read() -> None:
        import asyncpg

        db = await asyncpg.connect(database)
        try:
            found.extend(tuple(row) for row in await db.fetch(sql))
        finally:
            await db.close()

    _in_a_thread(read)
    return found


def db_state(database: Path | str) -> tuple[list[tuple], int]:
    """Every fact's revision and removal flag plus the number of change sets, read from the database itself."""
    facts = rows(database, "SELECT kind, key, revision, deleted, doc FROM facts ORDER BY id")
    return facts, rows(database, "SELECT count(*) FROM change_sets")[0][0]


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


# ----------------------------------------------------------------------------- mi-bot as a process


def write_config(folder: Path, *, database: str = "facts.sqlite3", fake: FakeDiscord | None = None) -> Path:
    """config.yaml in ``folder`` as an operator would write it: the database in ``folder``, the bundled pack (left
    out), errors only in the log (so stderr holds what went wrong), and maybe the fake Discord to log in to."""
    config: dict[str, object] = {"database": str(folder / database), "log_level": "ERROR"}
    if fake is not None:
        config["discord"] = {"api_base_url": fake.api_base_url, "gateway_url": fake.gateway_url}
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def bot_environment(token: str) -> dict[str, str]:
    return {**os.environ, "DISCORD_TOKEN": token, "PYTHONUNBUFFERED": "1"}


def is_command_sync(request: RecordedRequest) -> bool:
    return request.method == "PUT" and request.path.endswith("/commands")


async def outcome(process: asyncio.subprocess.Process, fake: FakeDiscord | None = None) -> tuple[str, str]:
    """Let ``process`` finish; if it goes online on ``fake`` first, stop it with SIGTERM once READY, as an operator
    would. Returns its stdout and stderr; a process that hangs is killed."""
    finished = asyncio.ensure_future(process.communicate())
    ready = asyncio.ensure_future(fake.wait_ready(STOP_A_HANG) if fake else asyncio.Event().wait())
    try:
        await asyncio.wait({finished, ready}, timeout=STOP_A_HANG, return_when=asyncio.FIRST_COMPLETED)
        if ready.done() and ready.exception() is None:
            process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(finished, STOP_A_HANG)
    finally:
        ready.cancel()
        if process.returncode is None:
            process.kill()
            await process.wait()
    return (stdout or b"").decode(), (stderr or b"").decode()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A Discord-compatible server on 127.0.0.1 (REST and gateway) for mi-bot processes to log in to."""
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        await asyncio.wait_for(server.stop(), STOP_A_HANG)
