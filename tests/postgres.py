"""A throwaway PostgreSQL server for the tests and benchmarks: the machine's ``initdb`` and ``pg_ctl`` in a
temporary folder, listening on a unix socket there only, stopped with ``-m immediate`` at the end. As root the
server programs run as the ``postgres`` user (PostgreSQL refuses to run as root).

``MI_BOT_TEST_DATABASE_URL`` names a server to use instead (its user must be allowed to create databases).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

DEBIAN_BINDIR = Path("/usr/lib/postgresql/15/bin")
PORT = 5432  # names the socket file only: nothing listens on TCP


def server_programs() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: ``pg_config --bindir``, else Debian's PostgreSQL 15."""
    found = shutil.which("pg_config")
    if found:
        bindir = Path(subprocess.run([found, "--bindir"], capture_output=True, text=True).stdout.strip())
        if (bindir / "initdb").exists():
            return bindir
    return DEBIAN_BINDIR if (DEBIAN_BINDIR / "initdb").exists() else None


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def throwaway_server() -> Iterator[str]:
    """Start a server in a new temporary folder and yield the URL of its ``postgres`` database; the folder is
    removed afterwards. Raises ``RuntimeError`` (with the server's log) when it cannot start."""
    bindir = server_programs()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server programs (initdb, pg_ctl) on this machine")
    # Under /tmp, not pytest's temporary folder (root's, which the postgres user may not enter); short, because a
    # unix socket's path is limited to about 100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="mi-bot-pg-"))
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        data, log = folder / "data", folder / "log"
        run = _as_server_user
        subprocess.run(
            run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]),
            check=True,
            capture_output=True,
        )
        options = f"-k {folder} -p {PORT} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        started = subprocess.run(
            run([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]),
            capture_output=True,
            text=True,
        )
        if started.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr.strip()} {_tail(log)}")
        try:
            yield f"postgresql://postgres@/postgres?host={quote(str(folder))}&port={PORT}"
        finally:
            subprocess.run(
                run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True
            )
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"initdb failed: {exc.stderr.decode(errors='replace').strip()}") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-2000:]
    except OSError:
        return ""


def database_url(server_url: str, name: str) -> str:
    """The URL of the database ``name`` on the server of ``server_url`` (a URL naming any of its databases)."""
    base, _, query = server_url.partition("?")
    head, _, _ = base.rpartition("/")
    return f"{head}/{name}" + (f"?{query}" if query else "")
