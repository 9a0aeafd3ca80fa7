"""What a fan asked, and the one line that answers it, from the facts a search found (issue #16).

Pure functions, no I/O: ``read`` turns a question into an ``Ask`` (what kind of answer, which film, region, kind
of release, place, date…); ``reply`` turns an ``Ask`` and the facts the store gave into a ``Reply``: the fact whose
card backs the answer, the answer line in the asker's terms, the card lines to highlight, or no fact at all when
nothing answers the question confidently (the bot then says it does not know, instead of showing an unrelated
card). ``bot.cards`` does the look-ups; the evaluation in ``tests/eval`` measures every rule here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process

from bot import render
from bot.models import BoxOffice, Fact, Film, Location, Release, ReleaseType, Stunt
from bot.text import PLACE_ABBREVIATIONS, STOP_WORDS, NameIndex, body_text, contains_phrase, fold, longest_names

Topic = Literal[
    "release", "premiere", "home", "runtime", "rating", "score", "box_office", "director",
    "count", "measure", "who", "where", "when_filmed", "also_here",
]  # fmt: skip
FILM_TOPICS = frozenset({"release", "premiere", "home", "runtime", "rating", "score", "box_office", "director"})
ALSO_HERE_MAX = 6  # the other places "what else was filmed there" names
RELEASE_TOPICS: dict[str, tuple[ReleaseType, ...]] = {
    "release": ("cinema", "preview"),
    "premiere": ("premiere",),
    "home": ("digital", "disc", "streaming", "tv"),
}

# Countries fans name, and cities standing for theirs (folded name → the pack's name of the country).
_COUNTRY_NAMES = """Australia, Austria, Belgium, Brazil, Canada, China, Croatia, Czech Republic, Denmark, Egypt,
    England, Finland, France, Germany, Greece, Hungary, Iceland, India, Indonesia, Ireland, Israel, Italy, Japan,
    Jordan, Kenya, Malaysia, Malta, Mexico, Morocco, Netherlands, New Zealand, Norway, Philippines, Poland, Portugal,
    Russia, Saudi Arabia, Scotland, Singapore, South Africa, South Korea, Spain, Sweden, Switzerland, Thailand, Turkey,
    Ukraine, United Arab Emirates, United Kingdom, United States, Wales"""
COUNTRIES = {fold(name): " ".join(name.split()) for name in _COUNTRY_NAMES.split(",")}
CITIES = {
    "paris": "France", "cannes": "France", "london": "United Kingdom", "rome": "Italy", "venice": "Italy",
    "dubai": "United Arab Emirates", "abu dhabi": "United Arab Emirates", "prague": "Czech Republic",
    "sydney": "Australia", "vienna": "Austria", "tokyo": "Japan", "moscow": "Russia", "mumbai": "India",
    "shanghai": "China", "berlin": "Germany", "new york": "United States", "los angeles": "United States",
    "hollywood": "United States", "madrid": "Spain", "mexico city": "Mexico", "marrakech": "Morocco",
}  # fmt: skip
FLAGS = {
    "Australia": "🇦🇺", "Austria": "🇦🇹", "China": "🇨🇳", "France": "🇫🇷", "Germany": "🇩🇪", "India": "🇮🇳",
    "Italy": "🇮🇹", "Japan": "🇯🇵", "Mexico": "🇲🇽", "New Zealand": "🇳🇿", "Norway": "🇳🇴", "Philippines": "🇵🇭",
    "Poland": "🇵🇱", "Spain": "🇪🇸", "United Arab Emirates": "🇦🇪", "United Kingdom": "🇬🇧", "United States": "🇺🇸",
}  # fmt: skip

# Words that say what kind of answer is wanted (checked in this order: the first rule that matches wins).
_DIRECTOR = {"direct", "directed", "director", "directs"}
_RUNTIME = {"runtime", "minutes", "runs"}
_RATING = {"rated", "rating", "ratings", "bbfc", "mpaa", "mpa", "certificate", "classification", "classified"}
_SCORE = {"rotten", "tomatoes", "metacritic", "cinemascore", "score", "scores", "reviews"}
_MONEY = {"gross", "grossed", "earn", "earned", "make", "made", "money", "office"}
_PREMIERE = {"premiere", "premieres", "premiered", "premiering", "carpet"}
_HOME: dict[str, ReleaseType] = {
    "dvd": "disc", "blu": "disc", "bluray": "disc", "4k": "disc", "disc": "disc", "uhd": "disc",
    "digital": "digital", "digitally": "digital", "rent": "digital", "buy": "digital", "vod": "digital",
    "streaming": "streaming", "stream": "streaming", "paramount": "streaming", "netflix": "streaming",
}  # fmt: skip
_RELEASE = {"release", "released", "releases", "open", "opened", "opens", "cinemas", "cinema", "theaters", "theatres"}
_MEASURE = {"high", "tall", "fast", "long", "far", "deep", "cold", "heavy", "big", "close", "height", "speed"}
_MEASURES_OF_MONEY = {"opening": "opening", "weekend": "opening", "domestic": "domestic", "worldwide": "worldwide",
                      "world": "worldwide", "total": "worldwide", "international": "international",
                      "overseas": "international"}  # fmt: skip
_TOPIC_WORDS = frozenset(
    {*_DIRECTOR, *_RUNTIME, *_RATING, *_SCORE, *_MONEY, *_PREMIERE, *_HOME, *_RELEASE, *_MEASURE, "box", "date", "age"}
)
# What a measure is given in on the cards ("how fast" → "60 mph").
_UNITS = {
    "high": {"ft", "feet", "m", "metres", "meters", "height", "up", "high"},
    "tall": {"ft", "feet", "m", "metres", "meters", "height", "high", "tall"},
    "height": {"ft", "feet", "m", "metres", "height"},
    "fast": {"mph", "km", "h", "speed", "knots"},
    "speed": {"mph", "km", "h", "speed", "knots"},
    "long": {"minutes", "hours", "seconds", "days", "weeks", "months"},
    "far": {"km", "miles", "m", "feet"},
    "deep": {"m", "feet", "metres", "deep"},
    "cold": {"degrees", "minus", "cold"},
    "heavy": {"tons", "tonnes", "kg", "weighed", "weight"},
    "big": {"litres", "tons", "tonnes", "size"},
    "close": {"inch", "inches", "mm", "cm", "close"},
}
# Words every fact shares, or that only say "a question": they neither pick a fact nor show that one fits.
GENERIC = frozenset(
    """tom cruise cruises ethan hunt mission impossible scene scenes stunt stunts bit part happen happened
    does did do done doing get got go going long high tall fast big far deep cold heavy close many much how
    when where who what which whose why was were is are be film films movie movies else other same one
    country countries place places location locations filmed filming shot shoot shooting still come comes out
    came coming s t through across over under up down off while during start end old new really just bit""".split()
)
_NUMBERS = "one two three four five six seven eight nine ten eleven twelve thirteen".split()
_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()
_WHERE = re.compile(  # "the scene where he…" is no question about a place
    r"^where\b|\bwhere (was|were|is|are|did|do|does|can|could|filmed|shot)\b|\blocations?\b"
    r"|\b(which|what) country\b|\b(filmed|shot) (in|at|over)\b"
)
_BEYOND = re.compile(r"\b(?:mission impossible|mi|m i)\s*(9|1[0-9])\b")
_MONTHS = "january february march april may june july august september october november december".split()
_DATE = re.compile(
    r"\b(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)? (?P<m1>[a-z]+) (?P<y1>(?:19|20)\d\d)"
    r"|(?P<m2>[a-z]+) (?P<d2>\d{1,2})(?:st|nd|rd|th)? (?P<y2>(?:19|20)\d\d)"
    r"|(?P<m3>[a-z]+|christmas) (?P<y3>(?:19|20)\d\d))\b"
)


@dataclass(frozen=True)
class When:
    """A date a fan wrote: a day, or only a month ("June 2024")."""

    date: dt.date
    day_known: bool

    def matches(self, day: dt.date) -> bool:
        same_month = (day.year, day.month) == (self.date.year, self.date.month)
        return same_month and (day == self.date or not self.day_known)

    def __str__(self) -> str:
        return long_date(self.date) if self.day_known else f"{self.date:%B %Y}"


def dates_in(text: str) -> list[When]:
    """The dates in a text: "28 June 2024", "June 28, 2024", "June 2024", "Christmas 2015"."""
    found = []
    for m in _DATE.finditer(fold(text)):
        month, day, year = (m["m1"], m["d1"], m["y1"]) if m["m1"] else (m["m2"], m["d2"], m["y2"])
        if m["m3"]:
            month, day, year = ("december", "25", m["y3"]) if m["m3"] == "christmas" else (m["m3"], None, m["y3"])
        if month not in _MONTHS:
            continue
        try:
            found.append(When(dt.date(int(year), _MONTHS.index(month) + 1, int(day or 1)), day is not None))
        except ValueError:
            continue
    return found


def long_date(day: dt.date) -> str:
    """ "8 July 2023": a release date is a calendar day, the same for every fan."""
    return f"{day.day} {day:%B %Y}"


def country_of(text: str) -> str:
    """The pack's name of a country ("United Kingdom (England)" → "United Kingdom")."""
    return text.split("(")[0].strip()


@dataclass(frozen=True)
class Ask:
    """What a question asks for, read from its words alone."""

    text: str  # the question, folded
    topic: Topic | None = None
    film: str | None = None  # the key of the film it names
    old_title: str = ""  # a film's former title it uses ("Dead Reckoning Part Two")
    beyond: str = ""  # a film the franchise does not have yet ("Mission: Impossible 9")
    region: str = ""  # the country it names, as the pack names it
    place: str = ""  # the city or country as written ("paris")
    types: tuple[ReleaseType, ...] = ()
    measure: str = ""  # box office: opening, domestic, international, worldwide
    dates: tuple[When, ...] = ()
    terms: tuple[str, ...] = field(default_factory=tuple)  # the words that say what it is about

    @property
    def about_film(self) -> bool:
        return self.topic in FILM_TOPICS


def film_names(films: Mapping[str, Film]) -> NameIndex:
    """Every way of naming a film, folded, with the film's key: its names, its numbers ("the third film"), the last
    words of a long title when only one film has them ("part one"). The bare "Mission: Impossible" names the
    franchise as often as the 1996 film, so it names neither.

    Made once per films mapping (the store's is cached until the facts change), not once per question: at
    100,000 facts folding 2,000 films' names took most of the time of answering a question."""
    return _made(films).names


@dataclass(frozen=True)
class _Named:
    """A films mapping's names (``film_names``), and those of more than eight letters, the ones a typo in a
    question may still match, as the keys and the names that rapidfuzz compares with the question in one call."""

    films: Mapping[str, Film]
    names: NameIndex
    long_keys: list[str]
    long_names: list[str]


def _made(films: Mapping[str, Film]) -> _Named:
    made = _FILM_NAMES.get(id(films))
    if made is None or made.films is not films:
        _FILM_NAMES.clear()
        names = _names_of(films)
        long = [(key, name) for key, name in names if len(name) > 8]
        made = _FILM_NAMES[id(films)] = _Named(films, NameIndex.of(names), [k for k, _ in long], [n for _, n in long])
    return made


_FILM_NAMES: dict[int, _Named] = {}  # the last mapping asked about


def _names_of(films: Mapping[str, Film]) -> list[tuple[str, str]]:
    names = [(f.key, fold(n)) for f in films.values() for n in f.names]
    for f in films.values():
        if f.installment and f.installment <= len(_ORDINALS):
            nth = _ORDINALS[f.installment - 1]
            names += [(f.key, f"{nth} {w}") for w in ("mission impossible", "film", "movie", "one")]
    tails: dict[str, set[str]] = {}
    for key, name in names:
        words = name.split()
        if len(words) >= 3:
            tails.setdefault(" ".join(words[-2:]), set()).add(key)
    names += [(keys.pop(), tail) for tail, keys in tails.items() if len(keys) == 1 and "impossible" not in tail]
    return [(key, name) for key, name in names if name != "mission impossible"]


def read(question: str, films: Mapping[str, Film]) -> Ask:
    """What the question asks: the kind of answer, and the film, region, release kind and dates it names."""
    text = fold(question)
    words = text.split()
    said = set(words)
    named = longest_names(text, film_names(films))
    if not named:  # a typo in a title: "the final reckonning"
        long = _made(films)  # compared in one call into rapidfuzz: 2,000 films' names at 100,000 facts
        near = process.extract(text, long.long_names, scorer=fuzz.partial_ratio, score_cutoff=90, limit=None)
        named = {long.long_keys[i] for _, _, i in near}
    film = min(named, key=lambda key: films[key].year) if len(named) == 1 else None
    old = next((t for f in films.values() for t in f.previous_titles if _says_title(text, t)), "")
    if old:
        film = next(f.key for f in films.values() if old in f.previous_titles)
    beyond = _BEYOND.search(text)
    nth = next((i + 1 for i, w in enumerate(_ORDINALS) if contains_phrase(text, f"{w} mission impossible")), 0)
    region, place = _place(text)
    types = tuple(dict.fromkeys(t for w in words if (t := _HOME.get(w))))
    topic = _topic(text, said, types, film is not None)
    terms = tuple(w for w in words if w not in STOP_WORDS | GENERIC | _TOPIC_WORDS and not w.isdigit())
    return Ask(
        text=text,
        topic=topic,
        film=film,
        old_title=old,
        beyond=f"Mission: Impossible {beyond[1]}" if beyond else (f"the {_ORDINALS[nth - 1]} film" if nth > 8 else ""),
        region=region,
        place=place,
        types=types if topic == "home" else RELEASE_TOPICS.get(topic or "", ()),
        measure=next((m for w in words if (m := _MEASURES_OF_MONEY.get(w))), ""),
        dates=tuple(dates_in(question)),
        terms=terms,
    )


def _says_title(text: str, title: str) -> bool:
    """Whether the question uses this title, with or without "Mission: Impossible" before it."""
    folded = fold(title)
    return contains_phrase(text, folded) or contains_phrase(text, folded.removeprefix("mission impossible "))


def places_in(text: str) -> list[tuple[str, str]]:
    """Every country a folded text names (as the pack names it), with the words it used, in the text's order:
    "south africa", "abu dhabi" (a city stands for its country), the usual abbreviations ("uk")."""
    found: list[tuple[str, str]] = []
    for name in sorted([*CITIES, *COUNTRIES], key=len, reverse=True):
        if contains_phrase(text, name) and not any(contains_phrase(said, name) for _, said in found):
            found.append((CITIES.get(name) or COUNTRIES[name], name))
    for short, country in PLACE_ABBREVIATIONS.items():
        if contains_phrase(text, short) and not contains_phrase(text, f"tell {short}"):
            found.append((country.title().replace("Of", "of"), short))
    return sorted(found, key=lambda place: f" {text} ".find(f" {place[1]} "))


def _place(text: str) -> tuple[str, str]:
    """The first country a question names, and the words it used."""
    return next(iter(places_in(text)), ("", ""))


def _topic(text: str, said: set[str], types: tuple[ReleaseType, ...], film_named: bool) -> Topic | None:
    how = next((w for w in ("how many", "how much", "how long") if contains_phrase(text, w)), "")
    if said & _DIRECTOR:
        return "director"
    about_film = (film_named and _bare(text)) or re.search(r"\b(film|movie) with\b", text) is not None
    if "running time" in text or said & {"runtime"} or (how == "how long" and about_film):
        return "runtime"
    if how == "how many" and "minutes" in said and film_named:
        return "runtime"
    if said & _SCORE:
        return "score"
    if said & _RATING or contains_phrase(text, "age rating"):
        return "rating"
    money = "box office" in text or "opening weekend" in text or bool(said & {"gross", "grossed"})
    if money or (how == "how much" and said & _MONEY):
        return "box_office"
    if said & _PREMIERE:
        return "premiere"
    if types:
        return "home"
    if said & _RELEASE or re.search(r"\b(come|comes|came|coming) out\b|\bhit (cinemas|theaters)\b", text):
        return "release"
    if contains_phrase(text, "what else") or contains_phrase(text, "same country") or "other films" in text:
        return "also_here"
    if how == "how many":
        return "count"
    if how or re.search(r"\bhow (high|tall|fast|far|deep|cold|heavy|big|close)\b", text):
        return "measure"
    if "who" in said:
        return "who"
    if _WHERE.search(text):
        return "where"
    if "when" in said and said & {"filmed", "shot", "shoot"}:
        return "when_filmed"
    return None


def _bare(text: str) -> bool:
    """Whether "how long is …" asks about the film itself (nothing but the film's name and small words)."""
    rest = [w for w in text.split() if w not in STOP_WORDS and w not in GENERIC]
    return len(rest) <= 3 and not ({"hold", "breath", "take", "took", "train", "training"} & set(rest))


# Fans' words for what the facts call otherwise: each adds the pack's word to the search ("carriages" → "train").
SYNONYMS = {
    "carriages": "train", "carriage": "train", "speeding": "moving", "tallest": "burj", "skyscraper": "building",
    "skydiving": "skydive", "skydive": "halo", "fish": "aquarium", "tank": "aquarium", "wires": "cable",
    "wire": "cable", "computer": "vault", "cia": "langley", "foot": "ankle", "broke": "broken",
    "sprinting": "run", "sprint": "run", "running": "run", "arctic": "svalbard", "freezing": "cold",
    "wing": "biplane", "airplane": "plane", "aeroplane": "plane", "motorbike": "motorcycle", "mountain": "cliff",
    "turbine": "wind", "turbines": "wind", "garage": "car park", "parking": "car park", "breath": "breath hold",
    "underwater": "underwater torus", "sub": "submarine", "blows": "explosion", "blew": "explosion",
    "blow": "explosion", "exploding": "explosion",
}  # fmt: skip


def expand(question: str) -> str:
    """The question with the pack's words for the fan's added, for the search."""
    extra = [SYNONYMS[w] for w in fold(question).split() if w in SYNONYMS]
    return " ".join([question, *extra])


def needs_places(ask: Ask) -> bool:
    """Whether answering needs the filming locations: to check a place the question gives, or to list others."""
    return bool(ask.region) or ask.topic in ("where", "also_here")


# ----------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class Reply:
    """The answer to a question: the fact whose card backs it (None: the bot does not know), the answer line, and
    what the card should show: the lines to highlight, and only the releases of this region and these kinds."""

    fact: Fact | None
    line: str = ""
    marks: tuple[str, ...] = ()  # every one of these is in the card line to highlight
    region: str = ""
    types: tuple[ReleaseType, ...] = ()


def answering_fact(
    ask: Ask, matches: Sequence[Fact], films: Mapping[str, Film], places: Sequence[Location] = ()
) -> Fact | None:
    """The fact whose card will back the answer: the film asked about for a question about a film (the named one,
    else the film of the best match: "who directed the film with the Burj climb"), else the best match."""
    if ask.about_film:
        if ask.film:
            return films[ask.film]
        film = next((m for m in matches[:1] if isinstance(m, Film)), None)
        key = film.key if film else getattr(matches[0], "film", None) if matches else None
        return films.get(key) if key else None
    if not matches:
        return None
    best = matches[0]
    named = [m for m in matches if _names(ask, m) and not isinstance(m, Film)]
    in_film = [m for m in matches if getattr(m, "film", m.key) == ask.film and not isinstance(m, Film)]
    if isinstance(best, Film) and (named or in_film):
        best = (named or in_film)[0]  # "the Rome car chase in Dead Reckoning" asks for the chase, not the film
    elif ask.film and getattr(best, "film", best.key) != ask.film and not _names(ask, best) and in_film:
        best = in_film[0]
    if ask.topic == "where" and isinstance(best, Location):
        stunt = next((m for m in named if isinstance(m, Stunt) and m.locations), None)
        best = next((p for p in places if stunt and p.key == stunt.locations[0]), best)  # the stunt's main place
    elif ask.topic != "where" and isinstance(best, Location) and not (ask.topic is None and _names(ask, best)):
        # "how tall is the Burj Khalifa", "the Vienna opera scene": the stunt shot there tells it best
        best = next((m for m in matches if isinstance(m, Stunt) and best.key in m.locations), best)
    return best


def _linked(one: Fact, other: Fact) -> bool:
    """The same fact, or one points at the other (a stunt at its film or its places)."""
    refs = {f"{kind}:{key}" for _, kind, key in one.references()} | {f"{k}:{v}" for _, k, v in other.references()}
    return one.ref == other.ref or other.ref in refs or one.ref in refs


def confident(ask: Ask, fact: Fact, films: Mapping[str, Film], matches: Sequence[Fact] = ()) -> bool:
    """Whether ``fact`` answers the question, rather than only sharing a word with it: the question names the fact
    (or, for a question about a film, the film), or more than half of its telling words are in the fact's text
    (typos allowed). Measured on the evaluation: this keeps every right answer it had and drops the unrelated
    cards that answered questions about other films, other people and nonsense."""
    if ask.beyond:
        return False
    if ask.about_film and ask.film == fact.key:
        return True
    basis = [fact, *(m for m in matches if _linked(m, fact))]
    if any(_names(ask, each) for each in basis):
        return True
    if not ask.terms:
        return False
    film = films.get(getattr(fact, "film", fact.key))
    texts = [text for each in basis for text in (*each.names, body_text(each))]
    known = set(fold(" ".join([*texts, *(film.names if film else [])])).split())
    found = sum(_known(term, known) or _known(SYNONYMS.get(term, term).split()[0], known) for term in ask.terms)
    return found * 2 > len(ask.terms)


def _names(ask: Ask, fact: Fact) -> bool:
    """Whether the question names the fact (the bare franchise name names no film)."""
    names = (name for name in map(fold, fact.names) if len(name) > 3 and name != "mission impossible")
    return any(contains_phrase(ask.text, name) for name in names)


def _known(term: str, known: set[str]) -> bool:
    if term in known or term.rstrip("s") in known or f"{term}s" in known or term.removesuffix("ing") in known:
        return True
    return any(
        (len(term) >= 4 and word.startswith(term))
        or (len(term) >= 5 and ((len(word) >= 5 and word[:5] == term[:5]) or fuzz.ratio(term, word) >= 85))
        for word in known
    )


def reply(
    ask: Ask,
    fact: Fact | None,
    films: Mapping[str, Film],
    matches: Sequence[Fact] = (),
    releases: Sequence[Release] = (),
    places: Sequence[Location] = (),
) -> Reply:
    """The answer to ``ask`` from ``fact`` (and, for a film, its ``releases``; for a question about places, every
    filming location in ``places``). No fact, or one that does not answer confidently: the bot does not know."""
    if fact is None or not confident(ask, fact, films, matches):
        return Reply(None)
    if isinstance(fact, Film):
        if ask.topic in ("who", "count", "measure", "where", "when_filmed"):
            return Reply(None)  # a stunt's or a place's question that only found a film: not known
        return _about_film(ask, fact, releases)
    if (ask.region and ask.topic in ("where", None, "when_filmed", "also_here")) or ask.topic == "also_here":
        premise = _wrong_place(ask, fact, films, places)
        if premise is not None:
            return premise
    if isinstance(fact, Stunt):
        return _about_stunt(ask, fact, [p for p in places if p.key in fact.locations])
    if isinstance(fact, Location):
        return Reply(fact, f"📍 **{fact.name}** ({fact.country}): {render.clip(fact.filmed, 200)}")
    return Reply(fact)


def _about_film(ask: Ask, film: Film, releases: Sequence[Release]) -> Reply:
    renamed = f"*{ask.old_title}* is now called *{film.title}*. " if ask.old_title else ""
    topic = ask.topic
    if topic in RELEASE_TOPICS:
        found = _releases(ask, film, releases)
        if not found:
            missing = f"I don't have a {render.TYPE_NAMES[ask.types[0]]} date for {film.title}"
            where = f" in {ask.region}" if ask.region else ""
            return Reply(film, f"{renamed}{missing}{where} yet.", types=ask.types)
        first = found[0]
        region = ask.region if any(r.region == ask.region for r in found) else ""
        return Reply(
            film, renamed + _stale(ask, first) + _release_text(first), _release_marks(first), region, ask.types
        )
    if topic == "director":
        return Reply(film, f"🎬 {film.title} was directed by **{film.director}**.", (f"{film.director}",))
    if topic == "runtime" and film.runtime:
        text = render.runtime_text(film).split(" — ")[0]
        return Reply(film, f"⏱️ {film.title} runs **{text}**.", (text,))
    if topic == "rating" and film.ratings:
        ratings = [r for r in film.ratings if ask.region and r.region == ask.region] or [
            r for r in film.ratings if set(fold(r.board).split()) & set(ask.text.split())
        ] or list(film.ratings)  # fmt: skip
        shown = " · ".join(f"**{r.rating}** ({r.board}, {r.region})" for r in ratings)
        return Reply(film, f"🔞 {film.title} is rated {shown}.", (f"**{ratings[0].rating}**",))
    if topic == "score" and film.scores:
        words = set(ask.text.split())
        scores = [s for s in film.scores if set(fold(s.site).split()) & words] or list(film.scores)
        shown = " · ".join(f"{s.site} ({s.audience}): **{s.value}**" for s in scores)
        return Reply(film, f"⭐ {film.title}: {shown}", (f"**{scores[0].value}**",))
    if topic == "box_office" and film.box_office:
        figure = _figure(ask, film)
        about = figure.region if figure.region != "Worldwide" else ""
        period = f", {figure.period}" if figure.period and figure.measure == "opening" else ""
        what = f"{figure.measure.capitalize()}{f' ({about}{period})' if about or period else ''}"
        return Reply(film, f"💰 {film.title} – {what}: **{render.money(figure)}**", (render.money(figure),))
    return Reply(film)


def _releases(ask: Ask, film: Film, releases: Sequence[Release]) -> list[Release]:
    """The releases that answer: of the kinds asked, in the region asked (the first of them everywhere when none
    was asked, or when the region has none), and at the place named ("the London premiere")."""
    words = set(ask.text.split())
    of_kind = sorted(
        (r for r in releases if r.type in ask.types),
        key=lambda r: (not words & set(fold(" ".join([*r.formats, r.platform])).split()), r.type == "preview", r.date),
    )
    if ask.place and ask.place not in (fold(ask.region), *PLACE_ABBREVIATIONS):
        at_place = [r for r in of_kind if contains_phrase(fold(r.place), ask.place)]
        if at_place:
            return at_place
    in_region = [r for r in of_kind if ask.region and country_of(r.region) == ask.region]
    if ask.region:
        return in_region
    us = [r for r in of_kind if r.region == "United States"]
    return of_kind if ask.topic == "premiere" or not us else [*us, *of_kind]


def _release_text(release: Release) -> str:
    flag = FLAGS.get(release.region, "📅")
    where = f" — {render.clip(release.place, 120)}" if release.place else ""
    return f"{flag} {release.region}: **{long_date(release.date)}** ({render.release_what(release)}){where}"


def _release_marks(release: Release) -> tuple[str, ...]:
    return (f"**{release.region}**", render.timestamp(release.date, "D"))


def _stale(ask: Ask, release: Release) -> str:
    """A correction when the question gives an earlier announced date of this release ("June 2024")."""
    for when in ask.dates:
        if when.matches(release.date):
            return ""
        if any(when.matches(h.date) for h in release.history):
            return f"No: {when} was an earlier date; it moved. "
    return ""


def _figure(ask: Ask, film: Film) -> BoxOffice:
    figures = list(film.box_office)
    measure = ask.measure or ("domestic" if ask.region else "worldwide")
    if measure:
        figures = [f for f in figures if f.measure == measure] or figures
    if ask.region:
        figures = [f for f in figures if country_of(f.region).startswith(ask.region)] or figures
    else:
        figures = [f for f in figures if not f.region.startswith(("China", "United Kingdom"))] or figures
    return figures[0]


def _about_stunt(ask: Ask, stunt: Stunt, places: Sequence[Location]) -> Reply:
    head = f"🎬 {stunt.name}"
    if ask.topic in ("count", "measure"):
        line = _best_line(ask, stunt, stunt.numbers)
        if line:
            return Reply(stunt, f"{head}: {render.clip(line, 300)}", (render.clip(line, 60)[:-1] or line,))
    if ask.topic == "who" and stunt.people:
        best = _best_line(ask, stunt, stunt.people, need_overlap=True)
        people = [best] if best else [p for p in stunt.people if not _said(ask, p)][:3]
        return Reply(stunt, f"{head}: **{', '.join(people)}**", tuple(people[:1]))
    if ask.topic == "where":
        where = ", ".join(f"{p.name} ({p.country})" for p in places) or "not verified"
        return Reply(stunt, f"{head}: filmed at **{where}**")
    if ask.topic == "when_filmed" and stunt.filmed:
        return Reply(stunt, f"{head}: filmed {render.clip(stunt.filmed, 200)}")
    return Reply(stunt)


def _said(ask: Ask, text: str) -> bool:
    """Whether the question already names this person or thing (the asker wants someone else)."""
    return any(w in ask.text.split() for w in fold(text.split("(")[0]).split())


def _stem(word: str) -> str:
    return word.rstrip("s")[:5]


def _best_line(ask: Ask, fact: Fact, lines: Iterable[str], *, need_overlap: bool = False) -> str:
    """The line that answers best: sharing the question's words (typos and plurals allowed), given in the unit a
    measure asks for ("how fast" → mph), and with a number right before the thing counted ("13 helicopters")."""
    words = ask.text.split()
    context = {_stem(w) for name in fact.names for w in fold(name).split()}  # they pick the fact, not the line
    asked = {_stem(w) for w in words if w not in STOP_WORDS | GENERIC} - context
    units = set().union(*(_UNITS.get(w, set()) for w in words))
    counted = words[words.index("many") + 1] if "many" in words[:-1] else ""
    best, top = "", 0.0
    for line in lines:
        folded = fold(line).split()
        score = len(asked & {_stem(w) for w in folded}) + 0.5 * len(units & set(folded))
        if counted and number_before(folded, counted):
            score += 2
        if counted and "number" in folded:
            score += 1
        if score > top:
            best, top = line, score
    return best if top or not need_overlap else ""


def number_before(words: list[str], thing: str) -> bool:
    """Whether a number comes right before the thing counted ("13 helicopters", "three working replicas")."""
    numbers = [i for i, w in enumerate(words) if w[0].isdigit() or w in _NUMBERS]
    return any(_stem(w) == _stem(thing) for i in numbers for w in words[i + 1 : i + 5])


def _wrong_place(ask: Ask, fact: Fact, films: Mapping[str, Film], places: Sequence[Location]) -> Reply | None:
    """The place a question gives for a stunt or a film, corrected when the facts put it elsewhere; for "what else
    was filmed there", the other places in the same country."""
    if ask.topic == "also_here":
        home = (
            fact
            if isinstance(fact, Location)
            else next((p for p in places if p.key in getattr(fact, "locations", [])), None)
        )
        if home is None:
            return None
        country = country_of(home.country)
        same = [p for p in places if country_of(p.country) == country and p.key != home.key]
        same.sort(key=lambda p: p.film != home.film)
        names = ", ".join(p.name for p in same[:ALSO_HERE_MAX]) or "nothing else I know of"
        return Reply(home, f"📍 Also filmed in {country}: **{names}**")
    said = render.echo(ask.place.title(), 40)
    if isinstance(fact, Stunt):
        where = [p for p in places if p.key in fact.locations]
        if where and not any(_in(p, ask) for p in where):
            shown = ", ".join(f"{p.name} ({p.country})" for p in where)
            return Reply(fact, f"🎬 Not in {said}: {fact.name} was filmed at **{shown}**.")
        return None
    if isinstance(fact, Location) and ask.film and fact.film != ask.film and _in(fact, ask):
        asked, other = films.get(ask.film), films.get(fact.film)
        if asked and other:
            return Reply(fact, f"📍 None: {said} is in *{other.title}*, not *{asked.title}*. {fact.filmed}")
    return None


def _in(place: Location, ask: Ask) -> bool:
    """Whether a filming location is in the city or country the question names."""
    if ask.place in CITIES:
        return contains_phrase(fold(f"{place.name} {place.place}"), ask.place)
    return country_of(place.country) == ask.region
