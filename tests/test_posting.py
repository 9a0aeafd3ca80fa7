"""bot.posting: one item posted to many servers, once each, pausing only the servers whose channel broke, the
problem stored as a code and shown in words (the feeds and the news cogs build on this); from a process that runs
some of the shards, to servers on the others' too."""

from __future__ import annotations

import logging

import discord
import pytest

from bot.posting import ChannelProblem, Post, Poster
from tests.conftest import make_config, posts

ONE_OF_TWO = {"shard_count": 2, "shard_ids": [0]}  # this process runs shard 0; another process runs shard 1


@pytest.fixture
def config(request: pytest.FixtureRequest, tmp_path):
    """The config as conftest makes it, or with the ``discord`` shards a test asks for (indirect parametrisation)."""
    overrides = {"discord": request.param} if hasattr(request, "param") else {}
    return make_config(tmp_path, **overrides)


def bts_of(settings) -> int | None:
    return settings.bts_channel_id


async def server_with_bts(env, store, name: str, shard: int | None = None):
    """A server (on ``shard``, if given) whose BTS channel is set (as ``/settings bts-channel`` does); returns that
    channel."""
    guild = env.create_guild(name, shard_id=shard)
    bts = guild.create_text_channel("bts")
    await store.update_guild_settings(guild.id, bts_channel_id=bts.id)
    return bts


async def test_an_item_is_posted_once_to_every_server_with_a_channel(env, bot, store):
    first, second = await server_with_bts(env, store, "First"), await server_with_bts(env, store, "Second")
    env.create_guild("No settings").create_text_channel("general")
    poster = Poster(bot)

    assert len(await poster.publish("video:x", bts_of, Post("New video"))) == 2
    assert len(await poster.publish("video:x", bts_of, Post("New video"))) == 0  # a repeat (a restart, a race)
    assert posts(first) == posts(second) == ["New video"]


async def test_a_broken_channel_pauses_only_its_server_with_the_problem_as_a_code(env, bot, store, caplog):
    gone, refused, fine = [await server_with_bts(env, store, name) for name in ("Gone", "Refused", "Fine")]
    env.backend.delete_channel(gone.id)
    env.inject_error("POST", f"/channels/{refused.id}/messages", status=403, code=50013, message="Missing Permissions")
    caplog.set_level(logging.WARNING, logger="bot.posting")

    assert len(await Poster(bot).publish("video:x", bts_of, Post("New video"))) == 1

    assert posts(fine) == ["New video"]
    today = discord.utils.utcnow().date()
    stored = {channel.id: (await store.guild_settings(channel.guild.id)).disabled_reason for channel in (gone, refused)}
    assert stored[gone.id] == f"deleted {today} {gone.id}"
    assert stored[refused.id] == f"refused {today} {refused.id} Missing Permissions"
    assert caplog.text.count("Posting paused") == 2
    assert f"deleted {today} {gone.id}" in caplog.text  # the log line names the problem too


async def test_a_paused_server_gets_nothing_until_its_channel_is_set_again(env, bot, store):
    bts = await server_with_bts(env, store, "Paused")
    paused = ChannelProblem("deleted", 1).code()
    await store.update_guild_settings(bts.guild.id, disabled_reason=paused)
    poster = Poster(bot)
    assert len(await poster.publish("video:x", bts_of, Post("New video"))) == 0

    await store.update_guild_settings(bts.guild.id, disabled_reason=None)  # what setting a channel does
    assert len(await poster.publish("video:y", bts_of, Post("Newer video"))) == 1
    assert posts(bts) == ["Newer video"]


async def test_a_passing_failure_is_not_a_pause_and_the_item_may_be_posted_later(env, bot, store):
    bts = await server_with_bts(env, store, "Flaky")
    env.inject_error("POST", f"/channels/{bts.id}/messages", status=400, message="injected by the test", times=1)
    poster = Poster(bot)
    assert len(await poster.publish("video:x", bts_of, Post("New video"))) == 0
    assert (await store.guild_settings(bts.guild.id)).disabled_reason is None
    assert len(await poster.publish("video:x", bts_of, Post("New video"))) == 1
    assert posts(bts) == ["New video"]


@pytest.mark.parametrize("config", [ONE_OF_TWO], indirect=True)
async def test_servers_on_another_process_s_shards_get_posts_by_channel_id_and_a_refusal_pauses_one(
    env, bot, store, caplog
):
    here = await server_with_bts(env, store, "Here", shard=0)
    there, gone = [await server_with_bts(env, store, name, shard=1) for name in ("There", "Gone")]
    env.backend.delete_channel(gone.id)  # only Discord can tell: this process has no cache of shard 1's servers
    assert bot.get_guild(there.guild.id) is None and bot.get_guild(here.guild.id) is not None
    caplog.set_level(logging.WARNING, logger="bot.posting")

    async def compose(guild_id: int, channel_id: int) -> Post:  # as the daily question is made for each server
        return Post(f"Made for {guild_id} in {channel_id}")

    sent = await Poster(bot).publish("video:x", bts_of, compose)

    assert sent.keys() == {here.guild.id, there.guild.id}
    assert posts(here) == [f"Made for {here.guild.id} in {here.id}"]
    assert posts(there) == [f"Made for {there.guild.id} in {there.id}"]
    paused = ChannelProblem.from_code((await store.guild_settings(gone.guild.id)).disabled_reason)
    assert (paused.cause, paused.channel_id, paused.since) == ("refused", gone.id, discord.utils.utcnow().date())
    assert paused.detail  # what Discord said
    assert (await store.guild_settings(there.guild.id)).disabled_reason is None
    assert caplog.text.count("Posting paused") == 1
