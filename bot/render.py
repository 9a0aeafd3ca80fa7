"""Pure rendering: facts in, embeds and message text out, always within Discord's limits.

No I/O and no interactions here, so every card can be tested without Discord. Every card of a kind looks the
same: the kind's colour and icon in the title, the fields in a fixed order, the numbered sources last and a
footer naming the kind, the film and how many sources back it. Long text is cut with an ellipsis (lists at a
whole line, saying how many more) instead of failing, and ``fit`` keeps a message's embeds within 6000
characters. Mentions in fact text are shown as written: the bot sends every message with ``allowed_mentions``
none, so ``@everyone`` in a fact never pings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import discord

from bot.limits import (
    BUTTON_LABEL_MAX,
    BUTTONS_PER_ROW,
    CHOICE_NAME_MAX,
    DESCRIPTION_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    EMBEDS_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    FOOTER_MAX,
)
from bot.models import BoxOffice, Fact, Film, Location, Release, Source, Stunt, Video

LINK_BUTTONS_MAX = BUTTONS_PER_ROW  # a card's video links fill one row
PAGE_SIZE = 8  # entries on a page of a list
PAGE_CHARS = 3000  # characters on a page: a description may hold 4096, and long pages are hard to read

COLOURS = {
    "stunt": discord.Colour(0xD7263D),
    "location": discord.Colour(0x2E933C),
    "film": discord.Colour(0x1B6CA8),
    "release": discord.Colour(0x1B6CA8),
    "video": discord.Colour(0x8E44AD),
    "search": discord.Colour(0x4A4A4A),
    "history": discord.Colour(0x4A4A4A),
    "import": discord.Colour(0x4A4A4A),
    "trivia": discord.Colour(0xF4A300),
}
ICONS = {
    "stunt": "🎬", "location": "📍", "film": "📅", "release": "📅", "video": "🎥", "history": "🕓", "import": "📥",
    "trivia": "🏆",
}  # fmt: skip
# What each kind of fact is called in a sentence ("Add a filming location").
KIND_NAMES = {
    "film": "film",
    "release": "release date",
    "stunt": "stunt",
    "location": "filming location",
    "video": "video",
}


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# What Discord reads as markup inside a line: styles, spoilers, code, masked links ([…]), mentions, timestamps and
# emoji (<…>), @everyone and @here, "://" (a clickable, unfurled link); and at the start of a line a header, a
# quote or a list.
_MARKUP = re.compile(r"[\\*_~|`\[\]<]|@(?=everyone|here)|:(?=//)|^[#>-]")


def echo(text: str, limit: int) -> str:
    """What a person typed (a question, a name, a region, a value), as the bot may repeat it inside a line: on one
    line, cut to ``limit`` characters, with every character Discord would read as markup escaped, so it shows
    exactly as typed and nobody can slip a masked link, a header or a mention into the bot's message."""
    return _MARKUP.sub(r"\\\g<0>", clip(" ".join(text.split()), limit))


def place_name(place: str) -> str:
    """A country or region as a sentence names it: "the United States", "the Czech Republic", but "France"."""
    return f"the {place}" if place.startswith(("United ", "Czech ", "Philippines")) else place


def spoiler(text: str) -> str:
    """Wrap plot details in Discord spoiler bars (``|`` inside would end the spoiler early)."""
    return f"||{text.replace('|', '¦')}||"


def timestamp(day: dt.date, style: str) -> str:
    """A Discord timestamp for a date. Noon UTC keeps the same calendar day for nearly every time zone."""
    return timestamp_at(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), style)


def timestamp_at(moment: dt.datetime, style: str) -> str:
    """A Discord timestamp for a moment: each reader sees it in their own time zone ("in 5 minutes", "17:00")."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def bullets(lines: Iterable[str]) -> str:
    """A bulleted list for a field, cut at a whole line, ending "… and N more" when not everything fits."""
    return whole_lines([f"• {line}" for line in lines])


def whole_lines(lines: Sequence[str], limit: int = FIELD_VALUE_MAX, most: int | None = None) -> str:
    """Lines joined, at most ``most`` of them, cut at a whole line with "… and N more" when they do not all
    fit in ``limit`` characters (an embed field's, unless told)."""
    lines = [clip(line, limit - 20) for line in lines]
    shown = lines[:most]
    if len(shown) == len(lines) and len("\n".join(lines)) <= limit:
        return "\n".join(lines)
    kept: list[str] = []
    for line in shown:
        if len("\n".join([*kept, line, f"… and {len(lines) - len(kept) - 1} more"])) > limit:
            break
        kept.append(line)
    return "\n".join([*kept, f"… and {len(lines) - len(kept)} more"])


def choice_label(fact: Fact, films: Mapping[str, Film], *, with_kind: bool = False, removed: bool = False) -> str:
    """An autocomplete choice name: the fact's label (a release date's with its film), its kind first when the
    choices mix kinds, marked when it was removed; at most 100 characters."""
    label = fact.label
    if isinstance(fact, Release):
        label = f"{film_title(films.get(fact.film), fact.film)} – {label}"
    if with_kind:
        label = f"{fact.kind}: {label}"
    mark = " (removed)" if removed else ""
    return clip(label, CHOICE_NAME_MAX - len(mark)) + mark


def film_title(film: Film | None, key: str) -> str:
    return film.title if film else key


@dataclass
class Card:
    """What one reply shows: an embed, optional message text, and link buttons (label, url)."""

    embed: discord.Embed
    content: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)

    def link_buttons(self) -> list[discord.ui.Button[discord.ui.View]]:
        """Link buttons need no callback, so they keep working after a restart."""
        return [discord.ui.Button(label=clip(label, BUTTON_LABEL_MAX), url=url) for label, url in self.links]

    def view(self) -> discord.ui.View | None:
        """The link buttons as a view that never expires, or None when there are none."""
        if not self.links:
            return None
        view = discord.ui.View(timeout=None)
        for button in self.link_buttons():
            view.add_item(button)
        return view


# ----------------------------------------------------------------------------- building embeds


def _embed(kind: str, title: str, description: str = "") -> discord.Embed:
    return discord.Embed(
        title=clip(f"{ICONS[kind]} {title}", EMBED_TITLE_MAX),
        description=clip(description, DESCRIPTION_MAX) or None,
        colour=COLOURS[kind],
    )


def _field(embed: discord.Embed, name: str, value: str, *, inline: bool = False) -> None:
    if value.strip() and len(embed.fields) < FIELDS_MAX:
        embed.add_field(name=clip(name, FIELD_NAME_MAX), value=clip(value, FIELD_VALUE_MAX), inline=inline)


def _fields(embed: discord.Embed, name: str, lines: Sequence[str]) -> None:
    """Lines that may not fit in one field continue in the next ("In cinemas (more)"), cut at whole lines."""
    chunk: list[str] = []
    for line in [clip(line, FIELD_VALUE_MAX) for line in lines]:
        if chunk and len("\n".join([*chunk, line])) > FIELD_VALUE_MAX:
            _field(embed, name, "\n".join(chunk))
            name, chunk = f"{name.removesuffix(' (more)')} (more)", []
        chunk.append(line)
    _field(embed, name, "\n".join(chunk))


def _sources(embed: discord.Embed, sources: Sequence[Source], most: int = 6) -> None:
    """A numbered list of masked links, as many as fit in one field."""
    lines = [f"{i}. [{clip(s.title, 90).replace(']', ')')}]({s.url})" for i, s in enumerate(sources, 1)]
    _field(embed, "Sources", whole_lines(lines, most=most))


@dataclass(frozen=True)
class Stamp:
    """When a card's fact was last changed and by whom (None for pack facts never edited)."""

    updated_at: dt.datetime | None = None
    edited_by: str | None = None


def _finish(embed: discord.Embed, kind: str, about: str, sources: int, stamp: Stamp) -> discord.Embed:
    """The footer every card has (kind, film, number of sources, who edited it) and the size limit."""
    name = "Release dates" if kind == "film" else KIND_NAMES[kind].capitalize()  # a film's card is its releases'
    counted = f"{sources} source{'s' if sources != 1 else ''}"
    edited = f" · edited by {stamp.edited_by}" if stamp.edited_by else ""
    embed.set_footer(text=clip(f"{name} · {about} · {counted}{edited}", FOOTER_MAX))
    embed.timestamp = stamp.updated_at
    return fit([embed])[0]


def fit(embeds: Sequence[discord.Embed]) -> list[discord.Embed]:
    """Cut the longest texts (sources, then footers, last of all) until a message's embeds total at most 6000
    characters: nothing is dropped, only shortened with an ellipsis."""
    embeds = list(embeds)[:EMBEDS_MAX]
    while (excess := sum(len(e) for e in embeds) - EMBED_TOTAL_MAX) > 0:
        _, size, cut = max((text for e in embeds for text in _cuttable(e)), key=lambda text: text[:2])
        if size <= 1:
            break  # only titles are left, and ten of them always fit
        cut(max(1, size - excess))
    return embeds


Cut = Callable[[int], None]


def _cuttable(embed: discord.Embed) -> list[tuple[int, int, Cut]]:
    """Every text of an embed that may be shortened: (priority, length, a function cutting it to a length)."""

    def description(n: int) -> None:
        embed.description = clip(embed.description or "", n)

    def value(index: int) -> Cut:
        def cut(n: int) -> None:
            old = embed.fields[index]
            embed.set_field_at(index, name=old.name, value=clip(old.value or "", n), inline=old.inline)

        return cut

    def footer(n: int) -> None:
        embed.set_footer(text=clip(embed.footer.text or "", n), icon_url=embed.footer.icon_url)

    texts: list[tuple[int, int, Cut]] = [(2, len(embed.description or ""), description)]
    texts += [(1 if f.name == "Sources" else 2, len(f.value or ""), value(i)) for i, f in enumerate(embed.fields)]
    texts.append((0, len(embed.footer.text or ""), footer))
    return [(tier if size > 1 else -1, size, cut) for tier, size, cut in texts]


# ----------------------------------------------------------------------------- cards, one per kind


def stunt_card(
    stunt: Stunt, film: Film | None, locations: Sequence[Location], videos: Sequence[Video], stamp: Stamp = Stamp()
) -> Card:
    embed = _embed("stunt", stunt.name, stunt.summary)
    title = film_title(film, stunt.film)
    _field(embed, "Film", title, inline=True)
    where = ", ".join(f"**{loc.name}** ({loc.country})" for loc in locations)
    more = f"\nMore: `/location name:{locations[0].name}`" if locations else ""
    _field(embed, "Where", clip(where, FIELD_VALUE_MAX - len(more)) + more if where else "Not verified", inline=True)
    _field(embed, "When filmed", stunt.filmed)
    _field(embed, "Who", bullets(stunt.people))
    _field(embed, "The numbers", bullets(stunt.numbers))
    if stunt.quotes:
        _field(embed, "In their words", f"> {clip(stunt.quotes[0], FIELD_VALUE_MAX - 2)}")
    _field(embed, "Trivia", bullets(stunt.trivia[:3]))
    if stunt.spoiler:
        _field(embed, "In the film (spoiler)", spoiler(clip(stunt.spoiler, FIELD_VALUE_MAX - 4)))
    if stunt.confidence != "high":
        _field(embed, "Confidence", f"{stunt.confidence}: fewer independent sources confirm this")
    _sources(embed, stunt.sources)
    embed = _finish(embed, "stunt", title, len(stunt.sources), stamp)
    return Card(embed, links=[video_link(v) for v in videos[:LINK_BUTTONS_MAX]])


def location_card(
    location: Location, film: Film | None, stunts: Sequence[Stunt], videos: Sequence[Video], stamp: Stamp = Stamp()
) -> Card:
    embed = _embed("location", location.name, location.place)
    title = film_title(film, location.film)
    _field(embed, "Country", location.country, inline=True)
    _field(embed, "Film", title, inline=True)
    _field(embed, "When", location.when, inline=True)
    _field(embed, "What was filmed here", location.filmed)
    _field(embed, "Stunts shot here", bullets(s.name for s in stunts))
    _sources(embed, location.sources)
    embed = _finish(embed, "location", title, len(location.sources), stamp)
    return Card(embed, links=[video_link(v) for v in videos[:LINK_BUTTONS_MAX]])


HOME_TYPES = ("digital", "disc", "streaming", "tv")
TYPE_NAMES = {
    "premiere": "premiere",
    "preview": "previews",
    "cinema": "in cinemas",
    "digital": "digital",
    "disc": "on disc",
    "streaming": "streaming",
    "tv": "on TV",
}
CURRENCIES = {"USD": "$", "GBP": "£", "EUR": "€", "AUD": "A$", "CAD": "C$", "JPY": "¥", "INR": "₹"}


def release_what(release: Release) -> str:
    """What kind of release it is, in a fan's words: "in cinemas", "streaming on Paramount+", "on disc (4K
    Ultra HD, Blu-ray)"."""
    what = TYPE_NAMES[release.type]
    if release.platform:
        what += f" on {release.platform}" if release.type in ("streaming", "tv") else f" ({release.platform})"
    if release.formats:
        what += f" ({', '.join(release.formats)})"
    return what


def release_line(release: Release) -> str:
    """One region's date in each fan's own time zone and as "in 3 days" / "2 years ago"."""
    when = f"{timestamp(release.date, 'D')} ({timestamp(release.date, 'R')})"
    what = f" ({release_what(release)})" if release.type in HOME_TYPES or release.type == "preview" else ""
    place = f" — {clip(release.place, 80)}" if release.place else ""
    note = f" — {clip(release.note, 160)}" if release.note else ""
    unsure = f" *(confidence: {release.confidence})*" if release.confidence != "high" else ""
    return f"**{release.region}**{what}: {when}{place}{note}{unsure}"


def countdown(releases: Sequence[Release], today: dt.date) -> str:
    """The next opening still to come (or today's), counted down; empty when every date has passed."""
    upcoming = sorted((r for r in releases if r.date >= today and not r.premiere), key=lambda r: r.date)
    if not upcoming:
        return ""
    first = upcoming[0]
    days = (first.date - today).days
    left = "**today**" if days == 0 else f"**{days} day{'s' if days != 1 else ''}** to go"
    what = "" if first.type == "cinema" else f" ({release_what(first)})"
    return f"Opens in **{first.region}**{what} {timestamp(first.date, 'R')}, on {timestamp(first.date, 'D')} ({left})"


def money(figure: BoxOffice) -> str:
    """A box-office amount as fans write it: "$567,535,383", or "about $598 million" for a rounded figure."""
    symbol = CURRENCIES.get(figure.currency)
    if figure.approximate:
        amount = f"{figure.amount / 1_000_000:,.1f}".removesuffix(".0") + " million"
        text = f"about {symbol}{amount}" if symbol else f"about {amount} {figure.currency}"
    else:
        text = f"{symbol}{figure.amount:,}" if symbol else f"{figure.amount:,} {figure.currency}"
    return text


RETITLE = re.compile(r"\btitle|\bretitl|\brenamed|no longer (be )?called", re.IGNORECASE)  # notes on titles
MEASURES = ("worldwide", "domestic", "international", "opening")  # the order a card lists them in


def box_office_line(figure: BoxOffice) -> str:
    """ "Worldwide: **about $598 million** (as of August 2025)", with where, when and any caveat, kept short."""
    where = "" if figure.measure == "worldwide" and figure.region == "Worldwide" else figure.region
    about = ", ".join(clip(part, 70) for part in (where, figure.period) if part)
    as_of = f" (as of {figure.as_of:%B %Y})" if figure.as_of else ""
    note = f" — {clip(figure.note, 100)}" if figure.note else ""
    label = figure.measure.capitalize() + (f" ({about})" if about else "")
    return f"{label}: **{money(figure)}**{as_of}{note}"


def runtime_text(film: Film) -> str:
    if film.runtime is None:
        return ""
    hours, minutes = divmod(film.runtime.minutes, 60)
    note = f" — {clip(film.runtime.note, 200)}" if film.runtime.note else ""
    return f"{film.runtime.minutes} minutes ({hours} h {minutes:02d}){note}"


def film_sources(film: Film) -> list[Source]:
    """Every source of a film's own facts: the film, its runtime, ratings, box office and scores."""
    parts = [film.runtime, *film.ratings, *film.box_office, *film.scores]
    return list(dict.fromkeys([*film.sources, *(s for part in parts if part for s in part.sources)]))


def release_card(
    film: Film, releases: Sequence[Release], today: dt.date, *, region: str = "", types: Sequence[str] = ()
) -> Card:
    """A film's card: release dates in every fan's own time zone (premieres, cinemas, then at home), its
    countdown, date history and retitles, runtime, ratings, box office and reviews. It gathers many facts, so
    unlike other cards it names no single editor. With ``region`` or ``types`` it shows only those releases
    (an answer about the Australian opening or the Blu-ray opens on them)."""
    about = []
    if film.previous_titles:
        about.append("Formerly " + ", ".join(f"*{t}*" for t in film.previous_titles) + ".")
    if film.aliases:
        about.append("Also known as " + ", ".join(film.aliases[:7]) + ".")
    if region:
        about.append(f"Showing the releases matching “{echo(region, 100)}”.")
    if types:
        about.append(f"Showing only: {', '.join(dict.fromkeys(TYPE_NAMES[t] for t in types))}.")
    embed = _embed("film", f"{film.title} ({film.year})", " ".join(about))
    by_date = sorted((r for r in releases if not types or r.type in types), key=lambda r: r.date)

    def lines(name: str, *types: str) -> None:
        _fields(embed, name, [release_line(r) for r in by_date if r.type in types])

    _field(embed, "⏳ Countdown", countdown(by_date, today))
    lines("Premieres", "premiere")
    lines("In cinemas", "preview", "cinema")
    lines("At home", *HOME_TYPES)
    history = [
        f"~~{timestamp(h.date, 'D')}~~ {h.status} ({r.region})"
        for r in by_date
        for h in sorted(r.history, key=lambda h: h.date)
    ]
    _field(embed, "Announced dates before", whole_lines(history))
    retitles = [n.text for n in film.notes if RETITLE.search(n.text)]
    _field(embed, "Titles", bullets(retitles[:3]))
    if not region and not types:
        _field(embed, "Runtime", runtime_text(film))
        _field(embed, "Rated", bullets(f"{r.board} ({r.region}): **{r.rating}**" for r in film.ratings))
        figures = sorted(film.box_office, key=lambda b: MEASURES.index(b.measure))
        _field(embed, "Box office", whole_lines([f"• {box_office_line(b)}" for b in figures], most=4))
        _field(embed, "Reviews", bullets(f"{s.site} ({s.audience}): **{s.value}**" for s in film.scores))
    sources = list(dict.fromkeys([*(s for r in by_date for s in r.sources), *film_sources(film)]))
    _sources(embed, sources, most=4)
    return Card(_finish(embed, "film", f"directed by {film.director}", len(sources), Stamp()))


def video_link(video: Video) -> tuple[str, str]:
    """A link button: the video when its URL is verified, else a clearly labelled YouTube search."""
    if video.url:
        return (f"▶ {video.title}", video.url)
    return (f"🔎 Search YouTube: {video.title}", video.search_url)


def video_message(video: Video, film: Film | None, stamp: Stamp = Stamp()) -> Card:
    """The /bts reply: a one-line caption, then a verified URL alone on its line so Discord shows the player.
    A video known only by its title says so and gives a labelled YouTube search instead."""
    caption = clip(f"🎥 **{video.title}**" + (f" — {video.shows}" if video.shows else ""), 300).replace("\n", " ")
    title = film_title(film, video.film)
    embed = _embed("video", video.title, video.shows)
    _field(embed, "Film", title, inline=True)
    _field(embed, "Published", video.published, inline=True)
    _sources(embed, video.sources, most=3)
    embed = _finish(embed, "video", title, len(video.sources), stamp)
    if video.url:
        return Card(embed, content=f"{caption}\n{video.url}")
    note = "No verified link to this video is known yet, so here is a **YouTube search** for its title (not the video):"
    return Card(embed, content=f"{caption}\n{note}\n<{video.search_url}>", links=[video_link(video)])


# ----------------------------------------------------------------------------- lists and search results


def pages(
    kind: str,
    title: str,
    entries: Sequence[str],
    *,
    footer: str | None = None,
    per_page: int | None = PAGE_SIZE,
    gap: str = "\n",
) -> list[discord.Embed]:
    """A long list as pages of embeds for the paginator: at most ``per_page`` entries (None: any number) and
    ``PAGE_CHARS`` characters a page, an entry never split. The footer counts the pages, then says ``footer``
    (by default how many entries there are)."""
    chunks: list[list[str]] = [[]]
    for entry in (clip(entry, PAGE_CHARS) for entry in entries):
        if chunks[-1] and (len(chunks[-1]) == per_page or len(gap.join([*chunks[-1], entry])) > PAGE_CHARS):
            chunks.append([])
        chunks[-1].append(entry)
    about = f"{len(entries)} in all" if footer is None else footer
    return [page(kind, title, chunk, (number, len(chunks)), about, gap=gap) for number, chunk in enumerate(chunks, 1)]


def page(
    kind: str, title: str, entries: Sequence[str], number: tuple[int, int], about: str, *, gap: str = "\n"
) -> discord.Embed:
    """One page of a list: its entries, and a footer saying which page of how many (``number``), then ``about``."""
    embed = _embed(kind, title, gap.join(clip(entry, PAGE_CHARS) for entry in entries) or "Nothing here yet.")
    embed.set_footer(text=clip(f"Page {number[0]}/{number[1]} · {about}", FOOTER_MAX))
    return embed


def stunt_line(stunt: Stunt, films: dict[str, Film]) -> str:
    return f"**{stunt.name}** — {clip(stunt.summary, 120)} *({film_title(films.get(stunt.film), stunt.film)})*"


def location_line(location: Location, films: dict[str, Film]) -> str:
    film = film_title(films.get(location.film), location.film)
    return f"**{location.name}**, {location.country} — {clip(location.filmed, 120)} *({film})*"


def not_found(what: str, query: str, suggestions: Sequence[str]) -> str:
    """The ephemeral "did you mean" reply."""
    text = f"I couldn't find a {what} matching “{echo(query, 100)}”."
    if suggestions:
        text += " Did you mean " + ", ".join(f"**{clip(s, 100)}**" for s in suggestions[:3]) + "?"
    return text


HIGHLIGHT = "👉 "


def highlight(card: Card, marks: Sequence[str]) -> Card:
    """The card with the line that answers the question marked (the first field line holding every one of
    ``marks``), so a fan sees at once where the answer sits on it."""
    if not marks:
        return card
    embed = card.embed.copy()
    for index, each in enumerate(embed.fields):
        lines = (each.value or "").split("\n")
        hit = next((i for i, line in enumerate(lines) if all(mark in line for mark in marks)), None)
        if hit is not None:
            lines[hit] = HIGHLIGHT + lines[hit]
            name = clip(HIGHLIGHT + (each.name or ""), FIELD_NAME_MAX)
            embed.set_field_at(index, name=name, value=clip("\n".join(lines), FIELD_VALUE_MAX), inline=each.inline)
            return replace(card, embed=fit([embed])[0])
    return card


def not_known(question: str, closest: Sequence[str], beyond: str = "") -> str:
    """The plain "I don't have that yet", with what the bot does know that comes closest."""
    if beyond:
        return (
            f"I don't have that yet: I know the eight films up to *The Final Reckoning* (2025), and nothing about "
            f"{echo(beyond, 60)}."
        )
    text = f"I don't have that yet: “{echo(question, 100)}”."
    if closest:
        text += " The closest I know: " + ", ".join(f"**{clip(c, 80)}**" for c in closest[:3]) + "."
    return text


def search_header(query: str, others: Sequence[Fact]) -> str:
    """Message text above the best card: the question, and a pointer to the other matches' buttons."""
    text = f"🔎 Best match for “{echo(query, 200)}”"
    if others:
        text += f" · {len(others)} more below"
    return text
