"""The PostgreSQL backend (asyncpg, a connection pool, ``tsvector`` search): many shard processes on one database.
Install it with ``pip install 'mi-fan-bot[postgresql]'``."""

from bot.store.postgres.backend import PostgresBackend

__all__ = ["PostgresBackend"]
