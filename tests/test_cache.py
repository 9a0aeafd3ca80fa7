"""The answer path's caches (``bot.store.cache``): what a fan asked for before is answered from the memo, without
looking it up or rendering it again, and an edit, made in this process or by another on the same database, shows
in the very next command."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import TypeVar

import pytest

from bot import cards
from bot.models import Stunt
from bot.store import Author, FactStore, open_store
from bot.store.cache import ChangeWatch
from bot.store.sqlite.database import SqliteDatabase
from tests.conftest import buttons, field, prefilled

T = TypeVar("T")
EDITOR = Author(7, "luther_admin")
RETITLED = "Dead Reckoning (retitled)"


async def next_command(work: Awaitable[T]) -> T:
    """``work`` as a command of its own: discord.py runs each interaction in a new task."""

    async def run() -> T:
        return await work

    return await asyncio.create_task(run())


@pytest.fixture
async def stores(seeded_database: Path | str) -> AsyncIterator[tuple[FactStore, FactStore]]:
    """Two stores on one seeded database, as two processes have: on SQLite, then on PostgreSQL."""
    first = await open_store(seeded_database)
    second = await open_store(seeded_database)
    yield first, second
    await first.close()
    await second.close()


async def test_a_card_asked_for_again_is_the_one_already_rendered_until_the_facts_change(stores):
    store, _ = stores
    first = await next_command(cards.card_for(store, await store.find(Stunt, "motorbike")))
    again = await next_command(cards.card_for(store, await store.find(Stunt, "motorbike")))
    assert again is first  # not looked up or rendered again
    entry = await store.find(Stunt, "motorbike")
    await store.update(entry.fact.model_copy(update={"summary": "Rewritten by an admin."}), EDITOR, expected=entry)
    edited = await next_command(cards.card_for(store, await store.find(Stunt, "motorbike")))
    assert edited.embed.description == "Rewritten by an admin."


async def test_an_edit_by_another_process_shows_in_the_next_command(stores):
    """Film and stunt card cached in one process; the other retitles the film and edits the stunt."""
    store, other = stores
    card = await next_command(cards.card_for(store, await store.find(Stunt, "motorbike")))
    assert field(card.embed, "Film") == "Mission: Impossible – Dead Reckoning Part One"
    film = await other.entry("film:dr1")
    await other.update(film.fact.model_copy(update={"title": RETITLED}), EDITOR, expected=film)
    card = await next_command(cards.card_for(store, await store.find(Stunt, "motorbike")))
    assert field(card.embed, "Film") == RETITLED
    assert (await next_command(store.films()))["dr1"].title == RETITLED


async def test_an_edit_of_a_linked_fact_shows_on_the_card_that_links_it(fact_admin, fan, channel):
    """The jump's card shows its video as a button; an admin retitles the video, and the fan's next /stunt shows it."""
    before = await fan.slash(channel, "stunt", name="motorbike")
    assert buttons(before.response)[0]["label"].startswith("▶ Mission: Impossible - Dead Reckoning Part One")
    shown = await fact_admin.slash(channel, "fact edit", fact="video:bts-biggest-stunt")
    await fact_admin.submit_modal(shown, prefilled(shown) | {"title": "The jump, retitled"})
    after = await fan.slash(channel, "stunt", name="motorbike")
    assert buttons(after.response)[0]["label"] == "▶ The jump, retitled"


async def test_a_film_retitled_by_another_process_shows_in_a_fans_next_command(bot, fan, channel):
    """The bot runs on a SQLite file; a script (another process: a store of its own) retitles a film."""
    card = (await fan.slash(channel, "stunt", name="motorbike")).response.embeds[0]
    assert field(card, "Film") == "Mission: Impossible – Dead Reckoning Part One"
    other = await open_store(bot.config.database)
    try:
        film = await other.entry("film:dr1")
        await other.update(film.fact.model_copy(update={"title": RETITLED}), EDITOR, expected=film)
    finally:
        await other.close()
    card = (await fan.slash(channel, "stunt", name="motorbike")).response.embeds[0]
    assert field(card, "Film") == RETITLED


async def test_the_change_log_is_read_once_per_command():
    reads = 0

    async def newest() -> int:
        nonlocal reads
        reads += 1
        return 1

    watch = ChangeWatch(newest)

    async def command() -> None:
        for _ in range(5):  # a command reads the films, the vocabulary, its card…
            await watch.current()

    await next_command(command())
    await next_command(command())
    assert reads == 2
    watch.recheck()  # this process wrote
    await watch.current()
    assert reads == 3


async def test_a_fact_read_again_is_not_parsed_again_and_an_edit_is_read_anew(stores):
    store, _ = stores
    jump = await store.get("stunt:bike-cliff-jump")
    assert await store.get("stunt:bike-cliff-jump") is jump  # parsing (URL checks and all) is most of a read
    entry = await store.entry(jump.ref)
    await store.update(jump.model_copy(update={"filmed": "2020"}), EDITOR, expected=entry)
    assert (await store.get("stunt:bike-cliff-jump")).filmed == "2020"


@pytest.mark.sqlite_only(reason="PostgreSQL has no database thread: asyncpg reads on the event loop")
async def test_a_fans_first_questions_need_no_database_thread(bot, fan, channel):
    """Once the films and the search vocabulary are read (again only after a change), a fan's commands read small,
    indexed rows on the event loop (``Database.now``), so none waits for the database thread: here they are
    answered with that thread gone."""
    store = bot.store
    assert isinstance(store.db, SqliteDatabase)
    assert not (await fan.slash(channel, "search", query="bike jump")).ephemeral  # films and vocabulary
    await store.db.connection.close()  # aiosqlite's reader and its thread
    asked = [
        ("search", {"query": "how many times did Tom Cruise do the cliff jump"}),
        ("search", {"query": "where was the burj climb filmed"}),
        ("stunt", {"name": "halo"}),
        ("location", {"name": "burj"}),
        ("bts", {"topic": "vault"}),
        ("release", {"film": "Fallout"}),
    ]
    for command, options in asked:
        answer = await fan.slash(channel, command, **options)
        assert not answer.ephemeral, (command, options, answer.response.content)


async def test_the_typo_index_is_built_by_the_first_correction_not_by_reading_the_vocabulary(stores):
    """The try-out's one command (a known word) builds no deletion index; the first typo does, and is corrected."""
    store, _ = stores
    assert (await store.find(Stunt, "motorbike")).fact.key == "bike-cliff-jump"
    assert not (await store.vocabulary()).indexed
    assert (await store.find(Stunt, "motorbkie jump")).fact.key == "bike-cliff-jump"
    assert (await store.vocabulary()).indexed


async def test_what_start_up_built_is_out_of_the_collectors_sight_until_the_bot_closes(bot):
    """A full cyclic collection holds up every command: while the bot runs, it skips start-up's objects."""
    assert gc.get_freeze_count() > 10_000
    await bot.close()
    assert gc.get_freeze_count() == 0
