"""Per-process caches of what is read on every look-up and changes rarely (the films, the search vocabulary, the
facts fans ask for and their rendered cards), kept true when this process or another changes the facts.

Every write of a fact adds a row to the change log, so "the newest change I have seen" is one number that says
whether a cached value can still be trusted. ``ChangeWatch`` keeps that number; ``Cached`` (one value) and ``Memo``
(values by key) remember the number they were built at, and build again once the watch has seen a newer change.

The watch reads the newest change id (one look at the change log's primary key, on the event loop where the
driver allows: ``Database.now``) once per command, that is once per asyncio task (discord.py runs each
interaction, click and form in a task of its own), right after this process wrote (``recheck``), and within a
long task (a posting loop) at least every ``POLL_SECONDS``. So an edit, made here or by another process on the
same database, shows in the next command. Reading the highest id is right because writes take turns
(``bot.store.db``): ids are committed in the order they are drawn, so no smaller id can commit after a larger one
was seen.
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")
POLL_SECONDS = 1.0
MEMO_SIZE = 2048  # values kept per memo: the hot facts and cards of a busy bot, a few MB at most


class ChangeWatch:
    """The newest change id this process has seen in the change log."""

    def __init__(self, newest: Callable[[], Awaitable[int]]) -> None:
        self._newest = newest
        self.seen = 0
        self._checked = -math.inf
        self._task: weakref.ref[asyncio.Task[Any]] | None = None

    def saw(self, change_id: int) -> None:
        """A change was committed (by this process or another)."""
        self.seen = max(self.seen, change_id)

    def recheck(self) -> None:
        """This process just wrote: look at the change log again on the next use."""
        self._checked = -math.inf

    async def current(self) -> int:
        """The newest change id, read again from the database once per task (command) and when the last look
        is too old."""
        task = asyncio.current_task()
        same_task = task is not None and self._task is not None and self._task() is task
        if not same_task or time.monotonic() - self._checked >= POLL_SECONDS:
            self._task = weakref.ref(task) if task is not None else None
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


class Memo:
    """Values built from the facts, by key (what a fan typed, a card's fact and revision): all dropped once the
    change log moves on, and the least recently used dropped beyond ``size``. Values are shared, so they must not
    be changed (facts are frozen models; cards are copied before a change)."""

    def __init__(self, watch: ChangeWatch, size: int = MEMO_SIZE) -> None:
        self._watch = watch
        self._size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._built_at = -1

    def clear(self) -> None:
        """Forget every value (``benchmarks/store.py`` measures the look-ups themselves, not this memo)."""
        self._values.clear()

    async def get(self, key: Hashable, build: Callable[[], Awaitable[T]]) -> T:
        seen = await self._watch.current()  # before building: a change committed meanwhile is seen next time
        if self._built_at != seen:
            self._values.clear()
            self._built_at = seen
        if key in self._values:
            self._values.move_to_end(key)
            return cast(T, self._values[key])
        value = await build()
        if self._built_at == seen:  # not a value of before a change another task saw meanwhile
            self._values[key] = value
            if len(self._values) > self._size:
                self._values.popitem(last=False)
        return value
