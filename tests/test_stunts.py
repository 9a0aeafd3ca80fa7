"""/stunt and /stunts as a fan uses them: cards, autocomplete, lists and page turning, limits, cooldown."""

from __future__ import annotations

import math

import pytest

from bot import render
from bot.config import Budget
from bot.models import Stunt
from bot.store import Author
from tests.conftest import buttons, field, make_config

EDITOR = Author(1, "test")


@pytest.fixture
def config(request: pytest.FixtureRequest, tmp_path):
    """The config as conftest makes it, or with the cooldown a test asks for (indirect parametrisation)."""
    overrides = {"cooldown": request.param} if hasattr(request, "param") else {}
    return make_config(tmp_path, **overrides)


async def test_motorbike_finds_the_cliff_jump(fan, channel, store):
    jump: Stunt = await store.get("stunt:bike-cliff-jump")
    result = await fan.slash(channel, "stunt", name="motorbike")
    card = result.response.embeds[0]
    assert not result.ephemeral
    assert "Motorcycle" in card.title
    assert field(card, "Film") == "Mission: Impossible – Dead Reckoning Part One"
    assert "**Helsetkopen** (Norway)" in field(card, "Where")
    assert "/location name:Helsetkopen" in field(card, "Where")
    assert "6 September 2020" in field(card, "When filmed")
    assert "Tom Cruise" in field(card, "Who")
    assert "13,000 motocross jumps" in field(card, "The numbers")
    assert field(card, "In their words").startswith("> 'This is far and away")
    assert field(card, "Sources").startswith(f"1. [{jump.sources[0].title[:40]}")
    sources = f"{len(jump.sources)} sources"
    assert card.footer.text.startswith(f"Stunt · Mission: Impossible – Dead Reckoning Part One · {sources}")


async def test_the_stunt_card_links_its_verified_video_as_a_button(fan, channel):
    result = await fan.slash(channel, "stunt", name="stunt:bike-cliff-jump")
    [link] = buttons(result.response)
    assert link["style"] == 5
    assert link["url"] == "https://www.youtube.com/embed/-lsFs2615gw?feature=oembed"
    assert link["label"].startswith("▶ Mission: Impossible - Dead Reckoning Part One | The Biggest Stunt")


async def test_plot_details_are_behind_spoiler_tags(fan, channel):
    card = (await fan.slash(channel, "stunt", name="train crash")).response.embeds[0]
    spoiler = field(card, "In the film (spoiler)")
    assert spoiler.startswith("||In the film the train plunges") and spoiler.endswith("||")


async def test_unknown_stunt_is_ephemeral_with_suggestions(fan, channel):
    result = await fan.slash(channel, "stunt", name="submarine bike")
    assert result.ephemeral
    assert "couldn't find a stunt matching “submarine bike”" in result.response.content
    assert "Did you mean **" in result.response.content


async def test_nothing_like_it_is_ephemeral_and_posts_nothing(fan, channel):
    result = await fan.slash(channel, "stunt", name="zzzz qqqq")
    assert result.ephemeral
    assert result.response.content == "I couldn't find a stunt matching “zzzz qqqq”."
    assert channel.last_message is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("bike", "stunt:bike-cliff-jump"),
        ("motorbike", "stunt:bike-cliff-jump"),
        ("motorbkie", "stunt:bike-cliff-jump"),
        ("speedflying", "stunt:speed-flying"),
        ("speed flying", "stunt:speed-flying"),
        ("sumbarine", "stunt:submarine-fr"),
        ("handcuff", "stunt:rome-car-chase"),
        ("trian crash", "stunt:train-crash-quarry"),
    ],
)
async def test_autocomplete_is_typo_tolerant_and_alias_aware(fan, channel, typed, expected):
    choices = await fan.autocomplete(channel, "stunt", "name", typed)
    assert choices[0]["value"] == expected


async def test_autocomplete_offers_at_most_25_short_choices(fan, channel, store):
    for i in range(30):
        await store.add(
            Stunt(key=f"jump-{i}", film="dr1", name=f"Jump number {i} " + "x" * 150, summary="A jump.",
                  sources=[(await store.get("stunt:bike-cliff-jump")).sources[0]]),
            EDITOR,
        )  # fmt: skip
    choices = await fan.autocomplete(channel, "stunt", "name", "jump")
    assert len(choices) == 25
    assert all(len(c["name"]) <= 100 for c in choices)
    empty = await fan.autocomplete(channel, "stunt", "name", "")
    assert 0 < len(empty) <= 25


async def test_a_chosen_suggestion_opens_that_exact_stunt(fan, channel):
    [choice, *_] = await fan.autocomplete(channel, "stunt", "name", "biplane")
    result = await fan.slash(channel, "stunt", name=choice["value"])
    assert result.response.embeds[0].title == "🎬 Biplane fight over South Africa"


async def test_stunts_lists_every_stunt_in_pages_the_asker_can_turn(fan, other_fan, channel, store):
    count = len(await store.facts(Stunt))
    pages = math.ceil(count / render.PAGE_SIZE)
    result = await fan.slash(channel, "stunts")
    first = result.response.embeds[0]
    assert first.title == "🎬 Every stunt"
    assert first.footer.text == f"Page 1/{pages} · {count} in all"
    state = {b["label"]: b["disabled"] for b in buttons(result.response)}
    assert state == {"First": True, "Previous": True, f"1/{pages}": True, "Next": False, "Last": False}

    refused = await other_fan.click(result.response, label="Next")
    assert refused.ephemeral and "Only the person who asked" in refused.response.content
    assert result.response.embeds[0].footer.text.startswith(f"Page 1/{pages}")

    await fan.click(result.response, label="Next")
    assert result.response.embeds[0].footer.text.startswith(f"Page 2/{pages}")
    await fan.click(result.response, label="Last")
    assert result.response.embeds[0].footer.text.startswith(f"Page {pages}/{pages}")
    state = {b["label"]: b["disabled"] for b in buttons(result.response)}
    assert state == {"First": False, "Previous": False, f"{pages}/{pages}": True, "Next": True, "Last": True}

    await fan.click(result.response, label="First")
    assert result.response.embeds[0].description == first.description


async def test_page_buttons_are_removed_when_the_view_times_out(fan, channel, env):
    result = await fan.slash(channel, "stunts")
    assert buttons(result.response)
    await env.advance_time(181)
    assert result.response.components == []
    assert result.response.embeds[0].footer.text.startswith("Page 1/")


@pytest.mark.parametrize("film", ["Part Two", "film:fr", "The Final Reckoning"])
async def test_stunts_of_one_film(fan, channel, store, film):
    result = await fan.slash(channel, "stunts", film=film)
    page = result.response.embeds[0]
    assert page.title == "🎬 Stunts of Mission: Impossible – The Final Reckoning"
    assert page.description.count("\n") + 1 == len(await store.facts(Stunt, film="fr"))
    assert "Biplane" in page.description and "Motorcycle" not in page.description
    assert result.response.components == []  # one page: no buttons


async def test_a_very_long_stunt_is_cut_to_discords_limits(fan, channel, store):
    source = (await store.get("stunt:bike-cliff-jump")).sources
    await store.add(
        Stunt(
            key="long-stunt", film="dr1", name="Very long stunt " + "n" * 150, summary="S" * 1500, filmed="F" * 1500,
            people=["P" * 400] * 10, numbers=[f"Number {i}: " + "9" * 480 for i in range(30)],
            quotes=["Q" * 500], trivia=["T" * 500] * 5, spoiler="X" * 1500, sources=source * 5,
        ),
        EDITOR,
    )  # fmt: skip
    result = await fan.slash(channel, "stunt", name="stunt:long-stunt")
    card = result.response.embeds[0]
    assert not result.ephemeral
    assert len(card) <= 6000
    assert "… and" in field(card, "The numbers")  # the contract check proves every other limit


async def test_mentions_in_a_fact_are_shown_but_never_ping(fan, channel, store, env):
    source = (await store.get("stunt:bike-cliff-jump")).sources
    await store.add(
        Stunt(key="ping", film="dr1", name="Ping test", summary="Hey @everyone and <@&123> look", sources=source),
        EDITOR,
    )
    result = await fan.slash(channel, "stunt", name="Ping test")
    assert result.response.embeds[0].description == "Hey @everyone and <@&123> look"
    [callback] = [r for r in env.http_requests if r.path.endswith("/callback")][-1:]
    assert callback.json["data"]["allowed_mentions"] == {"parse": []}


@pytest.mark.parametrize("config", [Budget(uses=2, per_seconds=10)], indirect=True)
async def test_cooldown_is_per_user_says_when_and_resets(fan, other_fan, channel, env):
    for _ in range(2):
        assert not (await fan.slash(channel, "stunt", name="bike")).ephemeral
    refused = await fan.slash(channel, "stunt", name="bike")
    assert refused.ephemeral
    assert "try again in" in refused.response.content
    assert not (await other_fan.slash(channel, "stunt", name="bike")).ephemeral  # per user
    await env.advance_time(11)
    assert not (await fan.slash(channel, "stunt", name="bike")).ephemeral
