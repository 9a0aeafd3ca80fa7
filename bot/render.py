"""Pure rendering: facts in, embeds and message text out, always within Discord's limits.

No I/O and no interactions here, so every card can be tested (and property-tested) without Discord. Long
text is cut with an ellipsis instead of failing; the 6000-character total of a message's embeds is kept by
dropping trailing fields. Mentions in fact text are shown as written: the bot sends every message with
``allowed_mentions`` none, so ``@everyone`` in a fact never pings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import discord

from bot.models import Fact, Film, Location, Release, Source, Stunt, Video

TITLE_MAX, DESCRIPTION_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX, FOOTER_MAX = 256, 4096, 256, 1024, 2048
EMBED_TOTAL_MAX, CONTENT_MAX, FIELDS_MAX = 6000, 2000, 25
BUTTON_LABEL_MAX, CHOICE_NAME_MAX = 80, 100
PAGE_SIZE = 8

COLOURS = {
    "stunt": discord.Colour(0xD7263D),
    "location": discord.Colour(0x2E933C),
    "film": discord.Colour(0x1B6CA8),
    "release": discord.Colour(0x1B6CA8),
    "video": discord.Colour(0x8E44AD),
    "search": discord.Colour(0x4A4A4A),
}
ICONS = {"stunt": "🎬", "location": "📍", "film": "📅", "release": "📅", "video": "🎥"}


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def spoiler(text: str) -> str:
    """Wrap plot details in Discord spoiler bars (``|`` inside would end the spoiler early)."""
    return f"||{text.replace('|', '¦')}||"


def timestamp(day: dt.date, style: str) -> str:
    """A Discord timestamp for a date. Noon UTC keeps the same calendar day for nearly every time zone."""
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    return f"<t:{int(moment.timestamp())}:{style}>"


def bullets(lines: Iterable[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def choice_label(fact: Fact, *, with_kind: bool = False) -> str:
    """An autocomplete choice name (at most 100 characters)."""
    label = f"{fact.kind}: {fact.label}" if with_kind else fact.label
    return clip(label, CHOICE_NAME_MAX)


@dataclass
class Card:
    """What one reply shows: an embed, optional message text, and link buttons (label, url)."""

    embed: discord.Embed
    content: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)

    def view(self) -> discord.ui.View | None:
        """Link buttons need no callback, so they work even after a restart."""
        if not self.links:
            return None
        view = discord.ui.View(timeout=None)
        for label, url in self.links[:5]:
            view.add_item(discord.ui.Button(label=clip(label, BUTTON_LABEL_MAX), url=url))
        return view


# ----------------------------------------------------------------------------- building embeds


def _embed(kind: str, title: str, description: str = "", url: str | None = None) -> discord.Embed:
    return discord.Embed(
        title=clip(f"{ICONS.get(kind, '')} {title}".strip(), TITLE_MAX),
        description=clip(description, DESCRIPTION_MAX) or None,
        colour=COLOURS[kind],
        url=url,
    )


def _field(embed: discord.Embed, name: str, value: str, *, inline: bool = False) -> None:
    if value.strip() and len(embed.fields) < FIELDS_MAX:
        embed.add_field(name=clip(name, FIELD_NAME_MAX), value=clip(value, FIELD_VALUE_MAX), inline=inline)


def _sources(embed: discord.Embed, sources: Sequence[Source], limit: int = 6) -> None:
    """A numbered list of masked links; as many as fit in one field."""
    lines: list[str] = []
    for i, source in enumerate(sources[:limit], 1):
        line = f"{i}. [{clip(source.title, 90).replace(']', ')')}]({source.url})"
        if len("\n".join([*lines, line])) > FIELD_VALUE_MAX - 20:
            break
        lines.append(line)
    more = len(sources) - len(lines)
    _field(embed, "Sources", "\n".join(lines) + (f"\n… and {more} more" if more else ""))


def _stamp(embed: discord.Embed, what: str, updated_at: dt.datetime | None, edited_by: str | None) -> None:
    """Footer naming the kind, film and who last edited it; the timestamp shows in each fan's time zone."""
    note = f" · edited by {edited_by}" if edited_by else ""
    embed.set_footer(text=clip(what + note, FOOTER_MAX))
    embed.timestamp = updated_at


def fit(embeds: Sequence[discord.Embed]) -> list[discord.Embed]:
    """Drop trailing fields (Sources last of all) until the message's embeds total at most 6000 characters."""
    embeds = list(embeds)
    while sum(len(e) for e in embeds) > EMBED_TOTAL_MAX:
        largest = max(embeds, key=len)
        if len(largest.fields) > 1:
            index = next((i for i in range(len(largest.fields) - 1, -1, -1) if largest.fields[i].name != "Sources"), 0)
            largest.remove_field(index)
        elif largest.description:
            largest.description = clip(largest.description, max(1, len(largest.description) // 2))
        else:
            largest.clear_fields()
    return embeds


@dataclass(frozen=True)
class Stamp:
    """When a card's fact was last changed and by whom (None for pack facts never edited)."""

    updated_at: dt.datetime | None = None
    edited_by: str | None = None


# ----------------------------------------------------------------------------- cards, one per kind


def stunt_card(
    stunt: Stunt, film: Film | None, locations: Sequence[Location], videos: Sequence[Video], stamp: Stamp = Stamp()
) -> Card:
    embed = _embed("stunt", stunt.name, stunt.summary)
    _field(embed, "Film", film.title if film else stunt.film, inline=True)
    where = ", ".join(f"**{loc.name}** ({loc.country})" for loc in locations)
    _field(embed, "Where", (where + "\nMore: `/location`") if where else "Not verified", inline=True)
    _field(embed, "When filmed", stunt.filmed, inline=False)
    _field(embed, "Who", ", ".join(stunt.people))
    _field(embed, "The numbers", bullets(stunt.numbers))
    if stunt.quotes:
        _field(embed, "In their words", f"> {stunt.quotes[0]}")
    _field(embed, "Trivia", bullets(stunt.trivia[:3]))
    if stunt.spoiler:
        _field(embed, "In the film (spoiler)", spoiler(stunt.spoiler))
    if stunt.confidence != "high":
        _field(embed, "Confidence", f"{stunt.confidence}: fewer independent sources confirm this")
    _sources(embed, stunt.sources)
    _stamp(embed, f"Stunt · {film.title if film else stunt.film}", stamp.updated_at, stamp.edited_by)
    return Card(embed, links=[video_link(v) for v in videos])


def location_card(location: Location, film: Film | None, stunts: Sequence[Stunt], stamp: Stamp = Stamp()) -> Card:
    embed = _embed("location", location.name, location.place)
    _field(embed, "Country", location.country, inline=True)
    _field(embed, "Film", film.title if film else location.film, inline=True)
    _field(embed, "When", location.when, inline=True)
    _field(embed, "What was filmed here", location.filmed)
    _field(embed, "Stunts shot here", bullets(s.name for s in stunts))
    _sources(embed, location.sources)
    _stamp(embed, f"Filming location · {film.title if film else location.film}", stamp.updated_at, stamp.edited_by)
    return Card(embed)


def release_line(release: Release, today: dt.date) -> str:
    when = f"{timestamp(release.date, 'D')} ({timestamp(release.date, 'R')})"
    flag = " 🎟️ premiere" if release.premiere else ""
    upcoming = " ⏳" if release.date > today else ""
    note = f" — {release.note}" if release.note else ""
    unsure = f" *(confidence: {release.confidence})*" if release.confidence != "high" else ""
    return f"**{release.region}**{flag}: {when}{upcoming}{note}{unsure}"


def release_card(film: Film, releases: Sequence[Release], today: dt.date, stamp: Stamp = Stamp()) -> Card:
    """A film's release dates in every fan's own time zone, its countdown, date history and retitles."""
    description = ""
    if film.previous_titles:
        description = "Formerly " + ", ".join(f"*{t}*" for t in film.previous_titles) + ". "
    if film.aliases:
        description += "Also known as " + ", ".join(film.aliases[:6]) + "."
    embed = _embed("film", f"{film.title} ({film.year})", description)
    upcoming = sorted((r for r in releases if r.date >= today and not r.premiere), key=lambda r: r.date)
    if upcoming:
        first = upcoming[0]
        _field(embed, "⏳ Countdown", f"Opens in **{first.region}** {timestamp(first.date, 'R')}")
    _paged_field(embed, "Release dates", [release_line(r, today) for r in sorted(releases, key=lambda r: r.date)])
    history = [
        f"~~{timestamp(h.date, 'D')}~~ {h.status} ({r.region})"
        for r in releases
        for h in sorted(r.history, key=lambda h: h.date)
    ]
    _paged_field(embed, "Announced dates before", history)
    retitles = [n.text for n in film.notes if "title" in n.text.casefold()]
    _field(embed, "Titles", bullets(retitles[:3]))
    _sources(embed, [s for r in releases for s in r.sources][:3] + list(film.sources), limit=5)
    _stamp(embed, f"Release dates · directed by {film.director}", stamp.updated_at, stamp.edited_by)
    return Card(embed)


def _paged_field(embed: discord.Embed, name: str, lines: Sequence[str]) -> None:
    """Spread lines over as many fields as they need (a field holds 1024 characters)."""
    chunk: list[str] = []
    part = 0
    for line in [clip(line, FIELD_VALUE_MAX) for line in lines]:
        if chunk and len("\n".join([*chunk, line])) > FIELD_VALUE_MAX:
            _field(embed, name if part == 0 else f"{name} (continued)", "\n".join(chunk))
            chunk, part = [], part + 1
        chunk.append(line)
    if chunk:
        _field(embed, name if part == 0 else f"{name} (continued)", "\n".join(chunk))


def video_link(video: Video) -> tuple[str, str]:
    """A link button: the video when its URL is verified, else a clearly labelled YouTube search."""
    if video.url:
        return (f"▶ {video.title}", video.url)
    return (f"🔎 Search YouTube: {video.title}", video.search_url)


def video_message(video: Video, film: Film | None) -> Card:
    """The /bts reply: a verified URL alone on its own line so Discord shows the player."""
    caption = f"🎥 **{clip(video.title, 300)}**" + (f" — {clip(video.shows, 600)}" if video.shows else "")
    embed = _embed("video", video.title, video.shows)
    _field(embed, "Film", film.title if film else video.film, inline=True)
    _field(embed, "Published", video.published, inline=True)
    _sources(embed, video.sources, limit=3)
    if video.url:
        return Card(embed, content=clip(f"{caption}\n{video.url}", CONTENT_MAX))
    note = (
        "No verified link to this video is known yet, so here is a **YouTube search** for its title "
        "(a search, not the video itself):"
    )
    return Card(embed, content=clip(f"{caption}\n{note}\n<{video.search_url}>", CONTENT_MAX), links=[video_link(video)])


# ----------------------------------------------------------------------------- lists and search results


def list_pages(kind: str, title: str, lines: Sequence[str], *, per_page: int = PAGE_SIZE) -> list[discord.Embed]:
    """A long list as pages of embeds; the page counter is in the footer."""
    chunks = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    pages = []
    for number, chunk in enumerate(chunks, 1):
        embed = _embed(kind, title, "\n".join(clip(line, 400) for line in chunk) or "Nothing here yet.")
        embed.set_footer(text=f"Page {number}/{len(chunks)} · {len(lines)} in all")
        pages.append(embed)
    return pages


def stunt_line(stunt: Stunt, films: dict[str, Film]) -> str:
    film = films.get(stunt.film)
    return f"**{stunt.name}** — {clip(stunt.summary, 120)} *({film.title if film else stunt.film})*"


def location_line(location: Location) -> str:
    return f"**{location.name}**, {location.country} — {clip(location.filmed, 120)}"


def not_found(what: str, query: str, suggestions: Sequence[str]) -> str:
    """The ephemeral "did you mean" reply."""
    text = f"I couldn't find a {what} called “{clip(query, 100)}”."
    if suggestions:
        text += " Did you mean " + ", ".join(f"**{clip(s, 100)}**" for s in suggestions[:3]) + "?"
    return text


def search_header(query: str, others: Sequence[Fact]) -> str:
    """Message text above the best card: the question, and the other matches that can be opened."""
    text = f"🔎 Best match for “{clip(query, 200)}”"
    if others:
        text += ". Also: " + ", ".join(f"{ICONS[o.kind]} {clip(o.label, 80)}" for o in others)
    return clip(text, CONTENT_MAX)
