"""Proves tests/fake_discord.py against a plain, unmodified discord.py ``commands.Bot``."""

from __future__ import annotations

import asyncio
import json
import zlib

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
import yarl
from discord.ext import commands

from tests.fake_discord import FakeDiscord


@pytest.fixture(autouse=True)
def pointed_at_fake(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py pointed at the fake (both globals restored by monkeypatch)."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))


def make_bot() -> commands.Bot:
    """The simplest slash-command bot: ``/ping`` answers ``pong``."""
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,  # no prefix commands: avoids the message-content warning
        intents=discord.Intents.default(),
        allowed_mentions=discord.AllowedMentions.none(),
        guild_ready_timeout=0.1,  # READY waits this long for GUILD_CREATEs (default 2 s)
    )

    @bot.tree.command(description="Replies pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    return bot


async def test_bot_logs_in_answers_slash_commands_and_resumes(fake: FakeDiscord) -> None:
    bot = make_bot()
    await asyncio.wait_for(bot.login(fake.token), 5)
    synced = await asyncio.wait_for(bot.tree.sync(), 5)
    assert [c.name for c in synced] == ["ping"]
    assert [c["name"] for c in fake.commands] == ["ping"]
    put = next(r for r in fake.requests if r.method == "PUT")
    assert put.path == f"/applications/{fake.application_id}/commands"

    runner = asyncio.create_task(bot.connect())
    try:
        await fake.wait_ready(5)
        await asyncio.wait_for(bot.wait_until_ready(), 5)
        assert bot.user is not None and bot.user.id == fake.application_id
        assert bot.get_guild(fake.guild_id) is not None
        connect = fake.gateway_connects[0]
        assert connect.query["v"] == "10" and connect.query["encoding"] == "json"
        assert connect.query["compress"] in ("zlib-stream", "zstd-stream")  # zstd if `zstandard` is installed

        first = await fake.send_slash("ping")
        body = await fake.wait_response(first, 5)
        assert body["type"] == 4
        assert body["data"]["content"] == "pong"
        assert body["data"]["allowed_mentions"] == {"parse": []}

        # Drop the socket, then raise an event while the bot is away: RESUME must replay it.
        await fake.drop_gateway()
        second = await fake.send_slash("ping")
        assert (await fake.wait_response(second, 5))["data"]["content"] == "pong"
        await fake.wait_for(lambda: fake.resumes == 1, 5, "RESUME")
        assert fake.identifies == 1
        assert fake.gateway_connects[-1].path == "/resume-gateway"
        assert [r.path for r in fake.requests if r.status == 404] == []
    finally:
        await asyncio.wait_for(bot.close(), 5)
        await asyncio.wait_for(runner, 5)


async def test_unresumable_drop_reidentifies(fake: FakeDiscord) -> None:
    bot = make_bot()

    async def identify_now(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py's default hook sleeps 5 s before every re-IDENTIFY."""

    bot.before_identify_hook = identify_now  # type: ignore[method-assign]
    await asyncio.wait_for(bot.login(fake.token), 5)
    runner = asyncio.create_task(bot.connect())
    try:
        await fake.wait_ready(5)
        await fake.drop_gateway(resumable=False)
        await fake.wait_for(lambda: fake.identifies == 2, 5, "second IDENTIFY")
        assert fake.resumes == 0
        await fake.wait_ready(5)
        interaction_id = await fake.send_slash("ping")
        assert (await fake.wait_response(interaction_id, 5))["data"]["content"] == "pong"
    finally:
        await asyncio.wait_for(bot.close(), 5)
        await asyncio.wait_for(runner, 5)


async def test_gateway_frames_share_one_zlib_stream(fake: FakeDiscord) -> None:
    url = f"{fake.gateway_url}?v=10&encoding=json&compress=zlib-stream"
    inflate = zlib.decompressobj()
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        hello = await ws.receive(timeout=5)
        assert hello.type is aiohttp.WSMsgType.BINARY and hello.data.endswith(b"\x00\x00\xff\xff")
        assert json.loads(inflate.decompress(hello.data))["op"] == 10
        await ws.send_json({"op": 1, "d": None})
        ack = await ws.receive(timeout=5)
        # Decodable only by the same decompressor: one zlib stream per connection, as discord.py expects.
        assert json.loads(inflate.decompress(ack.data)) == {"op": 11}
