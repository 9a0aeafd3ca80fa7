"""``FactStore``: the one interface to the facts that the app, the cogs, the CLI, the try-out and the benchmarks
use, whatever database is behind it (``bot.store.open_store`` opens one).

It answers in the models of ``bot.models`` and the dataclasses of ``bot.store.records``. A kind of fact is given
as its class, so that the answer is typed: ``facts(Stunt)`` is a ``list[Stunt]``, ``find(Film, text)`` an
``Entry[Film]``. Errors a user can fix are ``bot.errors`` types: ``NotFound`` (with suggestions), ``Invalid`` (a
rule broken; nothing written), ``Conflict`` (someone changed it first; nothing written) and
``StoreUnavailable`` (the database cannot be read or written, saying why).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Protocol, overload

from bot.models import Change, Fact, Film, Release, Stunt, Video
from bot.pack import Pack
from bot.store.cache import Memo
from bot.store.db import Value
from bot.store.games import Games
from bot.store.records import Author, ChangeSet, Entry, F, GuildSettings, ImportPlan, Kinds, Place, SeedReport


class FactStore(Protocol):
    @property
    def created(self) -> bool:
        """This open created the database (it was missing or empty)."""
        ...

    async def close(self) -> None: ...

    async def schema_version(self) -> int: ...

    async def lead(self) -> bool:
        """Whether this process is the one of those sharing the database that posts by itself (new videos,
        release news, the weekly pick): elected through the database, and replaced within a minute when it
        stops. Always true on SQLite."""
        ...

    @property
    def shared(self) -> bool:
        """Whether other bot processes may change the database (PostgreSQL): what this one schedules from it (the
        daily posts' hours) must be read again, as no event tells it of their changes."""
        ...

    async def holds_changes(self) -> bool:
        """Whether the store holds what no pack can re-create: admin changes (edits, imports, videos from feeds)
        or server settings."""
        ...

    # ----------------------------------------------------------------- reading facts

    async def entry(self, ref: str, *, include_deleted: bool = False) -> Entry[Fact]:
        """The fact with this ``kind:key`` reference, with its revision and who changed it last."""
        ...

    async def get(self, ref: str) -> Fact: ...

    async def facts(
        self,
        kind: type[F],
        *,
        film: str | None = None,
        keys: Sequence[str] | None = None,
        places: Sequence[str] | None = None,
        deleted: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[F]:
        """The facts of a kind, in the order they were added: of one film, with these keys, in these places (the
        countries or regions of ``places``), ``limit`` of them after the first ``offset`` (a page). Only with one
        of these does it stay small."""
        ...

    async def count(self, kind: type[Fact], *, film: str | None = None, places: Sequence[str] | None = None) -> int:
        """How many live facts ``facts`` finds with the same filters (the pages of a list, before reading one)."""
        ...

    async def places(self, what: Sequence[Place], text: str = "") -> list[str]:
        """The countries of filming locations ("country"), or the regions of releases ("region": regional ones,
        "premiere"), each once, sorted; only those matching ``text`` as ``bot.text.place_matches`` reads it."""
        ...

    async def sample(self, kind: Kinds, count: int, *, film: str | None = None) -> list[Fact]:
        """Up to ``count`` live facts of these kinds (None: every kind), of one film if given (those pointing at it),
        drawn at random, each once: what a trivia question is made from, a bounded read at any size."""
        ...

    async def films(self) -> dict[str, Film]:
        """Films by key."""
        ...

    async def linked(self, kind: type[F], ref: str) -> list[F]:
        """Facts of ``kind`` that point at ``ref``: stunts at a location, videos about a stunt."""
        ...

    async def neighbours(self, fact: Fact) -> list[Fact]:
        """The live facts pointing at ``fact`` and those it points at (not its film), in the order they were added:
        what its card shows beside it, in one read."""
        ...

    @property
    def memo(self) -> Memo:
        """Values built from the facts (the facts fans ask for, their cards), kept until the facts change, here or
        in another process (``bot.store.cache``)."""
        ...

    async def counts(self) -> dict[str, int]:
        """Live facts per kind."""
        ...

    async def removed_facts(self, text: str = "", *, limit: int = 25) -> list[Fact]:
        """Removed facts whose names contain ``text`` (what ``/fact restore`` offers), newest removal first."""
        ...

    async def dated(self, month: int, day: int) -> tuple[list[Release], list[Stunt]]:
        """The live releases and stunts dated on this day of the year (any year, the future's too), in the order
        they were added: read by the index of days, so a day costs what is on it, not every release and stunt."""
        ...

    async def days(self, until: dt.date) -> set[tuple[int, int]]:
        """Every (month, day) a live fact is dated on, on or before ``until`` (an anniversary is of what has
        happened): at most 366, read one index seek each (a "did you mean" for a day with nothing)."""
        ...

    # ----------------------------------------------------------------- names and search

    async def suggest(self, kind: Kinds, text: str, *, limit: int = 25) -> list[Fact]:
        """Facts of these kinds (None: every kind) whose names start with, contain the words of, or nearly match
        ``text``; best first."""
        ...

    async def named(self, kind: type[F], text: str) -> list[F]:
        """The live facts of a kind one of whose names (folded, longer than 3 characters) a text says as whole words,
        in the order they were added: the stunts a message checked with "Check this fact" speaks of, read by the
        names' index instead of matching every fact's names against the text."""
        ...

    @overload
    async def find(self, kind: type[F], text: str) -> Entry[F]: ...

    @overload
    async def find(self, kind: Sequence[type[Fact]], text: str) -> Entry[Fact]: ...

    async def find(self, kind: type[Fact] | Sequence[type[Fact]], text: str) -> Entry[Fact]:
        """Resolve what a fan typed (an autocomplete value, a name, an alias or a near miss) to one fact, or raise
        ``NotFound`` with the closest names."""
        ...

    async def video_about(self, topic: str) -> Entry[Video]:
        """The video a fan means by a topic: that video, or one about that stunt or place (a verified link first)."""
        ...

    async def search(self, question: str, *, limit: int = 5) -> list[Fact]:
        """Facts answering a plain-language question, best first; weak matches are left out."""
        ...

    # ----------------------------------------------------------------- writing facts

    async def add(self, fact: F, author: Author) -> Entry[F]:
        """Store a new fact; its key and names must be free and what it points at must exist."""
        ...

    async def update(self, fact: F, author: Author, *, expected: Entry[Fact]) -> Entry[F]:
        """Replace a fact, unless someone changed it since the editor opened ``expected``: then ``Conflict``,
        saying who changed which fields, and nothing is written."""
        ...

    async def removable(self, ref: str) -> Entry[Fact]:
        """The fact, if it may be removed (asked before the confirmation buttons, so a refusal comes first)."""
        ...

    async def remove(self, ref: str, author: Author) -> Fact:
        """Remove a fact (``restore`` brings it back); refused while other facts point at it."""
        ...

    async def restore(self, ref: str, author: Author) -> Fact:
        """Bring back a removed fact (its names must still be free)."""
        ...

    # ----------------------------------------------------------------- history and undo

    async def history(self, ref: str) -> list[Change]:
        """Every change of one fact, newest first (removed facts too)."""
        ...

    async def change_sets(self, text: str = "", *, limit: int = 25) -> list[ChangeSet]:
        """Recent admin change sets in effect (the ones ``undo`` can revert), newest first, filtered by ``text``
        (or ``#12``)."""
        ...

    async def undo(self, set_id: int, author: Author) -> ChangeSet:
        """Revert one change set as a whole, recorded as a new change set (returned)."""
        ...

    async def last_change_id(self) -> int: ...

    async def changes_after(self, change_id: int, kinds: Sequence[type[Fact]]) -> list[Change]:
        """Changes to facts of these kinds made after ``change_id``, oldest first (pack conflicts left out): what
        release news reads to tell fans about a moved date or a new title, whoever made the change."""
        ...

    # ----------------------------------------------------------------- packs

    async def seed(self, packs: Iterable[Pack]) -> SeedReport:
        """Load packs: add new facts, update what a pack changed, never overwrite an admin's edit."""
        ...

    async def remember_pack(self, pack: Pack) -> None:
        """Keep the pack's name, version and title so an export is written in the same format."""
        ...

    async def pack_name(self) -> str:
        """The name of the pack the facts came from (``mission-impossible``), which names an export's file."""
        ...

    async def export(self) -> str:
        """The whole store (not removed facts) as pack YAML that ``plan_import`` reads back unchanged."""
        ...

    async def plan_import(self, pack: Pack, *, replace: bool = False) -> ImportPlan:
        """Compare a pack with the store (a dry run): add what is new, change what differs, and with ``replace``
        remove what the file leaves out. Facts changed after ``pack.exported_at`` are conflicts and stay."""
        ...

    async def apply_import(self, plan: ImportPlan, author: Author) -> int:
        """Apply a plan in one transaction, as one change set (its id) that ``undo`` reverts whole; refused when
        the store changed since the dry run, or when the result would break a rule."""
        ...

    # ----------------------------------------------------------------- settings and meta

    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...

    async def guild_settings(self, guild_id: int) -> GuildSettings: ...

    async def all_guild_settings(self) -> list[GuildSettings]:
        """Every server that changed a setting (the posting loops read this each time they run)."""
        ...

    async def update_guild_settings(self, guild_id: int, **values: Value) -> GuildSettings: ...

    # ----------------------------------------------------------------- posting

    async def unseen_feed_items(self, feed_url: str, item_ids: Sequence[str]) -> set[str] | None:
        """The items not seen in this feed before, or None when the feed was never polled (its first poll only
        records what is there, so following a channel never floods servers with its back catalogue)."""
        ...

    async def remember_feed_items(self, feed_url: str, item_ids: Sequence[str]) -> None:
        """Record items as seen, after they were handled: a crash in between repeats the work instead of losing
        it, and post claims keep the repeat from posting twice."""
        ...

    async def claim_post(self, guild_id: int, item: str) -> bool:
        """Record that ``item`` is posted to a server; False when it already was (exactly once, in one statement)."""
        ...

    async def release_post(self, guild_id: int, item: str) -> None:
        """Forget a claimed post whose sending failed, so it may be tried again."""
        ...

    # ----------------------------------------------------------------- games

    @property
    def games(self) -> Games:
        """Trivia's rounds, answers, scores and the questions each player saw lately (``bot.store.games``)."""
        ...
