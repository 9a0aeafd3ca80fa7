"""/release as a fan uses it: Discord timestamps, film aliases, regions, history, retitles and a countdown."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.models import Release
from bot.store import Author
from tests.conftest import buttons, field

FINAL = "📅 Mission: Impossible – The Final Reckoning (2025)"
PART_ONE = "📅 Mission: Impossible – Dead Reckoning Part One (2023)"
MAY_23_2025 = 1748001600  # 2025-05-23 12:00 UTC


def names(embed) -> list[str]:
    return [f.name for f in embed.fields]


async def test_without_options_every_film_is_a_page_newest_first(fan, channel, store):
    result = await fan.slash(channel, "release")
    assert not result.ephemeral
    assert [e.title for e in result.response.embeds] == [FINAL]
    assert {b["label"]: b["disabled"] for b in buttons(result.response)}[f"1/{len(await store.films())}"]
    await fan.click(result.response, label="Next")
    assert result.response.embeds[0].title == PART_ONE
    await fan.click(result.response, label="Last")
    assert result.response.embeds[0].title == "📅 Mission: Impossible (1996)"


@pytest.mark.parametrize(
    "alias",
    [
        "Part Two",
        "MI8",
        "Dead Reckoning Part Two",
        "The Final Reckoning",
        "Mission: Impossible – Dead Reckoning Part Two",
        "part 2",
        "film:fr",
    ],
)
async def test_every_name_of_the_sequel_is_the_same_film(fan, channel, alias):
    result = await fan.slash(channel, "release", film=alias)
    [card] = result.response.embeds
    assert card.title == FINAL


async def test_dates_are_discord_timestamps_in_each_fans_own_zone(fan, channel):
    card = (await fan.slash(channel, "release", film="MI8", region="United States")).response.embeds[0]
    line = field(card, "In cinemas")
    assert line.startswith(f"**United States**: <t:{MAY_23_2025}:D> (<t:{MAY_23_2025}:R>)")
    assert "Memorial Day weekend" in line


async def test_premieres_history_and_retitle_are_shown(fan, channel):
    card = (await fan.slash(channel, "release", film="Final Reckoning")).response.embeds[0]
    assert "Formerly *Mission: Impossible – Dead Reckoning Part Two*" in card.description
    assert "**France**: <t:" in field(card, "Premieres") and "Cannes Film Festival" in field(card, "Premieres")
    assert "Cannes" not in field(card, "In cinemas")
    history = field(card, "Announced dates before")
    assert "~~<t:1719576000:D>~~ set 21 Jan 2022 (United States)" in history  # 28 June 2024, dropped
    assert "The Final Reckoning" in field(card, "Titles")
    assert card.footer.text.startswith("Release dates · directed by Christopher McQuarrie")


@pytest.mark.parametrize(
    ("film", "region", "expected"),
    [
        ("Dead Reckoning", "germany", ["Germany"]),
        ("Dead Reckoning", "uk", ["United Kingdom"]),
        ("Dead Reckoning", "US", ["United States"]),
        ("Dead Reckoning", "u.s.", ["United States"]),
        ("MI8", "united states", ["United States"]),
        ("MI8", "UK", ["United Kingdom"]),
        ("MI8", "aus", ["Austria", "Australia"]),
    ],
)
async def test_region_filter(fan, channel, film, region, expected):
    card = (await fan.slash(channel, "release", film=film, region=region)).response.embeds[0]
    shown = [line.split("**")[1] for line in field(card, "In cinemas").splitlines()]
    assert shown == expected
    if "Premieres" in names(card):  # a premiere in another country is not shown
        assert {line.split("**")[1] for line in field(card, "Premieres").splitlines()} <= set(expected)


async def test_region_alone_shows_it_for_every_film_that_opened_there(fan, channel, store):
    films = {r.film for r in await store.facts(Release) if r.region == "India"}
    result = await fan.slash(channel, "release", region="India")
    assert [b["label"] for b in buttons(result.response)][2] == f"1/{len(films)}"
    assert result.response.embeds[0].title == FINAL
    for page in range(len(films)):
        assert field(result.response.embeds[0], "In cinemas").startswith("**India")
        if page < len(films) - 1:
            await fan.click(result.response, label="Next")
    assert result.response.embeds[0].title != FINAL


async def test_a_region_with_no_release_suggests_the_known_ones(fan, channel):
    result = await fan.slash(channel, "release", film="MI8", region="Frnace")
    assert result.ephemeral
    assert "couldn't find a release region matching “Frnace”" in result.response.content
    assert "**France**" in result.response.content


async def test_unknown_film_is_ephemeral(fan, channel):
    result = await fan.slash(channel, "release", film="Top Gun")
    assert result.ephemeral
    assert result.response.content.startswith("I couldn't find a film matching “Top Gun”.")


async def test_released_films_have_no_countdown(fan, channel, store):
    result = await fan.slash(channel, "release")
    for page in range(len(await store.films())):
        assert "⏳ Countdown" not in names(result.response.embeds[0])
        if page < len(await store.films()) - 1:
            await fan.click(result.response, label="Next")


async def test_a_film_still_to_come_gets_a_countdown(fan, channel, store):
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)
    source = (await store.get("release:fr-us")).sources
    await store.add(
        Release(key="fr-re-release", film="fr", region="Japan (re-release)", date=day, sources=source),
        Author(1, "test"),
    )
    card = (await fan.slash(channel, "release", film="MI8")).response.embeds[0]
    moment = int(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC).timestamp())
    countdown = field(card, "⏳ Countdown")
    assert countdown.startswith(f"Opens in **Japan (re-release)** <t:{moment}:R>")
    assert "**30 days** to go" in countdown


@pytest.mark.parametrize(
    ("typed", "expected"), [("part two", "film:fr"), ("mi7", "film:dr1"), ("Dead Reck", "film:dr1")]
)
async def test_film_autocomplete(fan, channel, typed, expected):
    choices = await fan.autocomplete(channel, "release", "film", typed)
    assert choices[0]["value"] == expected


async def test_film_autocomplete_forgives_typos(fan, channel):
    choices = await fan.autocomplete(channel, "release", "film", "Reconing")
    assert {c["value"] for c in choices} == {"film:dr1", "film:fr"}  # both are Reckonings


async def test_region_autocomplete(fan, channel):
    choices = await fan.autocomplete(channel, "release", "region", "ger")
    assert [c["name"] for c in choices] == ["Germany"]
    assert all(len(c["name"]) <= 100 for c in await fan.autocomplete(channel, "release", "region", ""))
