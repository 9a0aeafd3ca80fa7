"""The offline try-out: the real bot (``create_bot``) on SimCord, driven from a prompt instead of Discord's client.

``mi-bot`` without ``DISCORD_TOKEN`` opens the prompt; ``mi-bot try "/stunt name:motorbike"`` runs one line and
exits. The bot always gets a fresh temporary database seeded from the configured packs (a copy of one kept seeded
in the user's cache folder, so that only the first try-out after a pack changed waits for the seeding): the
try-out never opens ``config.database``, so nothing typed here (not even ``/fact``) reaches the real bot, and it
is gone at the end (leaving says so when facts were changed). Files the bot sends, such as a ``/fact export``, are
saved in the current folder. Feeds and custom Discord endpoints are switched off: the try-out is offline. The
person at the prompt owns the try-out server and is a bot admin, so every command, ``/fact`` and ``/settings``
included, can be tried; ``@mi-bot question`` is a message mentioning the bot, answered by its real mention handler.

Reading a typed line (``parse``) and turning a reply into text (``message_text``) are pure functions, so both are
tested without a session; ``Session`` only wires them to SimCord actors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import math
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import discord
import simcord
from discord import AppCommandOptionType as OptionType

from bot.app import FanBot, create_bot, fan_bot, seed
from bot.config import Admins, Config, DiscordConfig, VideosConfig, cache_folder
from bot.conversation import EXAMPLE
from bot.errors import StoreUnavailable
from bot.pack import pack_digest
from bot.store import open_store

Json = dict[str, Any]
Reader = Callable[[str], str]
Entities = Mapping[OptionType, Mapping[str, Any]]  # option type → typed name → SimCord handle
Shown = simcord.ResponseMessage | discord.Message  # a reply to a command, or a message in the channel
EXIT_REJECTED = 2
log = logging.getLogger(__name__)
BOT_NAME = "mi-bot"  # how the bot is mentioned at the prompt: @mi-bot where did they film the train crash?

_SUBCOMMANDS = (OptionType.subcommand.value, OptionType.subcommand_group.value)
_ENTITIES = {
    OptionType.user: "member",
    OptionType.channel: "channel",
    OptionType.role: "role",
    OptionType.mentionable: "member or role",
}
_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


class Rejected(Exception):
    """A line Discord's client would not send (or a number with nothing to click), worded for the person."""


# ----------------------------------------------------------------------------- reading a typed line


@dataclass(frozen=True)
class Invocation:
    """A slash command as Discord's client would send it: the command path and typed option values.

    ``ask`` is set by a trailing ``?``: the option whose suggestions are wanted (its value is the partial text),
    or ``""`` to list the command's options.
    """

    path: tuple[str, ...]
    spec: Json
    options: dict[str, Any]
    ask: str | None = None

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def require(self) -> Invocation:
        """Discord's client does not send a command while a required option is empty."""
        for option in self.spec.get("options") or []:
            if option.get("required") and option["name"] not in self.options:
                raise Rejected(f"The option `{option['name']}` is required.")
        return self


def parse(line: str, schema: Sequence[Json], entities: Entities | None = None) -> Invocation:
    """Read ``/name sub opt:value opt2:"quoted value"`` against the synced command schema.

    A value runs to the next ``known_option:`` (or is quoted); it is converted to the option's type, and
    channels and members are looked up by name in ``entities`` (option type → name → object). A trailing ``?``
    asks for suggestions when the last option autocompletes or has choices (else it is part of the value).
    """
    text = line.strip().removeprefix("/")
    asking = text.endswith("?")
    words = text.removesuffix("?").split(maxsplit=1)
    if not words:
        raise Rejected("Type a command after the `/`, for example /stunt name:motorbike (help lists them).")
    spec = next((c for c in schema if c["name"] == words[0].casefold()), None)
    if spec is None:
        raise Rejected(f"This command is unknown: /{words[0]}. Type help for the list.")
    path, rest = [spec["name"]], words[1] if len(words) > 1 else ""
    while subs := [o for o in spec.get("options") or [] if o["type"] in _SUBCOMMANDS]:
        word, _, rest = rest.strip().partition(" ")
        spec = next((o for o in subs if o["name"] == word.casefold()), None)
        if spec is None:
            choices = ", ".join(o["name"] for o in subs)
            raise Rejected(f"/{' '.join(path)} needs one of: {choices}.")
        path.append(spec["name"])
    pairs = _pairs(rest, spec, "/" + " ".join(path))
    ask = "" if asking and not pairs else None
    if asking and pairs:
        name, value = pairs[-1]
        last = _option(spec, name)
        if last.get("autocomplete") or last.get("choices"):
            ask = name
        else:  # a question mark typed as part of the value, as in /search query:who jumped?
            pairs[-1] = (name, value + "?")
    options = {
        name: value if name == ask else _convert(spec, name, value, entities or {})
        for name, value in pairs
        if value or name == ask
    }
    invocation = Invocation(tuple(path), spec, options, ask)
    return invocation if ask is not None else invocation.require()


def _option(spec: Json, name: str) -> Json:
    return next(o for o in spec.get("options") or [] if o["name"] == name)


_OPTION_NAME = re.compile(r"\s*([\w-]+):")


def _pairs(text: str, spec: Json, command: str) -> list[tuple[str, str]]:
    """``name:value`` pairs in typed order; a value is "quoted" or runs up to the next ``known_name:``."""
    names = [o["name"] for o in spec.get("options") or []]
    known = ", ".join(f"{n}:" for n in names) or "none"
    following = re.compile(r"\s+(?:" + "|".join(map(re.escape, names)) + r"):", re.IGNORECASE)
    pairs: list[tuple[str, str]] = []
    position = 0
    while text[position:].strip():
        match = _OPTION_NAME.match(text, position)
        if match is None:
            word = text[position:].split()[0]
            raise Rejected(f"`{word}` is not an option of {command}. Options are typed name:value ({known}).")
        name, position = match.group(1).casefold(), match.end()
        if name not in names:
            raise Rejected(f"{command} has no option `{name}` (options: {known}).")
        if any(name == given for given, _ in pairs):
            raise Rejected(f"The option `{name}` is given twice.")
        if text.startswith('"', position):
            end = text.find('"', position + 1)
            if end < 0:
                raise Rejected(f"The quote after `{name}:` is never closed.")
            value, position = text[position + 1 : end], end + 1
        else:
            found = following.search(text, position)
            end = found.start() if found else len(text)
            value, position = text[position:end].strip(), end
        pairs.append((name, value))
    return pairs


def _convert(spec: Json, name: str, text: str, entities: Entities) -> Any:
    """The typed text as the value Discord's client would send, or the client's complaint."""
    option = _option(spec, name)
    kind = OptionType(option["type"])
    if option.get("choices") and not option.get("autocomplete"):
        for choice in option["choices"]:
            if text.casefold() in (choice["name"].casefold(), str(choice["value"]).casefold()):
                return choice["value"]
        names = ", ".join(c["name"] for c in option["choices"])
        raise Rejected(f"`{text}` is not a choice for `{name}`: {names}.")
    if kind is OptionType.string:
        if len(text) < option.get("min_length", 0):
            raise Rejected(f"The option `{name}` needs at least {option['min_length']} characters.")
        if len(text) > option.get("max_length", 6000):
            raise Rejected(f"The option `{name}` takes at most {option['max_length']} characters.")
        return text
    if kind in (OptionType.integer, OptionType.number):
        number = _number(text, whole=kind is OptionType.integer)
        if number < option.get("min_value", -math.inf):
            raise Rejected(f"The option `{name}` must be at least {option['min_value']}.")
        if number > option.get("max_value", math.inf):
            raise Rejected(f"The option `{name}` must be at most {option['max_value']}.")
        return number
    if kind is OptionType.boolean:
        if text.casefold() not in _TRUE | _FALSE:
            raise Rejected(f"`{text}` is not true or false.")
        return text.casefold() in _TRUE
    if kind in _ENTITIES:
        known = entities.get(kind, {})
        found = known.get(text.lstrip("#@").casefold())
        if found is None:
            names = ", ".join(known) or "none"
            raise Rejected(f"There is no {_ENTITIES[kind]} `{text}` here (try-out server: {names}).")
        return found
    if kind is OptionType.attachment:
        return Path(text).expanduser()
    raise Rejected(f"The try-out cannot type a {kind.name} option.")


def _number(text: str, *, whole: bool) -> int | float:
    try:
        number = int(text) if whole else float(text)
    except ValueError:
        raise Rejected(f"`{text}` is not a valid {'whole ' if whole else ''}number.") from None
    if not math.isfinite(number):
        raise Rejected(f"`{text}` is not a valid number.")
    return number


# ----------------------------------------------------------------------------- replies as text

_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
_MASKED_LINK = re.compile(r"\[([^\]\n]+)\]\(<?(https?://[^)\s>]+)>?\)")
_SUPPRESSED_LINK = re.compile(r"<(https?://[^>\s]+)>")
_MENTION = re.compile(r"<(@!?|#|@&)(\d+)>")
_CUSTOM_EMOJI = re.compile(r"<a?:(\w+):\d+>")
_STYLES = (
    (re.compile(r"\*\*(.+?)\*\*", re.DOTALL), r"\1"),
    (re.compile(r"~~(.+?)~~", re.DOTALL), r"\1"),
    (re.compile(r"\|\|(.+?)\|\|", re.DOTALL), r"[spoiler: \1]"),
    (re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])"), r"\1"),
    (re.compile(r"`([^`\n]+)`"), r"\1"),
)
_ESCAPED = re.compile(r"\\([^0-9A-Za-z\s])")  # as Discord reads it: a backslash shows the next character as it is
_PRIVATE_USE = range(0xF0000, 0x110000, 128)  # blocks where escaped markup characters wait while markup is read
_UNITS = (("year", 365.25 * 86400), ("month", 30.44 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60))


def when(moment: dt.datetime, style: str, now: dt.datetime) -> str:
    """A Discord timestamp as the client shows it, in the zone of ``now`` (the reader's local zone)."""
    local = moment.astimezone(now.tzinfo)
    day = f"{local.day} {local:%B %Y}"
    if style == "R":
        return _relative((moment - now).total_seconds())
    formats = {"t": f"{local:%H:%M}", "T": f"{local:%H:%M:%S}", "d": f"{local:%d/%m/%Y}", "D": day}
    return formats.get(style) or (f"{local:%A}, " if style == "F" else "") + f"{day} {local:%H:%M}"


def _relative(seconds: float) -> str:
    size = abs(seconds)
    unit, length = next(((u, n) for u, n in _UNITS if size >= n), ("second", 1))
    count = int(size / length + 0.5)
    amount = f"{count} {unit}{'' if count == 1 else 's'}"
    return "now" if count == 0 else f"in {amount}" if seconds > 0 else f"{amount} ago"


def _hiding_place(text: str) -> int:
    """The first private-use block that ``text`` itself does not use: what waits there is surely an escape."""
    used = {ord(character) >> 7 for character in text}
    return next(block for block in _PRIVATE_USE if block >> 7 not in used)


def plain(text: str, now: dt.datetime, names: Mapping[int, str] | None = None) -> str:
    """Discord markdown as readable plain text: local dates, "title (url)" links, names for mentions; escaped
    characters (``\\*``) as they are."""
    names = names or {}
    hidden = _hiding_place(text)
    text = _ESCAPED.sub(lambda m: chr(hidden + ord(m[1])) if m[1].isascii() else m[1], text)
    text = _TIMESTAMP.sub(
        lambda m: when(dt.datetime.fromtimestamp(int(m.group(1)), dt.UTC), m.group(2) or "f", now), text
    )
    text = _MASKED_LINK.sub(r"\1 (\2)", text)
    text = _SUPPRESSED_LINK.sub(r"\1", text)
    text = _MENTION.sub(lambda m: names.get(int(m.group(2)), "#channel" if m.group(1) == "#" else "@someone"), text)
    text = _CUSTOM_EMOJI.sub(r":\1:", text)
    for pattern, replacement in _STYLES:
        text = pattern.sub(replacement, text)
    return text.translate({hidden + code: code for code in range(128)})


def embed_lines(embed: discord.Embed, now: dt.datetime, names: Mapping[int, str] | None = None) -> list[str]:
    """An embed as lines behind a bar: title (url), description, "Name: value" fields, images, footer and time."""
    text = partial(plain, now=now, names=names)
    head = [text(embed.author.name)] if embed.author.name else []
    if embed.title:
        head.append(text(embed.title) + (f" ({embed.url})" if embed.url else ""))
    head += text(embed.description).splitlines() if embed.description else []
    body: list[str] = []
    for field in embed.fields:
        value = text(field.value or "").splitlines()
        if len(value) == 1:
            body.append(f"{text(field.name or '')}: {value[0]}")
        else:
            body += [f"{text(field.name or '')}:", *(f"  {line}" for line in value)]
    for label, url in (("Image", embed.image.url), ("Thumbnail", embed.thumbnail.url), ("Video", embed.video.url)):
        body += [f"{label}: {url}"] if url else []
    foot = [text(embed.footer.text)] if embed.footer.text else []
    foot += [when(embed.timestamp, "f", now)] if embed.timestamp else []
    blocks = [block for block in (head, body, [" · ".join(foot)] if foot else []) if block]
    lines = [line for block in blocks for line in ["", *block]][1:]
    return [f"┃ {line}".rstrip() for line in lines]


def _children(message: discord.Message) -> list[discord.Component]:
    return [child for row in message.components for child in getattr(row, "children", [row])]


def buttons(message: discord.Message) -> list[discord.Button]:
    """The message's clickable buttons in order: what ``[1]``, ``[2]``… in ``message_text`` stand for."""
    return [c for c in _children(message) if isinstance(c, discord.Button) and c.custom_id is not None]


def _button_label(button: discord.Button) -> str:
    return " ".join(str(part) for part in (button.emoji, button.label) if part) or "(button)"


def message_text(
    message: discord.Message, now: dt.datetime, *, first: int = 1, names: Mapping[int, str] | None = None
) -> str:
    """A message as readable text; its buttons are numbered from ``first`` and link buttons show their URL."""
    lines = ["(only you can see this)"] if message.flags.ephemeral else []
    lines += [plain(message.content, now, names)] if message.content else []
    for embed in message.embeds:
        lines += embed_lines(embed, now, names)
    lines += [f"📎 {a.filename} ({a.size:,} bytes)" for a in message.attachments]
    row: list[str] = []
    for child in _children(message):
        if isinstance(child, discord.Button) and child.custom_id is not None:
            row.append(f"[{first + len(row)}] {_button_label(child)}" + (" (disabled)" if child.disabled else ""))
        elif isinstance(child, discord.Button) and child.url:
            lines.append(f"🔗 {_button_label(child)}: {child.url}")
        elif isinstance(child, discord.SelectMenu):
            lines.append(f"▾ {child.placeholder or 'menu'}: " + " | ".join(o.label for o in child.options))
    return "\n".join(lines + (["  ".join(row)] if row else []))


def choices_text(choices: Sequence[Json], *, first: int = 1) -> str:
    return "\n".join(f"[{number}] {choice['name']}" for number, choice in enumerate(choices, first))


def _leaves(command: Json, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Json]]:
    path = (*path, command["name"])
    subs = [o for o in command.get("options") or [] if o["type"] in _SUBCOMMANDS]
    return [leaf for sub in subs for leaf in _leaves(sub, path)] if subs else [(path, command)]


def help_text(schema: Sequence[Json]) -> str:
    """Every command with its options (``[optional:]``) and description, one per line."""
    rows = []
    for command in sorted(schema, key=lambda c: c["name"]):
        for path, leaf in _leaves(command):
            options = [o["name"] + ":" if o.get("required") else f"[{o['name']}:]" for o in leaf.get("options") or []]
            rows.append((" ".join(["/" + " ".join(path), *options]), leaf.get("description", "")))
    width = max(len(usage) for usage, _ in rows)
    return "\n".join(f"{usage.ljust(width)}  {description}" for usage, description in rows)


def options_text(invocation: Invocation) -> str:
    lines = [f"/{invocation.name}: {invocation.spec.get('description', '')}"]
    for option in invocation.spec.get("options") or []:
        traits = [OptionType(option["type"]).name, "required" if option.get("required") else "optional"]
        traits += ["suggestions with ?"] if option.get("autocomplete") or option.get("choices") else []
        lines.append(f"  {option['name']}: {option.get('description', '')} ({', '.join(traits)})")
    return "\n".join(lines if len(lines) > 1 else [*lines, "  (no options)"])


def form_fields(modal: Json) -> list[tuple[str, Json]]:
    """The text inputs of a modal with their labels, whether in action rows or in label components."""
    fields = []
    for component in modal.get("components") or []:
        inner = [component["component"]] if "component" in component else component.get("components") or []
        fields += [(component.get("label") or c.get("label", ""), c) for c in inner if c.get("type") == 4]
    return fields


# ----------------------------------------------------------------------------- the session


Action = Callable[[], Awaitable[None]]


class Session:
    """The bot in SimCord with one server (#general, #announcements) and "you", its owner and a bot admin."""

    def __init__(
        self,
        env: simcord.Env,
        channel: simcord.ChannelHandle,
        you: simcord.MemberActor,
        read: Reader | None = None,
    ) -> None:
        self.env, self.channel, self.you, self.read = env, channel, you, read
        self.bot = fan_bot(env.bot)
        self.schema = self.bot.command_payload(None)
        channels = you.guild.channels
        self.entities: Entities = {
            OptionType.channel: channels,
            OptionType.user: {you.name: you},
            OptionType.mentionable: {you.name: you},
        }
        assert self.bot.user is not None
        self.names = {you.id: f"@{you.name}", self.bot.user.id: f"@{BOT_NAME}"}
        self.names |= {handle.id: f"#{name}" for name, handle in channels.items()}
        self.menu: list[Action | None] = []  # what typing a number does; None marks a disabled button
        self.saved: tuple[Path, int | None] | None = None  # the last file saved, and the last change it holds

    async def do(self, line: str) -> None:
        """Carry out one typed line; raises ``Rejected`` with what Discord's client would say."""
        line = line.strip()
        try:
            if line == "help":
                print(help_text(self.schema) + "\n" + HINTS)
            elif line.isdigit():
                await self.pick(int(line))
            elif line.startswith("/"):
                await self.invoke(parse(line, self.schema, self.entities))
            elif line.startswith("@"):
                await self.mention(line)
            elif line:
                raise Rejected("Commands start with /, for example /stunt name:motorbike (help lists them).")
        except (simcord.SetupError, simcord.BackendError) as refused:  # what Discord itself would refuse
            raise Rejected(str(refused)) from None

    async def pick(self, number: int) -> None:
        if not 1 <= number <= len(self.menu):
            raise Rejected(f"There is no [{number}] to click here." if self.menu else "There is nothing to click.")
        action = self.menu[number - 1]
        if action is None:
            raise Rejected("That button is disabled.")
        await action()

    async def invoke(self, invocation: Invocation) -> None:
        self.menu = []  # numbers refer to what this command shows
        if invocation.ask == "":
            print(options_text(invocation))
        elif invocation.ask is not None:
            await self.suggest(invocation)
        else:
            options = {name: self._attach(value) for name, value in invocation.require().options.items()}
            await self.show(await self.you.slash(self.channel, invocation.name, **options))

    @staticmethod
    def _attach(value: Any) -> Any:
        """A file option is a path at the prompt and ``(filename, bytes)`` for SimCord."""
        if not isinstance(value, Path):
            return value
        try:
            return value.name, value.read_bytes()
        except OSError as exc:
            raise Rejected(f"Cannot read `{value}`: {exc.strerror}.") from None

    async def suggest(self, invocation: Invocation) -> None:
        """What Discord's client shows above the box while an option is typed; a number picks one."""
        assert invocation.ask is not None
        option, typed = _option(invocation.spec, invocation.ask), invocation.options[invocation.ask]
        if option.get("autocomplete"):
            others = {k: self._attach(v) for k, v in invocation.options.items() if k != invocation.ask}
            choices = await self.you.autocomplete(self.channel, invocation.name, option["name"], typed, **others)
        else:
            choices = [c for c in option["choices"] if typed.casefold() in c["name"].casefold()]
        if not choices:
            print(f"No suggestions for `{option['name']}:{typed}`.")
            return
        print(choices_text(choices))
        self.menu = [partial(self.choose, invocation, choice) for choice in choices]

    async def choose(self, invocation: Invocation, choice: Json) -> None:
        """Picking a suggestion fills the option with its value and sends the command."""
        assert invocation.ask is not None
        typed = {**invocation.options, invocation.ask: choice["name"]}
        print("→ /" + " ".join([invocation.name, *(f"{name}:{value}" for name, value in typed.items())]))
        chosen = {**invocation.options, invocation.ask: choice["value"]}
        await self.invoke(replace(invocation, options=chosen, ask=None))

    async def mention(self, line: str) -> None:
        """``@mi-bot question``: a message in #general mentioning the bot, which its mention handler answers."""
        name, _, question = line.partition(" ")
        if name[1:].casefold() != BOT_NAME:
            raise Rejected(f"Only the bot is here to mention: start with @{BOT_NAME}, e.g. @{BOT_NAME} {EXAMPLE}")
        assert self.bot.user is not None
        asked = await self.you.send(self.channel, f"{self.bot.user.mention} {question.strip()}".strip())
        replies = [m for m in self.channel.history() if m.id > asked.id and m.author.id == self.bot.user.id]
        await self.print_messages(replies)
        if not replies:
            print("(the bot did not answer)")

    async def show(self, result: simcord.InteractionResult, source: Shown | None = None) -> None:
        """Print what the interaction produced (a clicked message shows its new state) and number its buttons."""
        if result.modal is not None:
            await self.fill(result)
            return
        sent: list[Shown] = [m for m in (result.response, *result.followups) if m is not None]
        messages = sent or ([source] if source else [])
        if not messages:
            print("(the bot is still thinking…)" if result.deferred else "(the bot did not answer)")
        await self.print_messages(messages)

    async def print_messages(self, messages: Sequence[Shown]) -> None:
        """Print messages, number their buttons, and save the files they carry."""
        now = dt.datetime.now().astimezone()
        self.menu = []
        for shown in messages:
            message = shown.message if isinstance(shown, simcord.ResponseMessage) else shown
            print(message_text(message, now, first=len(self.menu) + 1, names=self.names))
            for attachment in message.attachments:
                print(await self.save(attachment))
            self.menu += [
                partial(self.click, shown, b.custom_id) if b.custom_id and not b.disabled else None
                for b in buttons(message)
            ]

    async def click(self, message: Shown, custom_id: str) -> None:
        await self.show(await self.you.click(message, custom_id=custom_id), source=message)

    async def save(self, attachment: discord.Attachment) -> str:
        """A file the bot sent (a /fact export) saved in the current folder under its own name, or with -2, -3…
        added when that name is taken: never over another file. Says where."""
        data = await attachment.read()
        name = Path(attachment.filename).name
        path = Path.cwd() / name
        for number in itertools.count(2):
            try:
                with path.open("xb") as file:
                    file.write(data)
                break
            except FileExistsError:
                path = path.with_name(f"{Path(name).stem}-{number}{Path(name).suffix}")
            except OSError as exc:
                raise Rejected(f"Cannot save {name} in {path.parent}: {exc.strerror}.") from None
        self.saved = (path, await self._last_change())
        return f"💾 Saved as {path}" + (f" ({name} is there already)" if path.name != name else "")

    async def farewell(self) -> str:
        """What leaving loses, or nothing: changes to the facts live only in this throwaway copy of the data."""
        last = await self._last_change()
        if last is None:
            return ""
        lost = "⚠ Your changes to the facts are discarded: the try-out works on a throwaway copy of the data."
        if self.saved is not None and self.saved[1] == last:
            return f"{lost} {self.saved[0]} has them (/fact import file:{self.saved[0]} loads it)."
        return f"{lost} To keep facts, type /fact export before you leave: it saves them to a file in this folder."

    async def _last_change(self) -> int | None:
        """The newest change set made at the prompt (the try-out's database starts with none)."""
        changes = await self.bot.store.change_sets(limit=1)
        return changes[0].id if changes else None

    async def fill(self, result: simcord.InteractionResult) -> None:
        """A modal, filled in field by field at the prompt (Discord's client would show a form)."""
        modal = result.modal or {}
        fields = form_fields(modal)
        if self.read is None:
            labels = "".join(f"\n  {label}" for label, _ in fields)
            print(f"📝 {modal.get('title')}, a form:{labels}\n(Fill it in at the prompt: mi-bot without a token.)")
            return
        print(f"📝 {modal.get('title')}: an empty line keeps what is shown, `cancel` closes the form.")
        values = {}
        for label, field in fields:
            value = self._field(label, field)
            if value is None:
                print("Form closed; nothing was sent.")
                return
            values[field["custom_id"]] = value
        await self.show(await self.you.submit_modal(result, values))

    def _field(self, label: str, field: Json) -> str | None:
        """One field's value: a line, or lines up to an empty one for a paragraph; None when cancelled."""
        assert self.read is not None
        paragraph = field.get("style") == 2
        traits = ["required" if field.get("required", True) else "optional", f"up to {field.get('max_length', 4000)}"]
        traits += ["several lines, end with an empty line"] if paragraph else []
        current = field.get("value", "")
        print(f"{label} ({', '.join(traits)})" + "".join(f"\n  | {line}" for line in current.splitlines()))
        while True:
            try:
                lines = [self.read("  ")]
                if lines[0].strip() == "cancel":
                    return None
                while paragraph and lines[-1]:
                    lines.append(self.read("  "))
            except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C closes the form
                return None
            value = "\n".join(lines).strip() or current
            if value or not field.get("required", True):
                return value
            print("This field is required.")


HINTS = (
    "End a line with ? for suggestions (/stunt name:bike?), type a number to click a button or pick a suggestion, "
    f"@{BOT_NAME} and a question asks the bot as a mention in a channel does, help lists the commands, "
    "quit or Ctrl-D leaves."
)


@asynccontextmanager
async def simulated(bot: FanBot) -> AsyncIterator[simcord.Env]:
    """SimCord running the bot, as ``simcord.run`` does, with its clock set to the real time first: what the bot
    times by its clock (a trivia question's close, today's anniversaries) then agrees with the person's clock. The
    bot's own errors are its replies, so they are not raised again at the end."""
    env = simcord.Env(bot, check_errors=False)
    env.backend.clock.advance((dt.datetime.now(dt.UTC) - env.now()).total_seconds())
    await env.start()
    try:
        with env.time_context():
            yield env
    finally:
        await env.shutdown()


def _code_digest() -> str:
    """A fingerprint of the bot's code (a few milliseconds): another version may seed a database differently."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for file in sorted([*package.rglob("*.py"), *package.rglob("*.sql")]):
        digest.update(file.read_bytes())
    return digest.hexdigest()


async def seeded_copy(packs: Sequence[Path], target: Path) -> None:
    """Put a database seeded from ``packs`` at ``target``: a copy of the one the cache folder keeps for these packs
    and this code, seeded there first when there is none (the next try-out starts without seeding). It is written
    to a file of its own and renamed when whole, so two try-outs at once each find a whole database.
    A cache that cannot be written is left out: the bot then seeds ``target`` itself, as it would anyway."""
    key = hashlib.sha256(f"{pack_digest(packs)} {_code_digest()}".encode()).hexdigest()[:16]
    kept = cache_folder() / f"seeded-{key}.sqlite3"
    try:
        if not kept.exists():
            kept.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f"{kept.name}.", suffix=".partial", dir=kept.parent)
            os.close(handle)
            fresh = Path(name)
            try:
                store = await open_store(fresh)
                try:
                    await seed(store, packs)
                finally:
                    await store.close()
                fresh.replace(kept)
            finally:
                fresh.unlink(missing_ok=True)
            for stale in kept.parent.glob("seeded-*.sqlite3"):
                if stale != kept:
                    stale.unlink(missing_ok=True)  # of other packs or code: the cache keeps one
        shutil.copyfile(kept, target)
    except (OSError, StoreUnavailable) as exc:
        log.warning("The try-out's seeded database could not be kept in %s (%s)", kept.parent, exc)


@asynccontextmanager
async def session(config: Config, *, read: Reader | None = None) -> AsyncIterator[Session]:
    """The try-out bot on a temporary copy of a database seeded from ``config.packs`` (``seeded_copy``), with feeds
    and endpoints off."""
    with tempfile.TemporaryDirectory(prefix="mi-bot-try-") as folder:
        database = Path(folder) / "facts.sqlite3"
        await seeded_copy(config.packs, database)
        offline = config.model_copy(update={"database": database, "discord": DiscordConfig(), "videos": VideosConfig()})
        bot = create_bot(offline)
        try:
            async with simulated(bot) as env:
                user = env.create_user("you")
                guild = env.create_guild("Try-out", owner=user)
                channel = guild.create_text_channel("general")
                guild.create_text_channel("announcements")
                you = guild.add_member(user)
                admins = config.admins.user_ids
                bot.config = bot.config.model_copy(update={"admins": Admins(user_ids=[*admins, you.id])})
                yield Session(env, channel, you, read)
        finally:
            await bot.close()


async def run_once(config: Config, line: str) -> int:
    """``mi-bot try LINE``: the reply on stdout; a refused line is one line on stderr and exit code 2, like the
    CLI's other usage errors."""
    if not line.strip():
        print('mi-bot: try runs one command, for example: mi-bot try "/stunt name:motorbike"', file=sys.stderr)
        return EXIT_REJECTED
    async with session(config) as tryout:
        try:
            await tryout.do(line)
        except Rejected as refused:
            print(f"mi-bot: {refused}", file=sys.stderr)
            return EXIT_REJECTED
        await _leave(tryout)
    return 0


def _terminal() -> tuple[Reader, Callable[[str], None]]:
    """How lines are read, and what keeps a command in the history. ``input`` is one that Ctrl-C interrupts at once
    (asyncio's own SIGINT handler would wait for Enter); on a terminal it has line editing and a history of this
    session's commands; piped input is echoed so the transcript reads like a session."""
    terminal = sys.stdin.isatty()

    def read(prompt: str) -> str:
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            line = input(prompt)
        finally:
            signal.signal(signal.SIGINT, previous)
        if not terminal:
            print(line)
        return line

    return read, _history() if terminal else _forget


def _history() -> Callable[[str], None]:
    """readline for ``input``: the arrow keys edit a line and bring back earlier commands. Only commands go into the
    history (a form's answers stay out of it), each once however often it was typed in a row."""
    try:
        import readline
    except ImportError:  # a Python built without it: Backspace still works
        return _forget
    readline.set_auto_history(False)

    def remember(line: str) -> None:
        if readline.get_history_item(readline.get_current_history_length()) != line:
            readline.add_history(line)

    return remember


def _forget(line: str) -> None:
    """No history where there is no terminal."""


async def _leave(tryout: Session) -> None:
    farewell = await tryout.farewell()
    if farewell:
        print(farewell)


async def prompt(config: Config) -> int:
    """The interactive try-out; ``quit``, Ctrl-D or Ctrl-C leaves."""
    read, remember = _terminal()
    async with session(config, read=read) as tryout:
        print(
            'You are "you", owner of the server "Try-out" and a bot admin, so /fact works too (on a throwaway copy '
            f"of the data). {HINTS}"
        )
        while True:
            try:
                line = read("> ")
            except (EOFError, KeyboardInterrupt):
                print()
                break
            if line.strip():
                remember(line)
            if line.strip() in ("quit", "exit"):
                break
            try:
                await tryout.do(line)
            except Rejected as refused:
                print(f"⚠ {refused}")
        await _leave(tryout)
    return 0
