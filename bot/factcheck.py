"""Checking a message's claims against the facts ("Check this fact", issue #16): pure functions, no I/O.

A claim is a sentence that names something the store knows (a film, a stunt) together with something that can be
checked (a date, a country, a number, a title). Each claim gets a verdict: ✅ matches, ⚠️ outdated (what is true
now and since when), ❌ contradicted (the sourced fact). Sentences with nothing to check are left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot import answers, render
from bot.answers import When, country_of, dates_in, film_names, long_date, places_in
from bot.models import Film, Location, Release, Stunt
from bot.text import contains_phrase, fold, longest_names

MATCHES, OUTDATED, CONTRADICTED = "✅", "⚠️", "❌"
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_RELEASE_WORDS = re.compile(r"\b(release|released|releases|comes? out|came out|coming out|opens?|opened|scheduled|due|"
                            r"premieres?|premiered|in cinemas|in theaters|hits?)\b")  # fmt: skip
_FILMED = re.compile(r"\b(film|filmed|filming|shot|shoot|shooting)\b")
_NUMBER = re.compile(r"\b(\d[\d,.]*)\+?\s+((?:\w+\s+){0,2}?\w+)")


@dataclass(frozen=True)
class Verdict:
    claim: str  # the sentence as written
    mark: str  # MATCHES, OUTDATED or CONTRADICTED
    why: str  # what the facts say, from the pack's own words


@dataclass(frozen=True)
class Facts:
    """What the checker compares with: every film, and the releases, stunts and filming locations."""

    films: Mapping[str, Film]
    releases: Sequence[Release]
    stunts: Sequence[Stunt]
    places: Sequence[Location]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCES.split(text) if s.strip()]


def named(text: str, films: Mapping[str, Film]) -> tuple[set[str], set[str]]:
    """The films (keys) and the countries a message names: ``check`` compares it with those films' releases and
    places, and a film's filming country with the first place there of another film."""
    names = film_names(films)
    said = [fold(sentence) for sentence in sentences(text)]
    return (
        {key for sentence in said for key in longest_names(sentence, names)},
        {country for sentence in said for country, _ in places_in(sentence)},
    )


def check(text: str, facts: Facts) -> list[Verdict]:
    """The verdicts on every claim of a message, in the order they are made. A sentence that names no film or
    stunt speaks of the film of the sentence before ("It comes out in June 2024")."""
    names = film_names(facts.films)
    verdicts: list[Verdict] = []
    film: Film | None = None
    for sentence in sentences(text):
        folded = fold(sentence)
        named = longest_names(folded, names)
        if len(named) == 1:
            film = facts.films[named.pop()]
        stunt = next((s for s in facts.stunts if any(_says(folded, n) for n in s.names)), None)
        claim = render.clip(sentence, 200)
        found = [*_title(folded, claim, facts.films), *_numbers(folded, claim, stunt)]
        if stunt is not None:
            found += _stunt_places(folded, claim, stunt, facts.places)
        elif film is not None:
            found += _release(folded, claim, film, facts.releases) + _film_places(folded, claim, film, facts)
        verdicts += found
    return list(dict.fromkeys(verdicts))  # two numbers of one sentence may stand on the same line


def _says(text: str, name: str) -> bool:
    folded = fold(name)
    return len(folded) > 3 and contains_phrase(text, folded)


def _title(text: str, claim: str, films: Mapping[str, Film]) -> list[Verdict]:
    """An old title: outdated, with the new one and the note saying when it changed."""
    for film in films.values():
        for old in film.previous_titles:
            if contains_phrase(text, fold(old).removeprefix("mission impossible ")):
                note = next((n.text for n in film.notes if render.RETITLE.search(n.text)), "")
                why = f"*{old}* is now called *{film.title}*." + (f" {render.clip(note, 300)}" if note else "")
                return [Verdict(claim, OUTDATED, why)]
    return []


def _release(text: str, claim: str, film: Film, releases: Sequence[Release]) -> list[Verdict]:
    """A release date: matches a current date (any region, or the one named), an earlier announced one (outdated),
    or neither (contradicted)."""
    dates = dates_in(text)
    if not dates or not _RELEASE_WORDS.search(text):
        return []
    regions = {country for country, _ in places_in(text)}
    premiere = "premiere" in text
    ours = [
        r
        for r in releases
        if r.film == film.key
        and (r.type == "premiere") == premiere
        and r.type in ("premiere", "cinema", "preview")
        and (not regions or country_of(r.region) in regions)
    ]
    if not ours:
        return []
    now = min(ours, key=lambda r: (r.region != "United States", r.date))
    return [_dated(claim, when, ours, now) for when in dates]


def _dated(claim: str, when: When, ours: Sequence[Release], now: Release) -> Verdict:
    current = (
        f"{answers.FLAGS.get(now.region, '📅')} {now.region}: **{long_date(now.date)}** ({render.release_what(now)})"
    )
    hit = next((r for r in ours if when.matches(r.date)), None)
    if hit is not None:
        return Verdict(claim, MATCHES, f"{hit.region}: {long_date(hit.date)} ({render.release_what(hit)}).")
    old = next(((r, h) for r in ours for h in r.history if when.matches(h.date)), None)
    if old is not None:
        release, earlier = old
        since = f" {render.clip(release.note, 300)}" if release.note else ""
        was = f"{long_date(earlier.date)} was an earlier date ({earlier.status})"
        return Verdict(claim, OUTDATED, f"{was}. Now: {current}.{since}")
    return Verdict(claim, CONTRADICTED, f"The facts say {current} ({_source(now)}).")


def _source(fact: Release | Stunt | Location) -> str:
    return f"source: {render.clip(fact.sources[0].title, 100)}"


def _stunt_places(text: str, claim: str, stunt: Stunt, places: Sequence[Location]) -> list[Verdict]:
    """Countries given for a stunt, against where it was filmed."""
    where = [p for p in places if p.key in stunt.locations]
    named = places_in(text)
    if not where or not named or not _FILMED.search(text):
        return []
    shown = ", ".join(f"{p.name} ({p.country})" for p in where)
    return [
        Verdict(claim, MATCHES, f"{stunt.name} was filmed at {shown}.")
        if any(country_of(p.country) == country for p in where)
        else Verdict(claim, CONTRADICTED, f"Not in {country}: {stunt.name} was filmed at {shown} ({_source(stunt)}).")
        for country, _ in named
    ]


def _film_places(text: str, claim: str, film: Film, facts: Facts) -> list[Verdict]:
    """Countries given as a film's filming locations: one of its own, another film's, or none the pack knows."""
    if not _FILMED.search(text) or _RELEASE_WORDS.search(text):
        return []
    verdicts = []
    for country, _ in places_in(text):
        own = [p for p in facts.places if p.film == film.key and country_of(p.country) == country]
        other = next((p for p in facts.places if p.film != film.key and country_of(p.country) == country), None)
        if own:
            verdicts.append(Verdict(claim, MATCHES, f"{film.title} was filmed in {country}: {own[0].name}."))
        elif other is not None:
            title = facts.films[other.film].title
            why = f"{country} is *{title}* ({other.name}), not *{film.title}*."
            verdicts.append(Verdict(claim, CONTRADICTED, why))
    return verdicts


def _numbers(text: str, claim: str, stunt: Stunt | None) -> list[Verdict]:
    """A number given for a stunt ("500 skydives", "6 times"), against the stunt's numbers about the same thing."""
    if stunt is None:
        return []
    verdicts = []
    for number, thing in _NUMBER.findall(text):
        counted = thing.split()[-1]
        lines = [line for line in stunt.numbers if answers.number_before(fold(line).split(), counted)]
        if not lines:
            continue
        value = number.replace(",", "")
        same = any(value in fold(line).replace(" ", "").replace(",", "") for line in lines)
        mark, why = (MATCHES, lines[0]) if same else (CONTRADICTED, f"{lines[0]} ({_source(stunt)})")
        verdicts.append(Verdict(claim, mark, f"{stunt.name}: {why}"))
    return verdicts


def reply(verdicts: Sequence[Verdict]) -> str:
    """The private answer: one line per verdict, the claim as written (escaped), then what the facts say."""
    if not verdicts:
        return "Nothing I can check in this message: it names no film or stunt with a date, place, title or number."
    lines = [f"{v.mark} “{render.echo(v.claim, 150)}” — {v.why}" for v in verdicts]
    return render.whole_lines(lines, limit=2000)
