"""The offline try-out: ``mi-bot try`` and the prompt as real subprocesses without a token, the session with
a form filled in, and the pure parser and formatter."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import discord
import pytest
import yaml

from bot import render
from bot.config import Config
from bot.pack import load_pack
from bot.tryout import Rejected, buttons, embed_lines, help_text, message_text, parse, plain, seeded_copy, session, when
from tests.conftest import PACK, UTC_NOW, make_config, pack_as_one_file
from tests.discord_contract import load_contract

OptionType = discord.AppCommandOptionType


def offline(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """``python -m bot`` (what ``mi-bot`` runs) without DISCORD_TOKEN; its real database would be in tmp_path."""
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"database": str(tmp_path / "facts.sqlite3"), "packs": [str(PACK)]}))
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | {"TZ": "UTC", "PYTHONIOENCODING": "utf-8"}
    return [sys.executable, "-m", "bot", "--config", str(config)], env


def mi_bot(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    command, env = offline(tmp_path)
    return subprocess.run(
        [*command, *args], input=stdin, capture_output=True, cwd=tmp_path, env=env, timeout=60, encoding="utf-8"
    )


# ----------------------------------------------------------------------------- the command line


def test_try_prints_the_motorcycle_cliff_jump_card(tmp_path: Path) -> None:
    done = mi_bot(tmp_path, "try", "/stunt name:motorbike")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no log lines in the transcript
    lines = done.stdout.splitlines()
    assert lines[0] == "┃ 🎬 Motorcycle cliff jump and BASE jump"
    assert "┃   Helsetkopen (Norway)" in lines
    assert any(line.startswith("🔗 ▶ ") and ": https://" in line for line in lines)  # its video, a link button
    assert "**" not in done.stdout and "](" not in done.stdout  # markdown made readable
    assert not (tmp_path / "facts.sqlite3").exists()  # the configured database was never touched


def test_try_release_dates_are_readable_local_dates(tmp_path: Path) -> None:
    pack = load_pack(PACK)
    film = next(f for f in pack.films if "Part Two" in f.names)
    us = next(r for r in pack.releases if r.film == film.key and r.region == "United States")
    done = mi_bot(tmp_path, "try", "/release film:Part Two")
    assert done.returncode == 0, done.stderr
    assert f"┃ 📅 {film.title} ({film.year})" in done.stdout
    assert f"United States: {us.date.day} {us.date:%B %Y} (" in done.stdout
    assert "<t:" not in done.stdout


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("/nope", "This command is unknown: /nope"),
        ("/stunt", "The option `name` is required."),
        ("/stunt nmae:bike", "/stunt has no option `nmae`"),
        ("/settings weekly-pick enabled:maybe", "`maybe` is not true or false."),
        ("/fact", "/fact needs one of: add, edit"),
    ],
)
def test_try_refuses_bad_input_like_discord_would(tmp_path: Path, line: str, complaint: str) -> None:
    done = mi_bot(tmp_path, "try", line)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"mi-bot: {complaint}")
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("line", ["", "   "])
def test_try_without_a_command_says_what_it_expects(tmp_path: Path, line: str) -> None:
    done = mi_bot(tmp_path, "try", line)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == 'mi-bot: try runs one command, for example: mi-bot try "/stunt name:motorbike"\n'


def test_prompt_session_pages_suggests_and_refuses(tmp_path: Path) -> None:
    pages = math.ceil(len(load_pack(PACK).stunts) / render.PAGE_SIZE)
    assert pages >= 2, "the pack needs more than one page of stunts for this test"
    typed = ["help", "/stunts", "4", "/stunt name:bike?", "1", "/nope", "/stunt", "hello", "9", "quit"]
    done = mi_bot(tmp_path, stdin="\n".join(typed) + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert out.startswith("No DISCORD_TOKEN set")
    assert "bot admin" in out.splitlines()[1]
    steps = out.split("\n> ")[1:]  # each typed line is echoed after the prompt
    assert [step.splitlines()[0] for step in steps] == typed
    help_, stunts, next_page, ask, pick, unknown, missing, chat, nothing, _ = steps
    assert "/stunt name:" in help_ and "/fact history fact:" in help_
    assert f"Page 1/{pages}" in stunts and "[4] ▶" in stunts and "(disabled)" in stunts
    assert f"Page 2/{pages}" in next_page
    assert "[1] Motorcycle cliff jump and BASE jump" in ask
    assert "→ /stunt name:Motorcycle cliff jump and BASE jump" in pick and "┃ 🎬 Motorcycle cliff jump" in pick
    assert "⚠ This command is unknown: /nope" in unknown
    assert "⚠ The option `name` is required." in missing
    assert "⚠ Commands start with /" in chat
    assert "⚠ There is nothing to click." in nothing  # the card has a link button only
    assert "Traceback" not in out


ADD_A_FILM = [
    "/fact add kind:film",
    "A test film",  # Title
    "",  # Summary: optional, left empty
    "year: 2030",  # Details, several lines up to an empty one
    "director: Test Director",
    "",
    "https://example.com/test-film Test source",  # Sources
    "",
]


def test_leaving_after_an_admin_change_says_it_is_discarded_and_how_to_keep_facts(tmp_path: Path) -> None:
    done = mi_bot(tmp_path, stdin="\n".join([*ADD_A_FILM, "quit"]) + "\n")
    assert done.returncode == 0, done.stderr
    assert "✅ Added film A test film." in done.stdout
    farewell = done.stdout.split("\n> quit\n")[1]
    assert farewell.startswith("⚠ Your changes to the facts are discarded")
    assert "/fact export" in farewell
    assert not (tmp_path / "facts.sqlite3").exists()  # the configured database was never touched


def test_leaving_without_changes_says_nothing_more(tmp_path: Path) -> None:
    done = mi_bot(tmp_path, stdin="/stunt name:motorbike\n/fact history fact:stunt:bike-cliff-jump\n")
    assert done.returncode == 0, done.stderr
    assert "discarded" not in done.stdout


def test_prompt_ends_on_end_of_input(tmp_path: Path) -> None:
    done = mi_bot(tmp_path, stdin="/stunt name:motorbike\n")
    assert done.returncode == 0, done.stderr
    assert "┃ 🎬 Motorcycle cliff jump" in done.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
async def test_ctrl_c_at_the_prompt_leaves_cleanly(tmp_path: Path) -> None:
    command, env = offline(tmp_path)
    pipe = asyncio.subprocess.PIPE
    process = await asyncio.create_subprocess_exec(
        *command, stdin=pipe, stdout=pipe, stderr=pipe, cwd=tmp_path, env=env
    )
    try:
        await asyncio.wait_for(process.stdout.readuntil(b"> "), 30)
        # A person presses Ctrl-C while input() waits; a signal landing between the prompt and the read
        # itself would only be seen after the read returns, as anywhere in Python.
        await asyncio.sleep(0.5)
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 10) == 0
        assert b"Traceback" not in await process.stderr.read()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


class Terminal:
    """``mi-bot`` at a real (pseudo-)terminal: keys typed as a person types them, the screen read back."""

    def __init__(self, tmp_path: Path) -> None:
        command, env = offline(tmp_path)
        self.screen, terminal = pty.openpty()
        self.process = subprocess.Popen(
            command, stdin=terminal, stdout=terminal, stderr=terminal, cwd=tmp_path, env=env | {"TERM": "xterm"}
        )
        os.close(terminal)
        self.seen = b""

    def type(self, keys: str) -> None:
        os.write(self.screen, keys.encode())

    def wait_for(self, text: str, limit: float = 60) -> str:
        """What the screen showed until ``text`` appeared (the limit only stops a hung test)."""
        start = len(self.seen)
        end = time.monotonic() + limit
        while text.encode() not in self.seen[start:] and time.monotonic() < end:
            if select.select([self.screen], [], [], 0.5)[0]:
                self.seen += os.read(self.screen, 65536)
        shown = self.seen[start:].decode(errors="replace")
        assert text in shown, f"{text!r} never appeared; the screen showed:\n{shown}"
        return shown

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        os.close(self.screen)


UP, LEFT, ENTER, PROMPT = "\x1b[A", "\x1b[D", "\r", "\r\n> "  # a terminal ends its lines with CR LF


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_at_a_terminal_lines_can_be_edited_and_commands_recalled(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    try:
        terminal.wait_for("> ")
        terminal.type("/stunt name:motorbke" + LEFT * 2 + "i" + ENTER)  # a typo mended with the arrow keys
        assert "┃ 🎬 Motorcycle cliff jump" in terminal.wait_for(PROMPT)
        terminal.type("/fact add kind:stunt" + ENTER)
        terminal.wait_for("Name (required")
        terminal.type("cancel" + ENTER)  # a form's answer, not a command
        terminal.wait_for("Form closed; nothing was sent." + PROMPT)
        terminal.type(UP + ENTER)  # the last command again, not the form's answer
        terminal.wait_for("Name (required")
        terminal.type("cancel" + ENTER)
        terminal.wait_for("Form closed; nothing was sent." + PROMPT)
        terminal.type(UP + UP + ENTER)  # the same command twice in a row is in the history once
        assert "┃ 🎬 Motorcycle cliff jump" in terminal.wait_for(PROMPT)
        terminal.type("quit" + ENTER)
        assert terminal.process.wait(timeout=30) == 0
    finally:
        terminal.close()


# ----------------------------------------------------------------------------- a session in this process


async def card_title(config: Config) -> str:
    """The title of the card ``/stunt name:motorbike`` shows in a try-out session."""
    async with session(config) as tryout:
        result = await tryout.you.slash(tryout.channel, "stunt", name="motorbike")
    return str(result.response.embeds[0].title)


async def test_the_try_out_seeds_once_then_starts_from_a_copy_of_the_seeded_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = make_config(tmp_path, seeded=False)
    copies = [tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"]
    await asyncio.gather(*(seeded_copy(config.packs, copy) for copy in copies))  # two try-outs at once, no cache
    for copy in copies:
        with closing(sqlite3.connect(copy)) as db:
            assert db.execute("SELECT count(*) FROM facts").fetchone() == (len(load_pack(PACK).facts()),)
    (kept,) = (tmp_path / "cache" / "mi-bot").iterdir()  # whole: nothing half-written left beside it
    with closing(sqlite3.connect(kept)) as db, db:
        db.execute("INSERT INTO meta (key, value) VALUES ('mark', 'kept')")
    async with session(config) as tryout:
        assert await tryout.bot.store.get_meta("mark") == "kept"  # a copy of the kept database, not seeded anew
        first = (await tryout.you.slash(tryout.channel, "stunt", name="motorbike")).response.embeds[0].title
    assert first == "🎬 Motorcycle cliff jump and BASE jump"
    other = tmp_path / "other.yaml"
    other.write_text(pack_as_one_file(), encoding="utf-8")
    assert await card_title(make_config(tmp_path, seeded=False, packs=[other])) == first
    (newer,) = (tmp_path / "cache" / "mi-bot").iterdir()  # another pack's database replaced it
    assert newer != kept


async def test_without_a_cache_folder_the_try_out_seeds_its_own_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))
    assert await card_title(make_config(tmp_path, seeded=False)) == "🎬 Motorcycle cliff jump and BASE jump"


def lines_then_eof(*lines: str) -> Iterator[str]:
    yield from lines
    raise EOFError


async def test_an_admin_fills_a_form_at_the_prompt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_config(tmp_path, seeded=False)
    typed = lines_then_eof(
        "A test film",  # Title
        "",  # Summary: optional, left empty
        "year: 2030",  # Details, several lines up to an empty one
        "director: Test Director",
        "",
        "",  # Sources: required, so asked again
        "https://example.com/test-film Test source",
        "",
    )
    async with session(config, read=lambda prompt: next(typed)) as tryout:
        await tryout.do("/fact add kind:film")
        await tryout.do("/fact history fact:A test film?")
        requests = tryout.env.http_requests
    out = capsys.readouterr().out
    assert "📝 Add a film" in out
    assert "This field is required." in out
    assert "(only you can see this)\n✅ Added film A test film." in out
    assert "[1] film: A test film" in out
    assert not config.database.exists()  # the try-out ran on a temporary copy
    contract = load_contract()
    if contract is not None:
        assert contract.violations(requests) == []


async def test_a_form_can_be_closed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typed = lines_then_eof("cancel")
    async with session(make_config(tmp_path, seeded=False), read=lambda prompt: next(typed)) as tryout:
        await tryout.do("/fact add kind:stunt")
    assert "Form closed; nothing was sent." in capsys.readouterr().out


async def test_a_mention_at_the_prompt_is_a_message_the_bot_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with session(make_config(tmp_path, seeded=False)) as tryout:
        await tryout.do("@mi-bot where did they film the train crash?")
        answer = capsys.readouterr().out
        await tryout.do("1")  # the first other match, a button under the answer
        opened = capsys.readouterr().out
        await tryout.do("@MI-BOT help")
        guide = capsys.readouterr().out
        with pytest.raises(Rejected, match="start with @mi-bot"):
            await tryout.do("@someone hello")
        asked, answered, *_ = tryout.channel.history()
    bot_id = tryout.bot.user.id
    assert asked.author.name == "you" and asked.content == f"<@{bot_id}> where did they film the train crash?"
    assert answered.author.id == bot_id and answered.reference.message_id == asked.id  # the mention handler replied
    assert answer.startswith("📍 Darlton Quarry")  # the answer line leads
    assert "🔎 Best match for “where did they film the train crash?”" in answer
    assert "Darlton Quarry" in answer and "[1] " in answer
    assert opened.startswith("(only you can see this)\n") and "┃ " in opened
    assert "┃ 🕶️ How to ask me" in guide and "Mention me with your question" in guide


async def test_export_saves_a_dated_file_here_never_over_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    days = {dt.datetime.now(dt.UTC).date()}
    async with session(make_config(tmp_path, seeded=False)) as tryout:
        await tryout.do("/fact export")
        await tryout.do("/fact export")
    days.add(dt.datetime.now(dt.UTC).date())
    out = capsys.readouterr().out
    first, second = sorted(tmp_path.glob("mission-impossible-*.yaml"), key=lambda p: len(p.name))
    assert first.name in {f"mission-impossible-{day}.yaml" for day in days}
    assert second.name == first.name.replace(".yaml", "-2.yaml")
    assert f"💾 Saved as {first}\n" in out
    assert f"💾 Saved as {second} ({first.name} is there already)\n" in out
    assert {fact.ref for fact in load_pack(second).facts()} == {fact.ref for fact in load_pack(PACK).facts()}


async def test_leaving_after_an_export_names_the_file_that_has_the_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    typed = iter(ADD_A_FILM[1:])
    async with session(make_config(tmp_path, seeded=False), read=lambda prompt: next(typed)) as tryout:
        assert await tryout.farewell() == ""
        await tryout.do(ADD_A_FILM[0])
        changed = await tryout.farewell()
        await tryout.do("/fact export")
        exported = await tryout.farewell()
    (saved,) = tmp_path.glob("mission-impossible-*.yaml")
    assert changed.startswith("⚠ Your changes to the facts are discarded") and "/fact export" in changed
    assert exported.startswith("⚠ Your changes to the facts are discarded") and f"{saved} has them" in exported
    assert "A test film" in {film.title for film in load_pack(saved).films}


async def test_numbers_click_only_what_is_clickable(tmp_path: Path) -> None:
    async with session(make_config(tmp_path, seeded=False)) as tryout:
        with pytest.raises(Rejected, match="nothing to click"):
            await tryout.do("1")
        await tryout.do("/stunts")
        with pytest.raises(Rejected, match="disabled"):
            await tryout.do("1")


# ----------------------------------------------------------------------------- reading a line

GAME = {
    "name": "game",
    "description": "A made-up command with every option type the parser converts",
    "options": [
        {
            "type": 1,
            "name": "roll",
            "description": "Roll dice",
            "options": [
                {
                    "type": 4,
                    "name": "sides",
                    "description": "Sides",
                    "required": True,
                    "min_value": 2,
                    "max_value": 100,
                },
                {"type": 10, "name": "bonus", "description": "Bonus"},
                {"type": 5, "name": "loud", "description": "Say it loud"},
                {"type": 7, "name": "where", "description": "A channel"},
                {"type": 3, "name": "note", "description": "A note", "max_length": 10},
                {
                    "type": 3,
                    "name": "colour",
                    "description": "A colour",
                    "choices": [{"name": "Dark red", "value": "red"}],
                },
                {"type": 3, "name": "who", "description": "A name", "autocomplete": True},
            ],
        }
    ],
}
CHANNEL = object()  # stands for a SimCord channel handle: the parser only passes it on
ENTITIES = {OptionType.channel: {"general": CHANNEL}}


def test_values_run_to_the_next_option_and_get_their_types() -> None:
    line = "/game roll sides:20 bonus:-1.5 loud:yes where:#general note:two words colour:dark red"
    invocation = parse(line, [GAME], ENTITIES)
    assert invocation.path == ("game", "roll")
    assert invocation.options == {
        "sides": 20,
        "bonus": -1.5,
        "loud": True,
        "where": CHANNEL,
        "note": "two words",
        "colour": "red",
    }
    assert invocation.ask is None


def test_quotes_keep_an_option_name_inside_a_value() -> None:
    assert parse('/game roll sides:6 who:"sides:7 is fine"', [GAME]).options == {"sides": 6, "who": "sides:7 is fine"}


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("/game roll sides:abc", "`abc` is not a valid whole number."),
        ("/game roll sides:1", "The option `sides` must be at least 2."),
        ("/game roll sides:6 bonus:nan", "`nan` is not a valid number."),
        ("/game roll sides:6 loud:perhaps", "`perhaps` is not true or false."),
        ("/game roll sides:6 where:#random", "There is no channel `#random` here"),
        ("/game roll sides:6 note:far too many words", "The option `note` takes at most 10 characters."),
        ("/game roll sides:6 colour:blue", "`blue` is not a choice for `colour`: Dark red."),
        ("/game roll sides:6 sides:7", "The option `sides` is given twice."),
        ('/game roll sides:6 who:"open', "The quote after `who:` is never closed."),
        ("/game roll six", "`six` is not an option of /game roll."),
        ("/game roll", "The option `sides` is required."),
        ("/game roll sides:", "The option `sides` is required."),
        ("/game fly", "/game needs one of: roll."),
        ("/games", "This command is unknown: /games."),
        ("/", "Type a command after the `/`"),
    ],
)
def test_mistakes_are_worded_like_discords_client(line: str, complaint: str) -> None:
    with pytest.raises(Rejected) as refused:
        parse(line, [GAME], ENTITIES)
    assert str(refused.value).startswith(complaint)


def test_a_trailing_question_mark_asks_for_suggestions() -> None:
    asking = parse("/game roll sides:6 who:ja?", [GAME])
    assert (asking.ask, asking.options) == ("who", {"sides": 6, "who": "ja"})
    assert parse("/game roll sides:6 colour:?", [GAME]).ask == "colour"  # choices are suggestions too
    assert parse("/game roll ?", [GAME]).ask == ""  # no option yet: list the options
    question = parse("/game roll sides:6 note:why?", [GAME])  # no suggestions here: part of the value
    assert (question.ask, question.options["note"]) == (None, "why?")


def test_help_lists_every_leaf_with_its_options() -> None:
    assert help_text([GAME]).split("  ")[0] == "/game roll sides: [bonus:] [loud:] [where:] [note:] [colour:] [who:]"


# ----------------------------------------------------------------------------- replies as text


def test_timestamps_read_as_local_dates() -> None:
    moment = dt.datetime(2025, 5, 23, 12, tzinfo=dt.UTC)
    stamp = int(moment.timestamp())
    assert plain(f"<t:{stamp}:D> (<t:{stamp}:R>)", UTC_NOW) == "23 May 2025 (7 months ago)"
    sydney = UTC_NOW.astimezone(dt.timezone(dt.timedelta(hours=10)))
    assert plain(f"<t:{stamp}:t> <t:{stamp}:d>", sydney) == "22:00 23/05/2025"
    assert when(moment, "F", UTC_NOW) == "Friday, 23 May 2025 12:00"
    assert when(UTC_NOW + dt.timedelta(days=3), "R", UTC_NOW) == "in 3 days"


def test_markdown_reads_as_plain_text() -> None:
    text = "**Bold** *(medium)* ~~old~~ ||twist|| `/location` [Source](https://example.com/a) <https://example.com/b>"
    assert plain(text, UTC_NOW) == (
        "Bold (medium) old [spoiler: twist] /location Source (https://example.com/a) https://example.com/b"
    )
    assert plain("<#42> and <@7>", UTC_NOW, {42: "#general"}) == "#general and @someone"


def test_an_embed_reads_title_fields_and_footer() -> None:
    embed = discord.Embed(title="Card", url="https://example.com/c", description="What happened.")
    embed.add_field(name="Film", value="Part One")
    embed.add_field(name="Who", value="• one\n• two")
    embed.set_footer(text="Stunt")
    embed.timestamp = UTC_NOW
    assert embed_lines(embed, UTC_NOW) == [
        "┃ Card (https://example.com/c)",
        "┃ What happened.",
        "┃",
        "┃ Film: Part One",
        "┃ Who:",
        "┃   • one",
        "┃   • two",
        "┃",
        "┃ Stunt · 1 January 2026 12:00",
    ]


async def test_a_paginated_reply_numbers_its_buttons(fan, channel) -> None:
    result = await fan.slash(channel, "stunts")
    message = result.response.message
    text = message_text(message, UTC_NOW)
    numbered = [f"[{n}] " for n in range(1, len(buttons(message)) + 1)]
    assert all(number in text for number in numbered)
    assert f"[{len(numbered) + 1}] " not in text
    assert "(only you can see this)" not in text


async def test_an_ephemeral_reply_is_marked(fan, channel) -> None:
    result = await fan.slash(channel, "stunt", name="zzzz qqqq")
    assert message_text(result.response.message, UTC_NOW).startswith("(only you can see this)\nI couldn't find")
