"""What only PostgreSQL has, on a real server: migrations when processes start at once, the poster election,
errors that never show the password, the driver as an optional extra, and ``mi-bot db copy`` both ways."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import pytest

import bot.store
from bot.cli import main
from bot.config import PostgresConfig
from bot.errors import StoreUnavailable
from bot.pack import load_pack
from bot.store import Author, open_store
from bot.store.postgres import backend as postgres_backend
from bot.store.postgres.database import numbered
from tests.conftest import PACK
from tests.postgres import database_url
from tests.test_games_store import QUESTION, T0

LUTHER = Author(1, "luther")
MIGRATIONS = len(list((Path(postgres_backend.__file__).parent / "migrations").glob("*.sql")))


def test_placeholders_are_numbered_outside_quoted_text():
    assert numbered("SELECT '?', \"a?\" FROM t WHERE a = ? AND b IN (?, ?)") == (
        "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b IN ($2, $3)"
    )


async def test_two_processes_starting_at_once_migrate_once(postgres_database):
    first, second = await asyncio.gather(open_store(postgres_database), open_store(postgres_database))
    try:
        assert sorted([first.created, second.created]) == [False, True]  # the second waited for the first
        assert [await first.schema_version(), await second.schema_version()] == [MIGRATIONS, MIGRATIONS]
    finally:
        await first.close()
        await second.close()


async def test_exactly_one_process_posts_and_another_takes_over_when_it_stops(seeded_postgres_database):
    often = PostgresConfig(election_seconds=0.05)
    stores = [await open_store(seeded_postgres_database, postgresql=often) for _ in range(3)]
    try:
        leading = [await store.lead() for store in stores]
        assert sorted(leading) == [False, False, True]
        poster = leading.index(True)
        await stores.pop(poster).close()  # its connection ends: the server frees the lock
        async with asyncio.timeout(30):  # only stops a hung test
            while not any([await store.lead() for store in stores]):
                await asyncio.sleep(0.05)
        assert sorted([await store.lead() for store in stores]) == [False, True]
    finally:
        for store in stores:
            await store.close()


async def test_a_database_that_cannot_be_opened_is_one_line_without_the_password(postgres_server, caplog):
    url = database_url(postgres_server, "no_such_database").replace("postgres@", "postgres:s3cret-pw@")
    with caplog.at_level(logging.DEBUG), pytest.raises(StoreUnavailable) as refused:
        await open_store(url)
    message = str(refused.value)
    assert "postgres:***@" in message and "no_such_database" in message and "\n" not in message
    assert "s3cret-pw" not in message + caplog.text


async def test_without_the_driver_a_postgresql_database_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(bot.store, "find_spec", lambda name: None)
    with pytest.raises(StoreUnavailable, match=r"pip install 'mi-fan-bot\[postgresql\]'"):
        await open_store("postgresql://mibot@db.example.org/mibot")


async def lived_in(path: Path) -> None:
    """A SQLite store as a running bot leaves it: seeded, edited, an undo, settings, feed items, a post."""
    store = await open_store(path)
    try:
        await store.seed([load_pack(PACK)])
        entry = await store.entry("release:fr-us")
        await store.update(entry.fact.model_copy(update={"date": dt.date(2025, 5, 30)}), LUTHER, expected=entry)
        edit = (await store.change_sets())[0].id
        await store.undo(edit, LUTHER)
        await store.remove("location:malta", LUTHER)
        await store.update_guild_settings(7, bts_channel_id=8, weekly_pick=True)
        await store.remember_feed_items("https://example.com/feed", ["a", "b"])
        await store.claim_post(7, "video:bts-train")
        await store.update_guild_settings(7, trivia_channel_id=9, trivia_hour=18)
        closes = T0 + dt.timedelta(minutes=1)
        asked = await store.games.start_round(QUESTION, "race", now=T0, closes_at=closes, guild_id=7, channel_id=9)
        await store.games.answer(asked, 1, "luther", QUESTION.right, T0)
        await store.games.remember([7], QUESTION.id, T0)
    finally:
        await store.close()


async def everything(database: Path | str) -> dict[str, object]:
    """What a store answers, through its interface, and its rows, for comparing two copies."""
    store = await open_store(database)
    try:
        return {
            "facts": [line for line in (await store.export()).splitlines() if not line.startswith("exported_at")],
            "history": await store.history("release:fr-us"),
            "removed": await store.removed_facts(),
            "sets": await store.change_sets(),
            "settings": await store.all_guild_settings(),
            "posted": await store.claim_post(7, "video:bts-train"),  # False: already claimed in the source
            "unseen": await store.unseen_feed_items("https://example.com/feed", ["a", "c"]),
            "found": [f.ref for f in await store.search("where did they film the train crash")][:1],
            "games": (await store.games.round(1), await store.games.board(7), await store.games.recent(7)),
        }
    finally:
        await store.close()


def test_db_copy_moves_a_store_to_postgresql_and_back(tmp_path, postgres_database, capsys):
    source, back = tmp_path / "facts.sqlite3", tmp_path / "back.sqlite3"
    asyncio.run(lived_in(source))
    assert main(["db", "copy", "--from", str(source), "--to", postgres_database]) == 0
    out = capsys.readouterr().out
    facts = len(load_pack(PACK).facts())
    assert f"facts: {facts} rows" in out and "posts: 1 rows" in out and "the row counts match" in out
    assert main(["db", "copy", "--from", postgres_database, "--to", str(back)]) == 0

    assert main(["db", "copy", "--from", str(source), "--to", postgres_database]) == 1  # not empty
    assert f"is not empty ({facts} facts" in capsys.readouterr().err
    assert main(["db", "copy", "--from", str(source), "--to", postgres_database, "--replace"]) == 0

    original, on_postgres, copied_back = (asyncio.run(everything(d)) for d in (source, postgres_database, back))
    assert on_postgres == original and copied_back == original
    assert original["posted"] is False and original["unseen"] == {"c"} and original["settings"]
    assert original["games"][0].winner_id == 1 and original["games"][2] == {QUESTION.id}


async def counted_words(store) -> tuple[list[tuple], list[tuple]]:
    """What ``search_words`` and ``search_totals`` say, and what counting the documents again finds."""
    kept = await store.backend.db.fetch(
        'SELECT word, docs FROM search_words WHERE docs > 0 ORDER BY word COLLATE "C"'
    ) + await store.backend.db.fetch("SELECT docs, words FROM search_totals")
    recounted = await store.backend.db.fetch(
        "SELECT word, ndoc FROM ts_stat('SELECT document FROM search_docs') ORDER BY word COLLATE \"C\""
    ) + await store.backend.db.fetch("SELECT count(*), coalesce(sum(words), 0) FROM search_docs")
    return kept, recounted


async def test_search_word_counts_follow_every_write(seeded_postgres_database):
    """The document frequencies bm25 weighs terms by are kept by the writes themselves: an edit, a removal, an undo
    and a new fact leave them as counting every document again would."""
    store = await open_store(seeded_postgres_database)
    try:
        kept, recounted = await counted_words(store)
        assert kept == recounted and kept[-1][0] > 200
        entry = await store.entry("stunt:bike-cliff-jump")
        await store.update(entry.fact.model_copy(update={"summary": "Zyxwv quokka leap."}), LUTHER, expected=entry)
        await store.remove("video:mi1-bts-explosive-exploits", LUTHER)
        removal = (await store.change_sets())[0].id
        await store.undo(removal, LUTHER)
        await store.remove("video:mi1-bts-remarkable", LUTHER)
        kept, recounted = await counted_words(store)
        assert kept == recounted
        assert ("quokka", 1) in kept
        assert [fact.key for fact in await store.search("quokka")] == ["bike-cliff-jump"]
    finally:
        await store.close()


async def test_every_caller_waits_for_the_elections_first_try(postgres_database):
    """Feeds, news and the daily posts all ask at start: none may skip its first round as not elected because
    another asked first."""
    store = await open_store(postgres_database)
    try:
        assert await asyncio.gather(store.lead(), store.lead(), store.lead()) == [True, True, True]
    finally:
        await store.close()
