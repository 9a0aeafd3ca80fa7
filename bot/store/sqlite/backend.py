"""Opening a SQLite database file: checks, connection set-up, migrations, the kept marker, and online backup.

Migrations are the numbered ``migrations/NNNN_*.sql`` files newer than ``PRAGMA user_version``, each applied in
one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from contextlib import closing, suppress
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.errors import DatabaseMissing, Invalid, StoreUnavailable
from bot.store.core import scalar
from bot.store.db import Writer
from bot.store.settings import HOLDS_CHANGES_SQL
from bot.store.sqlite.database import DRIVER_ERRORS, SqliteDatabase
from bot.store.sqlite.index import Fts5Index

log = logging.getLogger(__name__)

# How long a query waits for another program's lock: short enough that the person still gets an answer
# ("the database is busy") inside Discord's 3-second window.
BUSY_TIMEOUT_MS = 2000


def kept_marker(path: Path) -> Path:
    """The file beside a database that says it holds changes no pack can re-create (``facts.sqlite3-kept``)."""
    return path.with_name(f"{path.name}-kept")


def _check_readable(path: Path) -> None:
    """Read the header of an existing file with plain sqlite3, so that a file that is no database fails here,
    where nothing is left open, instead of in an aiosqlite connection whose failed connect leaves its thread."""
    if path.exists():
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            db.execute("PRAGMA user_version").fetchone()


async def _migrate(db: aiosqlite.Connection) -> None:
    async with db.execute("PRAGMA user_version") as cursor:
        (version,) = await cursor.fetchone()  # type: ignore[misc]
    folder = resources.files("bot.store.sqlite.migrations")
    for script in sorted((p for p in folder.iterdir() if p.name.endswith(".sql")), key=lambda p: p.name):
        number = int(script.name.split("_", 1)[0])
        if number <= version:
            continue
        log.info("Applying database migration %s", script.name)
        await db.executescript(f"BEGIN;\n{script.read_text()}\nPRAGMA user_version = {number};\nCOMMIT;")


class SqliteBackend:
    """``bot.store.db.Backend`` on one SQLite file. Open with ``await SqliteBackend.open(path)``."""

    shared = False  # one bot per file (scripts such as mi-bot db may read it too)

    def __init__(self, path: Path, db: SqliteDatabase, *, created: bool) -> None:
        self.path = path
        self.db = db
        self.index = Fts5Index()
        self.created = created

    @classmethod
    async def open(cls, path: Path, *, new: bool = False) -> SqliteBackend:
        """Open and migrate the database; raises ``StoreUnavailable`` (one line, saying why) if it cannot.

        A missing or empty file is created, unless its marker says it held changes no pack can re-create:
        then ``DatabaseMissing``, and only ``new`` (a fresh start on purpose) creates it. A file that is not a
        database is refused as damaged, and no connection is left open (its thread would keep the process alive).
        """
        if path.is_dir():
            raise StoreUnavailable(f"The fact database {path} is a folder: `database:` must name a file.")
        created = not path.exists() or path.stat().st_size == 0
        marker = kept_marker(path)
        if created and marker.exists() and not new:
            state = "empty" if path.exists() else "missing"
            raise DatabaseMissing(
                f"The fact database {path} is {state}, but it held what no data pack can re-create (admin changes, "
                f"server settings or trivia scores; {marker.name} beside it says so). "
                "Restore it from a backup (README: Backups), or start a new one on purpose: mi-bot run --new-database"
            )
        connections: list[aiosqlite.Connection] = []
        now: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(_check_readable, path)
            writer = await aiosqlite.connect(path, isolation_level=None)
            connections.append(writer)
            await writer.executescript(
                f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
                "PRAGMA synchronous = NORMAL;"
            )
            await _migrate(writer)
            reader = await aiosqlite.connect(path, isolation_level=None)
            connections.append(reader)
            await reader.executescript(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA query_only = ON;")
            async with writer.execute(HOLDS_CHANGES_SQL) as cursor:  # reads the tables: finds a damaged file
                (holds_changes,) = await cursor.fetchone()  # type: ignore[misc]
            # Small reads on the event loop (``Database.now``): never waiting for a lock, which would hold up the loop.
            now = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            now.executescript("PRAGMA busy_timeout = 0; PRAGMA query_only = ON;")
        except BaseException as exc:
            for db in connections:
                with suppress(*DRIVER_ERRORS):
                    await db.close()
            if now is not None:
                now.close()
            if isinstance(exc, (sqlite3.Error, OSError)):
                raise StoreUnavailable(
                    f"The fact database {path} cannot be opened ({exc}). If it is damaged, restore it from a backup "
                    "(README: Backups)."
                ) from exc
            raise
        backend = cls(path, SqliteDatabase(writer, reader, now), created=created)
        if created:
            marker.unlink(missing_ok=True)
        elif holds_changes:
            backend.keep()
        return backend

    def keep(self) -> None:
        """Leave the marker beside the database that makes its loss stop the next start (see ``open``)."""
        marker = kept_marker(self.path)
        if marker.exists():
            return
        try:
            marker.write_text(
                f"{self.path.name}, beside this file, holds what no data pack can re-create (admin changes, server "
                "settings or trivia scores). While this file is here, mi-bot will not start on a new, empty "
                "database in its place; restore a backup, or start fresh on purpose with: mi-bot run --new-database\n",
                encoding="utf-8",
            )
        except OSError as exc:  # the change itself must not fail for it
            log.warning("Could not write %s (%s): a lost database would not be noticed at the next start", marker, exc)

    async def schema_version(self) -> int:
        return int(await scalar(self.db, "PRAGMA user_version"))

    async def lead(self) -> bool:
        """One bot process runs on a SQLite file: it posts."""
        return True

    async def follow_ids(self, tx: Writer) -> None:
        """Nothing to do: SQLite gives a new row the highest id plus one."""

    async def close(self) -> None:
        await self.db.close()


def backup(source: Path, target: Path) -> int:
    """Copy the database ``source`` to the new file ``target`` with SQLite's online backup, consistent even while
    the bot writes; returns the number of facts in the copy. The copy is written as ``target.partial`` and renamed
    when whole, so a failed backup leaves no file that looks like one; an existing file is never overwritten."""
    if target.exists():
        raise Invalid(f"{target} already exists: a backup never overwrites a file, so choose a new name.")
    if not source.is_file() or source.stat().st_size == 0:
        raise StoreUnavailable(f"There is no fact database at {source} to back up.")
    partial = target.with_name(f"{target.name}.partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with (
            closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as db,
            closing(sqlite3.connect(partial)) as copy,
        ):
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.backup(copy)
            (facts,) = copy.execute("SELECT count(*) FROM facts WHERE NOT deleted").fetchone()
        partial.rename(target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise StoreUnavailable(f"The backup of {source} to {target} failed ({exc}); nothing was written.") from exc
    return int(facts)
