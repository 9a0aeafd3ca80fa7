"""What every benchmark script shares: percentiles, the printed table and the JSON result file."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
TESTS = Path(__file__).resolve().parent.parent / "tests"  # tests/postgres.py: the throwaway server


def percentile(samples_ns: Sequence[int], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of nanosecond samples, in milliseconds."""
    ordered = sorted(samples_ns)
    rank = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank] / 1e6


def summary(samples_ns: Sequence[int]) -> dict[str, float]:
    """p50, p99 and throughput (one caller, back to back) of a list of nanosecond timings."""
    total_s = sum(samples_ns) / 1e9
    return {
        "n": len(samples_ns),
        "p50_ms": round(percentile(samples_ns, 50), 3),
        "p99_ms": round(percentile(samples_ns, 99), 3),
        "ops_per_s": round(len(samples_ns) / total_s, 1) if total_s else 0.0,
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table, numbers right-aligned."""
    cells = [[f"{c:,.2f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], int | float) for row in rows) if rows else False for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        columns = zip(values, widths, numeric, strict=True)
        return "  ".join(v.rjust(w) if right else v.ljust(w) for v, w, right in columns)

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def machine() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "sqlite": __import__("sqlite3").sqlite_version,
    }


def write_results(name: str, payload: dict[str, Any]) -> Path:
    """Write ``benchmarks/results/<name>.json`` (the latest run) and say where."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {"benchmark": name, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **payload}
    document["machine"] = machine()
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nresults written to {path.relative_to(RESULTS.parent.parent)}")
    return path


def verdict(value: float, target: float) -> str:
    """ "met" or "MISSED" for a lower-is-better figure."""
    return "met" if value <= target else "MISSED"


async def new_postgres_database(server: str, name: str) -> str:
    """An empty database ``name`` on ``server`` (dropped first if a run left one); its URL."""
    import asyncpg
    from postgres import database_url  # tests/postgres.py

    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    return str(database_url(server, name))


def add_postgresql_option(cli: argparse.ArgumentParser, what: str) -> None:
    """``--postgresql [URL]``: ``what`` on PostgreSQL too, on that server or (no URL) on a throwaway one."""
    cli.add_argument(
        "--postgresql", nargs="?", const="", metavar="URL",
        help=f"{what}: a server's URL (its user creates databases), or none for a throwaway server",
    )  # fmt: skip


def postgresql_server(stack: contextlib.ExitStack, url: str | None) -> str | None:
    """The server ``--postgresql`` names: its URL, a throwaway server started for the run (``url`` empty, stopped
    when ``stack`` closes), or None without the option."""
    if url is None:
        return None
    if url:
        return url
    sys.path.insert(0, str(TESTS))
    from postgres import throwaway_server

    return str(stack.enter_context(throwaway_server()))
