"""Check the REST requests a bot made against Discord's API contract.

SimCord accepts far more than Discord does, so a test can pass while the real API would answer
``400 Invalid Form Body``. This module closes that gap offline: every request body recorded in
``env.http_requests`` is validated against Discord's official OpenAPI spec (JSON Schema 2020-12)
and against the documented limits the spec cannot express (listed in ``discord-api-spec/README.md``
beside this file, with the spec's origin), plus this project's product rule that a bot message
never pings anyone.

Usage::

    assert load_contract().violations(env.http_requests) == []
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

if TYPE_CHECKING:
    from simcord.types import HttpLogEntry

__all__ = ["Contract", "default_spec_path", "load_contract", "spec_file"]

SPEC_ENV_VAR = "DISCORD_API_SPEC"
BUNDLED_SPEC = Path(__file__).resolve().parent / "discord-api-spec" / "openapi.json"
SPEC_FILE = "openapi.json"
_SPEC_URI = "urn:discord-api-spec:openapi.json"
_MEMO_SIZE = 4096  # checked bodies remembered per process

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class _Finding:
    """One broken rule: where in the body (JSON path) and what is wrong there."""

    where: JsonPath
    problem: str


Findings = list[_Finding]


# --------------------------------------------------------------------------- limits from Discord's docs

MAX_CONTENT = 2000  # the spec's 4000 on MessageCreateRequest / MessageEditRequestPartial is wrong
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
EMBED_TEXT_LIMITS = {"title": 256, "description": 4096}
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER_TEXT = 2048
MAX_AUTHOR_NAME = 256
MENTION_TYPES = frozenset({"users", "roles", "everyone"})

MAX_NAME = 32
MAX_DESCRIPTION = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
MAX_STRING_CHOICE_VALUE = 100  # the spec says 6000: Discord's docs say 100
MAX_CHAT_INPUT_COMMANDS = 100
MAX_COMMAND_CHARACTERS = 8000

EPHEMERAL = 64
MAX_MODAL_TITLE = 45
MAX_CUSTOM_ID = 100
MAX_MODAL_COMPONENTS = 5
MAX_TEXT_INPUT = 4000

CHAT_INPUT = 1
SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2
GUILD_INSTALL, USER_INSTALL = 0, 1  # integration_types
GUILD, BOT_DM, PRIVATE_CHANNEL = 0, 1, 2  # contexts
TEXT_INPUT, TEXT_DISPLAY, ACTION_ROW, LABEL = 4, 10, 1, 18

# \p{sc=Deva} and \p{sc=Thai} code point ranges (Unicode Scripts.txt); their combining marks are
# not \p{L}/\p{N}, so they need listing. Pure Python because the `regex` module is not available.
_NAME_SCRIPT_RANGES = (
    (0x0900, 0x0950),
    (0x0955, 0x0963),
    (0x0966, 0x097F),
    (0xA8E0, 0xA8FF),
    (0x11B00, 0x11B09),
    (0x0E01, 0x0E3A),
    (0x0E40, 0x0E5B),
)
_NAME_PATTERN = r"^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$"


# --------------------------------------------------------------------------- small rule helpers


def _render(where: JsonPath) -> str:
    """``("data", "embeds", 0, "title")`` -> ``data.embeds[0].title`` (the body itself is ``body``)."""
    text = ""
    for key in where:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text or "body"


def _length(out: Findings, where: JsonPath, value: object, low: int, high: int) -> int:
    """Report a string outside ``low..high`` characters; return its length (0 if not a string)."""
    if not isinstance(value, str):
        return 0
    size = len(value)
    if size > high:
        out.append(_Finding(where, f"is {size} characters (max {high})"))
    elif size < low:
        out.append(_Finding(where, f"is {size} characters (min {low})"))
    return size


def _count(out: Findings, where: JsonPath, items: object, high: int, noun: str, low: int = 0) -> None:
    """Report a list with more than ``high`` (or fewer than ``low``) items."""
    if not isinstance(items, list):
        return
    if len(items) > high:
        out.append(_Finding(where, f"has {len(items)} {noun} (max {high})"))
    elif len(items) < low:
        out.append(_Finding(where, f"has {len(items)} {noun} (min {low})"))


def _dicts(items: object, where: JsonPath) -> Iterator[tuple[JsonPath, Mapping[str, Any]]]:
    """The object items of a list with their paths; anything else is the schema's to report."""
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, Mapping):
                yield (*where, index), item


def _name_char_ok(char: str) -> bool:
    if char in "-_'" or unicodedata.category(char)[0] in "LN":
        return True
    return any(low <= ord(char) <= high for low, high in _NAME_SCRIPT_RANGES)


def _check_name(out: Findings, where: JsonPath, name: object) -> None:
    """Chat-input command and option names: the docs' regex, and lower case where possible."""
    if not isinstance(name, str):
        return
    _length(out, where, name, 1, MAX_NAME)
    bad = sorted({char for char in name if not _name_char_ok(char)})
    if bad:
        out.append(_Finding(where, f"{name!r} has characters not allowed by {_NAME_PATTERN}: {bad!r}"))
    if name != name.lower():
        out.append(_Finding(where, f"{name!r} must be lower case"))


# --------------------------------------------------------------------------- messages


def _check_embed(out: Findings, where: JsonPath, embed: Mapping[str, Any]) -> int:
    """Per-embed limits; returns the characters that count towards the 6000 per message."""
    limits = EMBED_TEXT_LIMITS.items()
    total = sum(_length(out, (*where, key), embed.get(key), 0, high) for key, high in limits)
    _count(out, (*where, "fields"), embed.get("fields"), MAX_EMBED_FIELDS, "fields")
    for at, field in _dicts(embed.get("fields"), (*where, "fields")):
        total += _length(out, (*at, "name"), field.get("name"), 0, MAX_FIELD_NAME)
        total += _length(out, (*at, "value"), field.get("value"), 0, MAX_FIELD_VALUE)
    footer, author = embed.get("footer"), embed.get("author")
    if isinstance(footer, Mapping):
        total += _length(out, (*where, "footer", "text"), footer.get("text"), 0, MAX_FOOTER_TEXT)
    if isinstance(author, Mapping):
        total += _length(out, (*where, "author", "name"), author.get("name"), 0, MAX_AUTHOR_NAME)
    return total


def _check_allowed_mentions(out: Findings, where: JsonPath, mentions: Mapping[str, Any]) -> None:
    """``parse`` names only known types, and never a type that ``users``/``roles`` also lists."""
    parse = mentions.get("parse")
    if not isinstance(parse, list):
        return
    for index, kind in enumerate(parse):
        if kind not in MENTION_TYPES:
            out.append(_Finding((*where, "parse", index), f"is {kind!r} (allowed: users, roles, everyone)"))
    for kind in ("users", "roles"):
        if kind in parse and isinstance(mentions.get(kind), list):
            out.append(_Finding((*where, kind), f"may not be sent while parse contains {kind!r}"))


def _has_text_display(node: object) -> bool:
    if isinstance(node, Mapping):
        return node.get("type") == TEXT_DISPLAY or any(_has_text_display(value) for value in node.values())
    return isinstance(node, list) and any(_has_text_display(item) for item in node)


def _check_no_ping(out: Findings, where: JsonPath, body: object, *, edit: bool) -> None:
    """Product rule: a bot message never pings, so it must send ``allowed_mentions: {"parse": []}``.

    Exception: discord.py's ``Message.edit`` sends ``allowed_mentions`` only along with ``content``,
    and an edit that sets no text (no content, no text display component) cannot ping anyone.
    """
    message = body if isinstance(body, Mapping) else {}
    mentions = message.get("allowed_mentions")
    at = (*where, "allowed_mentions")
    if mentions is None:
        mentionable = isinstance(message.get("content"), str) and message["content"] != ""
        if edit and not mentionable and not _has_text_display(message.get("components")):
            return
        out.append(_Finding(at, "is missing: a bot message must never ping (send {'parse': []})"))
        return
    if not isinstance(mentions, Mapping):
        return
    parse = mentions.get("parse")
    if parse != []:
        out.append(_Finding((*at, "parse"), f"is {parse!r}: a bot message must never ping (send [])"))
    for kind in ("users", "roles"):
        if mentions.get(kind):
            out.append(_Finding((*at, kind), f"lists {kind} to ping: a bot message must never ping"))
    if mentions.get("replied_user") is True:
        out.append(_Finding((*at, "replied_user"), "is true: a bot message must never ping"))


def _check_message(out: Findings, where: JsonPath, body: object, *, edit: bool) -> None:
    """Content, embed and allowed_mentions limits of a message create/edit body."""
    _check_no_ping(out, where, body, edit=edit)
    if not isinstance(body, Mapping):
        return
    _length(out, (*where, "content"), body.get("content"), 0, MAX_CONTENT)
    embeds = body.get("embeds")
    _count(out, (*where, "embeds"), embeds, MAX_EMBEDS, "embeds")
    total = sum(_check_embed(out, at, embed) for at, embed in _dicts(embeds, (*where, "embeds")))
    if total > MAX_EMBED_TOTAL:
        out.append(_Finding((*where, "embeds"), f"have {total} characters in total (max {MAX_EMBED_TOTAL})"))
    mentions = body.get("allowed_mentions")
    if isinstance(mentions, Mapping):
        _check_allowed_mentions(out, (*where, "allowed_mentions"), mentions)


def _check_message_create(body: object, out: Findings) -> None:
    _check_message(out, (), body, edit=False)


def _check_message_edit(body: object, out: Findings) -> None:
    _check_message(out, (), body, edit=True)


# --------------------------------------------------------------------------- application commands


def _check_choices(out: Findings, where: JsonPath, choices: object) -> None:
    """Option choices and autocomplete results share limits: 25 items, name 1-100, string value 100."""
    _count(out, where, choices, MAX_CHOICES, "choices")
    for at, choice in _dicts(choices, where):
        _length(out, (*at, "name"), choice.get("name"), 1, MAX_CHOICE_NAME)
        _length(out, (*at, "value"), choice.get("value"), 0, MAX_STRING_CHOICE_VALUE)


def _check_options(out: Findings, where: JsonPath, options: object) -> None:
    """Options of a chat-input command or subcommand, recursively."""
    _count(out, where, options, MAX_OPTIONS, "options")
    seen: set[str] = set()
    optional_seen = False
    for at, option in _dicts(options, where):
        name = option.get("name")
        _check_name(out, (*at, "name"), name)
        if isinstance(name, str):
            if name in seen:
                out.append(_Finding((*at, "name"), f"{name!r} is not unique among its sibling options"))
            seen.add(name)
        _length(out, (*at, "description"), option.get("description"), 1, MAX_DESCRIPTION)
        kind = option.get("type")
        if kind in (SUBCOMMAND, SUBCOMMAND_GROUP):
            _check_options(out, (*at, "options"), option.get("options"))
            continue
        if option.get("required"):
            if optional_seen:
                out.append(_Finding((*at, "required"), "is true after an optional option"))
        else:
            optional_seen = True
        choices = option.get("choices")
        if choices and option.get("autocomplete"):
            out.append(_Finding((*at, "autocomplete"), "is true although the option has choices"))
        _check_choices(out, (*at, "choices"), choices)


def _command_characters(node: Mapping[str, Any]) -> int:
    """Name, description and value texts of a command, its options and choices (the 8000 limit)."""
    total = sum(len(node[key]) for key in ("name", "description") if isinstance(node.get(key), str))
    if "value" in node and not isinstance(node["value"], (Mapping, list)):
        total += len(str(node["value"]))
    for key in ("options", "choices"):
        total += sum(_command_characters(child) for _, child in _dicts(node.get(key), ()))
    return total


def _check_installs(out: Findings, where: JsonPath, command: Mapping[str, Any]) -> None:
    """Where a command may be installed (``integration_types``) and used (``contexts``) must agree with each other,
    with the deprecated ``dm_permission`` and, by this project's rule, with ``default_member_permissions``."""
    installs, contexts, dms = command.get("integration_types"), command.get("contexts"), command.get("dm_permission")
    installs = installs if isinstance(installs, list) else None
    contexts = contexts if isinstance(contexts, list) else None
    if contexts is not None and installs is not None and PRIVATE_CHANNEL in contexts and USER_INSTALL not in installs:
        problem = "includes 2 (PRIVATE_CHANNEL), which only a user install reaches, but integration_types lacks 1"
        out.append(_Finding((*where, "contexts"), problem))
    if contexts is not None and isinstance(dms, bool) and dms != (BOT_DM in contexts):
        problem = f"is {str(dms).lower()} but contexts {contexts} {'lacks' if dms else 'includes'} 1 (BOT_DM)"
        out.append(_Finding((*where, "dm_permission"), f"{problem}: they must agree"))
    if command.get("default_member_permissions") is not None and installs is not None and USER_INSTALL in installs:
        problem = (
            "includes 1 (USER_INSTALL) on a command hidden by default_member_permissions: a user install ignores "
            "those, so admin commands must be guild-install only"
        )
        out.append(_Finding((*where, "integration_types"), problem))


def _check_command_at(out: Findings, where: JsonPath, command: Mapping[str, Any]) -> None:
    _check_installs(out, where, command)
    if command.get("type") in (None, CHAT_INPUT):
        _check_name(out, (*where, "name"), command.get("name"))
        _length(out, (*where, "description"), command.get("description"), 1, MAX_DESCRIPTION)
        _check_options(out, (*where, "options"), command.get("options"))
    total = _command_characters(command)
    if total > MAX_COMMAND_CHARACTERS:
        out.append(_Finding(where, f"has {total} characters of names/descriptions/values (max 8000)"))


def _check_command(body: object, out: Findings) -> None:
    if isinstance(body, Mapping):
        _check_command_at(out, (), body)


def _check_command_list(body: object, out: Findings) -> None:
    """A bulk overwrite: every command, at most 100 chat-input ones, names unique per type."""
    seen: set[tuple[object, str]] = set()
    chat_input = 0
    for at, command in _dicts(body, ()):
        _check_command_at(out, at, command)
        kind = command.get("type") or CHAT_INPUT
        chat_input += kind == CHAT_INPUT
        name = command.get("name")
        if isinstance(name, str):
            if (kind, name) in seen:
                out.append(_Finding((*at, "name"), f"{name!r} is not unique among commands of type {kind}"))
            seen.add((kind, name))
    if chat_input > MAX_CHAT_INPUT_COMMANDS:
        out.append(_Finding((), f"has {chat_input} chat-input commands (max {MAX_CHAT_INPUT_COMMANDS})"))


# --------------------------------------------------------------------------- interaction callbacks


def _text_inputs(where: JsonPath, components: object) -> Iterator[tuple[JsonPath, Mapping[str, Any]]]:
    """Text inputs of a modal, inside action rows (legacy) or labels."""
    for at, component in _dicts(components, where):
        if component.get("type") == ACTION_ROW:
            yield from (
                (path, child)
                for path, child in _dicts(component.get("components"), (*at, "components"))
                if child.get("type") == TEXT_INPUT
            )
        elif component.get("type") == LABEL:
            child = component.get("component")
            if isinstance(child, Mapping) and child.get("type") == TEXT_INPUT:
                yield (*at, "component"), child


def _check_modal(out: Findings, where: JsonPath, data: Mapping[str, Any]) -> None:
    _length(out, (*where, "title"), data.get("title"), 1, MAX_MODAL_TITLE)
    _length(out, (*where, "custom_id"), data.get("custom_id"), 1, MAX_CUSTOM_ID)
    _count(out, (*where, "components"), data.get("components"), MAX_MODAL_COMPONENTS, "components", low=1)
    for at, text_input in _text_inputs((*where, "components"), data.get("components")):
        for key in ("min_length", "max_length"):
            value = text_input.get(key)
            if isinstance(value, int) and value > MAX_TEXT_INPUT:
                out.append(_Finding((*at, key), f"is {value} (max {MAX_TEXT_INPUT})"))
        _length(out, (*at, "value"), text_input.get("value"), 0, MAX_TEXT_INPUT)


def _check_callback(body: object, out: Findings) -> None:
    """Interaction responses, by callback type."""
    if not isinstance(body, Mapping):
        return
    kind, data = body.get("type"), body.get("data")
    if kind in (4, 7):
        _check_message(out, ("data",), data, edit=False)
    elif kind == 5 and isinstance(data, Mapping):
        flags = data.get("flags")
        if isinstance(flags, int) and flags & ~EPHEMERAL:
            out.append(_Finding(("data", "flags"), f"is {flags}: a deferral may only set {EPHEMERAL}"))
    elif kind == 8 and isinstance(data, Mapping):
        _check_choices(out, ("data", "choices"), data.get("choices"))
    elif kind == 9 and isinstance(data, Mapping):
        _check_modal(out, ("data",), data)


# --------------------------------------------------------------------------- routing

RuleCheck = Callable[[object, Findings], None]

# (method, spec path template) -> documented rules for that body.
_RULES: dict[tuple[str, str], RuleCheck] = {
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"): _check_callback,
    ("PUT", "/applications/{application_id}/commands"): _check_command_list,
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"): _check_command_list,
    ("POST", "/applications/{application_id}/commands"): _check_command,
    ("POST", "/applications/{application_id}/guilds/{guild_id}/commands"): _check_command,
    ("PATCH", "/applications/{application_id}/commands/{command_id}"): _check_command,
    ("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"): _check_command,
    ("POST", "/channels/{channel_id}/messages"): _check_message_create,
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): _check_message_edit,
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"): _check_message_create,
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): _check_message_edit,
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"): _check_message_edit,
}

# Interaction callbacks are a union in the spec; picking the member by ``type`` gives precise errors.
_CALLBACK_ROUTE = ("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
_CALLBACK_SCHEMAS = {
    1: "PongInteractionCallbackRequest",
    4: "CreateMessageInteractionCallbackRequest",
    5: "CreateMessageInteractionCallbackRequest",
    6: "UpdateMessageInteractionCallbackRequest",
    7: "UpdateMessageInteractionCallbackRequest",
    8: "ApplicationCommandAutocompleteCallbackRequest",
    9: "ModalInteractionCallbackRequest",
    12: "LaunchActivityInteractionCallbackRequest",
    13: "SocialLayerSKUPurchaseEligibilityInteractionCallbackRequest",
}
# The spec allows a followup to be either webhook schema; a followup is an execute (README's table).
_FIXED_SCHEMAS = {("POST", "/webhooks/{webhook_id}/{webhook_token}"): "IncomingWebhookRequestPartial"}


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    template: str
    segments: tuple[str, ...]
    body_pointer: str | None  # JSON pointer (in the spec) to the request body's schema


def _pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _schema_pointer(name: str) -> str:
    return _pointer("components", "schemas", name)


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _routes(spec: Mapping[str, Any]) -> dict[str, list[_Route]]:
    """Every documented (method, path) with the pointer to its JSON (or else first) body schema."""
    table: dict[str, list[_Route]] = {}
    for template, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, Mapping) or "responses" not in operation:
                continue  # path-level "parameters" etc.
            content = operation.get("requestBody", {}).get("content", {})
            media = "application/json" if "application/json" in content else next(iter(content), None)
            pointer = (
                None
                if media is None
                else _pointer("paths", template, method, "requestBody", "content", media, "schema")
            )
            route = _Route(method.upper(), template, tuple(template.strip("/").split("/")), pointer)
            table.setdefault(route.method, []).append(route)
    return table


def _match(routes: Iterable[_Route], path: str) -> _Route | None:
    """The documented route for a concrete path; the most literal template wins (``@original``)."""
    segments = path.split("?", 1)[0].strip("/").split("/")
    best: tuple[int, _Route] | None = None
    for route in routes:
        if len(route.segments) != len(segments):
            continue
        if all(_is_param(tpl) or tpl == seg for tpl, seg in zip(route.segments, segments, strict=True)):
            literals = sum(not _is_param(tpl) for tpl in route.segments)
            if best is None or literals > best[0]:
                best = (literals, route)
    return None if best is None else best[1]


# --------------------------------------------------------------------------- spec errors


def _json_type(value: object) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _misses_variant(errors: list[ValidationError]) -> bool:
    """Whether a union member is plainly not the one meant: wrong JSON type or wrong tag value."""
    return any(
        (error.validator == "type" and not error.relative_path)
        or (error.validator in ("enum", "const") and list(error.relative_path) in ([], ["type"]))
        for error in errors
    )


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """Descend a failed anyOf/oneOf into the member the body meant (right type and ``type`` tag);
    when no member fits at all, the union error itself is the finding."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[object, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        candidates = [errors for errors in branches.values() if not _misses_variant(errors)]
        if candidates:
            for sub in min(candidates, key=len):
                yield from _leaf_errors(sub)
            return
    yield error


def _is_missing_file(error: ValidationError) -> bool:
    """SimCord records a multipart body without its file parts, so a missing binary part is no error."""
    if error.validator != "required" or not isinstance(error.schema, Mapping):
        return False
    return any(
        error.message == f"{name!r} is a required property" and part.get("contentEncoding") == "binary"
        for name, part in error.schema.get("properties", {}).items()
        if isinstance(part, Mapping)
    )


def _short(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _describe(error: ValidationError) -> str:
    keyword, limit, value = error.validator, error.validator_value, error.instance
    if keyword in ("maxLength", "minLength") and isinstance(value, str):
        return f"is {len(value)} characters ({keyword[:3]} {limit})"
    if keyword in ("maxItems", "minItems") and isinstance(value, list):
        return f"has {len(value)} items ({keyword[:3]} {limit})"
    if keyword in ("anyOf", "oneOf"):
        shown = (
            f"has type {_short(value['type'])}"
            if isinstance(value, dict) and "type" in value
            else f"is {_json_type(value)} {_short(value)}"
        )
        return f"{shown}, which matches none of the {len(limit)} variants the spec allows"
    if keyword == "type":
        expected = " or ".join(limit) if isinstance(limit, list) else limit
        return f"is {_json_type(value)}, expected {expected}"
    if keyword in ("enum", "const"):
        return f"is {_short(value)}, expected {_short(limit)}"
    message = error.message if len(error.message) <= 200 else error.message[:199] + "…"
    return f"violates the spec ({keyword}): {message}"


# --------------------------------------------------------------------------- the contract


class _Spec:
    """The parsed spec: a registry to resolve references and the route table."""

    def __init__(self, path: Path) -> None:
        document = json.loads(path.read_text(encoding="utf-8"))
        schemas = document["components"]["schemas"]
        # Discord accepts snowflakes as integers too, and discord.py sends them so (attachment ids,
        # message_reference, allowed_mentions.users/roles, sticker_ids); the spec only allows strings.
        schemas["SnowflakeType"] = {"anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]}
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
        self.routes = _routes(document)
        self.validators: dict[str, Draft202012Validator] = {}

    def validator(self, pointer: str) -> Draft202012Validator:
        """One compiled validator per schema, reused for every request."""
        validator = self.validators.get(pointer)
        if validator is None:
            validator = Draft202012Validator({"$ref": f"{_SPEC_URI}#{pointer}"}, registry=self.registry)
            self.validators[pointer] = validator
        return validator


class Contract:
    """Discord's REST contract, loaded lazily from the spec file on first use."""

    def __init__(self, spec_path: Path) -> None:
        self.spec_path = spec_path
        self._memo: dict[tuple[str, str, str], tuple[_Finding, ...]] = {}

    @cached_property
    def _spec(self) -> _Spec:
        return _Spec(self.spec_path)

    def violations(self, requests: Iterable[HttpLogEntry]) -> list[str]:
        """Readable violations of every request, e.g.
        ``POST /channels/1/messages: embeds[0].title is 300 characters (max 256)``."""
        return [
            f"{entry.method} {entry.path}: {_render(finding.where)} {finding.problem}"
            for entry in requests
            for finding in self._check(entry.method.upper(), entry.path, entry.json)
        ]

    def _check(self, method: str, path: str, raw: object) -> tuple[_Finding, ...]:
        if raw is None:  # GET/DELETE, or a multipart form without a JSON payload: nothing to check
            return ()
        route = _match(self._spec.routes.get(method, ()), path)
        if route is None:
            return ()
        try:  # what goes on the wire: discord.py serialises with json.dumps (tuples become arrays)
            text = json.dumps(raw, allow_nan=False)
        except (TypeError, ValueError) as exc:
            return (_Finding((), f"cannot be sent as JSON: {exc}"),)
        # Every test's bot syncs the same commands and sends similar replies: check each body once.
        key = (route.method, route.template, text)
        findings = self._memo.get(key)
        if findings is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            findings = self._memo[key] = self._check_body(route, json.loads(text))
        return findings

    def _check_body(self, route: _Route, body: object) -> tuple[_Finding, ...]:
        findings: Findings = []
        rules = _RULES.get((route.method, route.template))
        if rules is not None:
            rules(body, findings)
        pointer = self._body_pointer(route, body)
        if pointer is not None:
            covered = {finding.where for finding in findings}
            for error in self._spec.validator(pointer).iter_errors(body):
                for leaf in _leaf_errors(error):
                    where = tuple(leaf.absolute_path)
                    # Skip what a documented rule already said at the same place, more precisely.
                    if where not in covered and not _is_missing_file(leaf):
                        findings.append(_Finding(where, _describe(leaf)))
        return tuple(dict.fromkeys(findings))

    @staticmethod
    def _body_pointer(route: _Route, body: object) -> str | None:
        key = (route.method, route.template)
        if key == _CALLBACK_ROUTE and isinstance(body, Mapping) and body.get("type") in _CALLBACK_SCHEMAS:
            return _schema_pointer(_CALLBACK_SCHEMAS[body["type"]])
        if key in _FIXED_SCHEMAS:
            return _schema_pointer(_FIXED_SCHEMAS[key])
        return route.body_pointer


@cache
def _contract_for(spec_path: Path) -> Contract:
    return Contract(spec_path)


def spec_file(path: Path) -> Path:
    """The spec itself: ``path``, or the ``openapi.json`` in that folder or in its ``specs/`` (the layout of a
    checkout of discord/discord-api-spec)."""
    if path.is_dir():
        return next((p for p in (path / SPEC_FILE, path / "specs" / SPEC_FILE) if p.is_file()), path / SPEC_FILE)
    return path


def default_spec_path() -> Path:
    """``$DISCORD_API_SPEC`` (a file or a folder), else the copy kept with the tests."""
    configured = os.environ.get(SPEC_ENV_VAR)
    return spec_file(Path(configured)) if configured else BUNDLED_SPEC


def load_contract(spec_path: Path | None = None) -> Contract:
    """The contract for ``spec_path`` (a file or a folder; default: :func:`default_spec_path`). Cached per
    process: the 1.2 MB spec is parsed once, on first use. A spec that is not there is an error, never a
    reason to check less."""
    path = spec_file(spec_path or default_spec_path()).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"Discord's API spec is not at {path} (check ${SPEC_ENV_VAR})")
    return _contract_for(path)
