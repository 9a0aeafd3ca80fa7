"""Proves tests/discord_contract.py: known-bad bodies are reported, realistic good ones pass."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from simcord import Env, HttpLogEntry

from tests.discord_contract import _RULES, BUNDLED_SPEC, SPEC_ENV_VAR, Contract, default_spec_path, load_contract

CALLBACK = "/interactions/1456074443980800012/aW50ZXJhY3Rpb24/callback"
COMMANDS = "/applications/1456074443980800000/commands"
GUILD_COMMANDS = "/applications/1456074443980800000/guilds/1456074443980800005/commands"
MESSAGES = "/channels/1456074443980800010/messages"
MESSAGE = "/channels/1456074443980800010/messages/1456074443980800018"
FOLLOWUP = "/webhooks/1456074443980800000/aW50ZXJhY3Rpb24"
ORIGINAL = "/webhooks/1456074443980800000/aW50ZXJhY3Rpb24/messages/@original"
NO_PINGS: dict[str, Any] = {"parse": []}
TEXT_DISPLAY = {"type": 10, "content": "Thanks <@1>!"}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_contract()


def request(method: str, path: str, body: Any) -> HttpLogEntry:
    return HttpLogEntry(method, path, {}, body, None)


def callback(kind: int, data: Any = None) -> HttpLogEntry:
    return request("POST", CALLBACK, {"type": kind} if data is None else {"type": kind, "data": data})


def reply(**data: Any) -> HttpLogEntry:
    """A type 4 reply that does not ping, plus ``data``."""
    return callback(4, {"content": "ok", "allowed_mentions": NO_PINGS, **data})


def command(name: str = "fact", description: str = "Look up a fact", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": description, "type": 1, **extra}


def option(name: str = "topic", kind: int = 3, description: str = "Topic", **extra: Any) -> dict[str, Any]:
    return {"type": kind, "name": name, "description": description, **extra}


def sync(*commands_: dict[str, Any]) -> HttpLogEntry:
    return request("PUT", COMMANDS, list(commands_))


def choices(count: int, name: str = "choice", value: str = "value") -> list[dict[str, Any]]:
    return [{"name": f"{name}{i}", "value": f"{value}{i}"} for i in range(count)]


def modal(**data: Any) -> HttpLogEntry:
    text_input = {"type": 4, "custom_id": "answer", "style": 1, "label": "Answer"}
    base = {"custom_id": "quiz", "title": "Quiz", "components": [{"type": 1, "components": [text_input]}]}
    return callback(9, {**base, **data})


def text_input_modal(**text_input: Any) -> HttpLogEntry:
    component = {"type": 4, "custom_id": "answer", "style": 2, "label": "Answer", **text_input}
    return modal(components=[{"type": 18, "label": "Answer", "component": component}])


def embed(**fields: Any) -> dict[str, Any]:
    return {"type": "rich", "title": "Stunt", **fields}


def field(name: str = "Where", value: str = "Norway") -> dict[str, Any]:
    return {"name": name, "value": value, "inline": True}


# --------------------------------------------------------------------------- good requests

GOOD_SYNC = sync(
    command(
        "fact",
        options=[
            option("topic", required=True, autocomplete=True),
            option("year", kind=4, description="Release year", min_value=1996, max_value=2025),
            option("kind", description="Kind of fact", choices=choices(3)),
        ],
        contexts=None,
        integration_types=None,
        nsfw=False,
        dm_permission=True,
        default_member_permissions=None,
    ),
    command(
        "admin",
        description="Admin tools",
        options=[
            option(
                "feeds",
                kind=2,
                description="Video feeds",
                options=[option("add", kind=1, description="Add", options=[option("url", required=True)])],
            )
        ],
    ),
    command("नमस्ते", description="Devanagari name with combining marks"),
    command("สวัสดี", description="Thai name with combining marks"),
    command("it's-ok_2", description="Punctuation the regex allows"),
    {"name": "Quote This", "type": 3, "dm_permission": True},  # context menus allow spaces and caps
    command(
        "stunt",
        description="Anywhere: a server, a DM, a group DM",
        dm_permission=True,
        contexts=[0, 1, 2],
        integration_types=[0, 1],
    ),
    command(
        "settings",
        description="Server only, for managers",
        dm_permission=False,
        contexts=[0],
        integration_types=[0],
        default_member_permissions=32,
    ),
)

GOOD = [
    request("GET", COMMANDS, None),
    GOOD_SYNC,
    request("PUT", GUILD_COMMANDS, []),
    callback(
        4,
        {
            "tts": False,
            "content": "The motorbike jump was filmed in Norway.",
            "embeds": [
                {
                    "type": "rich",
                    "flags": 0,  # discord.py sends this; the spec does not list it, Discord ignores it
                    "title": "Helsetkopen",
                    "description": "Ramp jump, six times.",
                    "color": 0x00FF00,
                    "timestamp": "2026-01-01T00:00:00+00:00",
                    "fields": [field()],
                    "footer": {"text": "Source: Paramount"},
                    "author": {"name": "MI bot", "url": "https://example.com"},
                }
            ],
            "allowed_mentions": NO_PINGS,
        },
    ),
    callback(8, {"choices": [{"name": "Stunts", "value": "stunts"}, {"name": "Places", "value": "places"}]}),
    modal(),
    text_input_modal(min_length=10, max_length=4000, value="x" * 4000),
    callback(5, {"flags": 64}),
    callback(6),
    callback(7, {"tts": False, "content": "clicked", "components": [], "allowed_mentions": NO_PINGS}),
    request(
        "POST",
        FOLLOWUP,
        {
            "content": "follow",
            "tts": False,
            "flags": 64,
            "allowed_mentions": NO_PINGS,
            "attachments": [{"id": 0, "filename": "a.txt"}],  # discord.py's integer attachment index
        },
    ),
    request("PATCH", ORIGINAL, {"content": "edited", "tts": False, "allowed_mentions": NO_PINGS}),
    request(
        "POST",
        MESSAGES,
        {
            "content": "reply",
            "nonce": "13510222399770160926",
            "enforce_nonce": True,
            "message_reference": {"message_id": 1456074443980800016, "channel_id": 1456074443980800008},
            "allowed_mentions": {"parse": [], "replied_user": False},
        },
    ),
    request("PATCH", MESSAGE, {"embeds": [], "components": [], "tts": False, "flags": 0}),  # no text: no ping
    request("DELETE", MESSAGE, None),
    request("POST", "/guilds/1/stickers", {"name": "stunt", "tags": "bike"}),  # file part not recorded
]


def test_realistic_requests_have_no_violations(contract: Contract) -> None:
    assert contract.violations(GOOD) == []


def test_rule_routes_are_spec_paths(contract: Contract) -> None:
    tables = contract._spec.routes.values()
    documented = {(route.method, route.template) for table in tables for route in table}
    assert set(_RULES) <= documented


def test_violation_reads_method_path_place_and_limit(contract: Contract) -> None:
    bad = reply(embeds=[embed(title="t" * 300)])
    expected = f"POST {CALLBACK}: data.embeds[0].title is 300 characters (max 256)"
    assert contract.violations([bad]) == [expected]


def test_the_spec_kept_with_the_tests_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SPEC_ENV_VAR, raising=False)
    assert default_spec_path() == BUNDLED_SPEC
    assert load_contract()._spec.routes  # parsed, so every contract check runs on a fresh clone


def test_the_spec_is_a_file_or_a_folder_and_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, contract: Contract
) -> None:
    checkout = tmp_path / "discord-api-spec"  # a checkout of discord/discord-api-spec keeps it in specs/
    (checkout / "specs").mkdir(parents=True)
    (checkout / "specs" / "openapi.json").symlink_to(contract.spec_path)
    for given in (contract.spec_path, contract.spec_path.parent, checkout):
        monkeypatch.setenv(SPEC_ENV_VAR, str(given))
        assert load_contract() is contract  # the same file, parsed once
    monkeypatch.setenv(SPEC_ENV_VAR, str(tmp_path / "elsewhere"))
    with pytest.raises(FileNotFoundError, match=re.escape(f"not at {tmp_path / 'elsewhere'} (check ${SPEC_ENV_VAR})")):
        load_contract()


# --------------------------------------------------------------------------- bad requests, one per rule


def wordy_option(name: str) -> dict[str, Any]:
    """Within every per-field limit: a 100-character description and 25 choices of ~190 characters."""
    return option(name, description="d" * 100, choices=choices(25, "n" * 95, "v" * 95))


BAD: list[tuple[str, HttpLogEntry, str]] = [
    # command and option names
    ("command name space", sync(command("fact check")), "[0].name 'fact check' has characters not allowed"),
    ("command name emoji", sync(command("fact😀")), "has characters not allowed by"),
    ("command name upper case", sync(command("Fact")), "[0].name 'Fact' must be lower case"),
    ("command name too long", sync(command("f" * 33)), "[0].name is 33 characters (max 32)"),
    (
        "option name dot",
        sync(command(options=[option("a.b")])),
        "options[0].name 'a.b' has characters not allowed",
    ),
    (
        "option name upper case",
        sync(command(options=[option("Topic")])),
        "options[0].name 'Topic' must be lower case",
    ),
    ("option name empty", sync(command(options=[option("")])), "options[0].name is 0 characters (min 1)"),
    # descriptions
    ("command description empty", sync(command(description="")), "[0].description is 0 characters (min 1)"),
    (
        "command description long",
        sync(command(description="d" * 101)),
        "[0].description is 101 characters (max 100)",
    ),
    (
        "option description long",
        sync(command(options=[option(description="d" * 101)])),
        "options[0].description is 101 characters (max 100)",
    ),
    # options
    (
        "26 options",
        sync(command(options=[option(f"o{i}") for i in range(26)])),
        "[0].options has 26 options (max 25)",
    ),
    (
        "26 subcommand options",
        sync(command(options=[option("sub", kind=1, options=[option(f"o{i}") for i in range(26)])])),
        "[0].options[0].options has 26 options (max 25)",
    ),
    (
        "required after optional",
        sync(command(options=[option("a"), option("b", required=True)])),
        "[0].options[1].required is true after an optional option",
    ),
    (
        "duplicate option names",
        sync(command(options=[option("a"), option("a")])),
        "[0].options[1].name 'a' is not unique",
    ),
    # choices
    (
        "26 choices",
        sync(command(options=[option(choices=choices(26))])),
        "options[0].choices has 26 choices (max 25)",
    ),
    (
        "choice name empty",
        sync(command(options=[option(choices=[{"name": "", "value": "v"}])])),
        "options[0].choices[0].name is 0 characters (min 1)",
    ),
    (
        "choice name long",
        sync(command(options=[option(choices=[{"name": "n" * 101, "value": "v"}])])),
        "options[0].choices[0].name is 101 characters (max 100)",
    ),
    (
        "string choice value long",  # the spec allows 6000
        sync(command(options=[option(choices=[{"name": "n", "value": "v" * 101}])])),
        "options[0].choices[0].value is 101 characters (max 100)",
    ),
    (
        "autocomplete with choices",
        sync(command(options=[option(autocomplete=True, choices=choices(2))])),
        "options[0].autocomplete is true although the option has choices",
    ),
    # commands
    (
        "101 global commands",
        sync(*(command(f"c{i}") for i in range(101))),
        "body has 101 chat-input commands (max 100)",
    ),
    (
        "101 guild commands",
        request("PUT", GUILD_COMMANDS, [command(f"c{i}") for i in range(101)]),
        "body has 101 chat-input commands (max 100)",
    ),
    (
        "duplicate command names",
        sync(command("a"), command("a")),
        "[1].name 'a' is not unique among commands",
    ),
    (
        "8000 characters per command",
        sync(command(options=[wordy_option("a"), wordy_option("b")])),
        "[0] has 9880 characters of names/descriptions/values (max 8000)",
    ),
    (
        "single command create checked too",
        request("POST", GUILD_COMMANDS, command("Fact")),
        "name 'Fact' must be lower case",
    ),
    # autocomplete results
    (
        "autocomplete 26 choices",
        callback(8, {"choices": choices(26)}),
        "data.choices has 26 choices (max 25)",
    ),
    (
        "autocomplete choice name long",
        callback(8, {"choices": [{"name": "n" * 101, "value": "v"}]}),
        "data.choices[0].name is 101 characters (max 100)",
    ),
    (
        "autocomplete choice name empty",
        callback(8, {"choices": [{"name": "", "value": "v"}]}),
        "data.choices[0].name is 0 characters (min 1)",
    ),
    (
        "autocomplete string value long",
        callback(8, {"choices": [{"name": "n", "value": "v" * 101}]}),
        "data.choices[0].value is 101 characters (max 100)",
    ),
    # where a command is installed and used
    (
        "group DMs without a user install",
        sync(command(contexts=[0, 1, 2], integration_types=[0])),
        "[0].contexts includes 2 (PRIVATE_CHANNEL), which only a user install reaches, but integration_types lacks 1",
    ),
    (
        "dm_permission against contexts",
        sync(command(dm_permission=True, contexts=[0], integration_types=[0])),
        "[0].dm_permission is true but contexts [0] lacks 1 (BOT_DM): they must agree",
    ),
    (
        "admin command installable to users",
        sync(command(default_member_permissions=32, contexts=[0], dm_permission=False, integration_types=[0, 1])),
        "[0].integration_types includes 1 (USER_INSTALL) on a command hidden by default_member_permissions",
    ),
    (
        "unknown context",
        sync(command(contexts=[0, 3], integration_types=[0, 1])),
        "[0].contexts[1]",
    ),
    # message content and embeds
    ("reply content 2001", reply(content="x" * 2001), "data.content is 2001 characters (max 2000)"),
    (
        "channel message content 2001",  # the spec allows 4000
        request("POST", MESSAGES, {"content": "x" * 2001, "allowed_mentions": NO_PINGS}),
        "content is 2001 characters (max 2000)",
    ),
    (
        "message edit content 2001",
        request("PATCH", MESSAGE, {"content": "x" * 2001, "allowed_mentions": NO_PINGS}),
        "content is 2001 characters (max 2000)",
    ),
    ("11 embeds", reply(embeds=[embed() for _ in range(11)]), "data.embeds has 11 embeds (max 10)"),
    (
        "embed title",
        reply(embeds=[embed(title="t" * 257)]),
        "data.embeds[0].title is 257 characters (max 256)",
    ),
    (
        "embed description",
        reply(embeds=[embed(description="d" * 4097)]),
        "data.embeds[0].description is 4097 characters (max 4096)",
    ),
    (
        "26 fields",
        reply(embeds=[embed(fields=[field()] * 26)]),
        "data.embeds[0].fields has 26 fields (max 25)",
    ),
    (
        "field name",
        reply(embeds=[embed(fields=[field(name="n" * 257)])]),
        "data.embeds[0].fields[0].name is 257 characters (max 256)",
    ),
    (
        "field value",
        reply(embeds=[embed(fields=[field(value="v" * 1025)])]),
        "data.embeds[0].fields[0].value is 1025 characters (max 1024)",
    ),
    (
        "footer text",
        reply(embeds=[embed(footer={"text": "f" * 2049})]),
        "data.embeds[0].footer.text is 2049 characters (max 2048)",
    ),
    (
        "author name",
        reply(embeds=[embed(author={"name": "a" * 257})]),
        "data.embeds[0].author.name is 257 characters (max 256)",
    ),
    (
        "6000 over all embeds",
        request(
            "POST",
            FOLLOWUP,
            {"embeds": [embed(description="d" * 3000) for _ in range(2)], "allowed_mentions": NO_PINGS},
        ),
        "embeds have 6010 characters in total (max 6000)",
    ),
    # allowed_mentions
    (
        "unknown parse item",
        reply(allowed_mentions={"parse": ["here"]}),
        "data.allowed_mentions.parse[0] is 'here' (allowed: users, roles, everyone)",
    ),
    (
        "parse users with users",
        reply(allowed_mentions={"parse": ["users"], "users": ["1"]}),
        "data.allowed_mentions.users may not be sent while parse contains 'users'",
    ),
    (
        "parse roles with roles",
        reply(allowed_mentions={"parse": ["roles"], "roles": []}),
        "data.allowed_mentions.roles may not be sent while parse contains 'roles'",
    ),
    # ephemeral / deferred
    (
        "deferred with other flags",
        callback(5, {"flags": 64 | 4}),
        "data.flags is 68: a deferral may only set 64",
    ),
    # modals
    ("modal title", modal(title="t" * 46), "data.title is 46 characters (max 45)"),
    ("modal custom_id empty", modal(custom_id=""), "data.custom_id is 0 characters (min 1)"),
    ("modal custom_id long", modal(custom_id="c" * 101), "data.custom_id is 101 characters (max 100)"),
    ("modal no components", modal(components=[]), "data.components has 0 components (min 1)"),
    (
        "modal 6 components",
        modal(components=[{"type": 10, "content": f"line {i}"} for i in range(6)]),
        "data.components has 6 components (max 5)",
    ),
    (
        "text input min_length",
        text_input_modal(min_length=4001),
        "data.components[0].component.min_length is 4001",
    ),
    (
        "text input max_length",
        text_input_modal(max_length=4001),
        "data.components[0].component.max_length is 4001",
    ),
    (
        "text input value",
        text_input_modal(value="v" * 4001),
        "data.components[0].component.value is 4001 characters (max 4000)",
    ),
    # product rule: a bot message never pings
    ("reply without allowed_mentions", callback(4, {"content": "hi"}), "data.allowed_mentions is missing"),
    ("update without allowed_mentions", callback(7, {"content": "hi"}), "data.allowed_mentions is missing"),
    (
        "followup without allowed_mentions",
        request("POST", FOLLOWUP, {"content": "hi"}),
        "allowed_mentions is missing",
    ),
    (
        "channel message without",
        request("POST", MESSAGES, {"embeds": [embed()]}),
        "allowed_mentions is missing",
    ),
    (
        "original edit with text, without",
        request("PATCH", ORIGINAL, {"content": "hi"}),
        "allowed_mentions is missing",
    ),
    (
        "message edit with text, without",
        request("PATCH", MESSAGE, {"content": "hi"}),
        "allowed_mentions is missing",
    ),
    (
        "V2 edit with text display, without",
        request("PATCH", MESSAGE, {"components": [{"type": 17, "components": [TEXT_DISPLAY]}]}),
        "allowed_mentions is missing",
    ),
    (
        "parse everyone",
        reply(allowed_mentions={"parse": ["everyone"]}),
        "data.allowed_mentions.parse is ['everyone']",
    ),
    ("parse missing", reply(allowed_mentions={}), "data.allowed_mentions.parse is None"),
    (
        "explicit users",
        reply(allowed_mentions={"parse": [], "users": ["1"]}),
        "data.allowed_mentions.users lists",
    ),
    (
        "explicit roles",
        reply(allowed_mentions={"parse": [], "roles": ["1"]}),
        "data.allowed_mentions.roles lists",
    ),
    (
        "replied user",
        request("POST", MESSAGES, {"content": "hi", "allowed_mentions": {"parse": [], "replied_user": True}}),
        "allowed_mentions.replied_user is true",
    ),
    # what only the spec knows
    ("embed colour", reply(embeds=[embed(color=-1)]), "data.embeds[0].color violates the spec (minimum)"),
    ("unknown callback type", callback(42), "body has type 42, which matches none of the 7 variants"),
    (
        "unknown option type",
        sync(command(options=[option(kind=99)])),
        "[0].options[0] has type 99, which matches none",
    ),
    ("body not an object", request("POST", CALLBACK, "pong"), 'body is string "pong", which matches none'),
    ("body not JSON", reply(content=object()), "body cannot be sent as JSON"),
    (
        "bad snowflake",
        request("PATCH", MESSAGE, {"sticker_ids": ["abc"]}),
        "sticker_ids[0] violates the spec",
    ),
    (
        "no rule, schema still checked",
        request("POST", "/channels/1/webhooks", {"name": "w" * 81}),
        "name is 81 characters (max 80)",
    ),
]


@pytest.mark.parametrize(("entry", "expected"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_request_is_reported(contract: Contract, entry: HttpLogEntry, expected: str) -> None:
    violations = contract.violations([entry])
    assert any(expected in violation for violation in violations), violations
    assert all(violation.startswith(f"{entry.method} {entry.path}: ") for violation in violations)


def test_spec_error_is_not_repeated_after_a_rule(contract: Contract) -> None:
    violations = contract.violations([reply(embeds=[embed(title="t" * 300)])])
    assert len(violations) == 1  # the spec's maxLength 256 on the same place is not reported again


# --------------------------------------------------------------------------- end to end through SimCord


class GreeterBot(commands.Bot):
    """A tiny bot with one slash command that replies with an embed and a followup."""

    def __init__(self, mentions: discord.AllowedMentions | None) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default(), allowed_mentions=mentions)

        @self.tree.command(description="Greets someone")
        @app_commands.describe(who="Whom to greet")
        async def greet(interaction: discord.Interaction, who: str) -> None:
            card = discord.Embed(title="Hello", description=f"Hi {who}!").add_field(name="From", value="me")
            await interaction.response.send_message(f"Hi {who} @everyone", embed=card)
            await interaction.followup.send("And welcome!", ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync()


@pytest.fixture
def discord_contract() -> None:
    """This module feeds the checker bad requests on purpose, so the suite-wide check is off here."""


@pytest.fixture(params=["no pings", "discord.py default"])
def simcord_bot(request: pytest.FixtureRequest) -> GreeterBot:
    return GreeterBot(discord.AllowedMentions.none() if request.param == "no pings" else None)


async def test_simcord_bot_requests_honour_the_contract(
    contract: Contract, simcord_env: Env, simcord_bot: GreeterBot
) -> None:
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))

    result = await alice.slash(channel, "greet", who="Ethan")

    assert result.response is not None and result.response.content == "Hi Ethan @everyone"
    methods = {(entry.method, entry.path.split("/")[1]) for entry in simcord_env.http_requests}
    assert {("PUT", "applications"), ("POST", "interactions"), ("POST", "webhooks")} <= methods
    violations = contract.violations(simcord_env.http_requests)
    if simcord_bot.allowed_mentions is not None:
        assert violations == []
    else:  # without AllowedMentions.none() discord.py sends no allowed_mentions: reply and followup may ping
        assert [violation.split(": ", 1)[1] for violation in violations] == [
            "data.allowed_mentions is missing: a bot message must never ping (send {'parse': []})",
            "allowed_mentions is missing: a bot message must never ping (send {'parse': []})",
        ]
