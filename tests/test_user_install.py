"""The bot installed to a user's account, used where it is not a member: a DM with it, a group DM, a server that
never added it. SimCord sends only server and bot-DM interactions without install owners, so these are sent over
real sockets by the wire-level fake Discord (``tests/fake_discord.py``), shaped as Discord sends them: ``context`` 1
or 2, ``authorizing_integration_owners`` naming only the user, no ``guild_id``, ``user`` instead of ``member``.
The real bot (``create_bot``) runs in this process against it.

In such a place every answer is the interaction's own reply: the bot never posts to the channel (the fake would
refuse a channel it does not know), never needs a member, a server or channel permissions.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from bot.app import FanBot, create_bot
from bot.config import Budget, DiscordConfig
from tests.conftest import make_config
from tests.discord_contract import load_contract
from tests.fake_discord import BOT_DM, GUILD, PRIVATE_CHANNEL, FakeDiscord, Where

STEP = 15.0
EPHEMERAL = 64
GROUP_DM = Where(PRIVATE_CHANNEL, user_install=True, channel_id=1100000000000000100)
BOT_DM_USER = Where(BOT_DM, user_install=True, channel_id=1100000000000000101)
OTHER_SERVER = Where(GUILD, user_install=True, guild_id=1100000000000000200, channel_id=1100000000000000201)
PLACES = {"group DM": GROUP_DM, "DM with the bot": BOT_DM_USER, "a server the bot is not in": OTHER_SERVER}
FAN, FRIEND = 1100000000000000010, 1100000000000000020


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    for owner, name in ((discord.http.Route, "BASE"), (discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY")):
        monkeypatch.setattr(owner, name, getattr(owner, name))  # the bot points these at the fake: restored after
    try:
        yield server
    finally:
        await asyncio.wait_for(server.stop(), STEP)


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[FanBot]:
    endpoints = DiscordConfig(api_base_url=fake.api_base_url, gateway_url=fake.gateway_url)
    config = make_config(tmp_path, discord=endpoints, cooldown=Budget(uses=3, per_seconds=60))
    running = create_bot(config)
    runner = asyncio.create_task(running.start(fake.token))
    try:
        # Logged in, commands synced, READY received: interactions are answered from here on. (discord.py's own
        # ready event comes 2 s later, after its wait for more servers' GUILD_CREATE, which no test here needs.)
        await fake.wait_ready(STEP)
        yield running
    finally:
        await asyncio.wait_for(running.close(), STEP)
        await asyncio.wait_for(runner, STEP)
    assert load_contract().violations(fake.requests) == []
    assert not [r for r in fake.requests if r.path.startswith("/channels/")], "the bot posted to a channel"


async def reply(fake: FakeDiscord, interaction: int) -> dict:
    return (await fake.wait_response(interaction, STEP))["data"]


def trivia(subcommand: str, **options: object) -> list[dict]:
    """The raw options of ``/trivia <subcommand>``."""
    kinds = {str: 3, bool: 5}
    inner = [{"name": k, "type": kinds[type(v)], "value": v} for k, v in options.items()]
    return [{"type": 1, "name": subcommand, "options": inner}]


def test_fan_commands_install_to_users_and_work_everywhere_admin_ones_stay_in_servers(fake, bot) -> None:
    synced = {command["name"]: command for command in fake.commands}
    for name in ("stunt", "stunts", "location", "locations", "release", "bts", "search", "trivia", "onthisday"):
        assert synced[name]["integration_types"] == [0, 1], name
        assert synced[name]["contexts"] == [0, 1, 2], name
    for name in ("fact", "settings"):
        assert (synced[name]["integration_types"], synced[name]["contexts"]) == ([0], [0]), name
        assert synced[name]["dm_permission"] is False and synced[name]["default_member_permissions"] == 32


@pytest.mark.parametrize("place", PLACES)
async def test_a_fan_looks_up_a_stunt_and_pages_through_stunts(fake, bot, place) -> None:
    where = PLACES[place]
    card = await reply(fake, await fake.send_slash("stunt", {"name": "motorbike"}, user_id=FAN, where=where))
    assert "Motorcycle cliff jump" in card["embeds"][0]["title"]
    assert not card.get("flags") and card["allowed_mentions"] == {"parse": []}

    pages = await reply(fake, await fake.send_slash("stunts", user_id=FAN, where=where))
    assert pages["embeds"][0]["footer"]["text"].startswith("Page 1/")
    [message] = [m for m in fake.messages.values() if m["embeds"] and m["embeds"][0] == pages["embeds"][0]]
    turned = await fake.send_click(int(message["id"]), next_button(message), user_id=FAN, where=where)
    assert (await fake.wait_response(turned, STEP))["type"] == 7
    assert fake.messages[int(message["id"])]["embeds"][0]["footer"]["text"].startswith("Page 2/")


def next_button(message: dict) -> str:
    return next(c["custom_id"] for row in message["components"] for c in row["components"] if c.get("label") == "Next")


@pytest.mark.parametrize("place", PLACES)
async def test_trivia_is_played_and_scored_where_the_bot_is_not_a_member(fake, bot, place) -> None:
    where = PLACES[place]
    asked = await reply(fake, await fake.send_slash("trivia", trivia("play", mode="race"), user_id=FAN, where=where))
    [message] = [m for m in fake.messages.values() if m.get("embeds") == asked["embeds"]]
    round_id = int(message["components"][0]["components"][0]["custom_id"].split(":")[1])
    played = await bot.store.games.round(round_id)
    assert played.guild_id == (OTHER_SERVER.guild_id if where is OTHER_SERVER else None)

    right = played.question.right
    wrong = await fake.send_click(
        int(message["id"]), f"trivia:{round_id}:{(right + 1) % 4}", user_id=FRIEND, where=where
    )
    said = await reply(fake, wrong)
    assert said["flags"] & EPHEMERAL and "out of this race" in said["content"]
    won = await fake.send_click(int(message["id"]), f"trivia:{round_id}:{right}", user_id=FAN, where=where)
    assert (await fake.wait_response(won, STEP))["type"] == 7
    revealed = fake.messages[int(message["id"])]
    assert revealed["embeds"][0]["title"].startswith("✅ Trivia answer: ") and revealed["components"] == []
    assert f"<@{FAN}> got it first" in revealed["embeds"][0]["fields"][0]["value"]

    board = await reply(fake, await fake.send_slash("trivia", trivia("scores"), user_id=FAN, where=where))
    expected = "in this server" if where is OTHER_SERVER else "everywhere"
    assert board["embeds"][0]["title"] == f"🏆 Trivia scores {expected}"


@pytest.mark.parametrize("place", PLACES)
async def test_locations_releases_and_videos_answer_there_too(fake, bot, place) -> None:
    where = PLACES[place]
    asked = {
        "location": ({"name": "helsetkopen"}, "Helsetkopen"),
        "locations": ({"country": "norway"}, "Filming locations in Norway"),
        "release": ({"film": "Fallout"}, "Fallout (2018)"),
        "bts": ({"topic": "train"}, "Train Stunt"),
    }
    for command, (options, expected) in asked.items():
        answer = await reply(fake, await fake.send_slash(command, options, user_id=FAN, where=where))
        assert expected in answer["embeds"][0]["title"] and not answer.get("flags"), (command, answer)


async def test_onthisday_and_search_answer_in_a_group_dm(fake, bot) -> None:
    day = await reply(fake, await fake.send_slash("onthisday", {"date": "27 July"}, user_id=FAN, where=GROUP_DM))
    assert "Fallout" in day["embeds"][0]["description"]
    found = await reply(fake, await fake.send_slash("search", {"query": "train crash"}, user_id=FAN, where=GROUP_DM))
    assert "train crash" in found["embeds"][0]["title"].lower()


async def test_cooldowns_are_per_user_in_a_group_dm(fake, bot) -> None:
    for _ in range(3):  # the test config allows three uses a minute
        assert not (
            await reply(fake, await fake.send_slash("stunt", {"name": "halo"}, user_id=FAN, where=GROUP_DM))
        ).get("flags")
    refused = await reply(fake, await fake.send_slash("stunt", {"name": "halo"}, user_id=FAN, where=GROUP_DM))
    assert refused["flags"] & EPHEMERAL and refused["content"].startswith("Easy, agent")
    friend = await reply(fake, await fake.send_slash("stunt", {"name": "halo"}, user_id=FRIEND, where=GROUP_DM))
    assert not friend.get("flags")  # the friend's own uses
