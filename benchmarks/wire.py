"""Wire benchmark: bursts of slash commands over real sockets, against a bare bot over the same fake Discord.

Both bots run in processes of their own, each against its own instance of the tests' wire-level fake Discord
(``tests/fake_discord.py``: REST and gateway on 127.0.0.1): ``mi-bot run`` on the shipped pack, as an operator
starts it, and a bare discord.py bot with the same fan commands whose every answer is one constant card (the
real bot's motorcycle jump card, so both send as many bytes: ``e2e.BaselineBot``). Each round sends the same
seeded burst of fan commands (stunt, location, release, search, bts; each from another fan, so no cooldown
applies) to one bot as fast as the fake dispatches them, then to the other; which bot goes first alternates, so
a busy machine slows both alike.

A command is timed from the moment the fake starts dispatching its INTERACTION_CREATE to the moment the bot's
callback request reaches the fake: the wait a fan sees, sockets included. Reported per bot: p50, p99 and the
slowest answer, how many answers came after Discord's 3 seconds, and how many interactions were lost (no
answer within ``--patience`` seconds) or answered twice.

    python benchmarks/wire.py [--commands 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fake Discord and the config helpers live with the tests

import discord  # noqa: E402
from common import percentile, table, write_results  # noqa: E402
from e2e import BaselineBot, Call, mix  # noqa: E402

from bot.app import point_at  # noqa: E402
from bot.config import DiscordConfig  # noqa: E402
from tests.conftest import bot_environment, is_command_sync, write_config  # noqa: E402
from tests.fake_discord import FakeDiscord  # noqa: E402

DEADLINE_S = 3.0  # Discord's time to answer an interaction
STEP_S = 30.0  # for a process to start, sync and become ready
CALLBACK = re.compile(r"^/interactions/(\d+)/[^/]+/callback$")
FANS = 10**17  # the first fan's user id; each command comes from another fan (the cooldown is per fan)


class Side:
    """One bot in its own process, with the fake Discord it talks to."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fake = FakeDiscord()
        self.process: asyncio.subprocess.Process | None = None
        self.latencies_ns: list[int] = []
        self.late = self.lost = self.doubled = 0

    async def start(self, arguments: list[str], log: Path) -> None:
        with log.open("wb") as output:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, *arguments, cwd=log.parent, env=bot_environment(self.fake.token),
                stdout=output, stderr=output,
            )  # fmt: skip
        try:
            await self.fake.wait_request(is_command_sync, STEP_S)
            await self.fake.wait_ready(STEP_S)
        except TimeoutError:
            raise SystemExit(f"{self.name} did not become ready; its log:\n{log.read_text()[-2000:]}") from None

    async def burst(self, calls: list[Call], fans: int, patience: float, *, record: bool = True) -> None:
        """Send every call at once (from fans with ids from ``fans`` on), wait for the answers, and record how
        long each took."""
        since, sent = len(self.fake.requests), {}
        for user, call in enumerate(calls, start=fans):
            began = time.perf_counter()
            sent[await self.fake.send_slash(call.command, call.options, user_id=user)] = began
        with contextlib.suppress(TimeoutError):  # what is still unanswered then is counted as lost
            await self.fake.wait_for(lambda: self.fake.callbacks.keys() >= sent.keys(), patience)
        answers = [(int(m[1]), r.at) for r in self.fake.requests[since:] if (m := CALLBACK.match(r.path))]
        if not record:
            return
        first: dict[int, float] = {}
        for interaction, at in answers:
            first.setdefault(interaction, at)
        waits = [int((first[i] - began) * 1e9) for i, began in sent.items() if i in first]
        self.latencies_ns += waits
        self.late += sum(wait > DEADLINE_S * 1e9 for wait in waits)
        self.lost += len(sent) - len(first)
        self.doubled += sum(count > 1 for count in Counter(i for i, _ in answers).values())

    async def one(self, call: Call, user: int, patience: float) -> int | None:
        """Send one command and wait for its answer: nanoseconds from sending to the answer, None if lost."""
        since = len(self.fake.requests)
        began = time.perf_counter()
        interaction = await self.fake.send_slash(call.command, call.options, user_id=user)
        try:
            await self.fake.wait_for(lambda: interaction in self.fake.callbacks, patience)
        except TimeoutError:
            return None
        answered = (r for r in self.fake.requests[since:] if (m := CALLBACK.match(r.path)) and int(m[1]) == interaction)
        at = next(answered).at
        return int((at - began) * 1e9)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), STEP_S)
        await self.fake.stop()

    def figures(self) -> dict[str, Any]:
        samples = self.latencies_ns or [0]
        return {
            "answered": len(self.latencies_ns),
            "p50_ms": round(percentile(samples, 50), 1),
            "p99_ms": round(percentile(samples, 99), 1),
            "max_ms": round(max(samples) / 1e6, 1),
            "after_3_s": self.late,
            "lost": self.lost,
            "doubled": self.doubled,
        }


async def run_baseline(card: Path, api: str, gateway: str, token: str) -> None:
    """The baseline process: a bare bot answering every fan command with the same card."""
    point_at(DiscordConfig(api_base_url=api, gateway_url=gateway))
    bot = BaselineBot(discord.Embed.from_dict(json.loads(card.read_text())), [])
    async with bot:
        await bot.start(token)


@contextlib.asynccontextmanager
async def both_bots(folder: Path) -> AsyncIterator[tuple[Side, Side]]:
    """``mi-bot run`` on the shipped pack and the bare bot answering its motorcycle jump card, each in its own
    process over its own fake Discord, ready; both stopped afterwards."""
    bot, baseline = Side("bot"), Side("baseline")
    try:
        for side in (bot, baseline):
            await side.fake.start()
        config = write_config(folder, fake=bot.fake)
        await bot.start(["-m", "bot", "--config", str(config), "run"], folder / "bot.log")
        answer = await bot.fake.wait_response(await bot.fake.send_slash("stunt", {"name": "motorbike"}), STEP_S)
        card = folder / "card.json"
        card.write_text(json.dumps(answer["data"]["embeds"][0]))
        await baseline.start(
            [__file__, "--baseline", str(card), baseline.fake.api_base_url, baseline.fake.gateway_url],
            folder / "baseline.log",
        )
        yield bot, baseline
    finally:
        for side in (bot, baseline):
            await side.stop()


async def measure(commands: int, rounds: int, patience: float) -> dict[str, Any]:
    rng = random.Random(3)
    calls = [mix(commands, {"stunt", "location", "release", "search", "bts"}, rng, autocompletes=False)
             for _ in range(rounds + 1)]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        async with both_bots(Path(tmp)) as (bot, baseline):
            print(f"{rounds} rounds of {commands} commands per bot, after a warm-up round", flush=True)
            for number, burst in enumerate(calls):
                for side in (bot, baseline) if number % 2 else (baseline, bot):
                    await side.burst(burst, FANS + number * commands, patience, record=number > 0)
                if number:
                    print(f"  round {number}/{rounds}", flush=True)
    return {side.name: side.figures() for side in (bot, baseline)}


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cli.add_argument("--commands", type=int, default=500, help="commands per burst (default 500)")
    cli.add_argument("--rounds", type=int, default=3, help="measured bursts per bot (default 3)")
    cli.add_argument("--patience", type=float, default=60.0, help="seconds to wait for a burst's answers")
    args = cli.parse_args()
    results = asyncio.run(measure(args.commands, args.rounds, args.patience))
    keys = list(results["bot"])
    print("\n" + table(["", *keys], [[name, *figures.values()] for name, figures in results.items()]))
    ratios = {key: round(results["bot"][key] / results["baseline"][key], 1) for key in ("p50_ms", "p99_ms")}
    print(f"\nthe bot against the bare bot: p50 {ratios['p50_ms']}x, p99 {ratios['p99_ms']}x")
    write_results("wire", {"commands": args.commands, "rounds": args.rounds, "results": results, "ratios": ratios})


if __name__ == "__main__":
    if sys.argv[1:2] == ["--baseline"]:
        card, api, gateway = sys.argv[2:5]
        asyncio.run(run_baseline(Path(card), api, gateway, os.environ["DISCORD_TOKEN"]))
    else:
        main()
