"""The ``Database`` adapter over an asyncpg connection pool. asyncpg's errors become ``StoreUnavailable``
sentences here, and only here; they never carry the database's URL (nor so its password).

Writes take one transaction-level advisory lock: they run one at a time across every process on the database,
as on SQLite. So the rules the shared logic checks before it writes (a name is free, a reference exists) hold
across processes, and change ids are committed in the order they are drawn, so that "the newest change id"
tells a process whether its caches are current (``bot.store.cache``).
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.errors import StoreUnavailable
from bot.store.db import READ_PROBLEM, Params, Reader, Row, Writer

DRIVER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)  # OSError: the server is unreachable
WRITE_LOCK = 0x6D69_626F_7401  # pg_advisory_xact_lock key of writes ("mibot", 1)

# A placeholder is a ``?`` outside quotes; quoted text ('…' or "…") is matched first and kept as it is.
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?")


@functools.lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, …``."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group() != "?":
            return match.group()
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


def write_problem(error: BaseException) -> str:
    """What a failed write tells the admin (read-only and unreachable are worth telling apart)."""
    if isinstance(error, asyncpg.ReadOnlySQLTransactionError):
        return "The fact database is read-only right now, so nothing was changed."
    if isinstance(error, asyncpg.InsufficientPrivilegeError):
        return "The fact database refused the change (its user may not write), so nothing was changed."
    return "The fact database cannot be written right now (the PostgreSQL server did not answer): nothing was changed."


@contextmanager
def unavailable(problem: Callable[[BaseException], str]) -> Iterator[None]:
    try:
        yield
    except DRIVER_ERRORS as exc:
        raise StoreUnavailable(problem(exc)) from exc


def rows_changed(status: str) -> int:
    """The row count of a command status such as ``UPDATE 3`` or ``INSERT 0 1``."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class Connection:
    """Statements on one pooled connection, inside a transaction."""

    def __init__(self, connection: PoolConnectionProxy[asyncpg.Record]) -> None:
        self.connection = connection

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        with unavailable(write_problem):
            return [tuple(row) for row in await self.connection.fetch(numbered(sql), *params)]

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        with unavailable(write_problem):
            row = await self.connection.fetchrow(numbered(sql), *params)
        return None if row is None else tuple(row)

    async def execute(self, sql: str, params: Params = ()) -> int:
        with unavailable(write_problem):
            return rows_changed(await self.connection.execute(numbered(sql), *params))

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        with unavailable(write_problem):
            await self.connection.executemany(numbered(sql), list(rows))


class PostgresDatabase:
    """Reads on any pooled connection; ``transaction()`` on one connection, behind the write lock."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._turn = asyncio.Lock()  # one write at a time in this process (see ``transaction``)

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        with unavailable(lambda _: READ_PROBLEM):
            return [tuple(row) for row in await self.pool.fetch(numbered(sql), *params)]

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        with unavailable(lambda _: READ_PROBLEM):
            row = await self.pool.fetchrow(numbered(sql), *params)
        return None if row is None else tuple(row)

    @property
    def now(self) -> Reader:
        """asyncpg runs on the event loop: every read is a round trip to the server, with no thread between."""
        return self

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Writer]:
        """A write, behind this process's turn and then the write lock of all processes. Taking the turn before a
        pooled connection keeps writers waiting for the lock from holding every connection while the one that holds
        it needs another to read (a burst of edits would otherwise wait on itself for ever)."""
        async with self._turn:
            with unavailable(write_problem):
                connection = await self.pool.acquire()
            try:
                with unavailable(write_problem):
                    transaction = connection.transaction()
                    await transaction.start()
                try:
                    await Connection(connection).execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
                    yield Connection(connection)
                except BaseException:
                    with suppress(*DRIVER_ERRORS):  # a lost connection has nothing to roll back
                        await transaction.rollback()
                    raise
                with unavailable(write_problem):
                    await transaction.commit()
            finally:
                await self.pool.release(connection)

    async def close(self) -> None:
        await self.pool.close()
