"""The answer first (issue #16): fans ask in /search and by mentioning the bot; the reply opens with the line that
answers, the card behind it shows only what was asked about with that line marked, the bot says when it does not
know, and "Check this fact" checks a message's claims privately."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import answers, factcheck, render
from bot.models import Film, Release
from bot.pack import load_pack
from tests.conftest import PACK, ask, field, within_limits

FACTS = load_pack(PACK).facts()
FILMS = {f.key: f for f in FACTS if isinstance(f, Film)}
RELEASES = [f for f in FACTS if isinstance(f, Release)]

AUSTRALIA = "🇦🇺 Australia: **8 July 2023** (in cinemas)"
SEED_ARTICLE = (
    "Mission: Impossible – Dead Reckoning Part One was filmed in Malta, South Africa, Norway and the UK. "
    "Part 2 is scheduled for June 2024. Cruise did 500 skydives to prepare for the bike jump."
)


async def test_search_answers_a_region_question_first(fan, channel):
    result = await fan.slash(channel, "search", query="when did part one open in australia")
    assert not result.ephemeral
    assert result.response.content.splitlines()[0] == AUSTRALIA
    card = result.response.embeds[0]
    assert [f.name for f in card.fields][:1] == ["👉 In cinemas"]  # the first lines are the asked region's
    assert field(card, "👉 In cinemas").startswith("👉 **Australia**") and "United States" not in card.description


async def test_a_mention_gets_the_same_answer_first(fan, channel, bot):
    reply = await ask(fan, channel, bot, "when did part one open in australia?")
    assert reply.content.splitlines()[0] == AUSTRALIA
    assert reply.embeds[0].fields[0].name == "👉 In cinemas"


async def test_a_home_release_question_opens_on_the_home_releases(fan, channel):
    result = await fan.slash(channel, "search", query="fallout dvd release date")
    assert result.response.content.splitlines()[0].startswith("🇺🇸 United States: **4 December 2018** (on disc")
    assert [f.name for f in result.response.embeds[0].fields if f.name != "Sources"] == ["👉 At home"]


@pytest.mark.parametrize(
    ("question", "line"),
    [
        ("how many times did tom cruise do the bike jump", "Cruise made the jump 6 times in one day"),
        ("who directed the film with the burj khalifa climb", "was directed by **Brad Bird**"),
        (
            "which scenes of part one were shot in malta",
            "None: Malta is in *Mission: Impossible – The Final Reckoning*",
        ),
        ("is part two still coming out on 28 june 2024", "No: 28 June 2024 was an earlier date; it moved."),
        ("the fight on top of the speeding carriages", "🔎 Best match"),
    ],
)
async def test_search_and_mentions_answer_in_the_first_line(fan, channel, bot, question, line):
    result = await fan.slash(channel, "search", query=question)
    reply = await ask(fan, channel, bot, question)
    for content in (result.response.content, reply.content):
        assert line in content.splitlines()[0]


async def test_the_asked_number_is_marked_on_the_card(fan, channel):
    result = await fan.slash(channel, "search", query="how high was the halo jump")
    numbers = field(result.response.embeds[0], "👉 The numbers")
    assert numbers.splitlines()[0].startswith("👉 • Jump from about 25,000 ft")


@pytest.mark.parametrize(
    "question", ["when does mission impossible 9 come out", "where was jack reacher filmed", "asdf qwerty"]
)
async def test_what_the_pack_does_not_know_is_said_plainly(fan, channel, bot, question):
    result = await fan.slash(channel, "search", query=question)
    assert result.ephemeral and result.response.content.startswith("I don't have that yet")
    assert not result.response.embeds
    reply = await ask(fan, channel, bot, question)
    assert reply.content.startswith("I don't have that yet") and not reply.embeds


async def test_a_film_beyond_the_franchise_is_named_as_not_known(fan, channel):
    result = await fan.slash(channel, "search", query="when does mi9 premiere")
    assert "nothing about Mission: Impossible 9" in result.response.content


async def test_check_this_fact_flags_the_seed_articles_claims(fan, other_fan, channel):
    article = await other_fan.send(channel, SEED_ARTICLE)
    result = await fan.context_menu(channel, "Check this fact", article)
    assert result.ephemeral
    lines = result.response.content.splitlines()
    assert any(line.startswith("⚠️ “Part 2 is scheduled for June 2024.”") and "23 May 2025" in line for line in lines)
    malta = next(line for line in lines if "Malta is *Mission: Impossible – The Final Reckoning*" in line)
    assert malta.startswith("❌")
    assert any(line.startswith("✅") and "Norway" in line for line in lines)
    assert any(line.startswith("✅") and "500 skydives" in line for line in lines)


async def test_check_this_fact_says_when_there_is_nothing_to_check(fan, other_fan, channel):
    message = await other_fan.send(channel, "What a great movie night @everyone")
    result = await fan.context_menu(channel, "Check this fact", message)
    assert result.ephemeral and result.response.content.startswith("Nothing I can check")


# ----------------------------------------------------------------------------- the pure rules


def test_dates_are_read_as_fans_write_them():
    assert [str(d) for d in answers.dates_in("June 28, 2024 or 28th June 2024, June 2024, christmas 2015")] == [
        "28 June 2024",
        "28 June 2024",
        "June 2024",
        "25 December 2015",
    ]


def test_a_question_is_read_for_what_it_asks():
    asked = answers.read("When did Part One open in the UK?", FILMS)
    assert (asked.topic, asked.film, asked.region) == ("release", "dr1", "United Kingdom")
    assert asked.types == ("cinema", "preview")
    renamed = answers.read("when does dead reckoning part two come out", FILMS)
    assert renamed.film == "fr" and renamed.old_title
    assert answers.read("the scene where he holds his breath", FILMS).topic is None  # "where" here asks no place


def test_a_contradicted_date_shows_the_sourced_fact():
    facts = factcheck.Facts(FILMS, RELEASES, [], [])
    (verdict,) = factcheck.check("Fallout came out on 1 March 2019.", facts)
    assert verdict.mark == factcheck.CONTRADICTED and "27 July 2018" in verdict.why and "source:" in verdict.why


def test_the_answered_line_is_marked_within_limits():
    releases = [r for r in RELEASES if r.film == "dr1"]
    card = render.release_card(FILMS["dr1"], releases, dt.date(2026, 1, 1))
    australia = next(r for r in releases if r.region == "Australia")
    marked = render.highlight(card, ("**Australia**", render.timestamp(australia.date, "D")))
    cinemas = field(marked.embed, "👉 In cinemas").splitlines()
    assert [line for line in cinemas if line.startswith("👉 ")] == [f"👉 {render.release_line(australia)}"]
    within_limits(marked.embed)
    assert render.highlight(card, ("nothing like this",)) is card


def test_film_names_are_made_once_per_films_mapping():
    """Answering reads every way of naming every film; made once per mapping of films (the store's is cached
    until the facts change), not once per question."""
    films = {film.key: film for film in load_pack(PACK).films}
    names = answers.film_names(films)
    assert answers.film_names(films) is names
    renamed = {**films, "dr1": films["dr1"].model_copy(update={"aliases": ["Dead Reckoning Part Uno"]})}
    assert answers.film_names(renamed).keys["dead reckoning part uno"] == {"dr1"}
    assert answers.film_names(films) == names
