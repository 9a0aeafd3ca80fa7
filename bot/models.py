"""The fact model: one pydantic class per kind of fact.

The same classes validate a data pack, an admin's modal input and an imported file, and they are what the
store hands to cogs and the renderer. Pydantic gives path-qualified errors ("stunts[3].film: …") and exact
JSON round trips for free, which is why it is used instead of hand-written dataclasses plus validators.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import unicodedata
from collections.abc import Collection
from functools import lru_cache, partial
from typing import Annotated, Any, ClassVar, Literal, Self
from urllib.parse import quote_plus

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from bot.limits import BUTTON_URL_MAX

Kind = Literal["film", "release", "stunt", "location", "video"]
KINDS: tuple[Kind, ...] = ("film", "release", "stunt", "location", "video")

# The longest text a field of a fact may hold: a name or title, a paragraph, a line of a list, a link.
NAME_MAX, TEXT_MAX, LINE_MAX, URL_MAX = 200, 1500, 500, 500

SEARCH_URL = "https://www.youtube.com/results?search_query="
YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"})
VIDEO_HOSTS = YOUTUBE_HOSTS | {"vimeo.com", "www.vimeo.com"}

_AUTHORITY = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_NUMERIC = re.compile(r"[0-9]+|0x[0-9a-f]*")  # a last label that makes a browser read the host as IPv4
_UNSAFE = frozenset('\\<>"`')  # read differently by browsers and by urllib, or they end a link in markdown


def checked_url(value: str, hosts: Collection[str] | None = None) -> str:
    """``value`` when it is a plain http(s) link that every URL parser reads alike, else ``ValueError`` saying why;
    with ``hosts``, only a link on one of those hosts (and their default port) passes.

    The one check for every link the bot stores or posts (packs, admin forms, imports, feeds, config). Browsers
    and Discord's client parse URLs as WHATWG says, Python as RFC 3986 says, and they disagree exactly where a
    look-alike hides: ``https://evil.example\\@www.youtube.com/`` is on evil.example for a browser but on
    www.youtube.com for ``urlsplit``, and a tab or newline is dropped by one and kept by the other. So whatever
    they could disagree on is refused rather than interpreted: backslashes, whitespace, control and invisible
    characters, user info (``name@``), a host that is not a plain DNS name or IP address, a port out of range.
    """
    host, port = _plain_link(value)
    if hosts is not None and (host not in hosts or port is not None):
        raise ValueError(f"must be a video link on {', '.join(sorted({h.removeprefix('www.') for h in hosts}))}")
    return value


@lru_cache(maxsize=4096)
def _plain_link(value: str) -> tuple[str, str | None]:
    """The host and port of a link ``checked_url`` accepts; ``ValueError`` saying why it does not. Kept for the
    links seen last: a pack names the same few sources thousands of times, and reading a stored fact checks its
    links again."""
    if any(c in _UNSAFE or unicodedata.category(c)[0] in "CZ" for c in value):
        raise ValueError("must be one URL without spaces, backslashes, quotes or control characters")
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in ("http", "https"):
        raise ValueError("must be an http(s) URL, for example https://example.com/page")
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]  # as urlsplit reads it
    if "@" in netloc:
        raise ValueError("must not have a user name or password before the host (nothing before an @)")
    authority = _AUTHORITY.fullmatch(netloc)
    host = authority["host"].lower() if authority else ""
    if not _valid_host(host):
        raise ValueError("must have a valid host name, for example https://example.com/page")
    port = authority["port"] if authority else None
    if port is not None and not 0 < int(port) < 65536:
        raise ValueError(f"must have a port from 1 to 65535, not {port}")
    return host, port


def _valid_host(host: str) -> bool:
    """A DNS name of letters, digits and dashes (internationalised names in their ``xn--`` form), or an IP address
    written as every parser reads it: a browser takes ``2130706433`` or ``0x7f.1`` for 127.0.0.1."""
    if not host:
        return False
    if host.startswith("["):
        return _is_ip(host[1:-1], ipaddress.IPv6Address)
    labels = host.split(".")
    if _NUMERIC.fullmatch(labels[-1]):
        return _is_ip(host, ipaddress.IPv4Address)
    return len(host) <= 253 and all(_LABEL.fullmatch(label) for label in labels)


def _is_ip(text: str, kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    try:
        return str(kind(text)) == text
    except ValueError:
        return False


Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_MAX)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=LINE_MAX)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=URL_MAX), AfterValidator(checked_url)]
VideoUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=URL_MAX),
    AfterValidator(partial(checked_url, hosts=VIDEO_HOSTS)),
]
Confidence = Literal["high", "medium", "low"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    """Where a fact was seen."""

    url: Url
    title: Name


def _resolve_source(value: object, info: ValidationInfo) -> object:
    """Packs name sources by key (``sources: [wiki_dr1]``); the key is looked up in the pack's source list."""
    if not isinstance(value, str):
        return value
    known = (info.context or {}).get("sources", {})
    if value not in known:
        raise ValueError(f"unknown source {value!r}: add it under the top-level 'sources:'")
    return known[value]


SourceRef = Annotated[Source, BeforeValidator(_resolve_source)]
Sources = Annotated[list[SourceRef], Field(min_length=1)]


class DatedEntry(_Model):
    """A date that was once announced, with what it was (original date, moved, final)."""

    date: dt.date
    status: Line
    note: Text = ""
    sources: list[SourceRef] = Field(default_factory=list)


class Note(_Model):
    """A sourced sentence about a film (production, retitle, box office)."""

    text: Line
    sources: Sources


class Fact(_Model):
    """What every fact has: a stable key, its sources and an optional plot spoiler."""

    kind: ClassVar[Kind]
    key: Key
    sources: Sources

    @property
    def label(self) -> str:
        raise NotImplementedError

    @property
    def names(self) -> list[str]:
        """Every name a fan may type for this fact: label first, then aliases."""
        return [self.label, *getattr(self, "aliases", [])]

    @property
    def ref(self) -> str:
        """The global id used in custom ids and autocomplete values, e.g. ``stunt:bike-cliff-jump``."""
        return f"{self.kind}:{self.key}"

    def references(self) -> list[tuple[str, Kind, str]]:
        """The other facts this one points at, as (field path, kind, key); each must exist."""
        refs: list[tuple[str, Kind, str]] = []
        fields: tuple[tuple[str, Kind], ...] = (("film", "film"), ("locations", "location"), ("stunts", "stunt"))
        for field, kind in fields:
            value = getattr(self, field, None)
            if isinstance(value, str):
                refs.append((field, kind, value))
            elif isinstance(value, list):
                refs.extend((f"{field}[{i}]", kind, key) for i, key in enumerate(value))
        return refs


class Runtime(_Model):
    """How long a film runs; ``note`` says where sources disagree (163 or 164 minutes)."""

    minutes: int = Field(ge=1, le=600)
    note: Text = ""
    sources: Sources


class Rating(_Model):
    """An age rating from one board: MPA "PG-13" in the United States, BBFC "12A" in the United Kingdom."""

    board: Name
    region: Name
    rating: Name
    reason: Text = ""
    sources: Sources


Measure = Literal["opening", "domestic", "international", "worldwide"]


class BoxOffice(_Model):
    """One box-office figure, in whole units of its currency, with the date it was reported (totals move)."""

    measure: Measure
    region: Name = "Worldwide"
    amount: int = Field(ge=0, le=100_000_000_000)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "USD"
    approximate: bool = False
    period: Text = ""
    as_of: dt.date | None = None
    note: Text = ""
    sources: Sources


class Score(_Model):
    """A review score: critics' or audience, from an aggregator or a poll (Rotten Tomatoes 96%, CinemaScore A)."""

    site: Name
    audience: Literal["critics", "audience"] = "critics"
    value: Name
    as_of: dt.date | None = None
    note: Text = ""
    sources: Sources


class Film(Fact):
    kind: ClassVar[Kind] = "film"
    title: Name
    aliases: list[Name] = Field(default_factory=list)
    year: int = Field(ge=1900, le=2100)
    installment: int | None = Field(default=None, ge=1, le=100)
    director: Name
    summary: Text = ""
    previous_titles: list[Name] = Field(default_factory=list)
    runtime: Runtime | None = None
    ratings: list[Rating] = Field(default_factory=list)
    box_office: list[BoxOffice] = Field(default_factory=list)
    scores: list[Score] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return self.title

    @property
    def names(self) -> list[str]:
        """A retitled film is still found by its old title ("Dead Reckoning Part Two")."""
        return [self.title, *self.aliases, *self.previous_titles]


ReleaseType = Literal["premiere", "preview", "cinema", "digital", "disc", "streaming", "tv"]
RELEASE_TYPES: tuple[ReleaseType, ...] = ("premiere", "preview", "cinema", "digital", "disc", "streaming", "tv")


class Release(Fact):
    """One region's release of a film: a premiere, its cinema opening or previews, or a later home release
    (digital, disc, streaming, TV). ``history`` keeps every earlier announced date."""

    kind: ClassVar[Kind] = "release"
    film: Key
    region: Name
    type: ReleaseType = "cinema"
    date: dt.date
    place: Text = ""
    platform: Text = ""
    formats: list[Name] = Field(default_factory=list)
    note: Text = ""
    confidence: Confidence = "high"
    history: list[DatedEntry] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _premiere_flag(cls, data: object) -> object:
        """Packs and stores from before release types said ``premiere: true``; they still load."""
        if isinstance(data, dict) and "premiere" in data:
            data = dict(data)
            if data.pop("premiere") is True:
                data.setdefault("type", "premiere")
        return data

    @property
    def premiere(self) -> bool:
        return self.type == "premiere"

    @property
    def label(self) -> str:
        what = "" if self.type == "cinema" else f"{self.type}, "
        return f"{self.region} ({what}{self.date.isoformat()})"

    def keeping_history_of(self, previous: Release, today: dt.date) -> Self:
        """This release, with ``previous``'s date added to the history when the date moved."""
        if self.date == previous.date or any(h.date == previous.date for h in self.history):
            return self
        moved = DatedEntry(date=previous.date, status=f"announced date, moved on {today:%d %b %Y}")
        return self.model_copy(update={"history": [*self.history, moved]})


class Stunt(Fact):
    kind: ClassVar[Kind] = "stunt"
    film: Key
    name: Name
    aliases: list[Name] = Field(default_factory=list)
    summary: Text
    locations: list[Key] = Field(default_factory=list)
    filmed: Text = ""
    people: list[Line] = Field(default_factory=list)
    numbers: list[Line] = Field(default_factory=list)
    quotes: list[Line] = Field(default_factory=list)
    trivia: list[Line] = Field(default_factory=list)
    spoiler: Text = ""
    confidence: Confidence = "high"

    @property
    def label(self) -> str:
        return self.name


class Location(Fact):
    kind: ClassVar[Kind] = "location"
    name: Name
    aliases: list[Name] = Field(default_factory=list)
    place: Text
    country: Name
    film: Key
    filmed: Text
    when: Text = ""

    @property
    def label(self) -> str:
        return self.name


class Video(Fact):
    """A behind-the-scenes video. ``url`` is set only when the exact link was verified: in a pack,
    ``url_seen_in`` names the pages where that exact link was seen (an admin adding a link vouches for it).
    A video without a link gets a labelled YouTube search instead."""

    kind: ClassVar[Kind] = "video"
    title: Name
    aliases: list[Name] = Field(default_factory=list)
    film: Key
    shows: Text = ""
    published: Text = ""
    url: VideoUrl | None = None
    url_seen_in: list[SourceRef] = Field(default_factory=list)
    stunts: list[Key] = Field(default_factory=list)
    locations: list[Key] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return self.title

    @property
    def search_url(self) -> str:
        """A YouTube search for the exact title: what fans get when no verified link is known. The title is
        shortened if needed so the link fits in a link button (Discord allows 512 characters)."""
        title = self.title
        while len(SEARCH_URL + quote_plus(title)) > BUTTON_URL_MAX:
            title = title[:-1]
        return SEARCH_URL + quote_plus(title.strip())


FACT_TYPES: dict[str, type[Fact]] = {cls.kind: cls for cls in (Film, Release, Stunt, Location, Video)}


class Change(_Model):
    """One entry of the change log: a fact before and after, or a note such as a pack conflict."""

    id: int
    set_id: int
    ref: str
    action: Literal["add", "edit", "remove", "restore", "undo", "conflict"]
    author_id: int | None
    author_name: str
    at: dt.datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    undone: bool = False

    @property
    def fields(self) -> list[str]:
        """The top-level fields this change touched."""
        return changed_fields(self.before or {}, self.after or {})


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Top-level fields whose values differ between two versions of a fact."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
