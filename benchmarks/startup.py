"""Start-up benchmark: each ``mi-bot`` entry point as a process (imports and total time), ``load_pack`` of the
shipped pack, and the time to READY with peak memory at the shipped pack and at 100k facts.

**Entry points**, each a fresh ``python -m bot …`` process (what the ``mi-bot`` script runs), timed from start to
exit; the imports are the sum of the top-level modules ``-X importtime`` reports in as many more runs:

* ``mi-bot try "/stunt name:motorbike"``: the offline try-out, one command, on a throwaway copy of the database
  it keeps seeded in the cache folder (``XDG_CACHE_HOME``, one per tree, filled by a warm-up run; a commit that
  kept none seeds a database each time);
* ``mi-bot check``: config, packs and a database a start has already seeded;
* ``mi-bot run`` up to login: with a token and ``discord.api_base_url`` at a closed port, so the process stops at
  its first request to Discord with one line (before that request: imports, config, the bot built).

``--against REF`` measures the same on another commit (``git archive REF``, run with ``PYTHONPATH`` pointing at it)
in the same run, as the baseline; this tree is run the same way.

**Ready**: each start is a fresh process (``python benchmarks/startup.py --child``) that imports the bot, builds it
with ``create_bot`` and runs it under SimCord until READY: ``setup_hook`` opens the store, seeds the packs, loads
the cogs and syncs the commands (when they changed). The parent times from ``Popen`` to the child's READY line;
the child reports its peak resident memory (VmHWM) at that moment. Cases:

* shipped, first start: an empty database, the pack seeded;
* shipped, later start: the same database again (the pack unchanged, so not seeded again);
* 100k, later start: a database of 100,000 facts (built by ``generate.py``, cached) with the shipped pack
  already loaded. The first-start seeding time of 100,000 facts is reported separately, from the cache build.

Baseline, in the same run: a bare ``commands.Bot`` under SimCord (Python, discord.py and SimCord alone).

    python benchmarks/startup.py [--runs 5] [--against main] [--only entry-points|ready]
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the imports: the child counts them as start-up

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from statistics import median  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS_AT_100K = {"ready_s": 2.0, "rss_mb": 150.0}
TARGET_TRY_S = 1.0  # mi-bot try "/stunt name:motorbike", the whole process
LARGE = 100_000
NO_BYTECODE = "PYTHONDONTWRITEBYTECODE"
LOAD_PACK = (
    "import time\nfrom bot.config import BUNDLED_PACK\nfrom bot.pack import load_pack\n"
    "times = []\nfor _ in range({runs}):\n"
    "    began = time.perf_counter(); load_pack(BUNDLED_PACK); times.append(time.perf_counter() - began)\n"
    "print(sorted(times)[len(times) // 2])\n"
)


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


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def entry_points(folder: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """The command lines (after ``python -m bot``) and extra environment of each entry point; their config and
    database live in ``folder``."""
    config = folder / "config.yaml"
    config.write_text(f"database: {folder / 'facts.sqlite3'}\nlog_level: ERROR\n", encoding="utf-8")
    offline = folder / "offline.yaml"
    offline.write_text(
        f"database: {folder / 'run.sqlite3'}\nlog_level: ERROR\n"
        f"discord:\n  api_base_url: http://127.0.0.1:{closed_port()}/api/v10\n",
        encoding="utf-8",
    )
    return {
        'mi-bot try "/stunt name:motorbike"': (["try", "/stunt name:motorbike"], {}),
        "mi-bot check (a seeded database)": (["check", "--config", str(config)], {}),
        "mi-bot run, up to login": (["run", "--config", str(offline)], {"DISCORD_TOKEN": "benchmark"}),
    }


def run_entry(tree: Path, folder: Path, words: list[str], extra: dict[str, str], *, importtime: bool = False
              ) -> tuple[float, str]:  # fmt: skip
    """One ``python -m bot WORDS`` process on the code of ``tree``: seconds from start to exit, and its stderr."""
    # Bytecode is written and read as in an installation (pip compiles it): an environment that forbids it would
    # add the compiling of every module of the bot to each process (about 0.4 s here).
    environment = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "PYTHONPATH", NO_BYTECODE)}
    environment |= {"PYTHONPATH": str(tree), "XDG_CACHE_HOME": str(folder / "cache"), **extra}
    flags = ["-X", "importtime"] if importtime else []
    began = time.perf_counter()
    done = subprocess.run([sys.executable, *flags, "-m", "bot", *words], cwd=folder, env=environment,
                          capture_output=True, text=True, check=False)  # fmt: skip
    return time.perf_counter() - began, done.stderr


def imports_s(stderr: str) -> tuple[float, int]:
    """Seconds spent importing (the top-level modules of ``-X importtime``) and how many modules were imported."""
    rows = [line.split("|") for line in stderr.splitlines() if line.startswith("import time:") and "[us]" not in line]
    top = sum(int(cumulative) for _, cumulative, name in rows if not name.startswith("  "))
    return top / 1e6, len(rows)


def measure(trees: dict[str, Path], runs: int) -> dict[str, dict[str, dict[str, float]]]:
    """Every entry point and ``load_pack`` on the code of each tree: medians of ``runs`` processes, the trees'
    processes taking turns so that a change in the machine's load falls on all of them alike."""
    results: dict[str, dict[str, dict[str, float]]] = {label: {} for label in trees}
    with tempfile.TemporaryDirectory() as tmp:
        folders = {label: Path(tmp) / f"tree-{i}" for i, label in enumerate(trees)}
        for folder in folders.values():
            folder.mkdir()
        cases = {label: entry_points(folder) for label, folder in folders.items()}
        for name in cases["this tree"]:
            totals: dict[str, list[float]] = {label: [] for label in trees}
            imports: dict[str, list[tuple[float, int]]] = {label: [] for label in trees}
            for label, tree in trees.items():  # a warm-up: the file cache, and check's first start seeds
                run_entry(tree, folders[label], *cases[label][name])
            for _ in range(runs):
                for label, tree in trees.items():
                    totals[label].append(run_entry(tree, folders[label], *cases[label][name])[0])
                    stderr = run_entry(tree, folders[label], *cases[label][name], importtime=True)[1]
                    imports[label].append(imports_s(stderr))
            for label in trees:
                results[label][name] = {
                    "total_s": round(median(totals[label]), 3),
                    "imports_s": round(median(seconds for seconds, _ in imports[label]), 3),
                    "modules": imports[label][0][1],
                }
        script = LOAD_PACK.format(runs=max(runs, 5))
        for label, tree in trees.items():
            environment = {k: v for k, v in os.environ.items() if k != NO_BYTECODE} | {"PYTHONPATH": str(tree)}
            done = subprocess.run([sys.executable, "-c", script], cwd=tmp, env=environment, capture_output=True,
                                  text=True, check=True)  # fmt: skip
            results[label]["load_pack, shipped pack"] = {"total_s": round(float(done.stdout), 3)}
    return results


def exported(ref: str, into: Path) -> Path:
    """The files of commit ``ref`` of this repository, as a clean checkout (no work tree of git's)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def entry_point_section(runs: int, against: str | None) -> dict[str, Any]:
    from common import table, verdict

    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this tree": ROOT} | ({against: exported(against, Path(tmp))} if against else {})
        measured = measure(trees, runs)
    now = measured["this tree"]
    then = measured.get(against or "")
    rows = []
    for case, figures in now.items():
        row: list[Any] = [case, figures["total_s"], figures.get("imports_s", "–"), figures.get("modules", "–")]
        if then:
            row += [then[case]["total_s"], then[case].get("imports_s", "–"), then[case].get("modules", "–")]
        rows.append(row)
    headers = ["entry point", "total s", "imports s", "modules"]
    headers += [f"{against}: total s", "imports s", "modules"] if then else []
    print(f"\nEntry points (medians of {runs} processes, and of {runs} more run with -X importtime)\n")
    print(table(headers, rows))
    try_s = now['mi-bot try "/stunt name:motorbike"']["total_s"]
    target = {"value": try_s, "target": TARGET_TRY_S, "verdict": verdict(try_s, TARGET_TRY_S)}
    print(f"target: mi-bot try, whole process {try_s} s < {TARGET_TRY_S} s: {target['verdict']}")
    return {"entry_points": measured, "target_try": target}


def ready_section(runs: int) -> dict[str, Any]:
    from common import table, verdict
    from generate import cached_database

    large, seeded_now = cached_database(LARGE)
    seed_info = json.loads(large.with_suffix(".json").read_text()) if large.with_suffix(".json").exists() else {}
    results: dict[str, Any] = {}
    print("\nReady (median of fresh processes)")
    with tempfile.TemporaryDirectory() as tmp:
        results["baseline (bare bot)"] = case("baseline (bare bot)", [start(None) for _ in range(runs)])
        firsts = []
        for i in range(runs):
            firsts.append(start(Path(tmp) / f"first-{i}.sqlite3"))
        results["shipped, first start"] = case("shipped, first start", firsts)
        shipped = Path(tmp) / "first-0.sqlite3"
        results["shipped, later start"] = case("shipped, later start", [start(shipped) for _ in range(runs)])
        copy = Path(tmp) / "large.sqlite3"
        shutil.copy(large, copy)
        start(copy)  # the first start on it records the shipped pack as loaded
        results["100k, later start"] = case("100k, later start", [start(copy) for _ in range(runs)])
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
    return {"results": results, "first_seed_100k_s": seed_s, "targets": targets}


def main() -> None:
    from common import write_results

    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cli.add_argument("--runs", type=int, default=5, help="processes per case (default 5)")
    cli.add_argument("--against", metavar="REF", help="also measure the entry points of this commit (e.g. main)")
    cli.add_argument("--only", choices=["entry-points", "ready"], help="one section (ready builds 100k facts once)")
    args = cli.parse_args()
    payload: dict[str, Any] = {}
    if args.only != "ready":
        payload |= entry_point_section(args.runs, args.against)
    if args.only != "entry-points":
        payload |= ready_section(args.runs)
    write_results("startup", payload)


if __name__ == "__main__":
    if "--child" in sys.argv:
        options = argparse.ArgumentParser()
        options.add_argument("--child", action="store_true")
        options.add_argument("--database")
        asyncio.run(child(options.parse_args().database))
    else:
        main()
