"""Per-process caches of what is read on every look-up and changes rarely (the films, the search vocabulary),
kept true when another process changes the facts.

Every write of a fact adds a row to the change log, so "the newest change I have seen" is one number that says
whether a cached value can still be trusted. ``ChangeWatch`` keeps that number and ``Cached`` remembers the
number its value was built at: when the watch has seen a newer change, the value is built again on its next use.

The watch reads the newest change id from the database when asked, at most every ``poll_seconds`` (the
backend's), and right after this process wrote (``recheck``). On SQLite that is every ``POLL_SECONDS``: enough for
one bot process and a script writing beside it. On PostgreSQL, where many processes share the database, it is
every use (one look at the change log's primary key), so an edit in one process is seen by every other at once.
Reading the highest id is right because writes take turns (``bot.store.db``): ids are committed in the order
they are drawn, so no smaller id can commit after a larger one was seen.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
POLL_SECONDS = 1.0


class ChangeWatch:
    """The newest change id this process has seen in the change log."""

    def __init__(self, newest: Callable[[], Awaitable[int]], poll_seconds: float = POLL_SECONDS) -> None:
        self._newest = newest
        self.poll_seconds = poll_seconds
        self.seen = 0
        self._checked = -math.inf

    def saw(self, change_id: int) -> None:
        """A change was committed (by this process or another)."""
        self.seen = max(self.seen, change_id)

    def recheck(self) -> None:
        """This process just wrote: look at the change log again on the next use."""
        self._checked = -math.inf

    async def current(self) -> int:
        """The newest change id, read again from the database when the last look is too old."""
        if time.monotonic() - self._checked >= self.poll_seconds:
            self._checked = time.monotonic()
            self.saw(await self._newest())
        return self.seen


class Cached(Generic[T]):
    """One value built from the facts, built again once the change log has moved past the change it was built at."""

    def __init__(self, watch: ChangeWatch, build: Callable[[], Awaitable[T]]) -> None:
        self._watch = watch
        self._build = build
        self._value: T | None = None
        self._built_at = -1

    async def get(self) -> T:
        seen = await self._watch.current()  # before building: a change committed meanwhile is seen next time
        if self._value is None or self._built_at != seen:
            self._value, self._built_at = await self._build(), seen
        return self._value
