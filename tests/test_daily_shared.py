"""The daily posts when several bot processes share one PostgreSQL database (on SimCord's virtual clock, from
Thursday 1 January 2026, 00:00 UTC): only the process elected to post posts them, once per server, and it follows
the hours another process's managers chose. The other process is a store opened on the same database, as another
shard's process holds one: what it writes and the poster lock it holds are all the bot under test can know of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import PostgresConfig
from bot.store import FactStore, open_store
from tests.conftest import make_config
from tests.test_daily import posts, subscribe
from tests.test_news import go_to, restart

ELECTION = PostgresConfig(election_seconds=3 * 3600)  # a process that does not post stands again every 3 hours


@pytest.fixture
def config(tmp_path, seeded_postgres_database: str, request: pytest.FixtureRequest):
    if "other_process" in request.fixturenames:  # started before the bot (the autouse contract check starts it)
        request.getfixturevalue("other_process")
    return make_config(tmp_path, database=seeded_postgres_database, postgresql=ELECTION)


@pytest.fixture
async def other_process(seeded_postgres_database: str) -> AsyncIterator[FactStore]:
    """Another process on the database, started first: it holds the poster lock (closing it frees the lock)."""
    store = await open_store(seeded_postgres_database, postgresql=ELECTION)
    assert await store.lead()
    yield store
    await store.close()


async def test_only_the_elected_process_posts_the_daily_posts_and_its_successor_posts_them_once(
    other_process, env, guild, config
):
    servers = [guild, env.create_guild("Second Server")]
    made = [await subscribe(env, server, trivia={"hour": 9}, on_this_day={}) for server in servers]
    await go_to(env, 1, hour=12)  # two days' trivia hours pass, the bot running but not elected
    await restart(env, config, down_until=(23, 0))  # on to 25 January (Dead Reckoning came to Paramount+ in 2024)
    await go_to(env, 24, hour=7)  # a third trivia hour, on a restarted bot
    assert not await env.bot.store.lead()
    assert [posts(m["trivia"]) + posts(m["on_this_day"]) for m in made] == [[], []]  # the other process posts

    await other_process.close()  # the poster stops: the server frees its lock, this process takes over
    await go_to(env, 24, hour=12)
    assert await env.bot.store.lead()
    for channels in made:
        assert [len(posts(channels["on_this_day"])), len(posts(channels["trivia"]))] == [1, 1]
    await go_to(env, 25, hour=8)  # the catch-up hours and the next election rounds post nothing twice
    assert [len(posts(m["on_this_day"])) for m in made] == [1, 1]
    assert [len(posts(m["trivia"])) for m in made] == [1, 1]


async def test_a_daily_hour_chosen_in_another_process_is_kept_by_the_poster(env, guild, config):
    """A manager's /settings ran on another process's shard: no event reaches this one, which posts all the same."""
    trivia = guild.create_text_channel("trivia")
    await go_to(env, 0, hour=1)  # started with no daily posts to make: nothing to wake for on its own
    other = await open_store(config.database, postgresql=ELECTION)
    try:
        await other.update_guild_settings(guild.id, trivia_channel_id=trivia.id, trivia_hour=3)
    finally:
        await other.close()
    await go_to(env, 0, hour=2)
    assert posts(trivia) == []
    await go_to(env, 0, hour=3)
    assert len(posts(trivia)) == 1
    await go_to(env, 1, hour=3)
    assert len(posts(trivia)) == 2
