"""Trivia questions made from the facts: pure functions, no I/O.

Each kind of question is made from one fact (its subject): which film a stunt is from, where it was shot, what a
location stood in for, a release or premiere date, an old announced date that is outdated, a number from a stunt,
and which of four claims is true. Every option carries a *claim* ("this stunt is in that film") and ``holds``
judges a claim against the facts, generously: a wrong option that a fan could argue is right (a place in the same
country, a date a few days off, a number the stunt's own text gives) counts as true. A question is only asked
when exactly one of its four options holds, and that is the one marked right, so a wrong option is never
accidentally right.

Only facts with sources make questions (every fact has them), and a stunt marked with a spoiler is left out,
everywhere, unless the player asks for spoilers. Spoiler texts themselves are never used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from bot.models import Fact, Film, Location, Release, Source, Stunt
from bot.render import place_name
from bot.text import STOP_WORDS, place_matches
from bot.text import fold as _fold_uncached

Topic = Literal["stunts", "locations", "releases", "numbers", "claims"]
TOPICS: dict[Topic, str] = {
    "stunts": "Stunts",
    "locations": "Filming locations",
    "releases": "Release dates",
    "numbers": "Stunt numbers",
    "claims": "True or not",
}
# The kinds of fact each topic's questions are made about (None: any topic); "which is true" asks about films too.
SUBJECTS: dict[Topic | None, tuple[type[Fact], ...]] = {
    "stunts": (Stunt,),
    "locations": (Stunt, Location),
    "releases": (Release,),
    "numbers": (Stunt,),
    "claims": (Stunt, Location, Film),
    None: (Stunt, Location, Release, Film),
}
LETTERS = "ABCD"
fold = lru_cache(maxsize=16384)(_fold_uncached)  # the same few hundred texts are folded again and again
_Keyed = TypeVar("_Keyed", Stunt, Location, Release)
Claim = tuple[str, ...]  # ("stunt-film", stunt key, film key), ("release-date", release key, "2018-07-27"), …


class Question(BaseModel):
    """One multiple-choice question: four options, one right, the sources that back it."""

    model_config = ConfigDict(frozen=True)

    id: str  # the same question made again has the same id (no repeats within a player's last 50)
    topic: Topic
    film: str  # the key of the film it is about
    prompt: str
    options: tuple[str, str, str, str]
    claims: tuple[Claim, Claim, Claim, Claim]
    right: int
    sources: list[Source]
    note: str = ""  # shown with the answer: what the option stands for in full
    spoiler: bool = False  # made from a spoiler-marked stunt (only when the player asked for spoilers)

    @property
    def answer(self) -> str:
        return f"{LETTERS[self.right]} · {self.options[self.right]}"


@dataclass(frozen=True)
class Facts:
    """What questions are made from: the live facts (every one, or a neighbourhood of some: see ``context``), read
    once per question, and today (past or future tense)."""

    films: dict[str, Film]
    stunts: list[Stunt]
    locations: list[Location]
    releases: list[Release]
    today: dt.date
    subjects: frozenset[str] | None = None  # the refs of the facts questions are made about (None: every fact)

    def asked(self, fact: Fact) -> bool:
        """Whether questions are made about ``fact``: every fact, unless ``subjects`` names some."""
        return self.subjects is None or fact.ref in self.subjects

    @cached_property
    def keyed(self) -> dict[str, Stunt | Location | Release]:
        """Stunts, locations and releases by ``kind:key``."""
        facts: list[Stunt | Location | Release] = [*self.stunts, *self.locations, *self.releases]
        return {fact.ref: fact for fact in facts}

    @cached_property
    def releases_by_film(self) -> dict[str, list[Release]]:
        by_film: dict[str, list[Release]] = {}
        for release in self.releases:
            by_film.setdefault(release.film, []).append(release)
        return by_film


Maker = Callable[[random.Random], "Question | None"]


@dataclass(frozen=True)
class Candidate:
    """A question that can be made from one fact; ``make`` draws its wrong options (None: not enough of them)."""

    id: str
    topic: Topic
    film: str
    subject: str  # the fact's ``kind:key``
    spoiler: bool
    make: Maker


# ----------------------------------------------------------------------------- judging claims


def holds(claim: Claim, facts: Facts) -> bool:
    """Whether a claim is true, or close enough that a fan could argue it is (see the module's docstring)."""
    kind, subject, value = claim[0], claim[1], claim[-1]
    if kind == "stunt-film":
        return any(s.key == subject and s.film == value for s in facts.stunts)
    if kind == "stunt-at":
        stunt = _by_key(facts, Stunt, subject)
        place = _by_key(facts, Location, value)
        if stunt is None or place is None:
            return False
        shot = [p for p in facts.locations if p.key in stunt.locations]
        return place in shot or _country(place) in {_country(p) for p in shot} or _named_in(place.name, stunt)
    if kind == "stood-in":
        location = _by_key(facts, Location, subject)
        return location is not None and (
            value == _country(location)
            or _mentions(f"{location.name} {location.place} {location.filmed}", STAND_INS.get(value, (fold(value),)))
        )
    if kind == "release-date":
        release = _by_key(facts, Release, subject)
        day = dt.date.fromisoformat(value)
        return release is not None and any(
            abs((r.date - day).days) <= 3 and _same_region(r.region, release.region)
            for r in facts.releases_by_film.get(release.film, [])
        )
    if kind == "number":
        stunt = _by_key(facts, Stunt, subject)
        return stunt is not None and (
            fill(claim[2], value) in stunt.numbers
            or any(_near(float(value.replace(",", "")), n) for n in numbers_in(_text(stunt)))
        )
    if kind == "location-country":
        location = _by_key(facts, Location, subject)
        return location is not None and fold(value) in {fold(location.country), fold(_country(location))}
    if kind == "film-director":
        film = facts.films.get(subject)
        return film is not None and fold(film.director) == fold(value)
    if kind == "film-year":
        film = facts.films.get(subject)
        years = {r.date.year for r in facts.releases if r.film == subject and r.type in ("premiere", "cinema")}
        return film is not None and int(value) in {film.year, *years}
    raise ValueError(f"unknown claim {claim!r}")


def _by_key(facts: Facts, kind: type[_Keyed], key: str) -> _Keyed | None:
    found = facts.keyed.get(f"{kind.kind}:{key}")
    return found if isinstance(found, kind) else None


def _country(location: Location) -> str:
    """ "United Kingdom (England)" → "United Kingdom": the country a fan would name."""
    return plain_name(location.country)


def _same_region(one: str, other: str) -> bool:
    return place_matches(one, other) or place_matches(other, one)


def _words(text: str) -> set[str]:
    return set(fold(text).split())


def _mentions(text: str, names: Iterable[str]) -> bool:
    """Whether ``text`` names any of ``names`` (folded, as whole words)."""
    folded = f" {fold(text)} "
    return any(f" {fold(name)} " in folded for name in names)


def _named_in(name: str, stunt: Stunt) -> bool:
    """Whether a place's name appears in what the stunt card says (its name, summary or where it was filmed)."""
    significant = {w for w in _words(plain_name(name)) if len(w) > 3 and w not in STOP_WORDS}
    return bool(significant & _words(f"{stunt.name} {stunt.summary} {stunt.filmed}"))


def _text(stunt: Stunt) -> str:
    """Everything a stunt card says, where numbers are looked for (the spoiler is not shown, so not counted)."""
    return "\n".join([stunt.name, stunt.summary, stunt.filmed, *stunt.numbers, *stunt.quotes, *stunt.trivia])


# ----------------------------------------------------------------------------- numbers in text

_WORD_NUMBERS = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_BLANK = "**?**"
# A number as the pack writes it: 6, 1,246, 16.8, or a word (six). Digits stuck to letters (C-17, CO2, 11½) are
# numbers too (they count), but never clean enough to ask about.
_DIGITS = re.compile(r"\d[\d,.]*\d|\d")
_CLEAN = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w½¼¾%]|[.,/-]\d)")
_WORD = re.compile(r"\b(" + "|".join(w for w in _WORD_NUMBERS if w not in ("zero", "one")) + r")\b", re.IGNORECASE)


def numbers_in(text: str) -> list[float]:
    """Every number in a text, digits and words (one and zero included), for telling a wrong option from a true
    figure."""
    found = [float(m.replace(",", "")) for m in _DIGITS.findall(text) if m.replace(",", "").count(".") <= 1]
    words = re.findall(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b", text, re.IGNORECASE)
    return found + [float(_WORD_NUMBERS[w.lower()]) for w in words]


@dataclass(frozen=True)
class Blank:
    """A line of a stunt's numbers with its one number taken out: what the question shows and the answer."""

    template: str  # the line with ``{}`` where the number was
    value: float
    decimals: int
    thousands: bool

    def show(self, value: float) -> str:
        text = f"{value:,.{self.decimals}f}" if self.thousands else f"{value:.{self.decimals}f}"
        return text


def blank(line: str) -> Blank | None:
    """The line's number as a blank, when it has exactly one number (so the question asks about one figure, not a
    range or two sources' figures) and that number is not a year."""
    digits = _DIGITS.findall(line)
    words = _WORD.findall(line)
    if len(digits) + len(words) != 1:
        return None
    match = _CLEAN.search(line) if digits else _WORD.search(line)
    if match is None:
        return None
    raw = match.group(0)
    value = float(_WORD_NUMBERS[raw.lower()]) if words else float(raw.replace(",", ""))
    if not words and re.fullmatch(r"(19|20)\d\d", raw):
        return None  # a year: "ran from August to September 2020"
    decimals = len(raw.partition(".")[2]) if not words else 0
    template = line[: match.start()] + "{}" + line[match.end() :]
    return Blank(template, value, decimals, "," in raw)


def fill(template: str, value: str) -> str:
    return template.replace("{}", value, 1)


def _near(value: float, other: float) -> bool:
    """Within 10 %: "about 500" and "over 500" are the same figure to a fan."""
    return abs(value - other) <= 0.1 * max(abs(value), abs(other))


def wrong_numbers(answer: Blank, taken: Sequence[float], rng: random.Random) -> list[float]:
    """Plausible wrong figures: the same size (a half, twice, three times…; small counts one by one), at least a
    quarter away from the answer and never near any number the stunt's text gives; the nearest six are drawn from."""
    value = answer.value
    if answer.decimals == 0 and value <= 12:
        pool = [float(n) for n in range(max(1, int(value) // 3), int(value) * 3 + 4)]
    else:
        pool = [_round(value * f, answer.decimals) for f in (0.25, 0.4, 0.5, 0.6, 0.75, 1.5, 2, 2.5, 3, 4)]
    pool = [
        n
        for n in dict.fromkeys(pool)
        if n > 0 and abs(n - value) >= max(1.0, 0.25 * value) and not any(_near(n, t) for t in (value, *taken))
    ]
    pool.sort(key=lambda n: max(n, value) / min(n, value))
    return rng.sample(pool[:6], 3) if len(pool) >= 3 else []


def _round(value: float, decimals: int) -> float:
    """Two significant figures, as a source would round a figure (1,200 m, not 1,242 m)."""
    if decimals:
        return round(value, decimals)
    digits = len(str(int(value)))
    return float(round(value, -max(0, digits - 2)))


# ----------------------------------------------------------------------------- names and places

# What the pack's locations stood in for, as fans would name it, and the words of a location's text that say so.
STAND_INS: dict[str, tuple[str, ...]] = {
    "Spain": ("seville", "spain", "spanish"),
    "Vatican City": ("vatican",),
    "Germany": ("berlin", "germany", "german"),
    "Hungary": ("budapest", "hungary", "hungarian"),
    "Russia": ("moscow", "russia", "russian", "kremlin"),
    "India": ("mumbai", "india", "indian"),
    "Belarus": ("minsk", "belarus"),
    "France": ("paris", "france", "french"),
    "Austria": ("vienna", "austria", "austrian"),
    "Morocco": ("morocco", "moroccan", "casablanca", "marrakech", "rabat"),
    "Kashmir": ("kashmir",),
    "United Arab Emirates": ("dubai", "abu dhabi", "emirates"),
    "Italy": ("rome", "venice", "italy", "italian"),
    "China": ("shanghai", "china", "chinese"),
    "United Kingdom": ("london", "england", "scotland", "britain", "british"),
    "United States": ("united states", "america", "american", "virginia", "utah"),
    "Czech Republic": ("prague", "czech"),
}
_STOOD_IN = re.compile(r"\b(?:stood|stands|standing) in for ([^.;:()]+)", re.IGNORECASE)
_PARENTHESIS = re.compile(r"\s*\([^()]*\)\s*$")


def plain_name(name: str) -> str:
    """A name without its trailing note in brackets: "Argyle Place, The Rocks (as Seville)" gives away nothing."""
    return _PARENTHESIS.sub("", name).strip() or name


def stood_in_for(location: Location) -> str | None:
    """What a location stood in for in the film, when its text names exactly one country or region (not its own)."""
    said = " ".join(_STOOD_IN.findall(location.filmed))
    found = {label for label, names in STAND_INS.items() if _mentions(said, names)}
    return found.pop() if len(found) == 1 and found != {_country(location)} else None


def _leaks(prompt: str, option: str) -> bool:
    """Whether the question's text gives an option away (a significant word of it appears in the prompt)."""
    significant = {w for w in _words(option) if len(w) > 3 and w not in STOP_WORDS}
    return bool(significant & _words(prompt))


def day_text(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _short_title(film: Film | None, key: str) -> str:
    """ "Ghost Protocol" for "Mission: Impossible – Ghost Protocol"; the first film keeps its full title."""
    if film is None:
        return key
    return film.title.partition(" – ")[2] or film.title


# ----------------------------------------------------------------------------- making questions


def _question(
    rng: random.Random,
    *,
    id: str,
    topic: Topic,
    film: str,
    prompt: str,
    right: tuple[str, Claim],
    wrong: Sequence[tuple[str, Claim]],
    sources: list[Source],
    note: str = "",
    spoiler: bool = False,
) -> Question | None:
    """Four options in a random order (the right one anywhere); None without three distinct wrong options."""
    options = [right]
    for option in wrong:
        if fold(option[0]) not in {fold(text) for text, _ in options}:
            options.append(option)
        if len(options) == 4:
            break
    if len(options) < 4:
        return None
    rng.shuffle(options)
    texts = tuple(text for text, _ in options)
    claims = tuple(claim for _, claim in options)
    return Question(
        id=id, topic=topic, film=film, prompt=prompt, options=texts, claims=claims,
        right=options.index(right), sources=sources, note=note, spoiler=spoiler,
    )  # fmt: skip


def _era(films: Mapping[str, Film], film: str) -> int:
    """A film's place in the series (installment, else year), to pick wrong options from nearby films."""
    known = films.get(film)
    return (known.installment or known.year) if known else 0


def _near_films(films: Mapping[str, Film], film: str) -> list[Film]:
    """The five other films nearest in the series, nearest first (of equally near ones, the first in ``films``).
    Kept per films mapping (the store's stays the same until the facts change): at 100,000 facts, finding them
    among 2,000 films for every fact a question is drawn from took most of its time."""
    kept = _NEAR.get(id(films))
    if kept is None or kept[0] is not films:
        _NEAR.clear()
        kept = _NEAR[id(films)] = (films, {})
    if film not in kept[1]:
        era = _era(films, film)
        others = (f for f in films.values() if f.key != film)
        kept[1][film] = heapq.nsmallest(5, others, key=lambda f: abs(_era(films, f.key) - era))
    return list(kept[1][film])


_NEAR: dict[int, tuple[Mapping[str, Film], dict[str, list[Film]]]] = {}  # the last films mapping asked about


def _stunt_film(facts: Facts, stunt: Stunt) -> Maker:
    def make(rng: random.Random) -> Question | None:
        prompt = f"Which film has the stunt **{plain_name(stunt.name)}**?"
        right = (_short_title(facts.films.get(stunt.film), stunt.film), ("stunt-film", stunt.key, stunt.film))
        if _leaks(prompt, right[0]):
            return None
        nearby = _near_films(facts.films, stunt.film)[:5]
        rng.shuffle(nearby)
        wrong = [(_short_title(f, f.key), ("stunt-film", stunt.key, f.key)) for f in nearby]
        return _question(
            rng, id=f"film:{stunt.key}", topic="stunts", film=stunt.film, prompt=prompt, right=right,
            wrong=[option for option in wrong if not _leaks(prompt, option[0])], sources=stunt.sources,
            note=stunt.summary, spoiler=bool(stunt.spoiler),
        )  # fmt: skip

    return make


def _where_prompt(facts: Facts, stunt: Stunt) -> str:
    return f"Where was **{plain_name(stunt.name)}** (*{_short_title(facts.films.get(stunt.film), stunt.film)}*) filmed?"


def _stunt_place(facts: Facts, stunt: Stunt, place: Location) -> Maker:
    def make(rng: random.Random) -> Question | None:
        prompt = _where_prompt(facts, stunt)
        others = [
            p
            for p in facts.locations
            if not holds(("stunt-at", stunt.key, p.key), facts) and not _leaks(prompt, plain_name(p.name))
        ]
        rng.shuffle(others)
        others.sort(key=lambda p: abs(_era(facts.films, p.film) - _era(facts.films, stunt.film)))
        wrong = [(plain_name(p.name), ("stunt-at", stunt.key, p.key)) for p in others]
        return _question(
            rng, id=f"where:{stunt.key}:{place.key}", topic="locations", film=stunt.film, prompt=prompt,
            right=(plain_name(place.name), ("stunt-at", stunt.key, place.key)), wrong=wrong,
            sources=place.sources, note=f"{place.name}, {place.country}: {place.filmed}", spoiler=bool(stunt.spoiler),
        )  # fmt: skip

    return make


def _stood_in(facts: Facts, location: Location, target: str) -> Maker:
    def make(rng: random.Random) -> Question | None:
        title = _short_title(facts.films.get(location.film), location.film)
        name = plain_name(location.name)
        prompt = f"In *{title}*, which country or region did **{name}** ({_country(location)}) stand in for?"
        if _leaks(prompt, target) or _mentions(prompt, STAND_INS[target]):
            return None
        labels = [label for label in STAND_INS if not holds(("stood-in", location.key, label), facts)]
        labels = [label for label in labels if not _mentions(prompt, STAND_INS[label])]
        rng.shuffle(labels)
        return _question(
            rng, id=f"stood-in:{location.key}", topic="locations", film=location.film, prompt=prompt,
            right=(target, ("stood-in", location.key, target)),
            wrong=[(label, ("stood-in", location.key, label)) for label in labels],
            sources=location.sources, note=location.filmed,
        )  # fmt: skip

    return make


_ASKED = {  # what a date question asks, about the past and about the future
    "premiere": ("was the premiere of *{film}*", "is the premiere of *{film}*"),
    "preview": ("did previews of *{film}* start", "do previews of *{film}* start"),
    "cinema": ("did *{film}* open in cinemas", "does *{film}* open in cinemas"),
    "digital": ("did *{film}* come out digitally", "does *{film}* come out digitally"),
    "disc": ("did *{film}* come out on disc", "does *{film}* come out on disc"),
    "streaming": ("did *{film}* start streaming", "does *{film}* start streaming"),
    "tv": ("was *{film}* first shown on TV", "is *{film}* first shown on TV"),
}


def _wrong_dates(facts: Facts, release: Release, also: Sequence[dt.date], rng: random.Random) -> list[dt.date]:
    """Dates on the same weekday one to five weeks, or a year, away, that no release of the film in the region
    comes near; ``also`` (outdated dates) first, as the most tempting."""
    shifts = [7 * n for n in (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)] + [-364, 364]
    rng.shuffle(shifts)
    days = [*also, *(release.date + dt.timedelta(days) for days in shifts)]
    return [d for d in dict.fromkeys(days) if not holds(("release-date", release.key, d.isoformat()), facts)]


def _date_claim(release: Release, day: dt.date) -> tuple[str, Claim]:
    return day_text(day), ("release-date", release.key, day.isoformat())


def _release_date(facts: Facts, release: Release) -> Maker:
    def make(rng: random.Random) -> Question | None:
        past, future = _ASKED[release.type]
        film = _short_title(facts.films.get(release.film), release.film)
        asked = (past if release.date <= facts.today else future).format(film=film)
        prompt = f"When {asked} in {place_name(release.region)}?"
        note = " — ".join(part for part in (release.place, release.platform, release.note) if part)
        wrong = _wrong_dates(facts, release, [h.date for h in release.history], rng)
        return _question(
            rng, id=f"date:{release.key}", topic="releases", film=release.film, prompt=prompt,
            right=_date_claim(release, release.date), wrong=[_date_claim(release, d) for d in wrong],
            sources=release.sources, note=note,
        )  # fmt: skip

    return make


def _outdated(facts: Facts, release: Release, old: dt.date, status: str) -> Maker:
    def make(rng: random.Random) -> Question | None:
        film = _short_title(facts.films.get(release.film), release.film)
        what = release.type if release.type != "cinema" else "cinema release"
        where = place_name(release.region)
        prompt = (
            f"An old report gives **{day_text(old)}** for the {what} of *{film}* in {where} ({status}). "
            "Is that still right? What is the date now?"
        )
        others = [h.date for h in release.history if h.date != old]
        wrong: list[tuple[str, Claim]] = [
            (f"{day_text(old)}, still right", ("release-date", release.key, old.isoformat()))
        ]
        wrong += [_date_claim(release, d) for d in _wrong_dates(facts, release, others, rng)]
        return _question(
            rng, id=f"outdated:{release.key}:{old.isoformat()}", topic="releases", film=release.film, prompt=prompt,
            right=_date_claim(release, release.date), wrong=wrong, sources=release.sources,
            note=f"{day_text(old)} was {status}; the date is now {day_text(release.date)}.",
        )  # fmt: skip

    return make


def _number_id(stunt: Stunt, line: str) -> str:
    """A number question's id names its line by a digest: an edited line is a new question."""
    return f"number:{stunt.key}:{hashlib.sha1(line.encode()).hexdigest()[:10]}"


def _stunt_number(stunt: Stunt, line: str, answer: Blank) -> Maker:
    def make(rng: random.Random) -> Question | None:
        prompt = f"**{plain_name(stunt.name)}**: {fill(answer.template, _BLANK)}"
        wrong = wrong_numbers(answer, numbers_in(_text(stunt)), rng)

        def option(value: float) -> tuple[str, Claim]:
            return answer.show(value), ("number", stunt.key, answer.template, answer.show(value))

        return _question(
            rng, id=_number_id(stunt, line), topic="numbers", film=stunt.film, prompt=prompt,
            right=option(answer.value), wrong=[option(v) for v in wrong], sources=stunt.sources, note=line,
            spoiler=bool(stunt.spoiler),
        )  # fmt: skip

    return make


# The true-or-false claims a "which of these is true" question is made of: the true one about its subject, wrong
# ones about other facts (a wrong film, director, year or country).


def _claim_text(claim: Claim, facts: Facts) -> str:
    kind, subject, value = claim
    if kind == "stunt-film":
        stunt = _by_key(facts, Stunt, subject)
        assert stunt is not None
        return f"{plain_name(stunt.name)} is a stunt in *{_short_title(facts.films.get(value), value)}*."
    if kind == "location-country":
        location = _by_key(facts, Location, subject)
        assert location is not None
        return f"{plain_name(location.name)} is in {place_name(value)}."
    film = facts.films[subject]
    if kind == "film-director":
        return f"*{_short_title(film, subject)}* was directed by {value}."
    return f"*{_short_title(film, subject)}* first came out in {value}."


def _claims_about(facts: Facts, film: Film, spoilers: bool, rng: random.Random) -> list[Claim]:
    """Claims about one film and its facts with values taken from nearby films: most are wrong, and ``holds``
    tells which."""
    stunts = [s for s in facts.stunts if s.film == film.key and (spoilers or not s.spoiler)]
    places = [p for p in facts.locations if p.film == film.key]
    claims: list[Claim] = []
    for other in _near_films(facts.films, film.key)[:4]:
        claims += [("film-director", film.key, other.director), ("film-year", film.key, str(other.year))]
        claims += [("stunt-film", rng.choice(stunts).key, other.key)] if stunts else []
        elsewhere = [p for p in facts.locations if p.film == other.key]
        if places and elsewhere:
            claims.append(("location-country", rng.choice(places).key, _country(rng.choice(elsewhere))))
    return claims


def _true_claim(facts: Facts, subject: Claim, film_key: str, spoilers: bool, spoiler: bool = False) -> Maker:
    """ "Which of these is true?": the subject's true claim and three wrong ones about other facts of nearby
    films, of as many kinds as can be (a wrong director, year, film or country)."""
    kind, key, _ = subject

    def make(rng: random.Random) -> Question | None:
        pool = [
            claim
            for film in [facts.films[film_key], *_near_films(facts.films, film_key)[:4]]
            for claim in _claims_about(facts, film, spoilers, rng)
            if claim[1] != key and not holds(claim, facts)
        ]
        rng.shuffle(pool)
        chosen: list[Claim] = []
        for varied in (True, False):  # first one claim of each kind, then any, each about another subject
            for claim in pool:
                if len(chosen) < 3 and all(c[1] != claim[1] and not (varied and c[0] == claim[0]) for c in chosen):
                    chosen.append(claim)
        return _question(
            rng, id=f"claims:{kind}:{key}", topic="claims", film=film_key, prompt="Which of these is true?",
            right=(_claim_text(subject, facts), subject), wrong=[(_claim_text(c, facts), c) for c in chosen],
            sources=_claim_sources(facts, subject), spoiler=spoiler,
        )  # fmt: skip

    return make


def _claim_sources(facts: Facts, claim: Claim) -> list[Source]:
    kind, key, _ = claim
    if kind == "stunt-film":
        return next(s.sources for s in facts.stunts if s.key == key)
    if kind == "location-country":
        return next(p.sources for p in facts.locations if p.key == key)
    return facts.films[key].sources


# ----------------------------------------------------------------------------- every question there is


def candidates(facts: Facts, *, spoilers: bool = False) -> list[Candidate]:
    """Every question the facts can make, one ``Candidate`` per question id (each fact makes one or several).
    Stunts marked with a spoiler, and questions about them, are left out unless ``spoilers``; so are stunts and
    releases of low confidence, and a release a fan could not tell from another (the same film, kind and region)."""
    found: list[Candidate] = []

    def add(id: str, topic: Topic, subject: Stunt | Location | Release | Film, make: Maker) -> None:
        found.append(Candidate(id, topic, _film_of(subject), subject.ref, bool(getattr(subject, "spoiler", "")), make))

    places = {p.key: p for p in facts.locations}
    for stunt in filter(facts.asked, facts.stunts):
        if (stunt.spoiler and not spoilers) or stunt.confidence == "low" or stunt.film not in facts.films:
            continue
        add(f"film:{stunt.key}", "stunts", stunt, _stunt_film(facts, stunt))
        claim = ("stunt-film", stunt.key, stunt.film)
        add(f"claims:stunt-film:{stunt.key}", "claims", stunt,
            _true_claim(facts, claim, stunt.film, spoilers, bool(stunt.spoiler)))  # fmt: skip
        place = places.get(stunt.locations[0]) if stunt.locations else None  # the main place
        if place is not None and not _leaks(_where_prompt(facts, stunt), plain_name(place.name)):
            add(f"where:{stunt.key}:{place.key}", "locations", stunt, _stunt_place(facts, stunt, place))
        for line in stunt.numbers:
            answer = blank(line)
            if answer is not None:
                add(_number_id(stunt, line), "numbers", stunt, _stunt_number(stunt, line, answer))
    for location in filter(facts.asked, facts.locations):
        if location.film not in facts.films:
            continue
        target = stood_in_for(location)
        if target is not None:
            add(f"stood-in:{location.key}", "locations", location, _stood_in(facts, location, target))
        claim = ("location-country", location.key, _country(location))
        add(f"claims:location-country:{location.key}", "claims", location,
            _true_claim(facts, claim, location.film, spoilers))  # fmt: skip
    for release in filter(facts.asked, facts.releases):
        alike = [r for r in facts.releases if r.film == release.film and r.type == release.type and r != release]
        if release.confidence == "low" or release.film not in facts.films:
            continue
        if any(_same_region(r.region, release.region) for r in alike):
            continue
        add(f"date:{release.key}", "releases", release, _release_date(facts, release))
        for old in release.history:
            if holds(("release-date", release.key, old.date.isoformat()), facts):
                continue  # announced within days of the date it kept: not an outdated date to a fan
            add(f"outdated:{release.key}:{old.date.isoformat()}", "releases", release,
                _outdated(facts, release, old.date, old.status))  # fmt: skip
    for film in filter(facts.asked, facts.films.values()):
        for kind, value in (("film-director", film.director), ("film-year", str(film.year))):
            claim = (kind, film.key, value)
            add(f"claims:{kind}:{film.key}", "claims", film, _true_claim(facts, claim, film.key, spoilers))
    return found


def _film_of(fact: Fact) -> str:
    """The film a fact is about (a film is about itself)."""
    return fact.key if isinstance(fact, Film) else str(getattr(fact, "film", ""))


def context(films: Mapping[str, Film], subjects: Sequence[Fact]) -> tuple[set[str], set[str]]:
    """What questions about ``subjects`` are judged by besides the subjects themselves, so that a neighbourhood of
    them judges every option as every fact would: the films whose every release is wanted (a date is judged
    against the film's releases in the region, a year against its premieres and cinema releases, and "which is
    true" draws years of the subject's film and of the four nearest) and the keys of the stunts' places (a wrong
    place is right when it is in the country of one of them). Wrong options are drawn from the neighbourhood, and
    each is judged by its own fact (a stunt's film, a place's country) or by the above."""
    about = {_film_of(fact) for fact in subjects} & films.keys()
    wanted = {near.key for film in about for near in [films[film], *_near_films(films, film)[:4]]}
    places = {key for fact in subjects if isinstance(fact, Stunt) for key in fact.locations}
    return wanted, places


def checked(question: Question | None, facts: Facts) -> Question | None:
    """The question, if exactly one of its options holds and it is the one marked right; else None (never asked)."""
    if question is None:
        return None
    truth = [holds(claim, facts) for claim in question.claims]
    return question if truth.count(True) == 1 and truth[question.right] else None


def make(candidate: Candidate, facts: Facts, rng: random.Random) -> Question | None:
    """The candidate's question with freshly drawn wrong options, checked (None when it cannot be made right)."""
    return checked(candidate.make(rng), facts)


def pick(
    facts: Facts,
    rng: random.Random,
    *,
    film: str | None = None,
    topic: Topic | None = None,
    spoilers: bool = False,
    seen: Iterable[str] = (),
) -> Question | None:
    """A random question about ``film`` and ``topic`` (any when None) that is not among ``seen``; None when every
    such question was seen (or none can be made)."""
    recent = set(seen)
    pool = [
        c
        for c in candidates(facts, spoilers=spoilers)
        if (film is None or c.film == film) and (topic is None or c.topic == topic) and c.id not in recent
    ]
    rng.shuffle(pool)
    for candidate in pool:
        question = make(candidate, facts, rng)
        if question is not None:
            return question
    return None
