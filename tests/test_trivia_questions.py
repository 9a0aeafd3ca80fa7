"""Trivia questions made from every fact of the shipped pack: each has four different options and exactly one is
right, checked by the generator's own judge (``holds``) and, independently, against the facts themselves by
rules written here; only sourced facts are asked about, and spoilers only when asked for."""

from __future__ import annotations

import datetime as dt
import random
import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import render_games, trivia
from bot.models import Film, Location, Release, Stunt
from bot.text import fold
from bot.trivia import Facts, Question
from tests.test_admin import SHIPPED

TODAY = dt.date(2026, 12, 1)
WORDS = {w: str(n) for n, w in enumerate("zero one two three four five six seven eight nine ten".split())}


@cache
def facts() -> Facts:
    kinds: dict[str, list] = {"film": [], "stunt": [], "location": [], "release": []}
    for fact in SHIPPED.values():
        kinds.get(fact.kind, []).append(fact)
    return Facts({f.key: f for f in kinds["film"]}, kinds["stunt"], kinds["location"], kinds["release"], TODAY)


@cache
def every_candidate() -> list[trivia.Candidate]:
    return trivia.candidates(facts(), spoilers=True)


def digits(text: str) -> str:
    """A line with number words as digits, for comparing a filled-in line with the pack's."""
    return re.sub(r"\b(" + "|".join(WORDS) + r")\b", lambda m: WORDS[m[1].lower()], text, flags=re.IGNORECASE)


def truly_right(question: Question) -> list[bool]:
    """Which options the facts make right, by rules independent of ``bot.trivia.holds``."""
    known = facts()
    kind, key = question.id.split(":")[:2]
    if kind == "film":
        stunt = SHIPPED[f"stunt:{key}"]
        return [claim[2] == stunt.film for claim in question.claims]
    if kind == "where":
        stunt = SHIPPED[f"stunt:{key}"]
        countries = {SHIPPED[f"location:{k}"].country.split(" (")[0] for k in stunt.locations}
        places = [SHIPPED[f"location:{claim[2]}"] for claim in question.claims]
        return [p.key in stunt.locations or p.country.split(" (")[0] in countries for p in places]
    if kind == "stood-in":
        location = SHIPPED[f"location:{key}"]
        said = fold(" ".join(re.findall(r"(?:stood|stands|standing) in for ([^.;:()]+)", location.filmed, re.I)))
        return [any(f" {fold(n)} " in f" {said} " for n in trivia.STAND_INS[label]) for label in question.options]
    if kind in ("date", "outdated"):
        release = SHIPPED[f"release:{key}"]
        same = [r for r in known.releases if r.film == release.film and r.region == release.region]
        days = [dt.date.fromisoformat(claim[2]) for claim in question.claims]
        return [any(abs((r.date - day).days) <= 3 for r in same) for day in days]
    if kind == "number":
        stunt = SHIPPED[f"stunt:{key}"]
        lines = [digits(line) for line in stunt.numbers]
        return [digits(trivia.fill(claim[2], claim[3])) in lines for claim in question.claims]
    if kind == "claims":
        return [claim_is_true(claim) for claim in question.claims]
    raise AssertionError(f"unknown question {question.id}")


def claim_is_true(claim: tuple[str, ...]) -> bool:
    kind, subject, value = claim
    if kind == "stunt-film":
        return SHIPPED[f"stunt:{subject}"].film == value
    if kind == "location-country":
        return SHIPPED[f"location:{subject}"].country.split(" (")[0] == value
    film = SHIPPED[f"film:{subject}"]
    if kind == "film-director":
        return film.director == value
    return str(film.year) == value


def subject_of(question: Question) -> Stunt | Location | Release | None:
    """The fact whose sources back the answer: the stunt, the place where it was shot, the location, the release
    (None for a "which is true" question, whose true claim may be about any fact)."""
    kind, key, *rest = question.id.split(":")
    refs = {"film": f"stunt:{key}", "number": f"stunt:{key}", "stood-in": f"location:{key}", "date": f"release:{key}"}
    refs |= {"outdated": f"release:{key}", "where": f"location:{rest[0] if rest else ''}"}
    return SHIPPED.get(refs.get(kind, ""))  # type: ignore[return-value]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_every_question_from_every_fact_has_four_options_and_exactly_one_right(seed: int) -> None:
    rng = random.Random(seed)
    for candidate in every_candidate():
        question = trivia.make(candidate, facts(), rng)
        assert question is not None, f"{candidate.id} could not be made"
        assert question.id == candidate.id
        assert len({fold(option) for option in question.options}) == 4, question
        judged = [trivia.holds(claim, facts()) for claim in question.claims]
        assert judged == [i == question.right for i in range(4)], question
        assert truly_right(question) == judged, question
        assert question.sources, question


def test_every_fact_of_the_pack_makes_its_questions():
    made = {c.subject for c in every_candidate()}
    for fact in SHIPPED.values():
        if isinstance(fact, Stunt) or fact.kind == "film":
            assert fact.ref in made, fact.ref  # which film, which is true (and its numbers and places)
    assert {c.topic for c in every_candidate()} == set(trivia.TOPICS)
    assert sum(c.id.startswith("stood-in:") for c in every_candidate()) >= 10
    assert sum(c.id.startswith("outdated:") for c in every_candidate()) >= 10


def test_a_question_cites_the_sources_of_the_fact_it_was_made_from():
    rng = random.Random(7)
    for candidate in every_candidate():
        question = trivia.make(candidate, facts(), rng)
        subject = subject_of(question)
        if subject is not None:
            assert question.sources == subject.sources, question.id


def spoilers_of() -> list[str]:
    return [s.spoiler for s in facts().stunts if s.spoiler]


@pytest.mark.parametrize("seed", range(5))
def test_without_spoilers_no_question_touches_a_spoiler_marked_stunt(seed: int) -> None:
    marked = {s.key for s in facts().stunts if s.spoiler}
    rng = random.Random(seed)
    for candidate in trivia.candidates(facts()):
        question = trivia.make(candidate, facts(), rng)
        assert question is not None and not question.spoiler
        touched = {claim[1] for claim in question.claims} | {question.id.split(":")[1]}
        assert not touched & marked, question.id


def test_spoiler_texts_are_never_used_even_when_spoilers_are_asked_for():
    rng = random.Random(3)
    for candidate in every_candidate():
        question = trivia.make(candidate, facts(), rng)
        shown = " ".join([question.prompt, *question.options, question.note])
        assert not any(spoiler[:60] in shown for spoiler in spoilers_of()), question.id


def test_a_question_does_not_give_its_answer_away():
    rng = random.Random(11)
    closes_at = dt.datetime(2026, 12, 1, 17, tzinfo=dt.UTC)
    for candidate in every_candidate():
        question = trivia.make(candidate, facts(), rng)
        answer = fold(question.options[question.right])
        if question.topic in ("stunts", "locations"):
            assert f" {answer} " not in f" {fold(question.prompt)} ", question.id
        asked = render_games.question_embed(question, mode="race", asker_id=None, closes_at=closes_at)
        around = f" {fold(f'{asked.title} {asked.footer.text}')} "  # the film of "which film?" is not in the footer
        assert f" {answer} " not in around, question.id


def test_a_number_question_blanks_the_one_number_of_its_line():
    assert (
        trivia.blank("Cruise made the jump 6 times in one day").template == "Cruise made the jump {} times in one day"
    )
    assert trivia.blank("Eight takes").value == 8
    assert trivia.blank("About 10,000 feet up").show(5000) == "5,000"
    for line in (
        "120–130 mph; Cruise said he passed out at times",  # a range
        "The Norway shoot ran from August to September 2020",  # a year
        "The UAE military provided a C-17 for three weeks",  # two numbers
        "The heist sequence takes about 11½ minutes of the film (by one count)",  # not a plain number
    ):
        assert trivia.blank(line) is None, line


def test_pick_leaves_out_what_the_player_saw_and_says_when_nothing_is_left():
    rng = random.Random(5)
    pool = [c.id for c in trivia.candidates(facts()) if c.film == "dr1" and c.topic == "numbers"]
    seen: list[str] = []
    for _ in pool:
        question = trivia.pick(facts(), rng, film="dr1", topic="numbers", seen=seen)
        assert question is not None and question.id not in seen
        seen.append(question.id)
    assert trivia.pick(facts(), rng, film="dr1", topic="numbers", seen=seen) is None
    assert sorted(seen) == sorted(pool)


def neighbourhood(subjects: list[Film | Stunt | Location | Release]) -> Facts:
    """What the bot reads to ask about ``subjects``: them, and what ``trivia.context`` says they are judged by."""
    whole = facts()
    films, places = trivia.context(whole.films, subjects)
    refs = frozenset(fact.ref for fact in subjects)
    stunts = [s for s in whole.stunts if s.ref in refs]
    locations = [p for p in whole.locations if p.ref in refs or p.key in places]
    return Facts(whole.films, stunts, locations, [r for r in whole.releases if r.film in films], TODAY, refs)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 25))
def test_a_question_made_from_a_neighbourhood_is_judged_by_every_fact_alike(seed: int, size: int) -> None:
    """Every option of every question made from a few facts (and what ``context`` adds) holds, or not, as it does
    against every fact: a wrong option is never accidentally right because the neighbourhood missed a fact."""
    whole = facts()
    rng = random.Random(seed)
    around = neighbourhood(rng.sample([*whole.films.values(), *whole.stunts, *whole.locations, *whole.releases], size))
    made = 0
    for candidate in trivia.candidates(around, spoilers=True):
        assert candidate.subject in around.subjects
        question = trivia.make(candidate, around, rng)  # None when the few facts hold too few wrong options
        if question is not None:
            made += 1
            assert [trivia.holds(c, around) for c in question.claims] == [
                trivia.holds(c, whole) for c in question.claims
            ]
            assert trivia.checked(question, whole) == question
    assert made or size < 5
