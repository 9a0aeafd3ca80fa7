"""FanBot: opens the store, seeds the packs (``seed``), loads every cog in ``cogs/`` and syncs commands when
they change.

``create_bot(config)`` is the one factory: the CLI, the offline try-out and the tests all build the bot here. With
``discord.shard_count`` set it builds a ``ShardedFanBot``, one process's slice of the shards (``discord.shard_ids``).
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import math
import pkgutil
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

import cogs
from bot import limits, render
from bot.config import Budget, Config, DiscordConfig
from bot.errors import FanBotError, NotAllowed, NotFound, NotKnown, Unreachable
from bot.pack import load_pack, pack_digest
from bot.store import Author, FactStore, open_store

log = logging.getLogger(__name__)
T = TypeVar("T")
APOLOGY = "Sorry, something went wrong on my side. The team has been told; please try again later."


def intents() -> discord.Intents:
    """The default intents: no message content, members or presences (none of them is needed)."""
    chosen = discord.Intents.default()
    chosen.message_content = chosen.members = chosen.presences = False
    return chosen


def point_at(endpoints: DiscordConfig) -> None:
    """Send REST calls and the gateway connection to a Discord-compatible server instead of Discord."""
    if endpoints.api_base_url:
        discord.http.Route.BASE = endpoints.api_base_url
    if endpoints.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(endpoints.gateway_url)


def answered(where: str, error: discord.HTTPException, hint: str) -> str:
    """One line for an HTTP error: what was asked, what came back, and whether that even looked like Discord."""
    response = error.response
    said = f"{where} answered {response.method} {response.url.path} with {error.status} {response.reason}"
    if response.content_type == "application/json":
        return f"{said}: {error.text}"
    return f"{said} ({response.content_type}, not Discord's JSON): {hint}"


async def seed(store: FactStore, paths: Sequence[Path]) -> None:
    """Load the packs into the store unless they are byte-for-byte what was loaded last time (a fast restart)."""
    digest = pack_digest(paths)
    if await store.get_meta("packs_digest") == digest:
        return
    packs = [load_pack(path) for path in paths]
    report = await store.seed(packs)
    if packs:
        await store.remember_pack(packs[0])
    await store.set_meta("packs_digest", digest)
    log.info("Data packs loaded: %s", report)


class FanTree(app_commands.CommandTree["FanBot"]):
    """The command tree, and the bot's one error handler: slash commands, buttons, forms and answers to mentions
    all end here when something goes wrong."""

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:
        """Tell whoever acted, privately: what to fix, or a short apology (the traceback goes to the log). Any
        interaction may come here, as discord.py types those of views, forms and dynamic items."""
        command = interaction.command
        what = f"/{command.qualified_name}" if command else f"A {interaction.type.name.replace('_', ' ')}"
        during = f"{what} of {interaction.user} ({interaction.user.id})"
        await reply_privately(interaction, self.explain(error, during))

    @staticmethod
    def explain(error: BaseException, during: str) -> str:
        """The reply to an error: an error a user can fix in its own words, else a short apology; an unexpected
        error is logged with its traceback, saying ``during`` what it happened."""
        cause = getattr(error, "original", error)
        if isinstance(cause, NotKnown):
            message = render.not_known(cause.question, cause.closest, cause.beyond)
        elif isinstance(cause, NotFound):
            message = render.not_found(cause.what, cause.query, cause.suggestions)
        elif isinstance(cause, FanBotError):
            message = str(cause)
        elif isinstance(cause, app_commands.CommandOnCooldown):
            message = f"Easy, agent: try again in {math.ceil(cause.retry_after)} s."
        elif isinstance(cause, app_commands.CheckFailure):
            message = str(cause) or "You can't use this command here."
        else:
            log.error("%s failed", during, exc_info=cause)
            message = APOLOGY
        return render.clip(message, limits.CONTENT_MAX)


class FanBot(commands.Bot):
    """The fan bot. ``store`` is open from ``setup_hook`` until ``close``."""

    store: FactStore
    _login_deadline: asyncio.Timeout  # set by ``login``, lifted by ``setup_hook``

    def __init__(self, config: Config, *, force_sync: bool = False, new_database: bool = False) -> None:
        # A text-only bot: discord.py's warnings that voice would need PyNaCl and davey do not concern it.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        count, ids = config.discord.shard_count, config.discord.shard_ids
        shards: dict[str, Any] = {} if count is None else {"shard_count": count, "shard_ids": ids}  # ShardedFanBot
        super().__init__(
            command_prefix=commands.when_mentioned,  # no prefix commands: see on_message
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=FanTree,
            **shards,
        )
        self.config = config
        self.force_sync = force_sync
        self.new_database = new_database

    @property
    def tree(self) -> FanTree:
        """The command tree, as the ``FanTree`` it was made (whose ``on_error`` is the one error handler)."""
        tree = super().tree
        assert isinstance(tree, FanTree)
        return tree

    async def on_message(self, message: discord.Message) -> None:
        """The bot has slash commands only; questions in mentions and DMs are answered by the chat cog."""

    async def setup_hook(self) -> None:
        self._login_deadline.reschedule(None)  # Discord answered: the store may take its time
        self.store = await open_store(self.config.database, new=self.new_database, postgresql=self.config.postgresql)
        await seed(self.store, self.config.packs)
        for module in pkgutil.iter_modules(cogs.__path__):
            await self.load_extension(f"cogs.{module.name}")
        await self.sync_commands()
        # What start-up built (modules, discord.py's and pydantic's classes, the cogs) lives as long as the bot: out
        # of the cyclic collector's sight, a full collection, which holds up every command meanwhile, looks only at
        # what was made since (under SimCord, tens of ms instead of 100-200 ms: benchmarks/README.md).
        gc.freeze()

    def command_payload(self, guild: discord.abc.Snowflake | None) -> list[dict[str, Any]]:
        return [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]

    async def sync_commands(self) -> None:
        """Sync the command tree only when it changed since the last sync (Discord limits command creates)."""
        guilds: list[discord.Object | None] = [discord.Object(id=g) for g in self.config.discord.guild_ids] or [None]
        for guild in guilds:
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
            payload = json.dumps(self.command_payload(guild), sort_keys=True)
            digest = hashlib.sha256(payload.encode()).hexdigest()
            scope = f"commands_digest:{guild.id if guild is not None else 'global'}"
            if not self.force_sync and await self.store.get_meta(scope) == digest:
                log.info("Commands unchanged since the last sync (%s); not syncing", scope)
                continue
            await self.tree.sync(guild=guild)
            await self.store.set_meta(scope, digest)
            log.info("Synced %d commands (%s)", len(self.tree.get_commands(guild=guild)), scope)

    async def login(self, token: str) -> None:
        """Log in where the config points; failing to reach it raises ``Unreachable`` saying what was wrong."""
        point_at(self.config.discord)
        where = self.config.discord.api_base_url or "Discord"
        hint = "check discord.api_base_url" if self.config.discord.api_base_url else "check the network connection"
        timeout = self.config.discord.login_timeout_seconds
        self._login_deadline = asyncio.timeout(timeout)
        try:
            async with self._login_deadline:
                await super().login(token)
        except TimeoutError:
            if not self._login_deadline.expired():
                raise
            raise Unreachable(f"{where} did not answer the login within {timeout:g} s: {hint}") from None
        except discord.HTTPException as exc:
            raise Unreachable(answered(where, exc, hint)) from None
        except aiohttp.ClientError as exc:
            raise Unreachable(f"cannot reach {where}: {exc}") from None

    async def close(self) -> None:
        await super().close()
        if hasattr(self, "store"):
            await self.store.close()
        gc.unfreeze()  # what start-up built may be collected again (a process, such as the tests', starts many bots)

    def serves(self, guild_id: int) -> bool:
        """Whether the server is on this process's shards (Discord's rule: shard = (id >> 22) % shard_count)."""
        shards = self.config.discord
        if shards.shard_count is None:
            return True
        return (guild_id >> 22) % shards.shard_count in (shards.shard_ids or range(shards.shard_count))

    # ------------------------------------------------------------------ who may do what

    def is_admin(self, user: discord.abc.User) -> bool:
        """Bot admins (config ``admins``) change facts; facts are shared by every server."""
        admins = self.config.admins
        roles = {role.id for role in getattr(user, "roles", [])}
        return user.id in admins.user_ids or bool(roles & set(admins.role_ids))

    @staticmethod
    def author(user: discord.abc.User) -> Author:
        return Author(user.id, str(user))


async def reply_privately(interaction: discord.Interaction, message: str) -> None:
    """An ephemeral answer, as a followup when the interaction was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not tell %s about an error (interaction expired?)", interaction.user)


class Budgets:
    """Each person's budget of one command (config ``cooldown``), kept in the order of their last use, so that a use
    looks only at the budgets it drops: those of the people who used the command longest ago, whose window has
    passed. (discord.py's ``dynamic_cooldown`` looks at every person's bucket on every use.)"""

    def __init__(self) -> None:
        self._buckets: OrderedDict[int, tuple[float, app_commands.Cooldown]] = OrderedDict()  # by last use

    def spend(self, interaction: discord.Interaction) -> None:
        """Take one use of the person's budget; ``CommandOnCooldown`` (saying when to try again) when none is left."""
        now = interaction.created_at.timestamp()
        while self._buckets:
            last, oldest = next(iter(self._buckets.values()))
            if now <= last + oldest.per:
                break
            self._buckets.popitem(last=False)
        who = interaction.user.id
        _, bucket = self._buckets.pop(who, (now, None))
        if bucket is None:
            bucket = cooldown(fan_bot(interaction.client).config.cooldown)
        self._buckets[who] = (now, bucket)  # discord.py's bucket counts a refused use as its last use too
        retry_after = bucket.update_rate_limit(now)
        if retry_after is not None:
            raise app_commands.CommandOnCooldown(bucket, retry_after)


def fan_cooldown() -> Callable[[T], T]:
    """A few uses per user per window (config ``cooldown``), answered with when to try again."""
    budgets = Budgets()

    def predicate(interaction: discord.Interaction) -> bool:
        budgets.spend(interaction)
        return True

    return app_commands.check(predicate)


# Where commands may be installed and used. A fan command works wherever a fan is: in servers that added the bot,
# in DMs with it, and (installed to a user's account) in group DMs and in servers the bot is not in, where its
# answer is the interaction's own reply, as it always is. Admin and server settings stay in servers that added it.


def anywhere() -> Callable[[T], T]:
    """A fan command (or group), for server and user installs, in servers, DMs and group DMs."""

    def decorate(command: T) -> T:
        command = app_commands.allowed_installs(guilds=True, users=True)(command)
        return app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)(command)

    return decorate


def server_only() -> Callable[[T], T]:
    """An admin or settings command (or group): installed with the bot in a server, used only there."""

    def decorate(command: T) -> T:
        command = app_commands.allowed_installs(guilds=True, users=False)(command)
        return app_commands.guild_only()(command)  # contexts: servers only, and dm_permission false to match

    return decorate


def fan_bot(client: discord.Client) -> FanBot:
    """The bot, from an interaction that discord.py types as any client's (those of views, forms and dynamic
    items): it is always this bot's."""
    assert isinstance(client, FanBot)
    return client


def cooldown(budget: Budget) -> app_commands.Cooldown:
    """A budget of the config as discord.py's cooldown (slash commands and mentions use the same)."""
    return app_commands.Cooldown(budget.uses, budget.per_seconds)


def ensure_admin(interaction: discord.Interaction) -> None:
    """Refuse, and log who tried, unless the user is a bot admin (commands, admin forms and buttons all ask)."""
    if fan_bot(interaction.client).is_admin(interaction.user):
        return
    what = f"/{interaction.command.qualified_name}" if interaction.command else "an admin form or button"
    log.warning("Refused %s to %s (%s): not a bot admin", what, interaction.user, interaction.user.id)
    raise NotAllowed("Only the bot's admins can change facts. Nothing was changed.")


def admin_only() -> Callable[[T], T]:
    """Checked when the command runs, because a server can override the admin group's default permissions."""

    async def predicate(interaction: discord.Interaction[FanBot]) -> bool:
        try:
            ensure_admin(interaction)
        except NotAllowed as refusal:  # a check must fail with CheckFailure to reach the tree's error handler
            raise app_commands.CheckFailure(str(refusal)) from refusal
        return True

    return app_commands.check(predicate)


class ShardedFanBot(FanBot, commands.AutoShardedBot):
    """The fan bot running the shards ``discord.shard_ids`` of ``discord.shard_count`` (all of them when the ids are
    not given): several such processes, on one PostgreSQL database, serve one bot."""


def create_bot(config: Config, *, force_sync: bool = False, new_database: bool = False) -> FanBot:
    sharded = config.discord.shard_count is not None
    return (ShardedFanBot if sharded else FanBot)(config, force_sync=force_sync, new_database=new_database)
