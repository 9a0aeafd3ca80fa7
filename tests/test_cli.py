"""The front door: every ``mi-bot …`` command that README.md and config.example.yaml show works as written (so
the docs cannot drift from the CLI again), options go before or after the sub-command, a wrong Discord address
ends the start with one line, and the logs carry neither colour codes into a file nor voice warnings.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli import main, parser
from tests.conftest import ROOT, STOP_A_HANG, outcome, seeded_copy
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM and a POSIX subprocess are needed")

DOCUMENTS = (ROOT / "README.md", ROOT / "config.example.yaml", ROOT / "docs" / "architecture.md")
# ``mi-bot ARGS`` with discord.py pointed at a local fake Discord first (a documented command may have no config
# that could point it there): the same ``main`` as the installed ``mi-bot`` script.
POINTED_MI_BOT = (
    "import sys, discord, yarl\n"
    "discord.http.Route.BASE = sys.argv.pop(1)\n"
    "discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv.pop(1))\n"
    "from bot.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


# ------------------------------------------------------------------------------------ the documented commands


def documented_commands(text: str) -> list[str]:
    """Every ``mi-bot …`` command line of a document, once: the lines of fenced code blocks (without a leading
    ``$ ``), then inline code spans (which may wrap), whose command after any ``NAME=value`` settings is ``mi-bot``."""
    fenced_lines: list[str] = []
    prose: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        else:
            (fenced_lines if fenced else prose).append(line)
    candidates = [line.strip().removeprefix("$ ") for line in fenced_lines]
    candidates += [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", "\n".join(prose))]
    found = [re.sub(r"\s+#.*", "", c).strip() for c in candidates if split_command(c)[1][:1] == ["mi-bot"]]
    return list(dict.fromkeys(found))


def split_command(line: str) -> tuple[dict[str, str], list[str]]:
    """``DISCORD_TOKEN=… mi-bot run --config x`` → ({"DISCORD_TOKEN": "…"}, ["mi-bot", "run", "--config", "x"])."""
    try:
        words = shlex.split(line, comments=True)
    except ValueError:  # not a shell line (an unbalanced quote in prose)
        return {}, []
    settings: dict[str, str] = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        settings[name] = value
    return settings, words


def may_connect(words: list[str]) -> bool:
    """Whether ``mi-bot …`` runs the bot (``run``, the default), which connects when a token is set."""
    try:
        return (parser().parse_args(words[1:]).command or "run") == "run"
    except SystemExit:  # a command the CLI refuses: run it every way, to show the refusal
        return True


DOCUMENTED = {document.name: documented_commands(document.read_text(encoding="utf-8")) for document in DOCUMENTS}
CASES = [
    pytest.param(line, token, id=f"{name}: {'(token) ' if token else ''}{line}")
    for name, lines in DOCUMENTED.items()
    for line in lines
    for token in (
        # A command that may connect is run as written, and also with and without a token in the environment (the
        # README's `mi-bot` means both); the others never connect, so the token changes nothing for them.
        [True]
        if "DISCORD_TOKEN" in split_command(line)[0]
        else [False, True]
        if may_connect(split_command(line)[1])
        else [False]
    )
]


def test_the_docs_show_the_commands_people_type() -> None:
    """The extraction finds what it must, so the test below cannot pass by finding nothing."""
    readme, example = DOCUMENTED["README.md"], DOCUMENTED["config.example.yaml"]
    for line in ("mi-bot", 'mi-bot try "/stunt name:motorbike"', "DISCORD_TOKEN=... mi-bot run --config config.yaml"):
        assert line in readme
    assert any(line.startswith("mi-bot check") for line in readme)
    assert any(line.startswith("mi-bot db backup") for line in readme)
    assert "mi-bot run --config config.yaml" in example


POSTGRES_URL = re.compile(r"postgresql://\S+")


@pytest.mark.parametrize(("line", "token"), [case for case in CASES if not POSTGRES_URL.search(case.values[0])])
async def test_every_documented_command_works_as_written(line: str, token: bool, tmp_path: Path) -> None:
    """Run where a person following the README would: a folder with ``config.yaml`` copied from the example, a
    database from an earlier start in the per-user data folder, and any token reaching a fake Discord."""
    await run_as_documented(line, token, tmp_path)


@pytest.mark.parametrize(("line", "token"), [case for case in CASES if POSTGRES_URL.search(case.values[0])])
async def test_every_documented_postgresql_command_works_on_a_real_server(
    line: str, token: bool, tmp_path: Path, postgres_database: str
) -> None:
    """The same, with the documented ``postgresql://`` URL replaced by a new database on the tests' server."""
    await run_as_documented(POSTGRES_URL.sub(lambda _: postgres_database, line), token, tmp_path)


async def run_as_documented(line: str, token: bool, tmp_path: Path) -> None:
    settings, words = split_command(line)
    shutil.copy(ROOT / "config.example.yaml", tmp_path / "config.yaml")
    data_home = tmp_path / "data-home"
    (data_home / "mi-bot").mkdir(parents=True)
    seeded_copy(data_home / "mi-bot" / "facts.sqlite3")
    async with FakeDiscord() as fake:
        environment = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
        environment |= {"XDG_DATA_HOME": str(data_home), **settings, "PYTHONUNBUFFERED": "1"}
        if token:
            environment["DISCORD_TOKEN"] = fake.token
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", POINTED_MI_BOT, fake.api_base_url, fake.gateway_url, *words[1:],
            cwd=tmp_path, env=environment, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await outcome(process, fake)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "usage:" not in err, err
    if token and may_connect(words):
        assert fake.identifies == 1, "it ran on (the fake) Discord"
    else:
        assert out.strip(), "a command that does not run on Discord says what it did"


@pytest.mark.parametrize(
    ("argv", "command", "config", "sync"),
    [
        ([], "run", None, False),
        (["--sync"], "run", None, True),
        (["run", "--config", "c.yaml", "--sync"], "run", "c.yaml", True),
        (["--config", "c.yaml", "run", "--sync"], "run", "c.yaml", True),
        (["--sync", "--config", "c.yaml", "run"], "run", "c.yaml", True),
        (["check", "--config", "c.yaml"], "check", "c.yaml", False),
        (["--config", "c.yaml", "check"], "check", "c.yaml", False),
        (["try", "/stunt name:bike", "--config", "c.yaml"], "try", "c.yaml", False),
        (["db", "backup", "b.sqlite3", "--config", "c.yaml"], "db", "c.yaml", False),
        (["db", "--config", "c.yaml", "backup", "b.sqlite3"], "db", "c.yaml", False),
    ],
)
def test_options_go_before_or_after_the_sub_command(argv, command, config, sync) -> None:
    args = parser().parse_args(argv)
    assert (args.command or "run", args.config, args.sync) == (command, config and Path(config), sync)


@pytest.mark.parametrize("argv", [["--sync", "check"], ["try", "/release", "--new-database"], ["db"]])
def test_options_and_commands_that_do_not_fit_are_usage_errors(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "mi-bot" in capsys.readouterr().err


def test_the_readme_names_the_python_version() -> None:
    assert re.search(r"Python 3\.11\+", (ROOT / "README.md").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------ a wrong Discord address


@contextlib.contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A tiny HTTP server on 127.0.0.1 in a thread; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class NotFoundPage(BaseHTTPRequestHandler):
    """A web server that is not Discord: an HTML 404 page for every path."""

    def do_GET(self) -> None:
        body = b"<html><body><h1>404 Not Found</h1>" + b"<p>nothing here</p>" * 40 + b"</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """A port that accepts connections (the kernel completes them) and never answers a byte."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def run_against(tmp_path: Path, api_base_url: str, login_timeout: float = 10) -> subprocess.CompletedProcess[str]:
    """``mi-bot run`` with a token and ``discord.api_base_url``, logging warnings and errors only."""
    (tmp_path / "config.yaml").write_text(
        f"database: facts.sqlite3\nlog_level: WARNING\ndiscord:\n  api_base_url: {api_base_url}\n"
        f"  login_timeout_seconds: {login_timeout}\n"
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", "config.yaml"], cwd=tmp_path,
        env={**os.environ, "DISCORD_TOKEN": "x"}, capture_output=True, text=True, timeout=STOP_A_HANG,
    )  # fmt: skip


def test_a_web_server_that_is_not_discord_is_one_line(tmp_path: Path) -> None:
    with http_server(NotFoundPage) as base:
        done = run_against(tmp_path, f"{base}/api/v10")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"mi-bot: {base}/api/v10 answered GET /api/v10/users/@me with 404 Not Found (text/html, not Discord's "
        "JSON): check discord.api_base_url"
    ]


def test_a_server_that_never_answers_ends_the_start_with_one_line(tmp_path: Path) -> None:
    with silent_server() as base:
        done = run_against(tmp_path, f"{base}/api/v10", login_timeout=2)  # the default 10 s, shortened for the test
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert re.fullmatch(rf"mi-bot: {base}/api/v10 did not answer the login within \d+ s: check discord\.api_base_url",
                        lines[0])  # fmt: skip


# ------------------------------------------------------------------------------------------------------ the logs


async def test_logs_in_a_file_have_no_colour_codes_and_no_voice_warnings(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        (tmp_path / "config.yaml").write_text(
            f"database: facts.sqlite3\ndiscord:\n  api_base_url: {fake.api_base_url}\n"
            f"  gateway_url: {fake.gateway_url}\nlog_level: DEBUG\n"
        )
        with (tmp_path / "bot.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--config", "config.yaml", cwd=tmp_path,
                env={**os.environ, "DISCORD_TOKEN": fake.token}, stdout=log, stderr=log,
            )  # fmt: skip
        await outcome(process, fake)
    assert process.returncode == 0
    log_text = (tmp_path / "bot.log").read_text()
    assert "Synced" in log_text  # the bot did log
    assert "\x1b[" not in log_text
    assert "PyNaCl" not in log_text and "davey" not in log_text
