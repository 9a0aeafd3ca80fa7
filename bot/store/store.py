"""The store: one object assembled from its parts by concern, over any backend (see ``bot.store.db``).

Each part is a small class in its own module that names the parts it builds on as its bases (``Writes`` builds on
``Names`` and ``ChangeLog``, ``Undo`` and ``Packs`` on ``Writes``, ...); ``Store`` is all of them, and
``bot.store.api.FactStore`` is the interface it offers.
"""

from __future__ import annotations

from functools import cached_property

from bot.store.copying import Copying
from bot.store.days import Days
from bot.store.games import Games
from bot.store.packs import Packs
from bot.store.posting import Posting
from bot.store.search import Search
from bot.store.undo import Undo


class Store(Search, Undo, Packs, Posting, Copying, Days):
    """Facts, look-ups, search, writes, history and undo, packs, settings, posting, copying and dated facts by day,
    on one database; and trivia's games beside them."""

    @cached_property
    def games(self) -> Games:
        return Games(self.backend)

    async def schema_version(self) -> int:
        return await self.backend.schema_version()

    async def lead(self) -> bool:
        return await self.backend.lead()

    @property
    def shared(self) -> bool:
        return self.backend.shared

    async def close(self) -> None:
        await self.backend.close()
