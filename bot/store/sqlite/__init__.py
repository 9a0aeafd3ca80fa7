"""The SQLite backend (aiosqlite, WAL, FTS5): the default, with nothing to set up."""

from bot.store.sqlite.backend import BUSY_TIMEOUT_MS, SqliteBackend, backup, kept_marker

__all__ = ["BUSY_TIMEOUT_MS", "SqliteBackend", "backup", "kept_marker"]
