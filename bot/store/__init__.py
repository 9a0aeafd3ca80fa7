"""The fact store: the only code that speaks SQL.

Facts are JSON documents validated by ``bot.models``. Every change is one transaction (nothing is ever
half-written), recorded in the change log with its author, time, and the fact before and after, and can be undone.

``FactStore`` (``api.py``) is the interface everything else uses and ``open_store`` opens one. Behind it, ``Store``
(``store.py``) is assembled from one module per concern (facts, names, search, writes, change log, undo, packs,
settings, posting) written once against a small database adapter (``db.py``); each backend (``sqlite/``) brings
its connections, migrations, error sentences and search index, and is imported only when a store is opened, so
that importing the interface or its dataclasses loads no database driver.
"""

from __future__ import annotations

from pathlib import Path

from bot.store.api import FactStore
from bot.store.records import PACK_AUTHOR, Author, ChangeSet, Entry, GuildSettings, ImportPlan, SeedReport
from bot.store.store import Store


async def open_store(database: Path, *, new: bool = False) -> FactStore:
    """Open (creating and migrating as needed) the store at ``database``, a SQLite file; see
    ``SqliteBackend.open`` for what ``new`` allows and what is refused."""
    from bot.store.sqlite import SqliteBackend

    return Store(await SqliteBackend.open(database, new=new))


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
