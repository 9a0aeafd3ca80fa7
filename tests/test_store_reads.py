"""The store's reads that must stay small at any size (issue #15): countries and regions, lists by place, facts
drawn at random, removed facts and dated facts by day of the year, each read by index, and each kept in step with
every write. On a real SQLite file and on a real PostgreSQL database, against what reading the whole kind says."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.anniversaries import anniversaries, stunt_dates
from bot.models import Location, Release, Stunt, Video
from bot.pack import parse_pack, read_yaml
from bot.store import Author, FactStore, open_store
from bot.store import facts as store_facts
from bot.store import names as store_names
from bot.text import contains_phrase, fold
from tests.conftest import seeded_copy

LUTHER = Author(1, "luther")


@pytest.fixture
async def store(seeded_database: Path | str) -> AsyncIterator[FactStore]:
    opened = await open_store(seeded_database)
    yield opened
    await opened.close()


async def every_place(store: FactStore) -> dict[str, list[str]]:
    """Each sort of place, read the slow way: from every location and release."""
    locations, releases = await store.facts(Location), await store.facts(Release)
    return {
        "country": sorted({p.country for p in locations}, key=str.casefold),
        "region": sorted({r.region for r in releases if not r.premiere}, key=str.casefold),
        "premiere": sorted({r.region for r in releases if r.premiere}, key=str.casefold),
    }


async def test_places_are_each_country_and_region_once(store):
    slow = await every_place(store)
    for what in ("country", "region", "premiere"):
        assert await store.places([what]) == slow[what]
    both = await store.places(["region", "premiere"])
    assert both == sorted({*slow["region"], *slow["premiere"]}, key=str.casefold)


@pytest.mark.parametrize(
    ("typed", "regions"),
    [
        ("us", ["United States"]),
        ("usa", ["United States"]),
        ("U.S.", ["United States"]),
        ("america", ["United States"]),
        ("uk", ["United Kingdom"]),
        ("britain", ["United Kingdom"]),
        ("Great Britain", ["United Kingdom"]),
        ("united", ["United Kingdom", "United States"]),
        ("ger", ["Germany"]),
        ("narnia", []),
    ],
)
async def test_regions_are_found_as_fans_type_them(store, typed, regions):
    assert await store.places(["region"], typed) == regions


async def test_countries_are_found_by_abbreviation(store):
    assert await store.places(["country"], "uk") == ["United Kingdom (England)", "United Kingdom (Scotland)"]
    assert await store.places(["country"], "uae") == ["United Arab Emirates"]
    assert "Norway" in await store.places(["region", "premiere"], "nor")  # a premiere's region only


async def test_lists_by_place_are_those_of_the_whole_kind(store):
    locations = await store.facts(Location)
    for country in await store.places(["country"]):
        assert await store.facts(Location, places=[country]) == [p for p in locations if p.country == country]
    releases = await store.facts(Release)
    assert await store.facts(Release, places=["United States"]) == [r for r in releases if r.region == "United States"]
    assert await store.facts(Location, places=[]) == []
    assert await store.facts(Location, places=["Italy"], limit=1) == [p for p in locations if p.country == "Italy"][:1]


async def test_a_list_is_read_a_page_at_a_time_and_counted(store):
    locations, stunts = await store.facts(Location), await store.facts(Stunt)
    italy = [p for p in locations if p.country.startswith("Italy")]
    pages = [await store.facts(Location, limit=3, offset=at) for at in range(0, len(locations) + 3, 3)]
    assert [p for page in pages for p in page] == locations and pages[-1] == []
    assert await store.facts(Location, places=["Italy", "Italy (offshore)"], limit=2, offset=1) == italy[1:3]
    assert await store.count(Location) == len(locations)
    assert await store.count(Location, places=["Italy", "Italy (offshore)"]) == len(italy) > 1
    assert await store.count(Location, places=[]) == 0 and await store.count(Location, places=["Narnia"]) == 0
    fallout = [s for s in stunts if s.film == "mi6"]
    assert await store.count(Stunt, film="mi6") == len(fallout) > 1
    assert await store.facts(Stunt, film="mi6", limit=1, offset=1) == fallout[1:2]
    await store.remove("location:malta", LUTHER)
    assert await store.count(Location) == len(locations) - 1  # removed facts are not counted


async def test_places_follow_edits_removals_restores_and_undo(store):
    malta = await store.entry("location:malta")
    assert "Malta" in await store.places(["country"])
    await store.update(malta.fact.model_copy(update={"country": "Gozo"}), LUTHER, expected=malta)
    assert "Gozo" in await store.places(["country"]) and "Malta" not in await store.places(["country"])
    assert [p.key for p in await store.facts(Location, places=["Gozo"])] == ["malta"]
    edit = (await store.change_sets())[0].id
    await store.remove("location:malta", LUTHER)
    assert "Gozo" not in await store.places(["country"]) and await store.facts(Location, places=["Gozo"]) == []
    await store.restore("location:malta", LUTHER)
    assert "Gozo" in await store.places(["country"])
    await store.undo(edit, LUTHER)
    assert "Malta" in await store.places(["country"]) and "Gozo" not in await store.places(["country"])
    assert await store.places(["country"]) == (await every_place(store))["country"]


async def test_places_follow_an_import(store):
    exported = read_yaml(await store.export())
    next(r for r in exported["releases"] if r["key"] == "fr-us")["region"] = "Atlantis"
    await store.apply_import(await store.plan_import(parse_pack(exported)), LUTHER)
    assert "Atlantis" in await store.places(["region"], "atl")
    assert await store.places(["region"]) == (await every_place(store))["region"]


async def test_a_sample_is_live_facts_of_those_kinds_each_once(store):
    await store.remove("video:bts-train", LUTHER)
    videos = {v.ref for v in await store.facts(Video)}
    assert {v.ref for v in await store.sample(Video, 100)} == videos  # every one, once, the removed one never
    drawn = Counter()
    for _ in range(30):
        three = await store.sample((Stunt, Location), 3)
        assert len({f.ref for f in three}) == 3 and {f.kind for f in three} <= {"stunt", "location"}
        drawn.update(f.ref for f in three)
    assert len(drawn) > 10  # random, and from both kinds
    assert {ref.split(":")[0] for ref in drawn} == {"stunt", "location"}
    assert await store.sample(Video, 0) == []


async def test_removed_facts_are_read_page_by_page_newest_first(store, monkeypatch):
    monkeypatch.setattr(store_facts, "REMOVED_PAGE", 2)
    refs = ["location:malta", "video:bts-train", "video:trailer-dr1", "video:bts-svalbard", "video:trailer-fr"]
    for ref in refs:
        await store.remove(ref, LUTHER)
    removed = [f.ref for f in await store.removed_facts()]
    assert removed == refs[::-1]
    assert [f.ref for f in await store.removed_facts("malt")] == ["location:malta"]  # found on the third page
    assert [f.ref for f in await store.removed_facts(limit=3)] == removed[:3]
    assert await store.removed_facts("nothing like it") == []


async def test_an_older_sqlite_file_gets_its_places_when_opened(tmp_path):
    """Migration 0007 on a file of schema 6 (PostgreSQL's 0003 runs on each new database of the tests above)."""
    path = seeded_copy(tmp_path / "facts.sqlite3")
    with sqlite3.connect(path) as db:
        db.executescript(
            "DROP TABLE places; DROP TABLE days; DROP INDEX facts_live; DROP INDEX facts_removed; "
            "PRAGMA user_version = 6;"
        )
    store = await open_store(path)
    try:
        assert await store.schema_version() >= 7
        assert await store.places(["country"]) == (await every_place(store))["country"]
        assert await store.places(["premiere"]) == (await every_place(store))["premiere"]
    finally:
        await store.close()


YEAR = [dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(366)]  # a leap year: every day of the year


async def every_day_is_as_the_whole_kinds_say(store: FactStore) -> None:
    """Each day's dated facts, and the days with anniversaries up to a day, as reading every release and stunt
    says (``bot.anniversaries`` on all of them, as /onthisday did)."""
    releases, stunts, films = await store.facts(Release), await store.facts(Stunt), await store.films()
    for date in YEAR:
        on = (date.month, date.day)
        assert await store.dated(*on) == (
            [r for r in releases if (r.date.month, r.date.day) == on],
            [s for s in stunts if on in {(d.month, d.day) for d, _ in stunt_dates(s)}],
        )
    for until in (dt.date(2018, 7, 1), dt.date.today()):
        having = {(d.month, d.day) for d in YEAR if anniversaries(releases, stunts, films, d.month, d.day, until)}
        assert await store.days(until) == having


async def test_dated_facts_by_day_are_those_of_the_whole_kinds(store):
    await every_day_is_as_the_whole_kinds_say(store)
    releases, stunt = await store.dated(7, 27), await store.get("stunt:mi6-rooftop-ankle")
    assert {r.key for r in releases[0]} >= {"mi6-us", "mi6-in"} and await store.dated(8, 13) == ([], [stunt])
    assert (7, 27) in await store.days(dt.date(2018, 7, 27)) and (7, 27) not in await store.days(dt.date(2018, 7, 26))


async def test_dated_facts_follow_edits_removals_restores_and_undo(store):
    ankle = await store.entry("stunt:mi6-rooftop-ankle")
    redated = ankle.fact.model_copy(update={"filmed": "Monday 14 August 2017 and 2 January 2018, in London"})
    await store.update(redated, LUTHER, expected=ankle)
    assert await store.dated(8, 13) == ([], []) and (8, 13) not in await store.days(dt.date.today())
    assert [s.key for s in (await store.dated(1, 2))[1]] == ["mi6-rooftop-ankle"]
    edit = (await store.change_sets())[0].id
    fr = await store.entry("release:fr-us")
    await store.update(fr.fact.model_copy(update={"date": dt.date(2025, 1, 2)}), LUTHER, expected=fr)
    assert [f.key for fs in await store.dated(1, 2) for f in fs] == ["fr-us", "mi6-rooftop-ankle"]
    await every_day_is_as_the_whole_kinds_say(store)
    await store.remove("release:fr-us", LUTHER)
    assert [f.key for fs in await store.dated(1, 2) for f in fs] == ["mi6-rooftop-ankle"]
    await store.restore("release:fr-us", LUTHER)
    assert [f.key for fs in await store.dated(1, 2) for f in fs] == ["fr-us", "mi6-rooftop-ankle"]
    await store.undo(edit, LUTHER)
    assert await store.dated(8, 13) == ([], [ankle.fact]) and await store.dated(8, 14) == ([], [])
    await every_day_is_as_the_whole_kinds_say(store)


async def test_dated_facts_follow_an_import(store):
    exported = read_yaml(await store.export())
    next(r for r in exported["releases"] if r["key"] == "fr-us")["date"] = "2025-01-02"
    await store.apply_import(await store.plan_import(parse_pack(exported)), LUTHER)
    assert [r.key for r in (await store.dated(1, 2))[0]] == ["fr-us"]
    await every_day_is_as_the_whole_kinds_say(store)


async def test_an_older_sqlite_file_gets_its_days_when_opened(tmp_path):
    """Migration 0008 and the days read when the store opens, on a file of schema 7 (PostgreSQL's 0005 runs on each
    new database of the tests above, with no facts yet)."""
    path = seeded_copy(tmp_path / "facts.sqlite3")
    with sqlite3.connect(path) as db:
        db.executescript("DROP TABLE days; PRAGMA user_version = 7;")
    store = await open_store(path)
    try:
        assert await store.schema_version() >= 8
        await every_day_is_as_the_whole_kinds_say(store)
    finally:
        await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM days WHERE day IS NULL").fetchone() == (0,)


async def test_typo_correction_follows_writes(store):
    """A word that arrives with an edit is corrected to at once, and one that left with a removal no longer is."""
    assert await store.corrected(["zanzibarra"]) == ["zanzibarra"]
    malta = await store.entry("location:malta")
    renamed = malta.fact.model_copy(update={"name": "Zanzibar Harbour", "aliases": []})
    await store.update(renamed, LUTHER, expected=malta)
    assert await store.corrected(["zanzibarra", "harbuor"]) == ["zanzibar", "harbour"]
    assert [f.ref for f in await store.suggest(Location, "zanzibra harbour")][:1] == ["location:malta"]
    await store.remove("location:malta", LUTHER)
    assert await store.corrected(["zanzibarra"]) == ["zanzibarra"]


async def test_a_sample_of_one_film_is_its_facts_each_once(store):
    fallout = {f.ref for kind in (Stunt, Location, Release) for f in await store.facts(kind, film="mi6")}
    assert {f.ref for f in await store.sample((Stunt, Location, Release), 1000, film="mi6")} == fallout
    two = await store.sample((Stunt, Location, Release), 2, film="mi6")
    assert len({f.ref for f in two}) == 2 and {f.ref for f in two} <= fallout
    assert await store.sample(Stunt, 10, film="no-such-film") == []


MESSAGE = (
    "The HALO jump! Then the helicopter chase, and Cruise's bike-cliff jump.\n"
    "Nothing here about the train; the aquarium explosion, though, twice: Aquarium Explosion."
)


async def test_named_facts_are_those_whose_names_a_text_says_as_whole_words(store, monkeypatch):
    """The same as matching every stunt's names against the text (folded, longer than 3 characters, whole
    words), in the order the stunts were added, in one look-up or in several."""
    said = fold(MESSAGE)
    stunts = await store.facts(Stunt)
    expected = [s for s in stunts if any(len(fold(n)) > 3 and contains_phrase(said, fold(n)) for n in s.names)]
    assert len(expected) >= 3 and "bike-cliff-jump" in {s.key for s in expected}
    assert await store.named(Stunt, MESSAGE) == expected
    monkeypatch.setattr(store_names, "NAMED_CHUNK", 3)
    assert await store.named(Stunt, MESSAGE) == expected
    await store.remove("video:bts-biggest-stunt", LUTHER)  # what points at the bike jump, then the jump itself
    await store.remove("stunt:bike-cliff-jump", LUTHER)
    assert await store.named(Stunt, MESSAGE) == [
        s for s in expected if s.key != "bike-cliff-jump"
    ]  # removed: not named
    assert await store.named(Stunt, "A TGV, or M3?") == []  # a name of 3 characters or fewer is not looked for
    assert await store.named(Location, "") == []


async def test_facts_by_key_read_only_those_rows(tmp_path):
    """Two keys cost about twice one key and a sort, not a walk through every live fact of the kind (which
    ``ORDER BY id`` alone made SQLite choose, for two keys or more: 4 ms at 100,000 facts). Counted in SQLite's VM
    steps, on the connection that small reads use (each read is made once before it is counted: the first one
    loads the schema)."""
    store = await open_store(seeded_copy(tmp_path / "facts.sqlite3"))
    connection = store.db.now.connection  # type: ignore[attr-defined]
    try:
        locations = [p.key for p in await store.facts(Location)]
        assert len(locations) > 20

        async def steps(keys: list[str]) -> int:
            assert [p.key for p in await store.facts(Location, keys=keys)] == keys
            counted = Counter[str]()
            connection.set_progress_handler(lambda: counted.update(["step"]), 1)  # type: ignore[func-returns-value]
            assert [p.key for p in await store.facts(Location, keys=keys)] == keys
            connection.set_progress_handler(None, 1)
            return counted["step"]

        one, two = await steps(locations[:1]), await steps(locations[-2:])
        assert 0 < two <= 5 * one, (one, two)  # two reads and their sorting (66 against 18); every place: 448
    finally:
        await store.close()
