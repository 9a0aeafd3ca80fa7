"""FanBot start-up: commands are synced only when they changed (Discord limits command creates), a
restart on the same database is fast and keeps everything, and the bot asks for no privileged intent."""

from __future__ import annotations

from bot.app import create_bot, intents
from bot.config import Config


def command_syncs(env) -> int:
    return sum(1 for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands"))


async def test_a_restart_with_unchanged_commands_does_not_sync_again(env, config: Config, fan, channel) -> None:
    assert command_syncs(env) == 1
    old = env.bot
    await env.restart_bot(create_bot(config))
    await old.store.close()
    assert command_syncs(env) == 1
    result = await fan.slash(channel, "stunt", name="motorbike")  # the synced commands still answer
    assert "Motorcycle" in result.response.embeds[0].title


async def test_sync_flag_forces_a_sync(env, config: Config) -> None:
    old = env.bot
    await env.restart_bot(create_bot(config, force_sync=True))
    await old.store.close()
    assert command_syncs(env) == 2


def test_no_privileged_intents() -> None:
    chosen = intents()
    assert not (chosen.message_content or chosen.members or chosen.presences)
    assert chosen.guilds and chosen.dm_messages and chosen.guild_messages
