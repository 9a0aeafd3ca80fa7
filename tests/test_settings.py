"""/settings as a server manager (Manage Server) uses it, and as a fan who may not."""

from __future__ import annotations

import discord
import pytest


@pytest.fixture
def bts(guild):
    return guild.create_text_channel("bts")


async def test_manager_sets_the_bts_channel_and_sees_it(manager, channel, bts, store, guild):
    result = await manager.slash(channel, "settings bts-channel", channel=bts)
    assert result.ephemeral
    assert f"new videos go to <#{bts.id}>" in result.response.content
    assert (await store.guild_settings(guild.id)).bts_channel_id == bts.id

    shown = await manager.slash(channel, "settings show")
    assert shown.ephemeral
    assert f"New behind-the-scenes videos go to: <#{bts.id}>" in shown.response.content
    assert "Release news goes to: nowhere" in shown.response.content


async def test_settings_are_hidden_from_fans_and_refused_if_a_server_opens_them(
    env, bot, fan, channel, bts, guild, store
):
    assert "settings bts-channel" not in fan.available_commands(channel)
    command = next(c for c in await bot.tree.fetch_commands() if c.name == "settings")
    guild.set_command_permissions(command, {guild.default_role: True})  # the server opens it to everyone

    result = await fan.slash(channel, "settings bts-channel", channel=bts)

    assert result.ephemeral
    assert "Manage Server" in result.response.content
    assert (await store.guild_settings(guild.id)).bts_channel_id is None


async def test_a_channel_the_bot_cannot_post_in_is_refused(manager, channel, guild, store):
    locked = guild.create_text_channel(
        "locked", overwrites={guild.me: discord.PermissionOverwrite(send_messages=False)}
    )

    result = await manager.slash(channel, "settings announcements", channel=locked)

    assert result.ephemeral
    assert "can't post" in result.response.content
    assert "**Send Messages**" in result.response.content
    assert (await store.guild_settings(guild.id)).announce_channel_id is None


async def test_region_autocompletes_and_unknown_regions_are_refused(manager, channel, store, guild):
    choices = await manager.autocomplete(channel, "settings region", "region", "fran")
    assert [c["value"] for c in choices] == ["France"]

    result = await manager.slash(channel, "settings region", region="US")
    assert "United States" in result.response.content
    assert (await store.guild_settings(guild.id)).region == "US"

    refused = await manager.slash(channel, "settings region", region="Atlantis")
    assert refused.ephemeral
    assert "No release is listed" in refused.response.content
    assert (await store.guild_settings(guild.id)).region == "US"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("us", "United States"), ("usa", "United States"), ("uk", "United Kingdom"), ("britain", "United Kingdom")],
)
async def test_region_choices_understand_abbreviations(manager, channel, typed, expected):
    choices = await manager.autocomplete(channel, "settings region", "region", typed)
    assert [c["value"] for c in choices] == [expected]


async def test_weekly_pick_mentions_and_off(manager, channel, bts, store, guild):
    await manager.slash(channel, "settings bts-channel", channel=bts)
    await manager.slash(channel, "settings weekly-pick", enabled=True)
    result = await manager.slash(channel, "settings mentions", enabled=False)
    assert "Answers when someone mentions me: off" in result.response.content
    settings = await store.guild_settings(guild.id)
    assert settings.weekly_pick and not settings.mention_replies

    await manager.slash(channel, "settings off", setting="bts-channel")
    await manager.slash(channel, "settings off", setting="weekly-pick")

    settings = await store.guild_settings(guild.id)
    assert settings.bts_channel_id is None and not settings.weekly_pick
    assert not settings.mention_replies  # untouched


async def test_setting_a_channel_again_resumes_paused_posting(manager, channel, bts, store, guild):
    await store.update_guild_settings(guild.id, disabled_reason="Paused on 01 Jan 2026: the channel was deleted.")
    assert "Posting is paused" in (await manager.slash(channel, "settings show")).response.content

    result = await manager.slash(channel, "settings bts-channel", channel=bts)

    assert "paused" not in result.response.content
    assert (await store.guild_settings(guild.id)).disabled_reason is None


async def test_show_warns_about_a_channel_that_is_gone_before_anything_is_posted(env, manager, channel, bts):
    await manager.slash(channel, "settings bts-channel", channel=bts)
    env.backend.delete_channel(bts.id)  # an admin deletes it in Discord

    shown = await manager.slash(channel, "settings show")

    assert f"Right now the channel I post in (id {bts.id}) was deleted" in shown.response.content
