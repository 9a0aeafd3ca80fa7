"""FanBot start-up: a first start seeds the packs, commands are synced only when they changed (Discord limits
command creates), a restart on the same database is fast and keeps everything, and the bot asks for no privileged
intent."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import create_bot, intents
from bot.config import Config
from bot.pack import load_pack
from tests.conftest import PACK, make_config, rows


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A first start: an empty database, not a copy of the seeded one."""
    return make_config(tmp_path, seeded=False)


def command_syncs(env) -> int:
    return sum(1 for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands"))


async def test_a_restart_with_unchanged_commands_does_not_sync_again(env, config: Config, fan, channel) -> None:
    assert env.bot.store.created  # the first start created the database and seeded the pack into it
    assert sum((await env.bot.store.counts()).values()) == len(load_pack(PACK).facts())
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


def stored(database: Path | str) -> tuple[list[tuple], dict[str, str]]:
    """The facts of a database, and its meta values."""
    facts = rows(database, "SELECT kind, key, doc, pack_hash, deleted FROM facts ORDER BY kind, key")
    return facts, dict(rows(database, "SELECT key, value FROM meta"))


async def test_the_tests_seeded_database_is_a_first_start_without_its_command_sync(env, config: Config, tmp_path):
    """Other tests start on a copy of a database seeded once: it must hold what this first start seeded, and nothing
    the running bot wrote after that (the command-sync digest, the news cursor), which each test's bot writes itself."""
    started_facts, started_meta = stored(config.database)
    copied_facts, copied_meta = stored(make_config(tmp_path / "copy").database)
    assert copied_facts == started_facts
    assert {"commands_digest:global", "news:last_change"} <= started_meta.keys()
    assert copied_meta == {key: started_meta[key] for key in ("pack", "packs_digest")}
