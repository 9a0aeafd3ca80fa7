"""The fact store: the only code that speaks SQL.

Facts are JSON documents validated by ``bot.models``. Every change is one transaction (nothing is ever
half-written), recorded in the change log with its author, time, and the fact before and after, and can be undone.

``FactStore`` (``api.py``) is the interface everything else uses and ``open_store`` opens one. Behind it, ``Store``
(``store.py``) is assembled from one module per concern (facts, names, search, writes, change log, undo, packs,
settings, posting, copying, days; trivia's ``games``) written once against a small database adapter (``db.py``);
each backend (``sqlite/``, ``postgres/``) brings its connections, migrations, error sentences, search index and
poster election, and is imported only when a store is opened, so that importing the interface or its dataclasses
loads no database driver.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from bot.config import PostgresConfig
from bot.errors import StoreUnavailable
from bot.store.api import FactStore
from bot.store.db import Backend
from bot.store.records import PACK_AUTHOR, Author, ChangeSet, Entry, GuildSettings, ImportPlan, SeedReport
from bot.store.store import Store

DEFAULT_POSTGRES = PostgresConfig()  # the config's defaults, for scripts and tests that open a store directly


async def open_store(
    database: Path | str, *, new: bool = False, postgresql: PostgresConfig = DEFAULT_POSTGRES
) -> Store:
    """Open (creating and migrating as needed) the store at ``database``: a SQLite file (see
    ``SqliteBackend.open`` for what ``new`` allows and what is refused) or a ``postgresql://`` URL (connected
    as ``postgresql`` says). A table a migration could not fill in SQL is filled here (``Days.read_days``)."""
    backend: Backend
    if isinstance(database, Path):
        from bot.store.sqlite import SqliteBackend

        backend = await SqliteBackend.open(database, new=new)
    elif find_spec("asyncpg") is None:
        raise StoreUnavailable(
            "database: is a postgresql:// URL, but the PostgreSQL driver is not installed: "
            "pip install 'mi-fan-bot[postgresql]'"
        )
    else:
        from bot.store.postgres import PostgresBackend

        backend = await PostgresBackend.open(database, postgresql)
    store = Store(backend)
    try:
        await store.read_days()
    except BaseException:
        await store.close()
        raise
    return store


__all__ = [
    "PACK_AUTHOR",
    "Author",
    "ChangeSet",
    "Entry",
    "FactStore",
    "GuildSettings",
    "ImportPlan",
    "SeedReport",
    "open_store",
]
