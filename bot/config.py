"""Configuration: ``config.yaml`` (every key documented in ``config.example.yaml``) plus ``DISCORD_TOKEN`` and
``MI_BOT_DATABASE_URL`` (which overrides ``database:``, so that a password need not be written in the file).

This is the only module that reads settings. A bad file raises ``ConfigError`` with one line naming the key,
which the CLI prints before exiting with code 2. Relative paths in a file are read from that file's folder. By
default the packs are read from the installed package and the database is written outside it.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.models import Url

# The pack shipped with mi-bot: ``data/`` in the source tree, installed inside the package as ``bot.packs``.
BUNDLED_PACK = Path(str(resources.files("bot.packs").joinpath("mission-impossible")))


def default_database() -> Path:
    """The per-user data folder ($XDG_DATA_HOME/mi-bot, usually ~/.local/share/mi-bot): the same database
    whatever the current folder, and never inside site-packages."""
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "mi-bot" / "facts.sqlite3"


def cache_folder() -> Path:
    """The per-user cache folder ($XDG_CACHE_HOME/mi-bot, usually ~/.cache/mi-bot): what can be made again, such
    as the try-out's seeded database."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mi-bot"


POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def database_setting(value: Any) -> Any:
    """What ``database:`` (or ``mi-bot db copy --from/--to``) names: a ``postgresql://`` URL stays text; anything
    else is a SQLite file's path."""
    if isinstance(value, str) and "://" in value:
        if not value.startswith(POSTGRES_SCHEMES):
            raise ValueError("must be a SQLite file's path or a postgresql:// URL")
        return value
    return Path(value) if isinstance(value, str) else value


def redacted(url: str) -> str:
    """A database URL with its password replaced by ``***``: what messages and logs may show."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


def shown(database: Path | str) -> str:
    """The database as messages name it: its path, or its URL without the password."""
    return redacted(database) if isinstance(database, str) else str(database)


class ConfigError(Exception):
    """A config problem, worded as one line for the person starting the bot."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Admins(_Section):
    """Bot admins: the only people who may change facts (facts are shared by every server)."""

    user_ids: list[int] = Field(default_factory=list)
    role_ids: list[int] = Field(default_factory=list)


class DiscordConfig(_Section):
    api_base_url: str = ""
    gateway_url: str = ""
    guild_ids: list[int] = Field(default_factory=list)
    # How long the login may wait for answers: a server that never answers ends the start instead of hanging it
    # (opening and seeding the store, inside the login, is not counted).
    login_timeout_seconds: float = Field(default=10, gt=0)
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None

    @model_validator(mode="after")
    def _shards(self) -> DiscordConfig:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("shard_ids needs shard_count (the number of shards of all processes together)")
            wrong = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if wrong or not self.shard_ids or len(set(self.shard_ids)) < len(self.shard_ids):
                raise ValueError(f"shard_ids must be distinct shard numbers from 0 to {self.shard_count - 1}")
        return self

    @field_validator("api_base_url", "gateway_url")
    @classmethod
    def _url(cls, value: str, info: Any) -> str:
        schemes = ("http://", "https://") if info.field_name == "api_base_url" else ("ws://", "wss://")
        if value and not value.startswith(schemes):
            raise ValueError(f"must start with {' or '.join(schemes)} (or be empty for Discord)")
        return value.rstrip("/")


class Feed(_Section):
    """A YouTube channel feed; a video is taken when its title contains any of ``match`` (case-insensitive)."""

    url: Url
    match: list[str] = Field(default_factory=list)


class VideosConfig(_Section):
    feeds: list[Feed] = Field(default_factory=list)
    poll_minutes: float = Field(default=30, gt=0)
    fetch_timeout_seconds: float = Field(default=15, gt=0)  # one feed download
    max_feed_bytes: int = Field(default=2_000_000, ge=1)  # a channel feed of its 15 newest videos is about 40 kB


class NewsConfig(_Section):
    """Release news: how often the change log is read for moved dates and new titles."""

    check_minutes: float = Field(default=60, gt=0)


class PostingConfig(_Section):
    """Posts to many servers are paced: at most 4 a second by default, far below Discord's 50."""

    gap_seconds: float = Field(default=0.25, ge=0)


class Budget(_Section):
    """At most ``uses`` per ``per_seconds`` seconds."""

    uses: int = Field(default=5, ge=1)
    per_seconds: float = Field(default=10, gt=0)


class TriviaConfig(_Section):
    """How long a trivia question stays open, and when the daily posts go out (hours in UTC). A question asked
    with /trivia is revealed at its close by editing the reply, which Discord allows for 15 minutes: hence the
    10-minute cap."""

    answer_seconds: float = Field(default=60, gt=0, le=600)
    race_seconds: float = Field(default=45, gt=0, le=600)
    daily_hour: int = Field(default=17, ge=0, le=23)
    daily_open_hours: float = Field(default=12, gt=0, le=23)
    on_this_day_hour: int = Field(default=8, ge=0, le=23)


class MentionsConfig(_Section):
    """Questions asked by mentioning the bot (or in a direct message)."""

    channel_budget: Budget = Budget(uses=10, per_seconds=60)  # answers per channel, however many people ask
    question_max: int = Field(default=300, ge=1)  # longer questions are cut: a question is a sentence, not an essay


class TimeoutsConfig(_Section):
    """How long buttons (page turning, confirmations) and admin forms keep working after they are shown."""

    buttons_seconds: float = Field(default=180, gt=0)
    forms_seconds: float = Field(default=900, gt=0)


class PostgresConfig(_Section):
    """A PostgreSQL database (``database: postgresql://…``): its connections, and how often the processes on it
    stand in the election of the one that posts."""

    pool_size: int = Field(default=10, ge=1)  # connections per process: reads run side by side, writes take turns
    connect_timeout_seconds: float = Field(default=10, gt=0)  # a server that never answers ends the wait
    # How often a process that does not post tries to become the poster (and the poster checks its connection).
    election_seconds: float = Field(default=15, gt=0)


class Config(_Section):
    database: Path | str = Field(default_factory=default_database)  # a SQLite file, or a postgresql:// URL (str)
    postgresql: PostgresConfig = PostgresConfig()
    packs: list[Path] = Field(default_factory=lambda: [BUNDLED_PACK])
    admins: Admins = Admins()
    discord: DiscordConfig = DiscordConfig()
    videos: VideosConfig = VideosConfig()
    news: NewsConfig = NewsConfig()
    posting: PostingConfig = PostingConfig()
    cooldown: Budget = Budget()  # fan commands and questions, per person
    mentions: MentionsConfig = MentionsConfig()
    timeouts: TimeoutsConfig = TimeoutsConfig()
    trivia: TriviaConfig = TriviaConfig()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    token: str = Field(default="", exclude=True, repr=False)

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: Any) -> Any:
        return database_setting(value)

    def relative_to(self, folder: Path) -> Config:
        """Resolve relative paths (and ``~``) against ``folder``, the config file's."""
        database = self.database if isinstance(self.database, str) else folder / self.database.expanduser()
        return self.model_copy(update={"database": database, "packs": [folder / p.expanduser() for p in self.packs]})


def load_config(path: Path | None, environ: dict[str, str] | None = None) -> Config:
    """Read ``path`` (or use the defaults when it is None) and take the token (and a database URL, when
    ``MI_BOT_DATABASE_URL`` is set) from the environment."""
    environ = dict(os.environ) if environ is None else environ
    data: Any = {}
    folder = Path.cwd()
    if path is not None:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such file (copy config.example.yaml to start one)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read it ({exc})") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{path}:{where} is not valid YAML") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of keys such as 'database:' and 'discord:'")
        if "token" in data:
            raise ConfigError(f"{path}: token: unknown key (the token is read from DISCORD_TOKEN only)")
        folder = path.resolve().parent
    url = environ.get("MI_BOT_DATABASE_URL", "").strip()
    if url:
        data = {**data, "database": url}
    try:
        config = Config.model_validate({**data, "token": environ.get("DISCORD_TOKEN", "").strip()})
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or "config"
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{path or 'config'}: {key}: {message}") from None
    config = config.relative_to(folder)
    for i, pack in enumerate(config.packs):
        if not pack.exists():
            raise ConfigError(f"{path or 'config'}: packs.{i}: {pack}: no such file")
    return config
