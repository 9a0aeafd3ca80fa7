"""The ``Database`` adapter over SQLite: one connection writes (behind a lock, ``BEGIN IMMEDIATE``), another
reads only committed data (WAL). SQLite's errors become ``StoreUnavailable`` sentences here, and only here."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress

import aiosqlite

from bot.errors import StoreUnavailable
from bot.store.db import READ_PROBLEM, Params, Row, Writer

DRIVER_ERRORS = (sqlite3.Error, ValueError)  # aiosqlite raises ValueError on a closed connection


def write_problem(error: BaseException) -> str:
    """What a failed write tells the admin: read-only and busy are worth telling apart (one waits, one will not)."""
    text = str(error).lower()
    if "readonly" in text or "read-only" in text:
        return "The fact database is read-only right now, so nothing was changed."
    if "locked" in text or "busy" in text:
        return "The fact database is busy (locked by another program), so nothing was changed. Try again."
    return "The fact database cannot be written right now, so nothing was changed."


@contextmanager
def unavailable(problem: Callable[[BaseException], str]) -> Iterator[None]:
    """Turn SQLite's errors into ``StoreUnavailable(problem(error))``."""
    try:
        yield
    except DRIVER_ERRORS as exc:
        raise StoreUnavailable(problem(exc)) from exc


class Connection:
    """Statements on one aiosqlite connection. A query's cursor is closed once its rows are read (an open one would
    block ``COMMIT``); a statement without rows is a single trip to the connection's thread."""

    def __init__(self, db: aiosqlite.Connection, problem: Callable[[BaseException], str]) -> None:
        self.connection = db
        self._problem = problem

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        with unavailable(self._problem):
            async with self.connection.execute(sql, params) as cursor:
                rows = await cursor.fetchall()
        return [tuple(row) for row in rows]

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Params = ()) -> int:
        with unavailable(self._problem):
            cursor = await self.connection.execute(sql, params)
        return cursor.rowcount

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        with unavailable(self._problem):
            await self.connection.executemany(sql, rows)


class OnTheLoop:
    """Small reads on a plain sqlite3 connection, on the event loop. A read in WAL mode waits for no writer, so an
    indexed one takes microseconds there, where aiosqlite's three hand-offs to its thread (execute, fetch, close)
    cost far more on a busy machine. When one fails (the file locked by a checkpoint resetting the log, or no
    longer readable), it is made again on the reader's thread, which waits for a lock and says what is wrong."""

    def __init__(self, connection: sqlite3.Connection, reader: Connection) -> None:
        self.connection = connection
        self._reader = reader

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            return self.connection.execute(sql, params).fetchall()
        except sqlite3.Error:
            return await self._reader.fetch(sql, params)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None


class SqliteDatabase(Connection):
    """Reads on the reader connection, small ones (``now``) on a plain connection on the event loop;
    ``transaction()`` on the writer, one at a time."""

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection, now: sqlite3.Connection) -> None:
        super().__init__(reader, lambda _: READ_PROBLEM)
        self.writer = Connection(writer, write_problem)
        self._write_lock = asyncio.Lock()
        self.now = OnTheLoop(now, self)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Writer]:
        async with self._write_lock:
            await self.writer.execute("BEGIN IMMEDIATE")
            try:
                yield self.writer
                await self.writer.execute("COMMIT")
            except BaseException:
                with suppress(*DRIVER_ERRORS):
                    await self.writer.connection.execute("ROLLBACK")
                raise

    async def close(self) -> None:
        for connection in (self.connection, self.writer.connection):
            with suppress(*DRIVER_ERRORS):
                await connection.close()
        self.now.connection.close()
