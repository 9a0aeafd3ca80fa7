"""A tiny Discord-compatible server (REST API v10 + JSON gateway) for wire-level smoke tests.

It speaks just enough of Discord for an *unchanged* discord.py 2.7 bot to log in, sync its
application commands, become READY, receive slash-command interactions, answer them and RESUME
after a dropped gateway connection. Everything goes over real sockets on 127.0.0.1 (random port),
so the bot may run in the test process or in a subprocess.

Point discord.py at it with ``discord.http.Route.BASE = fake.api_base_url`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)``.
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
import json
import socket
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

Json = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Options = Mapping[str, Any] | Sequence[Json] | None

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000
ALL_PERMISSIONS = str((1 << 51) - 1)
EPHEMERAL_FLAG = 1 << 6
LOADING_FLAG = 1 << 7
# Routes that Discord serves without a bot token (the interaction token is the credential).
_UNAUTHENTICATED_PREFIXES = ("/interactions/", "/webhooks/")
# Message fields a bot may set when creating or editing a message.
_MESSAGE_FIELDS = ("content", "embeds", "components", "flags", "poll", "tts", "message_reference")


@dataclass
class RecordedRequest:
    """One HTTP request the bot made (``path`` is relative to the API base, e.g. ``/users/@me``); ``at`` is when
    it arrived (``time.perf_counter()``), so a benchmark can time answers without polling for them."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int = 0
    at: float = field(default_factory=time.perf_counter)


@dataclass
class _Interaction:
    id: int
    token: str
    guild_id: int | None
    channel_id: int
    payload: Json


GUILD, BOT_DM, PRIVATE_CHANNEL = 0, 1, 2  # an interaction's context
GUILD_INSTALL, USER_INSTALL = "0", "1"  # the keys of authorizing_integration_owners


@dataclass(frozen=True)
class Where:
    """Where an interaction happens and who installed the app there, as Discord describes it: ``context`` 0 is a
    server (the fake's own unless ``guild_id`` names another), 1 a DM with the bot, 2 a group DM or a DM between
    users. ``user_install``: the app is there because the user installed it to their account, so
    ``authorizing_integration_owners`` names only the user (and in a server the bot is not a member)."""

    context: int = GUILD
    user_install: bool = False
    guild_id: int | None = None
    channel_id: int | None = None


@dataclass
class _Connection:
    """One gateway websocket; ``live`` once READY/RESUMED has been sent on it."""

    ws: web.WebSocketResponse
    encode: Callable[[str], str | bytes]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    live: bool = False

    async def send(self, payload: Json) -> None:
        """Encode (and maybe compress) a payload and send it; a closed socket is ignored."""
        async with self.lock:
            frame = self.encode(json.dumps(payload))
            try:
                if isinstance(frame, bytes):
                    await self.ws.send_bytes(frame)
                else:
                    await self.ws.send_str(frame)
            except ConnectionError:
                self.live = False


def _make_encoder(compress: str | None) -> Callable[[str], str | bytes] | None:
    """Return a frame encoder for the requested transport compression (None if unsupported)."""
    if compress is None:
        return lambda text: text
    if compress == "zlib-stream":
        # One compressor per connection; every message ends with a Z_SYNC_FLUSH marker.
        zlib_ctx = zlib.compressobj()
        return lambda text: zlib_ctx.compress(text.encode()) + zlib_ctx.flush(zlib.Z_SYNC_FLUSH)
    if compress == "zstd-stream":
        # discord.py prefers this when `zstandard` (or Python 3.14's compression.zstd) is importable.
        try:
            import zstandard  # type: ignore[import-not-found]
        except ImportError:
            try:
                from compression import zstd  # type: ignore[import-not-found]
            except ImportError:
                return None
            zstd_ctx: Any = zstd.ZstdCompressor()
            flush_block = zstd.ZstdCompressor.FLUSH_BLOCK
            return lambda text: zstd_ctx.compress(text.encode(), mode=flush_block)
        zstd_obj: Any = zstandard.ZstdCompressor().compressobj()
        block = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        return lambda text: zstd_obj.compress(text.encode()) + zstd_obj.flush(block)
    return None


def _json_response(data: Any, status: int = 200) -> web.Response:
    """JSON response whose Content-Type is exactly ``application/json`` (discord.py needs that)."""
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json")


def _error(status: int, message: str, code: int = 0) -> web.Response:
    return _json_response({"message": message, "code": code}, status)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


async def _read_body(request: web.Request) -> Any:
    """Parse a JSON body, or the ``payload_json`` part of a multipart (file upload) body.

    aiohttp caches the raw body, so the recording middleware and the handler may both call this.
    """
    if not request.body_exists:
        return None
    if request.content_type == "multipart/form-data":
        form = await request.post()
        payload = form.get("payload_json")
        return json.loads(payload) if isinstance(payload, str) else None
    raw = await request.read()
    return json.loads(raw) if raw else None


class FakeDiscord:
    """In-process fake of Discord's REST API and gateway for one bot in one guild."""

    def __init__(self, *, token: str = "fake-token", heartbeat_interval_ms: int = 41250) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.application_id = 1100000000000000001  # also the bot user's id
        self.owner_id = 1100000000000000002
        self.user_id = 1100000000000000003  # the member that invokes slash commands
        self.guild_id = 1100000000000000004
        self.channel_id = 1100000000000000005

        self.requests: list[RecordedRequest] = []
        self.gateway_connects: list[RecordedRequest] = []
        self.received: list[Json] = []  # every gateway payload the bot sent
        self.commands: list[Json] = []  # last PUT of global commands, as returned
        self.guild_commands: dict[int, list[Json]] = {}
        self.callbacks: dict[int, Json] = {}  # interaction id -> callback body
        self.messages: dict[int, Json] = {}  # every message the bot created, latest state
        self.identifies = 0
        self.resumes = 0  # successful RESUMEs
        self.heartbeats = 0

        self._ids = itertools.count(1)
        self._command_ids: dict[tuple[int | None, int, str], str] = {}
        self._interactions: dict[int, _Interaction] = {}
        self._tokens: dict[str, _Interaction] = {}
        self._originals: dict[str, int] = {}  # interaction token -> original response message id
        self._session_id: str | None = None
        self._events: list[Json] = []  # dispatches of the current session, for replay
        self._seq = 0
        self._conn: _Connection | None = None
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base_url(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Value for ``DiscordWebSocket.DEFAULT_GATEWAY`` (also returned by ``GET /gateway/bot``)."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """Sent in READY; discord.py reconnects here to RESUME."""
        return f"ws://127.0.0.1:{self._port}/resume-gateway"

    async def start(self) -> None:
        """Listen on 127.0.0.1 with a random port."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        self._runner = web.AppRunner(self._build_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """Close the gateway socket (1001 going away) and the HTTP server."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.live = False
            await conn.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ----------------------------------------------------------------- test API

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
        """Wait until ``condition()`` holds; it is re-checked after every request and gateway frame."""

        async def poll() -> None:
            while not condition():
                await self._changed.wait()

        try:
            await asyncio.wait_for(poll(), timeout)
        except TimeoutError:
            seen = [f"{r.method} {r.path} -> {r.status}" for r in self.requests[-10:]]
            message = f"FakeDiscord: timed out waiting for {what or condition}; last requests: {seen}"
            raise TimeoutError(message) from None

    async def wait_ready(self, timeout: float = 5.0) -> None:
        """Wait until a gateway session is live (READY + GUILD_CREATE, or RESUMED, sent)."""
        await self.wait_for(lambda: self._conn is not None and self._conn.live, timeout, "gateway READY")

    async def wait_response(self, interaction_id: int, timeout: float = 5.0) -> Json:
        """Return the body the bot POSTed to ``/interactions/{id}/{token}/callback``."""
        what = f"callback of interaction {interaction_id}"
        await self.wait_for(lambda: interaction_id in self.callbacks, timeout, what)
        return self.callbacks[interaction_id]

    async def wait_request(
        self,
        predicate: Callable[[RecordedRequest], bool],
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """Return the first recorded request matching ``predicate`` (waiting for it if needed)."""
        await self.wait_for(lambda: any(map(predicate, self.requests)), timeout, "a matching request")
        return next(r for r in self.requests if predicate(r))

    async def send_slash(
        self,
        name: str,
        options: Options = None,
        *,
        user_id: int | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        roles: Sequence[int] = (),
        permissions: str = ALL_PERMISSIONS,
        locale: str = "en-US",
        where: Where = Where(),
    ) -> int:
        """Dispatch INTERACTION_CREATE for a slash command and return the interaction id.

        ``options`` is either ``{name: value}`` (types taken from the synced command, else guessed from
        the Python type) or a raw list of option dicts. ``where`` says in which context (a server, a DM, a group
        DM) and under which install. If the gateway is down the event is queued and replayed on RESUME, as
        Discord does.
        """
        if self._session_id is None:
            raise RuntimeError("no gateway session yet; await wait_ready() first")
        guild = where.guild_id or guild_id or self.guild_id
        channel = where.channel_id or channel_id or self.channel_id
        command = self._find_command(name, guild)
        data: Json = {
            "id": command["id"] if command else str(self._snowflake()),
            "name": name,
            "type": 1,
            "options": self._build_options(command, options),
        }
        if command and "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        user = user_id or self.user_id
        interaction = self._interaction(2, data, user, where, guild, channel, roles, permissions, locale)
        await self._dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction.id

    async def send_click(
        self, message_id: int, custom_id: str, *, user_id: int | None = None, where: Where = Where()
    ) -> int:
        """Dispatch INTERACTION_CREATE for a click on a button of a message the bot sent (in the message's channel,
        in the context ``where`` describes) and return the interaction id."""
        message = self.messages[message_id]
        guild = int(message["guild_id"]) if message.get("guild_id") else None
        data = {"custom_id": custom_id, "component_type": 2}
        user = user_id or self.user_id
        channel = int(message["channel_id"])
        interaction = self._interaction(3, data, user, where, guild, channel, (), ALL_PERMISSIONS, "en-US")
        interaction.payload["message"] = message
        await self._dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction.id

    def _interaction(
        self,
        kind: int,
        data: Json,
        user_id: int,
        where: Where,
        guild: int | None,
        channel: int,
        roles: Sequence[int],
        permissions: str,
        locale: str,
    ) -> _Interaction:
        """An interaction and its payload, shaped by its context: a server gives ``guild_id`` and ``member``, a DM or
        group DM gives ``user`` and no guild; ``authorizing_integration_owners`` names the server for a server
        install and only the user for a user install."""
        in_guild = where.context == GUILD
        interaction = _Interaction(
            self._snowflake(), f"token-{self._snowflake()}", guild if in_guild else None, channel, {}
        )
        owners = {USER_INSTALL: str(user_id)} if where.user_install else {GUILD_INSTALL: str(guild or 0)}
        payload: Json = {
            "id": str(interaction.id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": interaction.token,
            "version": 1,
            "data": data,
            "channel_id": str(channel),
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": owners,
            "context": where.context,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if in_guild:
            payload |= {
                "guild_id": str(guild),
                "guild": {"id": str(guild), "locale": "en-US", "features": []},
                "guild_locale": "en-US",
                "channel": {**self._channel_payload(channel, guild or 0), "permissions": permissions},
                "member": self._member_payload(user_id, roles, permissions),
                "app_permissions": ALL_PERMISSIONS,
            }
        else:
            payload |= {
                "channel": self._private_channel_payload(channel, user_id, where.context),
                "user": self._user(user_id),
                "app_permissions": "0",
            }
        interaction.payload = payload
        self._interactions[interaction.id] = interaction
        self._tokens[interaction.token] = interaction
        return interaction

    async def drop_gateway(self, resumable: bool = True, code: int = 4000) -> None:
        """Close the gateway socket. With ``resumable=False`` the session is also forgotten, so the
        client's RESUME gets INVALID_SESSION and it has to IDENTIFY again."""
        conn, self._conn = self._conn, None
        if conn is None:
            raise RuntimeError("no gateway connection to drop")
        conn.live = False
        if not resumable:
            self._session_id = None
        await conn.ws.close(code=code)
        self._notify()

    # ----------------------------------------------------------------- internals: helpers

    def _snowflake(self) -> int:
        return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(self._ids) & 0x3FFFFF)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _user(self, user_id: int) -> Json:
        names = {self.application_id: "fake-bot", self.owner_id: "owner"}
        return {
            "id": str(user_id),
            "username": names.get(user_id, f"user{user_id % 10000}"),
            "global_name": None,
            "discriminator": "0",
            "avatar": None,
            "bot": user_id == self.application_id,
            "public_flags": 0,
        }

    def _bot_user(self) -> Json:
        """The bot's own user, as ``GET /users/@me`` and READY return it."""
        return {**self._user(self.application_id), "verified": True, "mfa_enabled": False, "flags": 0}

    def _member_payload(
        self,
        user_id: int,
        roles: Sequence[int] = (),
        permissions: str | None = None,
    ) -> Json:
        member: Json = {
            "user": self._user(user_id),
            "roles": [str(r) for r in roles],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "nick": None,
            "avatar": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        if permissions is not None:
            member["permissions"] = permissions
        return member

    def _channel_payload(self, channel_id: int, guild_id: int) -> Json:
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(guild_id),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def _private_channel_payload(self, channel_id: int, user_id: int, context: int) -> Json:
        """A DM with the bot (context 1), or a group DM of the user and a friend (context 2)."""
        if context == BOT_DM:
            return {"id": str(channel_id), "type": 1, "last_message_id": None, "recipients": [self._user(user_id)]}
        friend = self._user(user_id + 1)
        return {
            "id": str(channel_id), "type": 3, "name": "Reckoning fans", "icon": None, "owner_id": str(user_id),
            "last_message_id": None, "recipients": [self._user(user_id), friend],
        }  # fmt: skip

    def _guild_payload(self) -> Json:
        guild = str(self.guild_id)
        return {
            "id": guild,
            "name": "Fake Guild",
            "owner_id": str(self.owner_id),
            "unavailable": False,
            "large": False,
            "member_count": 3,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "roles": [{"id": guild, "name": "@everyone", "permissions": "1071698660929", "position": 0}],
            "channels": [self._channel_payload(self.channel_id, self.guild_id)],
            "members": [self._member_payload(u) for u in (self.application_id, self.owner_id, self.user_id)],
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "system_channel_id": None,
        }

    def _find_command(self, name: str, guild_id: int) -> Json | None:
        for command in [*self.guild_commands.get(guild_id, []), *self.commands]:
            if command["name"] == name and command.get("type", 1) == 1:
                return command
        return None

    @staticmethod
    def _build_options(command: Json | None, options: Options) -> list[Json]:
        if options is None:
            return []
        if not isinstance(options, Mapping):
            return [dict(o) for o in options]
        schema = {o["name"]: o.get("type") for o in (command or {}).get("options", [])}
        guessed = {bool: 5, int: 4, float: 10, str: 3}
        return [
            {"name": key, "type": schema.get(key) or guessed.get(type(value), 3), "value": value}
            for key, value in options.items()
        ]

    def _new_message(self, channel_id: int, body: Json, *, guild_id: int | None, message_type: int = 0) -> Json:
        """Create and store a message authored by the bot from a create-message body (``guild_id`` None: in a DM or
        group DM)."""
        message: Json = {
            "id": str(self._snowflake()),
            "channel_id": str(channel_id),
            **({"guild_id": str(guild_id)} if guild_id is not None else {}),
            "author": self._user(self.application_id),
            "content": "",
            "embeds": [],
            "components": [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": _now(),
            "edited_timestamp": None,
            "flags": 0,
            "type": message_type,
        }
        if message_type == 20:
            message["application_id"] = message["webhook_id"] = str(self.application_id)
        message.update({k: body[k] for k in _MESSAGE_FIELDS if k in body})
        self.messages[int(message["id"])] = message
        return message

    # ----------------------------------------------------------------- internals: gateway

    async def _dispatch(self, event: str, data: Json) -> None:
        """Send a DISPATCH (op 0) with the next sequence number; buffered for RESUME replay."""
        self._seq += 1
        payload = {"op": 0, "t": event, "s": self._seq, "d": data}
        self._events.append(payload)
        if self._conn is not None and self._conn.live:
            await self._conn.send(payload)

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        self.gateway_connects.append(RecordedRequest("GET", request.path, query, None, 101))
        encoder = _make_encoder(query.get("compress"))
        if query.get("encoding", "json") != "json" or encoder is None:
            self.gateway_connects[-1].status = 400
            return _error(400, f"unsupported encoding/compress: {query}")
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=0)
        await ws.prepare(request)
        conn = _Connection(ws, encoder)
        old, self._conn = self._conn, conn
        if old is not None:
            old.live = False
            await old.ws.close(code=4000)
        await conn.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    payload = json.loads(msg.data)
                    self.received.append(payload)
                    await self._on_gateway_payload(conn, payload)
                    self._notify()
        finally:
            conn.live = False
            if self._conn is conn:
                self._conn = None
            self._notify()
        return ws

    async def _on_gateway_payload(self, conn: _Connection, payload: Json) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:  # HEARTBEAT
            self.heartbeats += 1
            await conn.send({"op": 11})
        elif op == 2:  # IDENTIFY
            await self._identify(conn, data or {})
        elif op == 6:  # RESUME
            await self._resume(conn, data or {})
        elif op == 8:  # REQUEST_GUILD_MEMBERS (only sent when the bot has the members intent)
            await self._dispatch(
                "GUILD_MEMBERS_CHUNK",
                {
                    "guild_id": str(self.guild_id),
                    "members": self._guild_payload()["members"],
                    "chunk_index": 0,
                    "chunk_count": 1,
                    "not_found": [],
                    "presences": [],
                    "nonce": (data or {}).get("nonce"),
                },
            )

    async def _identify(self, conn: _Connection, data: Json) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=4004)  # Authentication failed
            return
        self.identifies += 1
        self._session_id = f"session-{self._snowflake()}"
        self._events.clear()
        self._seq = 0
        ready = {
            "v": 10,
            "user": self._bot_user(),
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": self._session_id,
            "resume_gateway_url": self.resume_gateway_url,
            "shard": data.get("shard", [0, 1]),
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
        }
        conn.live = True
        await self._dispatch("READY", ready)
        await self._dispatch("GUILD_CREATE", self._guild_payload())

    async def _resume(self, conn: _Connection, data: Json) -> None:
        known = self._session_id is not None and data.get("session_id") == self._session_id
        if data.get("token") != self.token or not known:
            await conn.send({"op": 9, "d": False})  # INVALID_SESSION, not resumable
            return
        index = int(data.get("seq") or 0)  # seq == index into this session's event list
        while index < len(self._events):  # replay what the client missed (events may arrive meanwhile)
            await conn.send(self._events[index])
            index += 1
        conn.live = True
        self.resumes += 1
        await self._dispatch("RESUMED", {})

    # ----------------------------------------------------------------- internals: REST

    def _build_app(self) -> web.Application:
        @web.middleware
        async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
            return await self._record(request, handler)

        app = web.Application(middlewares=[record])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/resume-gateway", self._gateway)
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/{app}/commands", self._get_commands),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("POST", "/interactions/{id}/{token}/callback", self._interaction_callback),
            ("POST", "/webhooks/{app}/{token}", self._followup),
            ("GET", "/webhooks/{app}/{token}/messages/{message}", self._webhook_message),
            ("PATCH", "/webhooks/{app}/{token}/messages/{message}", self._webhook_message),
            ("DELETE", "/webhooks/{app}/{token}/messages/{message}", self._webhook_message),
            ("POST", "/channels/{channel}/messages", self._create_message),
        ]
        for method, path, route_handler in routes:
            app.router.add_route(method, API_PREFIX + path, route_handler)
        return app

    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Record every API request; answer unknown routes Discord-style (404 JSON)."""
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        path = request.path[len(API_PREFIX) :]
        try:
            body = await _read_body(request)
        except ValueError:
            body = None
        recorded = RecordedRequest(request.method, path, dict(request.query), body)
        response: web.StreamResponse
        needs_auth = not path.startswith(_UNAUTHENTICATED_PREFIXES)
        if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
            response = _error(401, "401: Unauthorized")
        else:
            try:
                response = await handler(request)
            except web.HTTPException as exc:  # router misses: 404 / 405
                response = _error(exc.status, f"{exc.status}: {exc.reason}")
        recorded.status = response.status
        self.requests.append(recorded)
        self._notify()
        return response

    async def _get_me(self, request: web.Request) -> web.StreamResponse:
        return _json_response(self._bot_user())

    async def _get_gateway(self, request: web.Request) -> web.StreamResponse:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _get_application(self, request: web.Request) -> web.StreamResponse:
        return _json_response(
            {
                "id": str(self.application_id),
                "name": "fake-bot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self._user(self.owner_id),
                "team": None,
                "verify_key": "0" * 64,
                "flags": 0,
                "bot": self._user(self.application_id),
            }
        )

    def _check_app(self, request: web.Request) -> web.Response | None:
        if request.match_info["app"] != str(self.application_id):
            return _error(404, "Unknown Application", 10002)
        return None

    async def _get_commands(self, request: web.Request) -> web.StreamResponse:
        if (error := self._check_app(request)) is not None:
            return error
        guild = request.match_info.get("guild")
        return _json_response(self.guild_commands.get(int(guild), []) if guild else self.commands)

    async def _put_commands(self, request: web.Request) -> web.StreamResponse:
        """Bulk overwrite: echo the commands back with ids (stable per name) like Discord does."""
        if (error := self._check_app(request)) is not None:
            return error
        body = await _read_body(request)
        if not isinstance(body, list):
            return _error(400, "Invalid Form Body", 50035)
        guild = int(request.match_info["guild"]) if "guild" in request.match_info else None
        result: list[Json] = []
        for command in body:
            key = (guild, command.get("type", 1), command["name"])
            stored = {
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **command,
                "id": self._command_ids.setdefault(key, str(self._snowflake())),
                "application_id": str(self.application_id),
                "version": str(self._snowflake()),
                "type": command.get("type", 1),
            }
            if guild is not None:
                stored["guild_id"] = str(guild)
            result.append(stored)
        if guild is None:
            self.commands = result
        else:
            self.guild_commands[guild] = result
        return _json_response(result)

    async def _interaction_callback(self, request: web.Request) -> web.StreamResponse:
        interaction = self._interactions.get(int(request.match_info["id"]))
        if interaction is None or interaction.token != request.match_info["token"]:
            return _error(404, "Unknown interaction", 10062)
        if interaction.id in self.callbacks:
            return _error(400, "Interaction has already been acknowledged.", 40060)
        body: Json = await _read_body(request) or {}
        self.callbacks[interaction.id] = body
        kind, data = body.get("type"), body.get("data") or {}
        flags = int(data.get("flags") or 0)
        result: Json = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.payload["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & EPHEMERAL_FLAG),
            }
        }
        if kind in (4, 5):  # CHANNEL_MESSAGE_WITH_SOURCE / DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
            if kind == 5:
                data = {"flags": flags | LOADING_FLAG}
            message = self._new_message(interaction.channel_id, data, message_type=20, guild_id=interaction.guild_id)
            self._originals[interaction.token] = int(message["id"])
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"] = {"type": kind, "message": message}
        elif kind in (6, 7) and "message" in interaction.payload:  # a component's message, updated (7) or not
            message = self.messages[int(interaction.payload["message"]["id"])]
            if kind == 7:
                message.update({k: data[k] for k in _MESSAGE_FIELDS if k in data})
                message["edited_timestamp"] = _now()
            self._originals[interaction.token] = int(message["id"])
        if request.query.get("with_response") in ("1", "true", "True"):
            return _json_response(result)
        return web.Response(status=204)

    def _webhook_interaction(self, request: web.Request) -> _Interaction | None:
        if request.match_info["app"] != str(self.application_id):
            return None
        return self._tokens.get(request.match_info["token"])

    async def _followup(self, request: web.Request) -> web.StreamResponse:
        interaction = self._webhook_interaction(request)
        if interaction is None:
            return _error(404, "Unknown Webhook", 10015)
        body = await _read_body(request) or {}
        message = self._new_message(interaction.channel_id, body, message_type=20, guild_id=interaction.guild_id)
        if request.query.get("wait") in ("1", "true", "True"):
            return _json_response(message)
        return web.Response(status=204)

    async def _webhook_message(self, request: web.Request) -> web.StreamResponse:
        interaction = self._webhook_interaction(request)
        if interaction is None:
            return _error(404, "Unknown Webhook", 10015)
        ref = request.match_info["message"]
        message_id = self._originals.get(interaction.token) if ref == "@original" else int(ref)
        message = self.messages.get(message_id or 0)
        if message is None:
            return _error(404, "Unknown Message", 10008)
        if request.method == "DELETE":
            del self.messages[int(message["id"])]
            return web.Response(status=204)
        if request.method == "PATCH":
            body: Json = await _read_body(request) or {}
            message.update({k: body[k] for k in _MESSAGE_FIELDS if k in body})
            message["flags"] = int(message.get("flags") or 0) & ~LOADING_FLAG
            message["edited_timestamp"] = _now()
        return _json_response(message)

    async def _create_message(self, request: web.Request) -> web.StreamResponse:
        channel = int(request.match_info["channel"])
        if channel != self.channel_id:
            return _error(404, "Unknown Channel", 10003)
        body: Json = await _read_body(request) or {}
        message_type = 19 if "message_reference" in body else 0  # REPLY or DEFAULT
        return _json_response(self._new_message(channel, body, guild_id=self.guild_id, message_type=message_type))
