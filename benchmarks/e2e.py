"""End-to-end benchmark: 2,000 mixed slash commands and autocompletes through SimCord, against a baseline bot.

Both bots run in this process under SimCord, each on its own event loop and thread (SimCord allows one live
environment per loop): the real bot (``create_bot`` on the shipped pack, as the CLI builds it) and a baseline
``commands.Bot`` with the same command names whose every command answers one constant embed (a real stunt
card, so both send as many bytes) and every autocomplete 25 constant choices. The same seeded calls go to
both, in alternating blocks, so a noisy machine slows both alike.

A call is timed from the fan's action to the moment the bot's answer reaches SimCord's REST API (the
interaction callback, or the followup after a defer): the latency a fan sees, without SimCord's own polling
after the answer. The ratio of the mean latencies is the bot's end-to-end cost against a bot that does nothing.

``--stages`` also splits the bot's time per stage (``Stages``): finding the fact, reading what its card links to,
rendering, sending the answer (discord.py's JSON and HTTP into SimCord), the command's checks (the bot's: its
cooldown), the rest of discord.py's command tree (finding the command, its options, the bot's code outside the
stages before), and the rest (receiving the interaction: discord.py's parsing, SimCord, the event loop); only the
time from a call to its answer counts. It also counts the trips to aiosqlite's threads per call, and times the
cyclic garbage collector's runs by the thread that set them off (a run stops every thread of this process, so one
set off by either bot lands in whichever call is running). The timers wrap the bot's functions from here, so the
bot itself carries none.

``--wire`` measures over real sockets instead (``wire.py``'s processes and fake Discord): ``mi-bot run`` and the
bare bot each in their own process, the same commands one after another, alternating blocks between the bots.

    python benchmarks/e2e.py [--calls 2000] [--block 100] [--stages] [--wire]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import inspect
import logging
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any, TypeVar

import aiosqlite
import discord
import simcord
from common import summary, table, verdict, write_results
from discord import app_commands
from discord.ext import commands
from generate import SHIPPED, shipped_pack

from bot import cards, render
from bot.app import create_bot
from bot.config import Budget, Config
from bot.models import Fact

TARGET_RATIO = 1.5  # in-process (SimCord): issue #15
WIRE_TARGET_RATIO = 1.3  # over real sockets
T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One fan action: a slash command with its options, or an autocomplete of one option."""

    command: str
    options: dict[str, str]
    focused: str | None = None  # the option being typed, for an autocomplete

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...], str | None]:
        """The same key for the same action (options in any order)."""
        return self.command, tuple(sorted(self.options.items())), self.focused

    @property
    def label(self) -> str:
        return f"{self.command} (autocomplete)" if self.focused else f"/{self.command}"


def typed(name: str, rng: random.Random) -> str:
    """What a fan types for a name: all of it (Discord lets no option run over 100 characters), a prefix, or its
    longest word."""
    shape = rng.choice(("whole", "prefix", "word"))
    if shape == "prefix":
        return name[: rng.randint(3, min(12, len(name)))]
    if shape == "word":
        return max(name.split(), key=len)
    return name[:100].strip()


def mix(count: int, available: set[str], rng: random.Random, *, autocompletes: bool = True) -> list[Call]:
    """A seeded mix of the fan commands that exist (stunt, location, release, search, bts, and autocompletes
    unless told not to)."""
    pack = shipped_pack()

    def names(facts: list[Fact]) -> list[str]:
        return [n for f in facts for n in f.names]

    stunts, places, films, videos = names(pack.stunts), names(pack.locations), names(pack.films), names(pack.videos)
    makers = {
        "stunt": lambda: Call("stunt", {"name": typed(rng.choice(stunts), rng)}),
        "location": lambda: Call("location", {"name": typed(rng.choice(places), rng)}),
        "release": lambda: Call("release", {"film": rng.choice(films)} if rng.random() < 0.7 else {}),
        "search": lambda: Call("search", {"query": rng.choice(stunts + places + films)}),
        "bts": lambda: Call("bts", {"topic": typed(rng.choice(videos + stunts), rng)}),
        "stunt:name": lambda: Call("stunt", {"name": typed(rng.choice(stunts), rng)[:4]}, "name"),
        "location:name": lambda: Call("location", {"name": typed(rng.choice(places), rng)[:4]}, "name"),
    }
    kinds = [k for k in makers if k.split(":")[0] in available and (autocompletes or ":" not in k)]
    return [makers[rng.choice(kinds)]() for _ in range(count)]


class Constant(commands.Cog):
    """The fan commands' names and options; every answer is the same embed, every autocomplete the same list."""

    def __init__(self, embed: discord.Embed, choices: list[app_commands.Choice[str]]) -> None:
        self.embed = embed
        self.choices = choices

    async def answer(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=self.embed)

    @app_commands.command()
    async def stunt(self, interaction: discord.Interaction, name: str) -> None:
        await self.answer(interaction)

    @app_commands.command()
    async def location(self, interaction: discord.Interaction, name: str) -> None:
        await self.answer(interaction)

    @app_commands.command()
    async def release(self, interaction: discord.Interaction, film: str | None = None) -> None:
        await self.answer(interaction)

    @app_commands.command()
    async def search(self, interaction: discord.Interaction, query: str) -> None:
        await self.answer(interaction)

    @app_commands.command()
    async def bts(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        await self.answer(interaction)

    @stunt.autocomplete("name")
    @location.autocomplete("name")
    async def names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return self.choices


class BaselineBot(commands.Bot):
    """A bot that does no work, with the real bot's command names and options, so SimCord does the same work."""

    def __init__(self, embed: discord.Embed, choices: list[app_commands.Choice[str]]) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default(), help_command=None)
        self.constant = Constant(embed, choices)

    async def setup_hook(self) -> None:
        await self.add_cog(self.constant)
        await self.tree.sync()


class Stages:
    """Time spent per stage of answering, per thread (each bot runs in its own), measured by wrapping the functions
    each stage consists of. Time is exclusive: a stage inside another (rendering inside a card look-up) counts
    only for itself."""

    STORE = ("find", "video_about", "sample", "entry", "suggest", "search")  # look-ups
    FUNCTIONS: tuple[tuple[str, object, tuple[str, ...]], ...] = (
        ("look-up", cards, ("answer",)),
        ("linked facts", cards, ("card_for", "release_cards")),
        ("rendering", render, ("stunt_card", "location_card", "video_message", "release_card", "highlight",
                               "search_header", "choice_label")),
        ("send (JSON, HTTP)", discord.InteractionResponse, ("send_message", "autocomplete")),
        ("checks", app_commands.Command, ("_check_can_run",)),
        ("the tree (dispatch, the command's code)", app_commands.CommandTree, ("_call",)),
    )  # fmt: skip
    NAMES = ("look-up", "linked facts", "rendering", "send (JSON, HTTP)", "checks",
             "the tree (dispatch, the command's code)")  # fmt: skip
    REST = "the rest (receiving: parsing, SimCord, the loop)"

    def __init__(self) -> None:
        self.local = threading.local()
        self.totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.hand_offs: dict[str, int] = defaultdict(int)  # trips to aiosqlite's threads, per bot
        self.collections: dict[str, list[int]] = defaultdict(list)  # the cyclic collector's pauses, by thread
        self._collecting = 0
        gc.callbacks.append(self._collector)

    def _collector(self, phase: str, info: dict[str, int]) -> None:
        """Time each run of the cyclic garbage collector (it stops every thread of this process), charged to the
        thread whose allocation set it off."""
        if phase == "start":
            self._collecting = time.perf_counter_ns()
        elif self._collecting:
            self.collections[threading.current_thread().name].append(time.perf_counter_ns() - self._collecting)

    def reset(self) -> None:
        self.totals.clear()
        self.hand_offs.clear()
        self.collections.clear()

    def waiting(self, waiting: bool) -> None:
        """A call of this thread's bot was made (True) or answered (False): time is charged only in between, as
        only that is in a call's latency (SimCord goes on settling after the answer)."""
        self._charge(self.local.__dict__.setdefault("stack", []), time.perf_counter_ns())
        self.local.waiting = waiting

    def _charge(self, stack: list[list[Any]], now: int) -> None:
        """Charge the time since the last switch to the stage running (while a call waits for its answer)."""
        if stack and self.local.__dict__.get("waiting", True):
            self.totals[threading.current_thread().name][stack[-1][0]] += now - stack[-1][1]
        if stack:
            stack[-1][1] = now

    def _switch(self, stage: str | None) -> None:
        """Enter ``stage`` (None: leave the current one), charging the time since the last switch to the stage
        that was running."""
        stack: list[list[Any]] = self.local.__dict__.setdefault("stack", [])
        now = time.perf_counter_ns()
        self._charge(stack, now)
        if stage is None:
            stack.pop()
            if stack:
                stack[-1][1] = now
        else:
            stack.append([stage, now])

    def timed(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                self._switch(stage)
                try:
                    return await function(*args, **kwargs)
                finally:
                    self._switch(None)

            return timed_async

        @functools.wraps(function)
        def timed_sync(*args: Any, **kwargs: Any) -> Any:
            self._switch(stage)
            try:
                return function(*args, **kwargs)
            finally:
                self._switch(None)

        return timed_sync

    def install(self, store: object) -> None:
        """Wrap the store's look-ups (on this one store) and the stages' functions, wherever they were imported."""
        for name in self.STORE:
            setattr(store, name, self.timed("look-up", getattr(store, name)))
        hand_off = aiosqlite.Connection._execute  # every statement, fetch and close goes through it

        @functools.wraps(hand_off)
        async def counted(connection: aiosqlite.Connection, *args: Any, **kwargs: Any) -> Any:
            self.hand_offs[threading.current_thread().name] += 1
            return await hand_off(connection, *args, **kwargs)

        aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
        for stage, owner, names in self.FUNCTIONS:
            for name in names:
                original = getattr(owner, name)
                timed = self.timed(stage, original)
                setattr(owner, name, timed)
                for module in list(sys.modules.values()):  # ``from bot.cards import card_for`` in the cogs
                    if getattr(module, name, None) is original:
                        setattr(module, name, timed)

    def report(self, latencies: dict[str, list[int]]) -> dict[str, Any]:
        """Milliseconds per call of each stage, per bot; "the rest" is the mean latency less the stages."""
        results: dict[str, Any] = {}
        rows = []
        for side, samples in latencies.items():
            calls = len(samples) or 1
            per_call = {stage: self.totals[side][stage] / calls / 1e6 for stage in self.NAMES}
            per_call[self.REST] = max(0.0, mean(samples or [0]) / 1e6 - sum(per_call.values()))
            results[side] = {stage: round(ms, 3) for stage, ms in per_call.items()}
            results[side]["hand-offs per call"] = round(self.hand_offs[side] / calls, 3)
            rows.append([side, *(round(ms, 3) for ms in per_call.values()), round(mean(samples or [0]) / 1e6, 3),
                         round(self.hand_offs[side] / calls, 3)])  # fmt: skip
        headers = ["bot", *self.NAMES, self.REST, "mean latency", "hand-offs per call"]
        print("\nmilliseconds per call, by stage\n" + table(headers, rows))
        pauses = [[thread, len(ns), round(sum(ns) / 1e6, 1), round(max(ns) / 1e6, 1)]
                  for thread, ns in sorted(self.collections.items())]  # fmt: skip
        results["garbage collections"] = {t: {"runs": n, "ms": ms, "longest_ms": top} for t, n, ms, top in pauses}
        print("\ngarbage collections while measuring, by the thread that set them off\n"
              + table(["thread", "runs", "ms in all", "longest ms"], pauses))  # fmt: skip
        return results


class StampedLog(list):
    """SimCord's log of the bot's REST requests, with the moment each was made (perf_counter_ns)."""

    def __init__(self, entries: list[Any], answered: Callable[[bool], None] | None = None) -> None:
        super().__init__(entries)
        self.stamps = [0] * len(entries)
        self.answered = answered  # told of each answer as it is made (``Stages.waiting``)

    def append(self, entry: Any) -> None:
        super().append(entry)
        self.stamps.append(time.perf_counter_ns())
        if self.answered and self.is_answer(entry):
            self.answered(False)

    @staticmethod
    def is_answer(entry: Any) -> bool:
        """An interaction's answer (a defer is none)."""
        answer = "/interactions/" in entry.path or "/webhooks/" in entry.path
        return answer and not (isinstance(entry.json, dict) and entry.json.get("type") == 5)

    def answered_at(self, since: int) -> int | None:
        """When the bot answered the interaction started after entry ``since``."""
        return next((stamp for e, stamp in zip(self[since:], self.stamps[since:], strict=True) if self.is_answer(e)),
                    None)  # fmt: skip


class Side:
    """One bot running under SimCord on a private event loop in its own thread, with one guild of fans."""

    def __init__(self, name: str, bot: commands.Bot, stages: Stages | None = None) -> None:
        self.name = name
        self.stages = stages
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()
        self.env = simcord.Env(bot)
        self.run(self.env.start())
        self.log = self.env.backend.http_requests = StampedLog(self.env.http_requests, stages and stages.waiting)
        guild = self.env.create_guild("Reckoning Fans")
        self.channel = guild.create_text_channel("mission-chat")
        self.fans = [guild.add_member(self.env.create_user(f"fan{i}")) for i in range(20)]

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result()

    def commands(self) -> set[str]:
        return {c.name for c in self.env.bot.tree.get_commands()}  # type: ignore[attr-defined]

    def block(self, calls: list[Call]) -> list[tuple[str, int | None]]:
        """Run calls one after another: (label, nanoseconds to the answer, None if unanswered) for each."""
        return self.run(self._block(calls))

    async def _block(self, calls: list[Call]) -> list[tuple[str, int | None]]:
        out = []
        with self.env.time_context():
            for i, call in enumerate(calls):
                fan, since = self.fans[i % len(self.fans)], len(self.log)
                if self.stages:
                    self.stages.waiting(True)
                begin = time.perf_counter_ns()
                if call.focused:
                    await fan.autocomplete(self.channel, call.command, call.focused, call.options[call.focused])
                else:
                    await fan.slash(self.channel, call.command, **call.options)
                answered = self.log.answered_at(since)
                out.append((call.label, answered - begin if answered else None))
        return out

    async def sample_answers(self) -> tuple[discord.Embed, list[app_commands.Choice[str]]]:
        """A real stunt card and a real list of choices, for the baseline to send as its constants."""
        with self.env.time_context():
            card = await self.fans[0].slash(self.channel, "stunt", name="motorbike")
            choices = await self.fans[0].autocomplete(self.channel, "stunt", "name", "a")
        embed = card.response.embeds[0] if card.response else discord.Embed(title="A stunt")
        return embed, [app_commands.Choice(name=c["name"], value=c["value"]) for c in choices]

    def close(self) -> list[str]:
        """Stop the bot; the errors it raised, one line each."""
        errors = [f"{type(e).__name__}: {getattr(e, 'original', e)!r}"[:200] for e in self.env.errors]
        self.run(self.env.shutdown())
        self.run(self.env.bot.close())  # SimCord's shutdown leaves the bot (and its database threads) open
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        return errors


def record(samples: dict[str, list[int]], label: str, ns: int, asked_before: bool) -> None:
    """One call's time under its own label, under "all", and under whether the same call was made before (the
    bot keeps what it answered until the facts change, so a call asked before shows what its cache saves)."""
    for each in (label, "all", "all, asked before" if asked_before else "all, first time"):
        samples[each].append(ns)


def report(samples: dict[str, dict[str, list[int]]]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    rows = []
    for label in sorted(samples["bot"], key=lambda k: (k.startswith("all"), k)):
        mine, theirs = summary(samples["bot"][label]), summary(samples["baseline"][label])
        ratio = mean(samples["bot"][label]) / mean(samples["baseline"][label])
        median_ratio = mine["p50_ms"] / theirs["p50_ms"]
        results[label] = {"bot": mine, "baseline": theirs, "ratio_mean": round(ratio, 2),
                          "ratio_p50": round(median_ratio, 2)}  # fmt: skip
        rows.append([label, mine["n"], mine["p50_ms"], mine["p99_ms"], theirs["p50_ms"], theirs["p99_ms"],
                     round(ratio, 2), round(median_ratio, 2)])  # fmt: skip
    headers = ["call", "n", "bot p50 ms", "bot p99 ms", "base p50 ms", "base p99 ms", "ratio (means)", "ratio (p50)"]
    print("\n" + table(headers, rows))
    return results


def in_process(calls_per_bot: int, block: int, stages: Stages | None) -> dict[str, Any]:
    """Both bots under SimCord in this process, commands and autocompletes."""
    rng = random.Random(2023)
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(database=Path(tmp) / "facts.sqlite3", packs=[SHIPPED], cooldown=Budget(uses=10**9))
        bot = Side("bot", create_bot(config), stages)
        calls = mix(calls_per_bot + block, bot.commands(), rng)
        base = Side("baseline", BaselineBot(*bot.run(bot.sample_answers())), stages)
        # The bot freezes what its start-up built out of the cyclic collector's sight (``FanBot.setup_hook``), as it
        # does in a process of its own; here the baseline's start-up came after, so freeze again: both bots' and
        # SimCord's start-up alike, and the collector's pauses fall on both for what each run makes.
        gc.freeze()
        print(f"commands: {', '.join(sorted(bot.commands() & base.commands()))}", flush=True)
        if stages:
            stages.install(bot.env.bot.store)  # type: ignore[attr-defined]
        warm, calls = calls[:block], calls[block:]
        bot.block(warm), base.block(warm)
        if stages:
            stages.reset()
        samples: dict[str, dict[str, list[int]]] = {"bot": defaultdict(list), "baseline": defaultdict(list)}
        unanswered = {"bot": 0, "baseline": 0}
        asked = {call.key for call in warm}
        for start in range(0, len(calls), block):
            chunk = calls[start : start + block]
            for side in (bot, base) if (start // block) % 2 == 0 else (base, bot):
                for call, (label, ns) in zip(chunk, side.block(chunk), strict=True):
                    if ns is None:
                        unanswered[side.name] += 1
                        continue
                    record(samples[side.name], label, ns, call.key in asked)
            asked.update(call.key for call in chunk)
            print(f"  {start + len(chunk)}/{len(calls)} calls per bot", flush=True)
        errors = {"bot": bot.close(), "baseline": base.close()}
    return {"calls_per_bot": len(calls), "samples": samples, "unanswered": unanswered, "errors": errors}


async def over_the_wire(calls_per_bot: int, block: int) -> dict[str, Any]:
    """``mi-bot run`` and the bare bot in their own processes over real sockets (``wire.py``), slash commands
    one after another."""
    import wire  # it imports this module: here, not at the top

    rng = random.Random(2023)
    calls = mix(calls_per_bot + block, {"stunt", "location", "release", "search", "bts"}, rng, autocompletes=False)
    samples: dict[str, dict[str, list[int]]] = {"bot": defaultdict(list), "baseline": defaultdict(list)}
    unanswered = {"bot": 0, "baseline": 0}
    with tempfile.TemporaryDirectory() as tmp:
        async with wire.both_bots(Path(tmp)) as (bot, base):
            asked: set[tuple[Any, ...]] = set()
            for start in range(0, len(calls), block):
                chunk = calls[start : start + block]
                for side in (bot, base) if (start // block) % 2 == 0 else (base, bot):
                    for user, call in enumerate(chunk, start=wire.FANS + start):
                        ns = await side.one(call, user, patience=wire.DEADLINE_S * 10)
                        if start == 0:  # the warm-up block
                            continue
                        if ns is None:
                            unanswered[side.name] += 1
                            continue
                        record(samples[side.name], call.label, ns, call.key in asked)
                asked.update(call.key for call in chunk)
                print(f"  {start + len(chunk)}/{len(calls)} calls per bot", flush=True)
    errors: dict[str, list[str]] = {"bot": [], "baseline": []}  # in their logs, which end with the run
    return {"calls_per_bot": len(calls) - block, "samples": samples, "unanswered": unanswered, "errors": errors}


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cli.add_argument("--calls", type=int, default=2000, help="calls per bot (default 2000)")
    cli.add_argument("--block", type=int, default=100, help="calls per alternating block (default 100)")
    cli.add_argument("--stages", action="store_true", help="also split each bot's time per stage")
    cli.add_argument("--wire", action="store_true", help="over real sockets, each bot in its own process")
    args = cli.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the expected "not found" replies are logged by discord.py
    stages = Stages() if args.stages and not args.wire else None
    if args.wire:
        run = asyncio.run(over_the_wire(args.calls, args.block))
    else:
        run = in_process(args.calls, args.block, stages)
    samples, unanswered, errors = run["samples"], run["unanswered"], run["errors"]
    results = report(samples)
    by_stage = stages.report({side: samples[side]["all"] for side in samples}) if stages else None
    ratio = results["all"]["ratio_mean"]
    target = TARGET_RATIO if not args.wire else WIRE_TARGET_RATIO
    print(f"\nunanswered: {unanswered}; errors raised: { {side: len(e) for side, e in errors.items()} }")
    for line in sorted(set(errors["bot"])):
        print(f"  bot: {line}")
    print(f"target: end-to-end cost within {target}x of the baseline bot: {ratio:.2f}x: "
          f"{verdict(ratio, target)}")  # fmt: skip
    name = "e2e-wire" if args.wire else "e2e"
    write_results(name, {"calls_per_bot": run["calls_per_bot"], "results": results, "stages": by_stage,
                         "unanswered": unanswered, "errors": errors,
                         "target": {"ratio": ratio, "target": target, "verdict": verdict(ratio, target)}})  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
