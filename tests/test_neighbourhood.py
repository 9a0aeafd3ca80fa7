"""Trivia and "Check this fact" on a store grown with generated facts (issue #15): each reads a bounded neighbourhood
of the facts by index (a sample of subjects and what their questions are judged by; the stunts and films a message
names), never every fact of a kind, and answers exactly as every fact would. Through SimCord against real
discord.py and the bot's real store (a SQLite file, or PostgreSQL under ``MI_BOT_TEST_BACKEND=postgresql``)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from benchmarks.generate import synthetic_pack
from bot import cards, factcheck, trivia
from bot.models import Location, Release, Stunt
from bot.store import Author, FactStore

GROWN = 2_000  # facts: the shipped pack's and generated ones (about 50 films, 650 stunts, 400 releases)
SAMPLE = cards.QUESTION_SAMPLES[0]
TODAY = dt.date(2026, 12, 2)


@pytest.fixture
async def grown(store: FactStore) -> FactStore:
    await store.apply_import(await store.plan_import(synthetic_pack(GROWN)), Author(1, "importer"))
    return store


async def every_fact(store: FactStore) -> trivia.Facts:
    """What trivia made questions from before: every film, stunt, location and release."""
    kinds = await store.facts(Stunt), await store.facts(Location), await store.facts(Release)
    return trivia.Facts(await store.films(), *kinds, TODAY)


@pytest.mark.parametrize(
    ("film", "topic"), [(None, None), (None, "claims"), (None, "releases"), (None, "locations"), ("mi6", None)]
)
async def test_a_question_is_made_from_a_bounded_sample_and_judged_as_every_fact_judges_it(grown, film, topic):
    whole = await every_fact(grown)
    rng = random.Random(1)
    for _ in range(10):
        facts, every = await cards.question_facts(grown, SAMPLE, TODAY, film=film, topic=topic)
        assert not every and facts.subjects is not None
        drawn = [*facts.films.values(), *facts.stunts, *facts.locations, *facts.releases]
        subjects = [fact for fact in drawn if fact.ref in facts.subjects]
        assert len(facts.subjects) <= SAMPLE + 1  # a film's own claims besides the sample
        # Beyond the subjects, only what their questions are judged by: every release of the films "which is true"
        # draws years from (five per subject at most) and the places of the stunts.
        films, places = trivia.context(facts.films, subjects)
        assert {r.film for r in facts.releases} <= films and len(films) <= 5 * (SAMPLE + 1)
        assert {p.key for p in facts.locations if p.ref not in facts.subjects} <= places
        assert len(facts.stunts) + len(facts.locations) + len(facts.releases) < GROWN / 3
        question = trivia.pick(facts, rng, film=film, topic=topic)
        assert question is not None and trivia.checked(question, whole) == question, question
        if film:
            assert question.film == film


async def test_trivia_play_asks_questions_that_every_fact_agrees_with(bot, grown, fan, channel):
    whole = await every_fact(grown)
    for _ in range(10):
        asked = await fan.slash(channel, "trivia play")
        assert not asked.ephemeral, asked.response.content
        round_id = int(asked.response.components[0]["components"][0]["custom_id"].split(":")[1])
        question = (await grown.games.round(round_id)).question
        assert trivia.checked(question, whole) == question


def said_about(facts: trivia.Facts, rng: random.Random) -> str:
    """A message about generated facts: a film's release and filming country, a stunt's country and number."""
    films = [f for f in facts.films.values() if f.key.startswith("film-")]
    film, stunt = rng.choice(films), rng.choice([s for s in facts.stunts if s.numbers and s.locations])
    release = rng.choice([r for r in facts.releases if r.film == film.key] or facts.releases)
    place = rng.choice(facts.locations)
    number = stunt.numbers[0].split()
    return (
        f"{film.title} came out on {release.date:%d %B %Y} in {release.region}. "
        f"{film.title} was filmed in {place.country}. It was filmed in {rng.choice(facts.locations).country} too. "
        f"The {stunt.name.lower()} was filmed in {place.country}. {stunt.name} took {number[0]} {number[-1]}."
    )


async def test_check_this_fact_reads_what_a_message_names_and_judges_as_every_fact_does(grown, fan, other_fan, channel):
    whole = await every_fact(grown)
    every = factcheck.Facts(whole.films, whole.releases, whole.stunts, whole.locations)
    rng = random.Random(4)
    for _ in range(10):
        text = said_about(whole, rng)
        facts = await cards.check_facts(grown, text)
        verdicts = factcheck.check(text, every)
        assert factcheck.check(text, facts) == verdicts and len(verdicts) >= 3, text
        assert len(facts.stunts) <= 2 and len(facts.releases) + len(facts.places) < 100  # of 400 and 600
    message = await other_fan.send(channel, text)
    result = await fan.context_menu(channel, "Check this fact", message)
    assert result.ephemeral and result.response.content == factcheck.reply(verdicts)


async def test_a_player_who_saw_many_questions_still_gets_a_new_one_drawn_wider_if_need_be(grown):
    """A small sample whose questions the player has all seen is drawn again, wider: "You have had every question
    lately" is said only when it is true."""
    rng = random.Random(2)
    seen: list[str] = []
    while len(seen) < 50:  # a player's last fifty (bot.store.games.RECENT)
        made, _ = await cards.question(grown, rng, TODAY, seen)
        assert made is not None and made.id not in seen
        seen.append(made.id)
    random.seed(3)  # the store draws its sample with ``random``: the same sample twice
    facts, _ = await cards.question_facts(grown, SAMPLE, TODAY)
    first = [c.id for c in trivia.candidates(facts)]
    random.seed(3)
    made, _ = await cards.question(grown, rng, TODAY, [*seen, *first])  # every question of the first sample seen
    assert made is not None and made.id not in [*seen, *first]
