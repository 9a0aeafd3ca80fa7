"""Bulk benchmark: seeding generated packs into an empty store (a first start), and a ``/fact import`` dry run of
a 10,000-fact file. Each is timed by the clock and by the process's CPU time, which a busy machine moves less.

* **Seeding**: ``store.seed`` of a generated pack (``generate.py``) into a new SQLite database, and with
  ``--postgresql`` into a new PostgreSQL database, at each size; the pack is built before the clock starts.
* **Import dry run**: what ``/fact import`` does with an admin's file, from its bytes to the preview:
  ``read_pack`` (in a worker thread, as the command does), ``store.plan_import`` and the summary embed. The store
  holds the generated 10,000 facts; the file is their export with one stunt in a hundred edited.

``--against REF`` runs the same on another commit (``git archive REF``, its ``bot`` first on ``PYTHONPATH``) in
the same run, as the baseline: seeding up to ``--baseline-up-to`` facts (the commit before bulk seeding took
224 s for 100,000), and the dry run (with the file-size cap lifted where that commit's would refuse the file).

    python benchmarks/bulk.py [--sizes 1000 10000 100000] [--against REF] [--baseline-up-to 10000] [--postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = [1_000, 10_000, 100_000]
IMPORT_SIZE = 10_000
TARGETS = {"seed_100000_s": 20.0, "import_dry_run_s": 5.0}


async def seed_child(size: int, database: str) -> dict[str, Any]:
    """Seed the generated pack of ``size`` facts into a new database; seconds and facts per second."""
    from generate import synthetic_pack

    from bot.store import open_store

    pack = synthetic_pack(size)
    store = await open_store(Path(database) if "://" not in database else database)
    try:
        began, cpu = time.perf_counter(), time.process_time()
        report = await store.seed([pack])
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    finally:
        await store.close()
    return {"seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "facts_per_s": round(report.added / seconds),
            "added": report.added}  # fmt: skip


async def import_child(database: str) -> dict[str, Any]:
    """A dry run of the store's export with one stunt in a hundred edited, from the file's bytes to the preview."""
    import bot.pack
    from bot import render_admin
    from bot.models import Stunt
    from bot.pack import dump_pack, read_pack
    from bot.store import open_store

    store = await open_store(Path(database))
    try:
        bot.pack.MAX_PACK_BYTES = max(bot.pack.MAX_PACK_BYTES, 20_000_000)  # an older commit's cap was 2 MB
        pack = bot.pack.parse_pack(bot.pack.read_yaml(await store.export()))
        stunts = [s.model_copy(update={"summary": s.summary + " Edited."}) if i % 100 == 0 else s
                  for i, s in enumerate(pack.stunts)]  # fmt: skip
        edited = pack.model_copy(update={"stunts": stunts})
        data = dump_pack(pack.pack, pack.version, pack.title, edited.facts(), exported_at=pack.exported_at).encode()
        began, cpu = time.perf_counter(), time.process_time()
        read = await asyncio.to_thread(read_pack, data)
        parsed = time.perf_counter()
        plan = await store.plan_import(read)
        planned = time.perf_counter()
        render_admin.import_summary(plan, "facts.yaml")
        done, cpu = time.perf_counter(), time.process_time() - cpu
    finally:
        await store.close()
    assert len(plan.changed) == sum(isinstance(f, Stunt) for f, _ in plan.changed) > 0
    return {
        "seconds": round(done - began, 2), "cpu_s": round(cpu, 2), "read_pack_s": round(parsed - began, 2),
        "plan_import_s": round(planned - parsed, 2), "summary_s": round(done - planned, 3),
        "facts": len(read.facts()), "bytes": len(data), "changed": len(plan.changed),
    }  # fmt: skip


def child(tree: Path, *words: str) -> dict[str, Any]:
    """Run one measurement in a fresh process on the code of ``tree``; what it reported (also printed)."""
    environment = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{HERE}"}
    done = subprocess.run([sys.executable, str(HERE / "bulk.py"), "--child", *words], env=environment,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode:
        raise SystemExit(f"{' '.join(words)} on {tree} failed:\n{done.stderr[-2000:]}")
    result = dict(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"  {result}", flush=True)
    return result


def exported(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run(args: argparse.Namespace, server: str | None, tmp: Path) -> dict[str, Any]:
    from common import new_postgres_database, table, verdict
    from generate import cached_database

    trees = {"this tree": ROOT} | ({args.against: exported(args.against, tmp / "baseline")} if args.against else {})
    seeding: dict[str, dict[str, Any]] = {}
    rows = []
    for size in args.sizes:
        row: list[Any] = [f"{size:,}"]
        for label, tree in trees.items():
            if label != "this tree" and size > args.baseline_up_to:
                row += ["–"] * (1 if server is None else 2)
                continue
            path = tmp / f"seed-{size}-{len(seeding)}.sqlite3"
            print(f"seeding {size:,} facts on {label} (SQLite) ...", flush=True)
            seeding[f"{label}, SQLite, {size}"] = result = child(tree, "seed", str(size), str(path))
            path.unlink()
            row.append(result["seconds"])
            if server is not None:
                url = asyncio.run(new_postgres_database(server, f"mi_bulk_{size}_{len(seeding)}"))
                print(f"seeding {size:,} facts on {label} (PostgreSQL) ...", flush=True)
                seeding[f"{label}, PostgreSQL, {size}"] = result = child(tree, "seed", str(size), url)
                row.append(result["seconds"])
        rows.append(row)
    backends = ["SQLite", "PostgreSQL"] if server is not None else ["SQLite"]
    headers = ["facts", *(f"{label}: {backend} s" for label in trees for backend in backends)]
    print("\nSeeding an empty store\n\n" + table(headers, rows))
    print(f"\nImport dry run, {IMPORT_SIZE:,} facts")
    database, _ = cached_database(IMPORT_SIZE)
    dry_runs: dict[str, dict[str, Any]] = {}
    for label, tree in trees.items():
        copy = tmp / f"import-{len(dry_runs)}.sqlite3"
        shutil.copy(database, copy)
        dry_runs[label] = child(tree, "import", str(copy))
    print("\n" + table(
        ["tree", "total s", "CPU s", "read_pack s", "plan_import s", "summary s", "bytes", "changed"],
        [[label, *(r[key] for key in ("seconds", "cpu_s", "read_pack_s", "plan_import_s", "summary_s", "bytes",
                                      "changed"))] for label, r in dry_runs.items()],
    ))  # fmt: skip
    targets = {"import_dry_run_s": dry_runs["this tree"]["seconds"]}
    if "this tree, SQLite, 100000" in seeding:
        targets["seed_100000_s"] = seeding["this tree, SQLite, 100000"]["seconds"]
    verdicts = {key: {"value": value, "target": TARGETS[key], "verdict": verdict(value, TARGETS[key])}
                for key, value in targets.items()}  # fmt: skip
    for key, v in verdicts.items():
        print(f"target: {key} {v['value']} < {v['target']}: {v['verdict']}")
    return {"seeding": seeding, "import_dry_run": dry_runs, "targets": verdicts}


def main() -> None:
    from common import add_postgresql_option, postgresql_server, write_results

    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cli.add_argument("--sizes", type=int, nargs="*", default=SIZES, help="facts to seed (default 1k, 10k, 100k)")
    cli.add_argument("--against", metavar="REF", help="also measure this commit, as the baseline")
    cli.add_argument("--baseline-up-to", type=int, default=10_000, help="the largest size seeded on REF")
    add_postgresql_option(cli, "also seed into PostgreSQL")
    args = cli.parse_args()
    with contextlib.ExitStack() as stack:
        server = postgresql_server(stack, args.postgresql)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        (tmp / "baseline").mkdir()
        write_results("bulk", run(args, server, tmp))


if __name__ == "__main__":
    if "--child" in sys.argv:
        mode, *rest = sys.argv[sys.argv.index("--child") + 1 :]
        if "://" in " ".join(rest):
            sys.path.insert(0, str(ROOT / "tests"))
        work = seed_child(int(rest[0]), rest[1]) if mode == "seed" else import_child(rest[0])
        print(json.dumps(asyncio.run(work)))
    else:
        main()
