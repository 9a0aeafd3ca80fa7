"""The store's writes, below Discord: undo that reverts only what a change did and refuses what it cannot do
safely, removals that would break a link, and imports that are all or nothing. Each on a real SQLite file and on
a real PostgreSQL database."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.errors import Conflict, Invalid
from bot.models import Stunt
from bot.pack import load_pack, parse_pack, read_yaml
from bot.store import Author, FactStore, open_store
from bot.store.search import text_match
from bot.store.sqlite.index import fts5
from tests.conftest import PACK, ROOT

LUTHER, ILSA = Author(1, "luther"), Author(2, "ilsa")


@pytest.fixture
async def store(seeded_database: Path | str) -> AsyncIterator[FactStore]:
    """A store of its own (not the bot's), seeded from the shipped pack: on SQLite, then on PostgreSQL."""
    opened = await open_store(seeded_database)
    yield opened
    await opened.close()


async def change(store: FactStore, ref: str, author: Author = LUTHER, **values: object) -> int:
    """Edit a fact as an admin would; the id of the change set it made."""
    entry = await store.entry(ref)
    await store.update(entry.fact.model_copy(update=values), author, expected=entry)
    return (await store.change_sets())[0].id


async def snapshot(store: FactStore) -> list[tuple]:
    """Every fact's row, read past the store's interface."""
    return await store.backend.db.fetch("SELECT kind, key, revision, deleted, doc FROM facts ORDER BY id")


async def test_undo_puts_back_only_the_fields_it_changed(store):
    dated = await change(store, "release:fr-us", date=dt.date(2025, 5, 30))
    await change(store, "release:fr-us", ILSA, note="Memorial Day weekend.")
    undo = await store.undo(dated, LUTHER)
    release = await store.get("release:fr-us")
    assert (release.date, release.note) == (dt.date(2025, 5, 23), "Memorial Day weekend.")
    assert [h.date for h in release.history][-1] == dt.date(2024, 6, 28)  # the moved-date entry went too
    assert undo.action == "undo" and undo.summary.startswith(f"undid #{dated}")
    assert [s.summary.split()[0] for s in await store.change_sets()] == ["undid", "edited"]  # Ilsa's edit stands


async def test_undone_flags_follow_a_chain_of_undos(store):
    """Undo, undo the undo, and so on: each time, the changes undone are the newest undo's target, that
    target's target's target, … (every other one back), in the history and in what undo offers."""
    chain = [await change(store, "release:fr-us", date=dt.date(2025, 5, 30))]
    for _ in range(5):
        chain.append((await store.undo(chain[-1], LUTHER)).id)
        undone = set(chain[-2::-2])
        flags = {c.set_id: c.undone for c in await store.history("release:fr-us") if c.set_id in chain}
        assert flags == {n: n in undone for n in chain}, f"after {len(chain) - 1} undos"
        assert {s.id for s in await store.change_sets()} & set(chain) == set(chain) - undone
    assert (await store.get("release:fr-us")).date == dt.date(2025, 5, 23)  # five undos: the edit is undone


async def test_undo_refuses_when_a_later_change_touched_the_same_field(store):
    first = await change(store, "release:fr-us", date=dt.date(2025, 5, 30))
    later = await change(store, "release:fr-us", ILSA, date=dt.date(2025, 5, 21))
    before = await snapshot(store)
    with pytest.raises(Conflict, match=rf"ilsa changed date, history of release:fr-us later \(change #{later}"):
        await store.undo(first, LUTHER)
    assert await snapshot(store) == before


async def test_undoing_the_later_change_first_lets_the_earlier_one_go(store):
    first = await change(store, "release:fr-us", date=dt.date(2025, 5, 30))
    later = await change(store, "release:fr-us", ILSA, date=dt.date(2025, 5, 21))
    await store.undo(later, LUTHER)
    await store.undo(first, LUTHER)
    assert (await store.get("release:fr-us")).date == dt.date(2025, 5, 23)


async def test_undo_refuses_to_point_at_a_removed_fact(store):
    """The video stops linking the Svalbard stunt, the stunt is removed; bringing the link back would dangle."""
    unlinked = await change(store, "video:bts-svalbard", stunts=[])
    await store.remove("stunt:svalbard-fr", LUTHER)
    before = await snapshot(store)
    with pytest.raises(Conflict, match="video:bts-svalbard › stunts\\[0\\] would point at the missing stunt"):
        await store.undo(unlinked, LUTHER)
    assert await snapshot(store) == before


async def test_undo_refuses_to_use_a_name_twice(store):
    """The carrier stunt is removed and added again under a new key; undoing the removal would duplicate it."""
    carrier = await store.get("stunt:carrier-fr")
    await store.remove(carrier.ref, LUTHER)
    removal = (await store.change_sets())[0].id
    await store.add(carrier.model_copy(update={"key": "uss-bush-carrier"}), LUTHER)
    with pytest.raises(Conflict, match=r"the stunt name '.+' would be used twice"):
        await store.undo(removal, LUTHER)
    assert (await store.entry(carrier.ref, include_deleted=True)).deleted


async def test_a_fact_in_use_cannot_be_removed(store):
    before = await snapshot(store)
    with pytest.raises(Invalid, match=r"still used by stunt .* Edit or remove those first"):
        await store.removable("location:helsetkopen")
    with pytest.raises(Invalid, match="still used by"):
        await store.remove("location:helsetkopen", LUTHER)
    assert await snapshot(store) == before


async def test_removed_facts_are_found_for_restore(store):
    await store.remove("location:malta", LUTHER)
    assert [f.ref for f in await store.removed_facts("malt")] == ["location:malta"]
    assert await store.removed_facts("venice") == []
    await store.restore("location:malta", LUTHER)
    assert await store.removed_facts() == []


async def test_every_change_records_who_when_before_and_after(store):
    when = (await store.get("location:rome")).when
    before = dt.datetime.now(dt.UTC)
    await change(store, "location:rome", ILSA, when="")
    after = dt.datetime.now(dt.UTC)
    (latest, *_) = await store.history("location:rome")
    assert (latest.author_id, latest.author_name, latest.action) == (2, "ilsa", "edit")
    assert latest.fields == ["when"] and (latest.before["when"], latest.after["when"]) == (when, "")
    assert before <= latest.at <= after
    entry = await store.entry("location:rome")
    assert (entry.edited, entry.updated_by) == (True, "ilsa")


async def test_export_reads_back_unchanged(store):
    plan = await store.plan_import(parse_pack(read_yaml(await store.export())))
    assert plan.empty and not plan.conflicts and plan.unchanged == sum((await store.counts()).values())


async def test_an_import_that_would_leave_a_broken_link_is_refused_whole(store):
    """The file drops the Raumabanen location (and the stunt's link to it), but an admin edited that stunt
    after the export: it is kept as stored, still linking the place, so applying would dangle. Nothing is
    written."""
    exported = read_yaml(await store.export())
    exported["locations"] = [loc for loc in exported["locations"] if loc["key"] != "raumabanen"]
    fight = next(s for s in exported["stunts"] if s["key"] == "train-roof-fight")
    fight["locations"] = [key for key in fight["locations"] if key != "raumabanen"]
    await change(store, "stunt:train-roof-fight", filmed="2021")
    plan = await store.plan_import(parse_pack(exported), replace=True)
    assert [f.ref for f, _ in plan.conflicts] == ["stunt:train-roof-fight"]
    before = await snapshot(store)
    with pytest.raises(Invalid, match="would point at the missing location 'raumabanen'"):
        await store.apply_import(plan, LUTHER)
    assert await snapshot(store) == before


async def test_an_import_is_one_change_that_undo_reverts_whole(store):
    before = await snapshot(store)
    exported = read_yaml(await store.export())
    exported["videos"] = [v for v in exported["videos"] if v["key"] != "bts-train"]
    next(r for r in exported["releases"] if r["key"] == "fr-us")["date"] = dt.date(2025, 5, 30)
    plan = await store.plan_import(parse_pack(exported), replace=True)
    set_id = await store.apply_import(plan, LUTHER)
    assert (await store.change_sets())[0].summary == "import: 0 added, 1 changed, 1 removed"
    await store.undo(set_id, LUTHER)
    assert [row[4] for row in (await snapshot(store))] == [row[4] for row in before]
    assert not any(row[3] for row in (await snapshot(store)))


async def test_a_store_holding_names_alike_still_undoes_and_imports_what_does_not_touch_them(store):
    """A store seeded before packs were checked for names that fold alike may hold two such stunts. That blocks
    changes to those stunts (until an admin renames one), not every undo and import, as it did when they checked
    the whole store."""
    pack = load_pack(PACK)
    speed = next(s for s in pack.stunts if s.key == "speed-flying")
    alike = speed.name.upper().replace(" ", "-")  # folds like the name of the speed-flying stunt
    stunts = [
        s.model_copy(update={"aliases": [*s.aliases, alike]}) if s.key == "carrier-fr" else s for s in pack.stunts
    ]
    await store.seed([pack.model_copy(update={"stunts": stunts, "version": pack.version + 1})])

    await store.undo(await change(store, "release:fr-us", date=dt.date(2025, 5, 30)), LUTHER)
    exported = read_yaml(await store.export())
    releases_only = {k: v for k, v in exported.items() if k not in ("stunts", "locations", "videos")}
    next(r for r in releases_only["releases"] if r["key"] == "fr-us")["note"] = "Memorial Day weekend (imported)."
    await store.apply_import(await store.plan_import(parse_pack(releases_only)), LUTHER)
    assert (await store.get("release:fr-us")).note == "Memorial Day weekend (imported)."
    with pytest.raises(Invalid, match=f"The name '{alike}' is already used by the stunt 'speed-flying'"):
        await change(store, "stunt:carrier-fr", summary="Changed.")


async def test_of_two_processes_editing_one_fact_one_wins_and_the_other_loses_nothing(store, seeded_database):
    other = await open_store(seeded_database)  # another process on the same database
    try:
        mine, theirs = await store.entry("stunt:speed-flying"), await other.entry("stunt:speed-flying")
        await other.update(theirs.fact.model_copy(update={"summary": "Theirs."}), ILSA, expected=theirs)
        with pytest.raises(Conflict, match=r"changed by ilsa at .* after you opened it \(changed: summary\)"):
            await store.update(mine.fact.model_copy(update={"summary": "Mine."}), LUTHER, expected=mine)
        assert (await store.get("stunt:speed-flying")).summary == "Theirs."
        assert [await store.claim_post(1, "video:bts-train"), await other.claim_post(1, "video:bts-train")] == [
            True,
            False,
        ]
    finally:
        await other.close()


async def test_a_film_retitled_by_another_process_is_seen_without_a_restart(store, seeded_database):
    """Films are cached per process; the cache follows the change log, whoever wrote to it."""
    other = await open_store(seeded_database)
    try:
        assert (await store.films())["fr"].title == "Mission: Impossible – The Final Reckoning"
        film = await other.entry("film:fr")
        await other.update(
            film.fact.model_copy(update={"title": "The Final Reckoning (retitled)"}), ILSA, expected=film
        )
        # The next command (a task of its own, as discord.py runs each) looks at the change log again.
        assert (await asyncio.create_task(store.films()))["fr"].title == "The Final Reckoning (retitled)"
    finally:
        await other.close()


async def test_the_facts_of_a_film_follow_an_edit_of_the_film(store):
    await change(store, "stunt:speed-flying", film="fr")
    assert "speed-flying" in [stunt.key for stunt in await store.facts(Stunt, film="fr")]
    assert "speed-flying" not in [stunt.key for stunt in await store.facts(Stunt, film="dr1")]


def test_the_interface_and_pure_modules_load_no_database_driver():
    """Rendering, forms and text helpers (and the store's interface and dataclasses) import without a driver: a
    backend is imported when a store is opened."""
    code = (
        "import sys, bot.render, bot.render_admin, bot.forms, bot.text, bot.rules, bot.store; "
        "print([m for m in ('aiosqlite', 'sqlite3', 'asyncpg') if m in sys.modules])"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def match_expression(terms: list[str], counts: dict[str, int], common: int) -> str:
    """The FTS5 query a question's search terms become on SQLite."""
    return fts5(text_match(terms, counts, common))


def test_common_words_only_rank_what_rarer_words_found():
    counts = {"tom": 5000, "bike": 40, "jump": 60, "cruise": 4000, "train": 30}
    assert match_expression(["bike", "jump"], counts, common=1000) == '"bike" OR "jump"'
    assert match_expression(["tom", "bike"], counts, common=1000) == '("bike") AND ("tom" OR "bike")'
    assert match_expression(["tom", "cruise"], counts, common=1000) == '"tom" OR "cruise"'  # nothing rarer
    # an unknown word (perhaps cut short) never becomes required, and a place abbreviation goes with its word
    assert match_expression(["tom", "trai"], counts, common=1000) == '"tom" OR "trai"*'
    assert match_expression(["tom", "uk", "train"], counts | {"uk": 3}, common=1000) == (
        '("uk" OR "united kingdom" OR "train") AND ("tom" OR "uk" OR "united kingdom" OR "train")'
    )
