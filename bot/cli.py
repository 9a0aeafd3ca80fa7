"""The ``mi-bot`` command: run the bot, check config and packs, or try it offline without a token.

Errors a user can fix end as one line on stderr and a non-zero exit code (2 for config and packs), never a
traceback. Only the CLI and the try-out print; the bot itself logs.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

import aiohttp
import discord

from bot import __version__
from bot.app import create_bot
from bot.config import Config, ConfigError, load_config
from bot.errors import FanBotError
from bot.pack import PackInvalid, load_pack
from bot.store import FactStore

EXIT_USAGE = 2


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="mi-bot", description="Mission: Impossible fan bot for Discord.")
    cli.add_argument("--version", action="version", version=f"mi-bot {__version__}")
    cli.add_argument("--config", type=Path, help="config.yaml (default: built-in defaults)")
    sub = cli.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the bot (the default); without DISCORD_TOKEN, the offline try-out")
    run.add_argument("--sync", action="store_true", help="sync slash commands even if they did not change")
    sub.add_parser("check", help="validate config and packs, and print what the store holds")
    try_ = sub.add_parser("try", help='run one command offline, e.g. mi-bot try "/stunt name:motorbike"')
    try_.add_argument("line", help="a slash command as you would type it")
    return cli


async def serve(config: Config, *, force_sync: bool) -> None:
    """Run against Discord until the connection ends or SIGINT/SIGTERM asks to stop; always close cleanly."""
    bot = create_bot(config, force_sync=force_sync)
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
    for path in config.packs:
        pack = load_pack(path)
        sizes = ", ".join(f"{len(getattr(pack, name))} {name}" for name in ("films", "stunts", "locations", "videos"))
        print(f"{path}: pack {pack.pack!r} version {pack.version}: {sizes}, {len(pack.releases)} release dates")
    bot = create_bot(config)
    bot.store = await FactStore.open(config.database)
    try:
        await bot.seed()
        counts = await bot.store.counts()
    finally:
        await bot.store.close()
    print(
        f"{config.database}: {counts['film']} films, {counts['stunt']} stunts, {counts['location']} locations, "
        f"{counts['release']} release dates, {counts['video']} videos"
    )


def _fail(message: str, code: int = 1) -> int:
    print(f"mi-bot: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return _fail(str(exc), EXIT_USAGE)
    command = args.command or "run"
    offline = command == "try" or (command == "run" and not config.token)
    # The try-out's transcript is its output: there the bot logs errors only.
    discord.utils.setup_logging(level="ERROR" if offline else config.log_level, root=True)
    try:
        if command == "check":
            asyncio.run(check(config))
        elif command == "try":
            from bot import tryout  # SimCord is needed only offline

            return asyncio.run(tryout.run_once(config, args.line))
        elif not config.token:
            from bot import tryout

            print("No DISCORD_TOKEN set: starting the offline try-out on the bundled data (Ctrl-D to leave).")
            return asyncio.run(tryout.prompt(config))
        else:
            asyncio.run(serve(config, force_sync=args.sync))
    except PackInvalid as exc:
        return _fail(str(exc), EXIT_USAGE)
    except FanBotError as exc:
        return _fail(str(exc))
    except discord.LoginFailure:
        return _fail("Discord rejected DISCORD_TOKEN (check the bot token in the developer portal).")
    except BrokenPipeError:  # the reader went away (mi-bot try … | head): nothing left to say
        return 0
    except (aiohttp.ClientError, OSError) as exc:
        where = config.discord.api_base_url or "Discord"
        return _fail(f"cannot reach {where}: {exc}")
    except KeyboardInterrupt:
        return 130
    return 0
