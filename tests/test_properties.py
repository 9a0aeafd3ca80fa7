"""Properties over any input (hypothesis).

* Any fact, however long or strange its text (markdown, mentions, emoji, right-to-left and invisible characters,
  every field at its model's maximum), renders into messages that Discord accepts and that never ping: each
  card is serialised by discord.py itself, with the bot's own ``allowed_mentions``, and checked against the
  limits and, where the spec is present, Discord's contract.
* The pack validator never crashes, whatever YAML value or text it is given: it answers a ``Pack`` or
  ``PackInvalid``, and every problem starts with the path of what is wrong (``films[0].title: …``,
  ``pack: …``, ``line 3, column 2: …``).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import string
from typing import Any

import discord
from discord.webhook.async_ import handle_message_parameters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simcord import HttpLogEntry

from bot import limits, render
from bot.app import create_bot
from bot.config import Config
from bot.models import DatedEntry, Film, Location, Note, Release, Source, Stunt, Video
from bot.pack import PackInvalid, parse_pack, read_yaml
from tests.conftest import pack_as_one_file, within_limits
from tests.discord_contract import load_contract

ALLOWED_MENTIONS = create_bot(Config()).allowed_mentions
SOURCE = Source(url="https://example.com/source", title="A source")
CONTRACT = load_contract()
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ----------------------------------------------------------------------------------------------------- texts

NASTY = [
    "@everyone", "@here", "<@123456789012345678>", "<@&123456789012345678>", "<#123456789012345678>",
    "<t:0:R>", "**", "__", "~~", "||", "`", "```", "> ", "# ", "-# ", "[x](https://example.com)", "\\",
    "🏍️", "👨‍👩‍👧‍👦", "🇳🇴", "שלום עולם", "مرحبا بالعالم", "\u202e", "\u200b", "\u2066", "e\u0301", "\n", "\t",
]  # fmt: skip
CHARACTERS = st.characters(exclude_categories=("Cs",))  # lone surrogates cannot be sent as UTF-8


PIECES = st.lists(st.sampled_from(NASTY) | st.text(CHARACTERS, min_size=1, max_size=12), min_size=1, max_size=6)


def text(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    """Text up to a model's limit: a few pieces of nasty markup and any characters, or such a run repeated up to
    the limit (cheap to draw, so every field can be at its maximum at once)."""
    repeated = st.tuples(PIECES.map("".join), st.integers(1, max_size)).map(lambda run: run[0] * run[1])
    made = (PIECES.map("".join) | repeated).map(lambda s: s.strip()[:max_size])
    return made.filter(lambda s: len(s) >= min_size)


def many(items: st.SearchStrategy[Any], most: int, least: int = 0) -> st.SearchStrategy[list[Any]]:
    """A few different items, or one item many times."""
    repeated = st.tuples(items, st.integers(least, most)).map(lambda run: [run[0]] * run[1])
    return st.lists(items, min_size=least, max_size=4) | repeated


NAME, LINE, TEXT = text(200, 1), text(500, 1), text(1500)
KEY = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
URL = st.text(string.ascii_letters + string.digits + "-._~%()[]!*'", max_size=200).map("https://example.com/".__add__)
SOURCES = many(st.builds(Source, url=URL, title=NAME), 30, least=1)
LINES = many(LINE, 30)
ALIASES = many(NAME, 8)
CONFIDENCE = st.sampled_from(["high", "medium", "low"])
FILMS = st.builds(
    Film, key=KEY, title=NAME, aliases=ALIASES, year=st.integers(1900, 2100), director=NAME, summary=TEXT,
    previous_titles=ALIASES, notes=many(st.builds(Note, text=LINE, sources=SOURCES), 10),
    sources=SOURCES,
)  # fmt: skip
STUNTS = st.builds(
    Stunt, key=KEY, film=KEY, name=NAME, aliases=ALIASES, summary=TEXT, filmed=TEXT, people=LINES, numbers=LINES,
    quotes=LINES, trivia=LINES, spoiler=TEXT, confidence=CONFIDENCE, sources=SOURCES,
)  # fmt: skip
LOCATIONS = st.builds(
    Location, key=KEY, name=NAME, aliases=ALIASES, place=TEXT, country=NAME, film=KEY, filmed=TEXT, when=TEXT,
    sources=SOURCES,
)  # fmt: skip
VIDEO_URL = st.from_regex(r"[A-Za-z0-9_-]{11}", fullmatch=True).map("https://www.youtube.com/watch?v={}".format)
VIDEOS = st.builds(
    Video, key=KEY, title=NAME, aliases=ALIASES, film=KEY, shows=TEXT, published=TEXT,
    url=st.none() | VIDEO_URL, sources=SOURCES,
)  # fmt: skip
DATES = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
RELEASES = st.builds(
    Release, key=KEY, film=KEY, region=NAME, date=DATES, premiere=st.booleans(), note=TEXT, confidence=CONFIDENCE,
    history=many(st.builds(DatedEntry, date=DATES, status=LINE, note=TEXT, sources=SOURCES), 10),
    sources=SOURCES,
)  # fmt: skip
MOMENTS = st.none() | st.datetimes(timezones=st.just(dt.UTC))
STAMPS = st.builds(render.Stamp, updated_at=MOMENTS, edited_by=st.none() | NAME)


def assert_sendable(card: render.Card | None = None, *, content: str | None = None, embeds: list[Any] = ()) -> None:
    """The message discord.py would send for this answer is within Discord's limits and pings no one."""
    if card is not None:
        content, embeds = card.content, [card.embed]
        view = card.view()
    else:
        view = None
    for embed in embeds:
        within_limits(embed)
    params = handle_message_parameters(
        content=content, embeds=list(embeds), view=view or discord.utils.MISSING, allowed_mentions=ALLOWED_MENTIONS
    )
    body = params.payload or {}
    assert len(body.get("content") or "") <= limits.CONTENT_MAX
    assert body["allowed_mentions"] == {"parse": []}, "nothing the bot sends may ping"
    request = HttpLogEntry("POST", "/interactions/1/token/callback", {}, {"type": 4, "data": body}, None)
    assert CONTRACT.violations([request]) == []


def test_a_video_with_a_long_japanese_title_still_gets_a_search_button_discord_accepts():
    video = Video(key="v", title="トム・クルーズの新作スタントの舞台裏" * 5, film="dr1", sources=[SOURCE])
    stunt = Stunt(key="s", film="dr1", name="A stunt", summary="It happened.", sources=[SOURCE])
    assert_sendable(render.stunt_card(stunt, None, [], [video]))


def test_the_bot_never_pings():
    assert ALLOWED_MENTIONS.to_dict() == {"parse": []}


@PROPERTY
@given(STUNTS, st.none() | FILMS, st.lists(LOCATIONS, max_size=4), st.lists(VIDEOS, max_size=8), STAMPS)
def test_any_stunt_card_is_sendable(stunt, film, locations, videos, stamp):
    assert_sendable(render.stunt_card(stunt, film, locations, videos, stamp))


@PROPERTY
@given(LOCATIONS, st.none() | FILMS, st.lists(STUNTS, max_size=6), st.lists(VIDEOS, max_size=8), STAMPS)
def test_any_location_card_is_sendable(location, film, stunts, videos, stamp):
    assert_sendable(render.location_card(location, film, stunts, videos, stamp))


@PROPERTY
@given(FILMS, st.lists(RELEASES, max_size=12), DATES, st.just("") | NAME)
def test_any_release_card_is_sendable(film, releases, today, region):
    assert_sendable(render.release_card(film, releases, today, region=region))


@PROPERTY
@given(st.lists(FILMS, min_size=2, max_size=10), st.lists(RELEASES, max_size=20), DATES)
def test_release_cards_of_every_film_fit_in_one_message(films, releases, today):
    assert_sendable(embeds=render.fit([render.release_card(f, releases, today).embed for f in films]))


@PROPERTY
@given(VIDEOS, st.none() | FILMS, STAMPS)
def test_any_video_message_is_sendable(video, film, stamp):
    assert_sendable(render.video_message(video, film, stamp))


@PROPERTY
@given(st.lists(STUNTS, max_size=30), st.lists(LOCATIONS, max_size=30), FILMS, NAME)
def test_any_list_page_is_sendable(stunts, locations, film, title):
    films = {film.key: film}
    lines = [render.stunt_line(s, films) for s in stunts] + [render.location_line(loc, films) for loc in locations]
    for page in render.pages("stunt", title, lines):
        assert_sendable(embeds=[page])


@PROPERTY
@given(text(2000), st.lists(st.one_of(STUNTS, LOCATIONS, VIDEOS, FILMS), max_size=6), st.lists(NAME, max_size=5))
def test_any_search_header_and_not_found_reply_is_sendable(query, others, suggestions):
    assert_sendable(content=render.search_header(query, others))
    assert_sendable(content=render.not_found("stunt", query, suggestions))
    for fact in others:
        assert 1 <= len(render.choice_label(fact, {}, with_kind=True)) <= limits.CHOICE_NAME_MAX


# ------------------------------------------------------------------------------------------- the pack validator

SHIPPED: dict[str, Any] = read_yaml(pack_as_one_file())
SECTIONS = ["pack", "version", "title", "sources", "films", "releases", "stunts", "locations", "videos"]
WORD = st.from_regex(r"[a-z_]{1,12}", fullmatch=True)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(CHARACTERS, max_size=40) | DATES
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(WORD, inner, max_size=4))
QUOTED = r'"(?:[^"\\]|\\.)*"'  # a key that is not a plain word, as JSON
PATH = re.compile(rf"^(line \d+, column \d+|file|pack|([\w.-]+|{QUOTED}|\[\d+\])(\[\d+\]|\.[\w-]+|\.{QUOTED})*): \S")


def assert_explained(data: Any) -> None:
    """``parse_pack`` accepts the value or lists problems that each start with a path into it: a section of the
    pack (present or missing) or a key that is in the value."""
    try:
        parse_pack(data)
    except PackInvalid as invalid:
        assert invalid.problems
        for problem in invalid.problems:
            assert PATH.match(problem), f"no path at the start of {problem!r}"
            top = re.split(r"[.\[:]", problem, maxsplit=1)[0]
            named = {str(key) for key in data} if isinstance(data, dict) else set()
            quoted = {json.dumps(str(key)) for key in named}
            assert top in SECTIONS or top in named | quoted or problem.startswith(("[", '"')), problem


@PROPERTY
@given(VALUES | st.dictionaries(st.sampled_from(SECTIONS) | WORD, VALUES, max_size=9))
def test_the_validator_explains_any_value(data):
    assert_explained(data)


@PROPERTY
@given(st.data())
def test_the_validator_explains_any_damage_to_the_shipped_pack(data):
    """One value anywhere in the real pack replaced by anything: the problem is named where it is."""
    pack = copy.deepcopy(SHIPPED)
    node: Any = pack
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        if not isinstance(node[key], (dict, list)) or data.draw(st.booleans()):
            node[key] = data.draw(VALUES)
            break
        node = node[key]
    assert_explained(pack)


@PROPERTY
@given(st.text(CHARACTERS, max_size=300) | st.binary(max_size=300))
def test_any_text_is_read_or_refused_with_its_line(raw):
    try:
        value = read_yaml(raw)
    except PackInvalid as invalid:
        explained = [p for p in invalid.problems if re.match(r"^(line \d+, column \d+|file|.+, line \d+): \S", p)]
        assert explained == invalid.problems
        return
    assert_explained(value)
