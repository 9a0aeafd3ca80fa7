"""The ``mi-bot`` command: run the bot, check config and packs, back up or copy the database, or try it offline
without a token.

Errors a user can fix end as one line on stderr and a non-zero exit code (2 for usage, config and packs), never a
traceback. Only the CLI and the try-out print; the bot itself logs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

import discord

from bot import __version__
from bot.app import create_bot, seed
from bot.config import Config, ConfigError, PostgresConfig, database_setting, load_config, shown
from bot.errors import FanBotError, Invalid
from bot.pack import PackInvalid, load_pack
from bot.store import open_store

EXIT_USAGE = 2
# discord.py's log format without colour codes, for logs that go to a file or a pipe rather than a terminal.
PLAIN_LOGS = logging.Formatter("[{asctime}] [{levelname:<8}] {name}: {message}", "%Y-%m-%d %H:%M:%S", style="{")


def _options(command: argparse.ArgumentParser, *, runs: bool = False) -> argparse.ArgumentParser:
    """The options of ``command``, added to the main parser and to every sub-command so that they may come before
    or after it. An option not given is left out (SUPPRESS), so a sub-command never resets one given before it."""
    command.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, help="config.yaml (default: built-in defaults)"
    )
    if runs:
        command.add_argument(
            "--sync",
            action="store_true",
            default=argparse.SUPPRESS,
            help="sync slash commands even if they did not change",
        )
        command.add_argument(
            "--new-database",
            action="store_true",
            default=argparse.SUPPRESS,
            help="start on a new database where the one holding changes no pack can re-create is missing (on purpose)",
        )
    return command


def parser() -> argparse.ArgumentParser:
    """``mi-bot [run]``, ``check``, ``try LINE``, ``db backup PATH`` and ``db copy --from SRC --to DST``; ``mi-bot``
    alone runs."""
    cli = _options(
        argparse.ArgumentParser(prog="mi-bot", description="Mission: Impossible fan bot for Discord."), runs=True
    )
    cli.add_argument("--version", action="version", version=f"mi-bot {__version__}")
    cli.set_defaults(config=None, sync=False, new_database=False)
    sub = cli.add_subparsers(dest="command")
    _options(
        sub.add_parser("run", help="run the bot (the default); without DISCORD_TOKEN, the offline try-out"), runs=True
    )
    _options(sub.add_parser("check", help="validate config and packs, and print what the store holds"))
    try_ = _options(sub.add_parser("try", help='run one command offline, e.g. mi-bot try "/stunt name:motorbike"'))
    try_.add_argument("line", help="a slash command as you would type it")
    db = _options(sub.add_parser("db", help="the database: mi-bot db backup PATH, mi-bot db copy --from SRC --to DST"))
    actions = db.add_subparsers(dest="action", metavar="{backup,copy}", required=True)
    backup = _options(actions.add_parser("backup", help="copy the SQLite database to PATH, safely while the bot runs"))
    backup.add_argument("path", type=Path, help="the backup file to write (a new file)")
    copy = _options(
        actions.add_parser("copy", help="copy every fact, change, setting and post record to another database")
    )
    where = "a SQLite file or a postgresql:// URL"
    copy.add_argument("--from", dest="source", type=_database, help=f"the source, {where} (default: database:)")
    copy.add_argument("--to", dest="target", required=True, type=_database, help=f"the target, {where}")
    copy.add_argument("--replace", action="store_true", help="replace what the target holds (else it must be empty)")
    return cli


def _database(text: str) -> Path | str:
    try:
        database = database_setting(text)
        return database.expanduser() if isinstance(database, Path) else database
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


async def serve(config: Config, *, force_sync: bool, new_database: bool) -> None:
    """Run against Discord until the connection ends or SIGINT/SIGTERM asks to stop; always close cleanly."""
    bot = create_bot(config, force_sync=force_sync, new_database=new_database)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    async with bot:
        running = asyncio.create_task(bot.start(config.token))
        stop = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait({running, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if running in done:
            running.result()
        else:
            await bot.close()
            running.cancel()


async def check(config: Config) -> None:
    """Validate the packs and the database, seed it as a start would, and say what it holds."""
    for path in config.packs:
        pack = load_pack(path)
        sizes = ", ".join(f"{len(getattr(pack, name))} {name}" for name in ("films", "stunts", "locations", "videos"))
        print(f"{path}: pack {pack.pack!r} version {pack.version}: {sizes}, {len(pack.releases)} release dates")
    store = await open_store(config.database, postgresql=config.postgresql)
    try:
        await seed(store, config.packs)
        counts = await store.counts()
        kept = await store.holds_changes()
    finally:
        await store.close()
    state = (
        "new, created now"
        if store.created
        else "holds changes no pack can re-create"
        if kept
        else "as seeded from the packs"
    )
    print(
        f"{shown(config.database)} ({state}): {counts['film']} films, {counts['stunt']} stunts, {counts['location']} "
        f"locations, {counts['release']} release dates, {counts['video']} videos"
    )


def backup(config: Config, path: Path) -> None:
    if not isinstance(config.database, Path):
        raise Invalid("mi-bot db backup copies a SQLite file; back up a PostgreSQL database with pg_dump.")
    from bot.store.sqlite import backup as sqlite_backup

    facts = sqlite_backup(config.database, path)
    print(f"Backed up {config.database} ({facts} facts) to {path}")


async def copy(source: Path | str, target: Path | str, settings: PostgresConfig, *, replace: bool) -> None:
    """Copy one store into another, one line per table; counts are compared by the store before it commits."""
    if source == target:
        raise Invalid("--from and --to name the same database.")
    if isinstance(source, Path) and not source.is_file():
        raise Invalid(f"There is no fact database at {source} to copy.")
    origin = await open_store(source, postgresql=settings)
    try:
        destination = await open_store(target, new=True, postgresql=settings)
        try:
            copied = await destination.copy_from(origin, replace=replace)
        finally:
            await destination.close()
    finally:
        await origin.close()
    for table in copied:
        print(f"{table.table}: {table.rows} rows")
    print(f"Copied {shown(source)} to {shown(target)}; the row counts match.")


def _fail(message: str, code: int = 1) -> int:
    print(f"mi-bot: {message}", file=sys.stderr)
    return code


def _log_to_stderr(level: str) -> None:
    """discord.py's logging, in colour only on a terminal (discord.py would colour a file too, inside Docker)."""
    formatter = discord.utils.MISSING if sys.stderr.isatty() else PLAIN_LOGS
    discord.utils.setup_logging(level=logging.getLevelNamesMapping()[level], root=True, formatter=formatter)


def main(argv: list[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    command = args.command or "run"
    if command != "run" and (args.sync or args.new_database):
        cli.error(f"--sync and --new-database go with run, not with {command}")
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return _fail(str(exc), EXIT_USAGE)
    offline = command == "try" or (command == "run" and not config.token)
    # The try-out's transcript is its output: there the bot logs errors only.
    _log_to_stderr("ERROR" if offline else config.log_level)
    try:
        if command == "check":
            asyncio.run(check(config))
        elif command == "db" and args.action == "backup":
            backup(config, args.path)
        elif command == "db":
            asyncio.run(copy(args.source or config.database, args.target, config.postgresql, replace=args.replace))
        elif command == "try":
            from bot import tryout  # SimCord is needed only offline

            return asyncio.run(tryout.run_once(config, args.line))
        elif not config.token:
            from bot import tryout

            print("No DISCORD_TOKEN set: starting the offline try-out on the bundled data (Ctrl-D to leave).")
            return asyncio.run(tryout.prompt(config))
        else:
            asyncio.run(serve(config, force_sync=args.sync, new_database=args.new_database))
    except PackInvalid as exc:
        return _fail(str(exc), EXIT_USAGE)
    except FanBotError as exc:
        return _fail(str(exc))
    except discord.LoginFailure:
        return _fail("Discord rejected DISCORD_TOKEN (check the bot token in the developer portal).")
    except BrokenPipeError:  # the reader went away (mi-bot try … | head): nothing left to say
        return 0
    except KeyboardInterrupt:
        return 130
    return 0
