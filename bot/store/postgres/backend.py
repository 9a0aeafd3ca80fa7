"""Opening a PostgreSQL database: the connection pool, migrations, and the election of the process that posts.

Migrations are the numbered ``migrations/NNNN_*.sql`` files newer than the version in ``schema_version``, each
applied in one transaction. Processes starting at once take turns (a session advisory lock while migrating), so
each migration is applied exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from importlib import resources
from urllib.parse import urlsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.config import PostgresConfig, redacted
from bot.errors import StoreUnavailable
from bot.store.core import scalar
from bot.store.db import Writer
from bot.store.postgres.database import DRIVER_ERRORS, PostgresDatabase
from bot.store.postgres.index import TsvectorIndex

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x6D69_626F_7402  # pg_advisory_lock keys ("mibot", 2 and 3)
POSTER_LOCK = 0x6D69_626F_7403
# Tables whose ids are drawn from an identity sequence (a copy writes ids itself: see ``follow_ids``).
IDENTITY_TABLES = ("facts", "names", "change_sets", "changes", "trivia_rounds")
# Server-side keepalives on the poster's connection: if its machine dies, the server notices within about 30 s
# and frees the poster lock (a process that merely dies closes its socket, which frees the lock at once).
KEEPALIVES = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3"}


def _without_password(url: str, text: str) -> str:
    password = urlsplit(url).password
    return text.replace(password, "***") if password else text


async def _migrate(connection: PoolConnectionProxy[asyncpg.Record]) -> int:
    """Apply the migrations this database lacks; the version it had before."""
    await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        version = await connection.fetchval("SELECT version FROM schema_version")
        if version is None:
            await connection.execute("INSERT INTO schema_version (version) VALUES (0)")
            version = 0
        folder = resources.files("bot.store.postgres.migrations")
        for script in sorted((p for p in folder.iterdir() if p.name.endswith(".sql")), key=lambda p: p.name):
            number = int(script.name.split("_", 1)[0])
            if number <= version:
                continue
            log.info("Applying database migration %s", script.name)
            async with connection.transaction():
                await connection.execute(script.read_text())
                await connection.execute("UPDATE schema_version SET version = $1", number)
        return int(version)
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


class PostgresBackend:
    """``bot.store.db.Backend`` on a PostgreSQL database. Open with ``await PostgresBackend.open(url, settings)``."""

    shared = True  # many processes share the database

    def __init__(self, url: str, settings: PostgresConfig, pool: asyncpg.Pool, *, created: bool) -> None:
        self.url = url
        self.settings = settings
        self.db = PostgresDatabase(pool)
        self.index = TsvectorIndex()
        self.created = created
        self._poster: asyncpg.Connection | None = None  # holds the poster lock while this process posts
        self._election: asyncio.Task[None] | None = None
        self._tried = asyncio.Event()

    @classmethod
    async def open(cls, url: str, settings: PostgresConfig) -> PostgresBackend:
        """Connect and migrate; raises ``StoreUnavailable`` (one line, saying why, never the password) if it cannot."""
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=settings.pool_size,
                timeout=settings.connect_timeout_seconds,
                max_inactive_connection_lifetime=0,  # at most pool_size connections: kept, not re-made after idling
            )
        except (TimeoutError, *DRIVER_ERRORS, ValueError) as exc:
            why = _without_password(url, str(exc) or type(exc).__name__)
            raise StoreUnavailable(f"The fact database {redacted(url)} cannot be opened ({why}).") from None
        try:
            async with pool.acquire() as connection:
                created = await _migrate(connection) == 0
        except BaseException as exc:
            await pool.close()
            if isinstance(exc, DRIVER_ERRORS):
                why = _without_password(url, str(exc))
                raise StoreUnavailable(f"The fact database {redacted(url)} cannot be migrated ({why}).") from None
            raise
        return cls(url, settings, pool, created=created)

    def keep(self) -> None:
        """Nothing to mark: a server's database does not vanish the way a file can."""

    async def schema_version(self) -> int:
        return int(await scalar(self.db, "SELECT version FROM schema_version"))

    async def lead(self) -> bool:
        """Whether this process is the poster: the one holding the poster lock, a session advisory lock that the
        server frees when the holder's connection ends. The first call starts the election: from then on, every
        ``postgresql.election_seconds``, a process that does not hold the lock tries to take it and one that does
        checks that its connection is still there. Every caller waits for that first try (feeds, news and the daily
        posts all ask at start: none may skip its first round because another started the election)."""
        if self._election is None:
            self._election = asyncio.create_task(self._elect())
        await self._tried.wait()
        return self._poster is not None

    async def _elect(self) -> None:
        while True:
            await self._stand()
            self._tried.set()
            await asyncio.sleep(self.settings.election_seconds)

    async def _stand(self) -> None:
        if self._poster is not None:
            try:
                await self._poster.fetchval("SELECT 1", timeout=self.settings.connect_timeout_seconds)
                return
            except (TimeoutError, *DRIVER_ERRORS):
                log.warning("Lost the connection that made this process the poster: it stops posting")
                self._poster.terminate()
                self._poster = None
        connection = None
        try:
            connection = await asyncpg.connect(
                self.url, timeout=self.settings.connect_timeout_seconds, server_settings=KEEPALIVES
            )
            if await connection.fetchval("SELECT pg_try_advisory_lock($1)", POSTER_LOCK):
                self._poster, connection = connection, None
                log.info("This process is now the poster (feeds, release news, weekly pick)")
        except (TimeoutError, *DRIVER_ERRORS) as exc:
            log.warning("Could not take part in the poster election (%s)", _without_password(self.url, str(exc)))
        finally:
            if connection is not None:
                with suppress(*DRIVER_ERRORS):
                    await connection.close()

    async def follow_ids(self, tx: Writer) -> None:
        """After rows were written with their own ids (a copy), new rows get ids after the highest."""
        for table in IDENTITY_TABLES:
            await tx.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
            )

    async def close(self) -> None:
        if self._election is not None:
            self._election.cancel()
            with suppress(asyncio.CancelledError):
                await self._election
        if self._poster is not None:
            with suppress(*DRIVER_ERRORS):
                await self._poster.close()
            self._poster = None
        await self.db.close()
