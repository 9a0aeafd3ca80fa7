"""What the store answers in besides facts: plain dataclasses, the same whichever database is behind it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from bot.models import Fact
from bot.pack import Pack

F = TypeVar("F", bound=Fact)  # a kind of fact, given as its class: ``facts(Stunt)`` is a ``list[Stunt]``
F_co = TypeVar("F_co", bound=Fact, covariant=True)
Kinds = type[Fact] | Sequence[type[Fact]] | None  # one kind of fact, several, or (None) every kind
Place = Literal["country", "region", "premiere"]  # a location's country, a regional release's or a premiere's region
MASS_REMOVAL = 0.25  # an import that removes more than this share of the facts asks twice before it applies
SYSTEM = "pack"


@dataclass(frozen=True)
class Author:
    """Who made a change: a Discord user (id and name) or the pack loader."""

    id: int | None
    name: str


PACK_AUTHOR = Author(None, SYSTEM)


@dataclass(frozen=True)
class Entry(Generic[F_co]):
    """A fact with its bookkeeping: what cards show as "edited" and what editors must not overwrite."""

    fact: F_co
    revision: int
    updated_at: dt.datetime
    updated_by: str
    edited: bool
    deleted: bool = False


@dataclass(frozen=True)
class ChangeSet:
    """One admin action (an edit, a removal, an import, an undo) as the change log lists it."""

    id: int
    action: str
    summary: str
    author_name: str
    at: dt.datetime


@dataclass
class SeedReport:
    added: int = 0
    updated: int = 0
    conflicts: int = 0
    unchanged: int = 0


@dataclass
class ImportPlan:
    """What an import would do (the dry run); nothing is written until ``apply_import``.

    ``changed`` pairs each fact with the fields that differ. A merge (the default) only adds and changes: the
    stored facts the file leaves out are ``kept``. A ``replace`` removes them. A ``conflict`` is a fact the store
    changed after the file was exported (its ``exported_at``) that the file would overwrite, restore or remove:
    it is listed with the reason and left as it is. ``watermark`` is the newest change set when planned, so a
    plan whose store has moved on since is refused instead of applied blindly.
    """

    pack: Pack
    watermark: int
    live: int = 0  # facts in the store (not removed) when planned
    added: list[Fact] = field(default_factory=list)
    changed: list[tuple[Fact, list[str]]] = field(default_factory=list)
    removed: list[Fact] = field(default_factory=list)
    conflicts: list[tuple[Fact, str]] = field(default_factory=list)
    unchanged: int = 0
    kept: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    @property
    def mass_removal(self) -> bool:
        """Removes more than ``MASS_REMOVAL`` of the facts (a wrong or truncated file, perhaps): asked twice."""
        return len(self.removed) > self.live * MASS_REMOVAL


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    bts_channel_id: int | None = None
    announce_channel_id: int | None = None
    region: str | None = None
    weekly_pick: bool = False
    mention_replies: bool = True
    disabled_reason: str | None = None
    trivia_channel_id: int | None = None
    trivia_hour: int | None = None  # UTC; None: the configured default
    on_this_day_channel_id: int | None = None


SETTINGS = (
    "bts_channel_id", "announce_channel_id", "region", "weekly_pick", "mention_replies", "disabled_reason",
    "trivia_channel_id", "trivia_hour", "on_this_day_channel_id",
)  # fmt: skip
