"""/location and /locations as a fan uses them."""

from __future__ import annotations

import pytest

from bot.models import Location
from bot.store import Author
from tests.conftest import buttons, field


async def test_location_card_shows_the_place_and_the_stunts_shot_there(fan, channel, store):
    rome = await store.get("location:rome")
    result = await fan.slash(channel, "location", name="Rome")
    card = result.response.embeds[0]
    assert not result.ephemeral
    assert card.title == "📍 Rome (Dead Reckoning)"
    assert "Spanish Steps" in card.description
    assert field(card, "Country") == "Italy"
    assert field(card, "Film") == "Mission: Impossible – Dead Reckoning Part One"
    assert field(card, "When") == "October 2020"
    assert "handcuffed car chase" in field(card, "What was filmed here")
    assert field(card, "Stunts shot here") == "• Handcuffed Rome car chase (BMW and yellow Fiat 500)"
    sources = f"{len(rome.sources)} sources"
    assert card.footer.text.startswith(f"Filming location · Mission: Impossible – Dead Reckoning Part One · {sources}")


async def test_a_video_known_only_by_title_is_a_labelled_search_button(fan, channel):
    result = await fan.slash(channel, "location", name="rome")
    [link] = buttons(result.response)
    assert link["label"].startswith("🔎 Search YouTube: Dead Reckoning Part One – Rome car chase")
    assert link["url"].startswith(
        "https://www.youtube.com/results?search_query=Dead+Reckoning+Part+One+%E2%80%93+Rome+car+chase+featurette"
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Spanish Steps", "Rome (Dead Reckoning)"),
        ("kyllingbrua", "Raumabanen railway"),
        ("svalbad", "Svalbard"),
        ("NYMR", "North Yorkshire Moors Railway"),
    ],
)
async def test_aliases_and_typos_find_the_place(fan, channel, typed, expected):
    result = await fan.slash(channel, "location", name=typed)
    assert result.response.embeds[0].title == f"📍 {expected}"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("helset", "location:helsetkopen"), ("birmingam", "location:birmingham-new-street"), ("Spanish", "location:rome")],
)
async def test_location_autocomplete(fan, channel, typed, expected):
    choices = await fan.autocomplete(channel, "location", "name", typed)
    assert choices[0]["value"] == expected
    assert len(choices) <= 25


async def test_unknown_location_says_so_privately(fan, channel):
    result = await fan.slash(channel, "location", name="Mount Doom")
    assert result.ephemeral
    assert result.response.content.startswith("I couldn't find a location matching “Mount Doom”.")


async def test_locations_pages_through_every_place(fan, channel, store):
    places = await store.facts(Location)
    result = await fan.slash(channel, "locations")
    pages = -(-len(places) // 8)
    assert result.response.embeds[0].footer.text == f"Page 1/{pages} · {len(places)} in all"
    await fan.click(result.response, label="Last")
    last = result.response.embeds[0]
    assert last.footer.text.startswith(f"Page {pages}/{pages}")
    assert f"**{places[-1].name}**" in last.description
    await fan.click(result.response, label="Previous")
    assert result.response.embeds[0].footer.text.startswith(f"Page {pages - 1}/{pages}")


@pytest.mark.parametrize(
    ("country", "countries"),
    [
        ("Norway", ("Norway",)),
        ("uk", ("United Kingdom (England)", "United Kingdom (Scotland)")),
        ("England", ("United Kingdom (England)", "United Kingdom (Scotland)")),  # fans say England for the UK
        ("UAE", ("United Arab Emirates",)),
        ("italy", ("Italy", "Italy (offshore)")),
    ],
)
async def test_locations_filtered_by_country(fan, channel, store, country, countries):
    expected = [loc.name for loc in await store.facts(Location) if loc.country in countries]
    page = (await fan.slash(channel, "locations", country=country)).response.embeds[0]
    names = [line.split("**")[1] for line in page.description.splitlines()]
    assert page.footer.text.endswith(f"· {len(expected)} in all")
    assert names == expected[: len(names)] and len(names) == min(len(expected), 8)


async def test_a_long_list_by_country_shows_each_page_as_the_store_holds_it_when_turned(fan, channel, store):
    """A country of many places: its list counts them, and reads a page when the fan turns to it (so a place removed
    meanwhile is gone from the page, where a list built whole at the start would still show it)."""
    helset = await store.get("location:helsetkopen")
    for i in range(30):
        fjord = helset.model_copy(update={"key": f"fjord-{i}", "name": f"Fjord number {i}", "aliases": []})
        await store.add(fjord, Author(1, "test"))
    norway = [p.name for p in await store.facts(Location, places=["Norway"])]
    result = await fan.slash(channel, "locations", country="norway")
    pages = -(-len(norway) // 8)
    assert result.response.embeds[0].title == "📍 Filming locations in Norway"
    assert result.response.embeds[0].footer.text == f"Page 1/{pages} · {len(norway)} in all"
    shown = []
    for number in range(1, pages + 1):
        page = result.response.embeds[0]
        assert page.footer.text.startswith(f"Page {number}/{pages}")
        shown += [line.split("**")[1] for line in page.description.splitlines()]
        if number < pages:
            await fan.click(result.response, label="Next")
    assert shown == norway
    await store.remove("location:fjord-1", Author(1, "test"))
    await fan.click(result.response, label="First")
    assert "**Fjord number 1**" not in result.response.embeds[0].description


async def test_a_country_without_locations_suggests_the_ones_there_are(fan, channel):
    result = await fan.slash(channel, "locations", country="Narnia")
    assert result.ephemeral
    assert result.response.content.startswith("I couldn't find a country with filming locations matching “Narnia”.")
    assert "Did you mean" in result.response.content


async def test_country_autocomplete_lists_each_country_once(fan, channel):
    choices = await fan.autocomplete(channel, "locations", "country", "")
    names = [c["name"] for c in choices]
    assert len(names) == len(set(names))
    assert {"Norway", "Italy", "United Arab Emirates"} <= set(names)
    assert [c["name"] for c in await fan.autocomplete(channel, "locations", "country", "nor")] == ["Norway"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("uk", ["United Kingdom (England)", "United Kingdom (Scotland)"]), ("uae", ["United Arab Emirates"])],
)
async def test_country_choices_understand_abbreviations(fan, channel, typed, expected):
    assert [c["name"] for c in await fan.autocomplete(channel, "locations", "country", typed)] == expected
