"""What happened on a day of the year: pure functions of the dated facts.

A release has a date (a premiere, an opening in cinemas, a home release), and some stunts' filming records name a
full date ("Sunday 13 August 2017, in Blackfriars, London"). A filming record can name a date for another reason
(when a report came out, the last day of a shoot), so such an anniversary quotes the sentence that gives the date
instead of saying what happened. Spoiler texts are never read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from bot.errors import Invalid
from bot.models import Film, Release, Source, Stunt
from bot.render import echo, place_name

MONTHS = ("january february march april may june july august september october november december").split()
_MONTH = "|".join(MONTHS)
_FULL_DATE = re.compile(rf"\b(\d{{1,2}})(?:\s*[–-]\s*\d{{1,2}})? ({_MONTH}) (\d{{4}})\b", re.IGNORECASE)
_CLAUSES = re.compile(r";\s*|(?<=\.)\s+(?=[A-Z])")  # between sentences and semicolons ("1:30 a.m. on" is one)
_DID = {
    "premiere": "had its premiere in",
    "preview": "had its first previews in",
    "cinema": "opened in cinemas in",
    "digital": "came out digitally in",
    "disc": "came out on disc in",
    "streaming": "started streaming in",
    "tv": "was first shown on TV in",
}


@dataclass(frozen=True)
class Anniversary:
    """One thing that happened on a day: when, what (Discord markdown), the film and the sources."""

    day: dt.date
    text: str
    film: str
    sources: list[Source]

    def years_ago(self, today: dt.date) -> int:
        return today.year - self.day.year


def _title(films: Mapping[str, Film], key: str) -> str:
    film = films.get(key)
    return film.title if film else key


def _regions(regions: list[str]) -> str:
    named = [place_name(region) for region in regions]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"


def release_anniversaries(
    releases: Iterable[Release], films: Mapping[str, Film], month: int, day: int
) -> list[Anniversary]:
    """The releases on this day of the year, one line per film, kind and date (the regions together)."""
    grouped: dict[tuple[str, str, dt.date], list[Release]] = {}
    for release in releases:
        if (release.date.month, release.date.day) == (month, day):
            grouped.setdefault((release.film, release.type, release.date), []).append(release)
    found = []
    for (film, kind, date), same in grouped.items():
        regions = _regions([r.region for r in same])
        places = "; ".join(r.place for r in same if r.place)
        text = f"*{_title(films, film)}* {_DID[kind]} {regions}" + (f" ({places})" if places else "")
        found.append(Anniversary(date, text, film, list(dict.fromkeys(s for r in same for s in r.sources))))
    return found


def stunt_dates(stunt: Stunt) -> list[tuple[dt.date, str]]:
    """The full dates a stunt's filming record names, each with the clause that names it."""
    found = []
    for clause in _CLAUSES.split(stunt.filmed):
        clause = clause.strip().rstrip(".")
        if clause.count("(") > clause.count(")"):
            clause += "…)"  # a bracket the semicolon cut: the quote says it goes on
        for match in _FULL_DATE.finditer(clause):
            try:
                day = dt.date(int(match[3]), MONTHS.index(match[2].lower()) + 1, int(match[1]))
            except ValueError:  # 31 June: not a date
                continue
            found.append((day, clause))
    return found


def stunt_anniversaries(stunts: Iterable[Stunt], films: Mapping[str, Film], month: int, day: int) -> list[Anniversary]:
    found = []
    for stunt in stunts:
        for date, clause in stunt_dates(stunt):
            if (date.month, date.day) == (month, day):
                text = f"From the filming record of **{stunt.name}** (*{_title(films, stunt.film)}*): “{clause}”"
                found.append(Anniversary(date, text, stunt.film, stunt.sources))
    return found


def anniversaries(
    releases: Iterable[Release],
    stunts: Iterable[Stunt],
    films: Mapping[str, Film],
    month: int,
    day: int,
    today: dt.date,
) -> list[Anniversary]:
    """Everything dated on this day of the year up to ``today`` (a future date is no anniversary yet), oldest
    first."""
    found = release_anniversaries(releases, films, month, day) + stunt_anniversaries(stunts, films, month, day)
    return sorted((a for a in found if a.day <= today), key=lambda a: (a.day, a.text))


def nearest_days(days: Collection[tuple[int, int]], month: int, day: int) -> list[str]:
    """Of ``days`` (the (month, day) pairs that have anniversaries), the three nearest to this one ("25 January"),
    nearest first."""
    asked = dt.date(2024, month, day)  # a leap year: every day of the year is in it
    near = (asked + dt.timedelta(days=n * sign) for n in range(1, 184) for sign in (1, -1))
    found = (d for d in near if (d.month, d.day) in days)
    return [f"{d.day} {d:%B}" for _, d in zip(range(3), found, strict=False)]


_NUMERIC = re.compile(r"(?:(\d{4})-)?(\d{1,2})-(\d{1,2})")
_DAY_MONTH = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH}|[a-z]{{3}})\.?(?:\s+\d{{4}})?", re.IGNORECASE)
_MONTH_DAY = re.compile(rf"({_MONTH}|[a-z]{{3}})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?", re.IGNORECASE)


def _month(name: str) -> int | None:
    name = name.lower()
    return next((i for i, month in enumerate(MONTHS, 1) if month == name or month[:3] == name), None)


def parse_day(text: str) -> tuple[int, int]:
    """(month, day) from what a fan typed: "27 July", "July 27", "27 Jul 2018", "07-27" or "2018-07-27"; a
    year is ignored. ``Invalid`` says what would work."""
    typed = " ".join(text.split())
    month = day = None
    if match := _NUMERIC.fullmatch(typed):
        month, day = int(match[2]), int(match[3])
    elif match := _DAY_MONTH.fullmatch(typed):
        month, day = _month(match[2]), int(match[1])
    elif match := _MONTH_DAY.fullmatch(typed):
        month, day = _month(match[1]), int(match[2])
    try:
        if month is None or day is None:
            raise ValueError
        dt.date(2024, month, day)  # a leap year: 29 February is a day of the year
    except ValueError:
        raise Invalid(
            f"“{echo(text, 50)}” is not a day I can read. Try 27 July, July 27 or 07-27 (a year is not needed)."
        ) from None
    return month, day
