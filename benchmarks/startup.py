"""Start-up benchmark: time from process start to READY, and peak memory, at the shipped pack and at 100k facts.

Each start is a fresh process (``python benchmarks/startup.py --child``) that imports the bot, builds it with
``create_bot`` and runs it under SimCord until READY: ``setup_hook`` opens the store, seeds the packs, loads
the cogs and syncs the commands (when they changed). The parent times from ``Popen`` to the child's READY line;
the child reports its peak resident memory (VmHWM) at that moment. Cases:

* shipped, first start: an empty database, the pack seeded;
* shipped, later start: the same database again (the pack unchanged, so not seeded again);
* 100k, later start: a database of 100,000 facts (built by ``generate.py``, cached) with the shipped pack
  already loaded. The first-start seeding time of 100,000 facts is reported separately, from the cache build.

Baseline, in the same run: a bare ``commands.Bot`` under SimCord (Python, discord.py and SimCord alone).

    python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the imports: the child counts them as start-up

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from statistics import median  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
TARGETS_AT_100K = {"ready_s": 2.0, "rss_mb": 150.0}
LARGE = 100_000


def peak_rss_mb() -> float:
    """The process's peak resident set size so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def child(database: str | None) -> None:
    """Build and start a bot under SimCord, print one JSON line at READY, then stop."""
    import logging

    import discord
    import simcord
    from discord.ext import commands

    if database is None:
        imported = time.perf_counter()
        bot = commands.Bot(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
    else:
        from generate import SHIPPED

        from bot.app import create_bot
        from bot.config import Config

        imported = time.perf_counter()
        logging.basicConfig(level=logging.WARNING)
        bot = create_bot(Config(database=Path(database), packs=[SHIPPED]))
    async with simcord.run(bot):
        ready = time.perf_counter()
        report = {"imports_s": imported - STARTED, "setup_s": ready - imported, "rss_mb": peak_rss_mb()}
        print("READY " + json.dumps(report), flush=True)
    await bot.close()  # SimCord's shutdown leaves the bot (and its database threads) open


def start(database: Path | None) -> dict[str, float]:
    """One start in a fresh process: seconds from Popen to READY, and what the child reported."""
    command = [sys.executable, str(HERE / "startup.py"), "--child"]
    if database is not None:
        command += ["--database", str(database)]
    began = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("READY "):
                ready_s = time.perf_counter() - began
                report = json.loads(line.removeprefix("READY "))
                break
        else:
            raise SystemExit(f"the bot did not become ready (exit code {process.wait()})")
        process.wait()
    return {"ready_s": round(ready_s, 3), **{k: round(v, 3) for k, v in report.items()}}


def case(name: str, runs: list[dict[str, float]]) -> dict[str, Any]:
    med = {key: round(median(r[key] for r in runs), 3) for key in runs[0]}
    print(f"  {name:<28} ready {med['ready_s']:.2f} s (max {max(r['ready_s'] for r in runs):.2f}), "
          f"peak RSS {med['rss_mb']:.0f} MB", flush=True)  # fmt: skip
    return {"median": med, "runs": runs}


def main() -> None:
    from common import table, verdict, write_results
    from generate import cached_database

    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cli.add_argument("--runs", type=int, default=5, help="starts per case (default 5)")
    args = cli.parse_args()
    large, seeded_now = cached_database(LARGE)
    seed_info = json.loads(large.with_suffix(".json").read_text()) if large.with_suffix(".json").exists() else {}
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["baseline (bare bot)"] = case("baseline (bare bot)", [start(None) for _ in range(args.runs)])
        firsts = []
        for i in range(args.runs):
            firsts.append(start(Path(tmp) / f"first-{i}.sqlite3"))
        results["shipped, first start"] = case("shipped, first start", firsts)
        shipped = Path(tmp) / "first-0.sqlite3"
        results["shipped, later start"] = case("shipped, later start", [start(shipped) for _ in range(args.runs)])
        copy = Path(tmp) / "large.sqlite3"
        shutil.copy(large, copy)
        start(copy)  # the first start on it records the shipped pack as loaded
        results["100k, later start"] = case("100k, later start", [start(copy) for _ in range(args.runs)])
    seed_s = seeded_now if seeded_now is not None else seed_info.get("seed_seconds")
    rows = [[name, r["median"]["ready_s"], r["median"]["imports_s"], r["median"]["setup_s"], r["median"]["rss_mb"]]
            for name, r in results.items()]  # fmt: skip
    print("\n" + table(["case", "ready s", "imports s", "setup s", "peak RSS MB"], rows))
    if seed_s:
        print(f"first start at {LARGE:,} facts: seeding them took {seed_s:.1f} s "
              f"({LARGE / seed_s:,.0f} facts/s), once")  # fmt: skip
    large_run = results["100k, later start"]["median"]
    targets = {key: {"value": large_run[key], "target": target, "verdict": verdict(large_run[key], target)}
               for key, target in TARGETS_AT_100K.items()}  # fmt: skip
    for key, t in targets.items():
        print(f"target at 100k: {key} {t['value']} < {t['target']}: {t['verdict']}")
    write_results("startup", {"results": results, "first_seed_100k_s": seed_s, "targets": targets})


if __name__ == "__main__":
    if "--child" in sys.argv:
        options = argparse.ArgumentParser()
        options.add_argument("--child", action="store_true")
        options.add_argument("--database")
        asyncio.run(child(options.parse_args().database))
    else:
        main()
