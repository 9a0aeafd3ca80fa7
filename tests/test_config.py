"""Config: defaults, the example file, the token from the environment, and one clear line per mistake."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.config import BUNDLED_PACK, Config, ConfigError, load_config, shown
from bot.pack import load_pack
from tests.conftest import ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file_are_the_bundled_pack_and_the_per_user_data_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    config = load_config(None, environ={})
    assert config.packs == [BUNDLED_PACK] and (BUNDLED_PACK / "pack.yaml").is_file()
    assert config.database == tmp_path / "data-home" / "mi-bot" / "facts.sqlite3"
    assert config.token == ""


def test_without_xdg_data_home_the_database_is_in_the_home_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert load_config(None, environ={}).database == tmp_path / ".local" / "share" / "mi-bot" / "facts.sqlite3"


def test_a_config_that_leaves_packs_out_gets_the_bundled_pack_wherever_it_lives(tmp_path: Path) -> None:
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    assert load_config(write(elsewhere, "log_level: INFO\n"), environ={}).packs == [BUNDLED_PACK]


def every_key(model: type[BaseModel]) -> set[str]:
    """Every key a config file may hold, those of nested sections too (the token is never in a file)."""
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        keys.add(name)
        for part in (field.annotation, *typing.get_args(field.annotation)):
            if isinstance(part, type) and issubclass(part, BaseModel):
                keys |= every_key(part)
    return keys


def test_the_example_file_is_valid_and_documents_every_key() -> None:
    example = ROOT / "config.example.yaml"
    config = load_config(example, environ={"DISCORD_TOKEN": " abc "})
    assert config.token == "abc"
    assert config == load_config(None, environ={"DISCORD_TOKEN": "abc"}), "the example shows the defaults"
    text = example.read_text()
    assert {"database", "cooldown", "uses", "mentions", "channel_budget", "buttons_seconds"} <= every_key(Config)
    assert [key for key in sorted(every_key(Config)) if f"{key}:" not in text] == []


def test_relative_paths_are_read_from_the_config_folder(tmp_path: Path, monkeypatch) -> None:
    shutil.copytree(BUNDLED_PACK, tmp_path / "packs" / "mine")
    monkeypatch.chdir(ROOT)  # not the config's folder
    config = load_config(write(tmp_path, "database: db/x.sqlite3\npacks: [packs/mine]\n"), environ={})
    assert config.database == tmp_path / "db" / "x.sqlite3"
    assert config.packs == [tmp_path / "packs" / "mine"]


def test_a_path_may_start_with_the_home_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = load_config(write(tmp_path, "database: ~/bot/facts.sqlite3\n"), environ={})
    assert config.database == tmp_path / "home" / "bot" / "facts.sqlite3"


def test_a_missing_pack_is_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "packs: [nope.yaml]\n"), environ={})
    assert str(caught.value) == f"{tmp_path / 'config.yaml'}: packs.0: {tmp_path / 'nope.yaml'}: no such file"


def test_a_missing_pack_stops_mi_bot_run_as_a_missing_file_not_as_an_unreachable_discord(tmp_path: Path) -> None:
    path = write(
        tmp_path, "packs: [nope.yaml]\ndatabase: facts.sqlite3\ndiscord:\n  api_base_url: http://127.0.0.1:9/api\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(path)], capture_output=True, text=True, timeout=60,
        env={**os.environ, "DISCORD_TOKEN": "x"},
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"mi-bot: {path}: packs.0: {tmp_path / 'nope.yaml'}: no such file"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("databse: x.db\n", "databse: unknown key"),
        ("discord:\n  guild_ids: 5\n", "discord.guild_ids: Input should be a valid list"),
        ("discord:\n  api_base_url: ftp://x\n", "discord.api_base_url: must start with http:// or https://"),
        ("discord:\n  gateway_url: http://x\n", "discord.gateway_url: must start with ws:// or wss://"),
        ("log_level: LOUD\n", "log_level: Input should be"),
        ("admins: {user_ids: [abc]}\n", "admins.user_ids.0: Input should be a valid integer"),
        ("token: abc\n", "token: unknown key (the token is read from DISCORD_TOKEN only)"),
        ("- just\n- a list\n", "expected a mapping"),
        ("database: [unclosed\n", "is not valid YAML"),
        ("database: mysql://db/x\n", "database: must be a SQLite file's path or a postgresql:// URL"),
        (
            "discord: {shard_count: 2, shard_ids: [2]}\n",
            "discord: shard_ids must be distinct shard numbers from 0 to 1",
        ),
        ("discord: {shard_count: 2, shard_ids: [1, 1]}\n", "discord: shard_ids must be distinct shard numbers"),
        ("discord: {shard_ids: [0]}\n", "discord: shard_ids needs shard_count"),
        ("discord: {shard_count: 0}\n", "discord.shard_count: Input should be greater than or equal to 1"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), environ={})
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_postgresql_url_is_kept_and_the_environment_overrides_it(tmp_path: Path) -> None:
    path = write(
        tmp_path, "database: postgresql://mibot@db.example.org/mibot\ndiscord: {shard_count: 4, shard_ids: [2, 3]}\n"
    )
    config = load_config(path, environ={})
    assert config.database == "postgresql://mibot@db.example.org/mibot"
    assert (config.discord.shard_count, config.discord.shard_ids) == (4, [2, 3])
    url = "postgresql://mibot:s3cret@db.example.org:5433/mibot"
    assert load_config(path, environ={"MI_BOT_DATABASE_URL": url}).database == url
    assert shown(url) == "postgresql://mibot:***@db.example.org:5433/mibot"
    assert (
        load_config(None, environ={"MI_BOT_DATABASE_URL": "elsewhere.sqlite3"}).database
        == Path.cwd() / "elsewhere.sqlite3"
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.yaml", environ={})


def test_cli_exits_2_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "discord:\n  guild_ids: nope\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "check"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "discord.guild_ids" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_check_prints_what_the_store_holds(tmp_path: Path) -> None:
    path = write(tmp_path, "database: facts.sqlite3\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "check"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    pack = load_pack(BUNDLED_PACK)
    counts = f"{len(pack.films)} films, {len(pack.stunts)} stunts, {len(pack.locations)} locations"
    assert f"{counts}, {len(pack.releases)} release dates, {len(pack.videos)} videos" in done.stdout
