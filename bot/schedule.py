"""Which release news is due, and what it says: pure functions of the releases, the change log and the day; and
when a server's daily posts (the trivia question, "on this day") are due.

A release is news for a server when it is a regional release (in cinemas, or later at home; not a premiere) in
the server's region: 30, 7 and 1 days before it, on the day itself, and when its date is announced or moved. A
new title is news for every server. A news day starts at 12:00 UTC, when the calendar day has begun in the
Americas and is still on in Europe and Asia, so "out now" is true nearly everywhere it is read. News whose day
was missed (the bot was down) is still posted up to one day late; older news is skipped rather than flooding a
channel when the bot comes back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.config import TriviaConfig
from bot.models import Change, Film, Release
from bot.render import film_title, release_what, timestamp
from bot.store import GuildSettings
from bot.text import place_matches

MILESTONES = (30, 7, 1, 0)  # days before a release when its region hears about it
CATCH_UP = dt.timedelta(days=1)  # how late missed news may still be posted
NEWS_HOUR = 12  # UTC hour at which a news day starts
DAILY_CATCH_UP = dt.timedelta(hours=6)  # how late a missed daily post may still go out


def news_day(now: dt.datetime) -> dt.date:
    """The day whose news is due at ``now`` (UTC)."""
    return (now.astimezone(dt.UTC) - dt.timedelta(hours=NEWS_HOUR)).date()


def daily_due(now: dt.datetime, hour: int) -> dt.date | None:
    """The day whose daily post (at ``hour`` UTC) is due at ``now``: the latest such hour gone by, if it is at most
    ``DAILY_CATCH_UP`` ago. A post missed by longer (the bot was down) is skipped, so a server never gets a burst
    of old posts, and each day's post is named by its day, so it goes out once."""
    now = now.astimezone(dt.UTC)
    slot = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if slot > now:
        slot -= dt.timedelta(days=1)
    return slot.date() if now - slot <= DAILY_CATCH_UP else None


def daily_hour(settings: GuildSettings, trivia: TriviaConfig) -> int:
    """The hour (UTC) of a server's daily question: its own choice, else the configured default."""
    return trivia.daily_hour if settings.trivia_hour is None else settings.trivia_hour


@dataclass(frozen=True)
class Announcement:
    """One piece of news: ``item`` names it in the post log (so it is posted once per server)."""

    item: str
    text: str
    release: Release | None = None  # None: news for every server with an announcements channel

    def concerns(self, region: str | None) -> bool:
        """Whether a server following ``region`` gets this news."""
        return self.release is None or (region is not None and in_region(self.release, region))


def in_region(release: Release, region: str) -> bool:
    """A regional release (not a premiere) in ``region``: "United Kingdom" also takes "United Kingdom &
    Ireland", and "US" the United States."""
    return not release.premiere and place_matches(release.region, region)


def due_milestone(release_day: dt.date, today: dt.date) -> int | None:
    """The milestone to announce today: one whose day is today or yesterday (missed). When several are due
    after downtime, only the one nearest the release is, so fans never get "7 days" after "1 day"."""
    due = [days for days in MILESTONES if dt.timedelta(0) <= today - (release_day - dt.timedelta(days)) <= CATCH_UP]
    return min(due, default=None)


def _opens(release: Release) -> str:
    """What happens on the day: "opens in **France**", "comes out in **France** (streaming on Paramount+)"."""
    region = release.region
    if release.type == "cinema":
        return f"opens in **{region}**"
    return f"comes out in **{region}** ({release_what(release)})"


def _when(day: dt.date) -> str:
    return f"{timestamp(day, 'D')} ({timestamp(day, 'R')})"


def milestone_news(releases: Iterable[Release], films: Mapping[str, Film], today: dt.date) -> list[Announcement]:
    """The countdown posts due today, one per release at most; the text counts the days actually left."""
    news = []
    for release in releases:
        days = due_milestone(release.date, today)
        if days is None or release.premiere:
            continue
        left = (release.date - today).days
        title = film_title(films.get(release.film), release.film)
        if left <= 0:
            what = "" if release.type == "cinema" else f" ({release_what(release)})"
            text = f"🎬 **Out now in {release.region}{what}:** *{title}* since {_when(release.date)}."
        else:
            count = "1 day" if left == 1 else f"{left} days"
            text = f"⏳ **{count} to go:** *{title}* {_opens(release)} on {_when(release.date)}."
        news.append(Announcement(f"release:{release.key}:{release.date.isoformat()}:{days}d", text, release))
    return news


def change_news(change: Change, films: Mapping[str, Film], now: dt.datetime) -> Announcement | None:
    """What a change means for fans: an upcoming release added or moved, or a film retitled; else None.
    A change older than a day is skipped (caught up after downtime, not replayed)."""
    if change.after is None or now - change.at > CATCH_UP:
        return None
    item = f"change:{change.id}"
    kind = change.ref.partition(":")[0]
    if kind == "film":
        before, after = change.before or {}, change.after
        if not before.get("title") or before["title"] == after["title"]:
            return None
        return Announcement(item, f"🎬 **New title:** *{before['title']}* is now *{after['title']}*.")
    if kind != "release":
        return None
    release = Release.model_validate(change.after)
    old = Release.model_validate(change.before) if change.before else None
    if release.premiere or release.date < news_day(now) or (old is not None and old.date == release.date):
        return None
    title = film_title(films.get(release.film), release.film)
    if old is None:
        text = f"📅 **New release date:** *{title}* {_opens(release)} on {_when(release.date)}."
    else:
        text = (
            f"📅 **Date change:** *{title}* now {_opens(release)} on {_when(release.date)}, "
            f"not {timestamp(old.date, 'D')}."
        )
    return Announcement(item, text, release)


def week_item(day: dt.date) -> str:
    """The post-log name of this ISO week's pick, e.g. ``weekly:2026-W03``."""
    year, week, _ = day.isocalendar()
    return f"weekly:{year}-W{week:02d}"
