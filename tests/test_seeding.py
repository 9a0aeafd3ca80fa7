"""Seeding and migrations: first start, later starts, and a newer pack beside an admin's edit."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.models import Fact, Film, Location, Release, Stunt, Video
from bot.pack import Pack, fact_hash, load_pack
from bot.store import PACK_AUTHOR, Author, open_store
from bot.store.store import Store
from tests.conftest import PACK, drop_postgres_database, new_postgres_database

ADMIN = Author(42, "luther")
MIGRATIONS = (Path(__file__).parent.parent / "bot/store/sqlite/migrations").glob("*.sql")
LATEST_SCHEMA = max(int(script.name.split("_", 1)[0]) for script in MIGRATIONS)  # the number of the last one


async def test_an_empty_file_is_migrated_and_seeded_once(database: Path | str) -> None:
    store = await open_store(database)
    try:
        assert await store.schema_version() >= 1
        first = await store.seed([load_pack(PACK)])
        second = await store.seed([load_pack(PACK)])
        counts = await store.counts()
    finally:
        await store.close()
    assert first.added == sum(counts.values()) == len(load_pack(PACK).facts())
    assert (second.added, second.updated, second.conflicts) == (0, 0, 0)
    pack = load_pack(PACK)
    assert counts == {fact.kind: len([f for f in pack.facts() if f.kind == fact.kind]) for fact in pack.facts()}


async def test_reopening_keeps_everything(database: Path | str) -> None:
    store = await open_store(database)
    await store.seed([load_pack(PACK)])
    await store.close()
    store = await open_store(database)
    try:
        assert (await store.find(Stunt, "motorbike")).fact.key == "bike-cliff-jump"
    finally:
        await store.close()


async def seed_one_by_one(store: Store, pack: Pack) -> None:
    """Seeding as it was before it was done in bulk: one change set, each fact written by itself (``_put``, what
    seeding still does with a fact the pack changed)."""
    async with store._transaction() as tx:
        set_id = await store._new_set(tx, "seed", "data pack", PACK_AUTHOR)
        for fact in pack.facts():
            await store._put(tx, set_id, fact, PACK_AUTHOR, edited=False)
            await tx.execute("UPDATE facts SET pack_hash = ? WHERE kind = ? AND key = ?", (fact_hash(fact), *ref(fact)))


def ref(fact: Fact) -> tuple[str, str]:
    return fact.kind, fact.key


async def contents(store: Store) -> dict[str, Any]:
    """Everything seeding writes, facts named by reference instead of by id (ids depend on the backend), and what
    the search index answers: the name and text of every fact looked up, and every word it knows."""
    by_fact = "SELECT f.kind, f.key, {} FROM {} t JOIN facts f ON f.id = t.fact_id ORDER BY f.id, {}"
    facts = (await store.facts(Film)) + [f for cls in (Release, Stunt, Location, Video) for f in await store.facts(cls)]
    return {
        "facts": await store.db.fetch(
            "SELECT kind, key, doc, film, revision, deleted, edited, pack_hash, updated_by FROM facts ORDER BY id"
        ),
        "names": await store.db.fetch(by_fact.format("t.kind, t.folded, t.name, t.primary_name", "names", "t.id")),
        "links": await store.db.fetch(by_fact.format("t.target", "links", "t.target")),
        "changes": await store.db.fetch(by_fact.format("t.action, t.before, t.after", "changes", "t.id")),
        "sets": await store.db.fetch("SELECT action, summary, author_id, author_name FROM change_sets ORDER BY id"),
        "vocabulary": await store.index.vocabulary(store.db),
        "suggest": [[f.ref for f in await store.suggest(None, fact.label)] for fact in facts],
        "search": [[f.ref for f in await store.search(fact.label)] for fact in facts],
    }


async def test_seeding_in_bulk_stores_what_seeding_fact_by_fact_did(
    database: Path | str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pack = load_pack(PACK)
    if isinstance(database, Path):
        other: Path | str = tmp_path / "one-by-one.sqlite3"
    else:
        other = await new_postgres_database(request.getfixturevalue("postgres_server"))
    bulk, one_by_one = await open_store(database), await open_store(other)
    try:
        report = await bulk.seed([pack])
        await seed_one_by_one(one_by_one, pack)
        seeded, expected = await contents(bulk), await contents(one_by_one)
        again = await bulk.seed([pack])
    finally:
        await bulk.close()
        await one_by_one.close()
        if isinstance(other, str):
            await drop_postgres_database(request.getfixturevalue("postgres_server"), other)
    assert report.added == len(pack.facts()) == len(seeded["facts"])
    for part, rows in expected.items():
        assert seeded[part] == rows, part
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(pack.facts()))


def newer(pack: Pack, key: str, **changes: object) -> Pack:
    stunts = [s.model_copy(update=changes) if s.key == key else s for s in pack.stunts]
    return pack.model_copy(update={"stunts": stunts, "version": pack.version + 1})


async def test_a_newer_pack_updates_unedited_facts_but_never_an_admins_edit(database: Path | str) -> None:
    pack = load_pack(PACK)
    store = await open_store(database)
    try:
        await store.seed([pack])
        edited = await store.entry("stunt:speed-flying")
        await store.update(
            edited.fact.model_copy(update={"summary": "Corrected by an admin."}),
            ADMIN,
            expected=edited,
        )
        update = newer(newer(pack, "speed-flying", summary="Pack v2 text."), "train-roof-fight", summary="Pack v2.")
        report = await store.seed([update])
        kept: Stunt = await store.get("stunt:speed-flying")
        updated: Stunt = await store.get("stunt:train-roof-fight")
        history = await store.history("stunt:speed-flying")
        again = await store.seed([update])
    finally:
        await store.close()
    assert (report.updated, report.conflicts) == (1, 1)
    assert kept.summary == "Corrected by an admin."
    assert updated.summary == "Pack v2."
    conflict = history[0]
    assert conflict.action == "conflict" and conflict.after["summary"] == "Pack v2 text."
    assert (again.updated, again.conflicts) == (0, 0)


def as_first_schema(path: Path) -> None:
    """Turn a database back into the first schema's layout (before migration 2 added look-up indexes,
    migration 3 gave releases a type instead of a premiere flag, migration 4 a film column to facts,
    migration 5 added trivia's tables and settings, migration 7 the places table and partial indexes and migration 8
    the days table)."""
    with closing(sqlite3.connect(path)) as db:
        db.executescript(
            """
            UPDATE facts SET doc = json_set(json_remove(doc, '$.type'), '$.premiere',
                json(CASE WHEN json_extract(doc, '$.type') = 'premiere' THEN 'true' ELSE 'false' END))
                WHERE kind = 'release';
            DROP TABLE names_fts; DROP TABLE links; DROP TABLE places; DROP INDEX facts_live; DROP INDEX facts_removed;
            DROP TABLE days;
            CREATE TABLE old_names (fact_id INTEGER NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
                kind TEXT NOT NULL, folded TEXT NOT NULL, name TEXT NOT NULL, primary_name INTEGER NOT NULL);
            INSERT INTO old_names SELECT fact_id, kind, folded, name, primary_name FROM names;
            DROP TABLE names; ALTER TABLE old_names RENAME TO names;
            CREATE INDEX names_by_kind ON names (kind, folded); CREATE INDEX names_by_fact ON names (fact_id);
            DROP INDEX facts_by_film; ALTER TABLE facts DROP COLUMN film; DROP INDEX changes_by_set;
            DROP TABLE trivia_rounds; DROP TABLE trivia_answers; DROP TABLE trivia_scores; DROP TABLE trivia_seen;
            ALTER TABLE guild_settings DROP COLUMN trivia_channel_id;
            ALTER TABLE guild_settings DROP COLUMN trivia_hour;
            ALTER TABLE guild_settings DROP COLUMN on_this_day_channel_id;
            PRAGMA user_version = 1;
            """
        )


async def test_a_database_of_the_first_schema_is_migrated_with_its_data(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "facts.sqlite3")
    await store.seed([load_pack(PACK)])
    await store.close()
    as_first_schema(tmp_path / "facts.sqlite3")
    store = await open_store(tmp_path / "facts.sqlite3")
    try:
        assert await store.schema_version() == LATEST_SCHEMA
        rome: Release = await store.get("release:dr1-rome-premiere")
        assert rome.type == "premiere" and (await store.get("release:dr1-us")).type == "cinema"
        shipped = {r.key for r in load_pack(PACK).releases if r.film == "fr"}
        assert {r.key for r in await store.facts(Release, film="fr")} == shipped  # the film column, filled in
        assert [f.key for f in await store.suggest(Stunt, "cliff motorc")][:1] == ["bike-cliff-jump"]  # word prefixes
        assert "bike-cliff-jump" in [s.key for s in await store.linked(Stunt, "location:helsetkopen")]
        assert await store.places(["region"], "uk") == ["United Kingdom"]  # places, from the premiere flags' types
        assert [s.key for s in (await store.dated(8, 13))[1]] == ["mi6-rooftop-ankle"]  # days, read when opened
        assert "bts-biggest-stunt" in [v.key for v in await store.suggest(Video, "stunt")]
        await store.remove("video:bts-biggest-stunt", ADMIN)  # the look-up rows of a removed fact go with it
        assert "bts-biggest-stunt" not in [v.key for v in await store.suggest(Video, "stunt")]
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "facts.sqlite3") as db:
        flags = "SELECT count(*) FROM facts WHERE json_type(doc, '$.premiere') IS NOT NULL"
        assert db.execute(flags).fetchone() == (0,)  # stored documents have the new shape
