"""``pip install .`` (not editable): a wheel built from this tree, installed into a fresh virtual environment,
runs from any folder on the pack and the migrations shipped inside it, and writes its database outside it.

Offline and quick: the wheel is built without build isolation (setuptools comes with the ``test`` extra) and
installed without its dependencies, which the new environment reads from this one's site-packages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from bot.pack import load_pack
from tests.conftest import PACK, ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the venv layout below is POSIX")

STOP_A_HANG = 300  # seconds: only ends a step that would otherwise hang, never asserted as a duration
# What a fresh clone holds besides the package (tests and benchmarks are left out: the wheel must not need them).
NOT_SHIPPED = shutil.ignore_patterns(
    ".*", "build", "dist", "*.egg-info", "__pycache__", "*.sqlite3*", "tests", "benchmarks"
)


def run(*command: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=STOP_A_HANG, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a fresh virtual environment with the wheel of this tree installed."""
    work = tmp_path_factory.mktemp("install")
    shutil.copytree(ROOT, work / "source", ignore=NOT_SHIPPED)  # the build leaves nothing in the worktree
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", work / "wheels",
        work / "source")  # fmt: skip
    (wheel,) = (work / "wheels").glob("mi_fan_bot-*.whl")
    run(sys.executable, "-m", "venv", "--without-pip", work / "venv")
    venv_python = work / "venv" / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", venv_python, "install", "--quiet", "--no-deps", "--no-index", wheel)
    site = run(venv_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    # The dependencies, from this environment (a path entry: this environment's own .pth files, such as an
    # editable install of the project, are not read there).
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return work / "venv" / "bin"


def mi_bot(installed: Path, cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "XDG_DATA_HOME", "PYTHONPATH")}
    return run(installed / "mi-bot", *args, cwd=cwd, env={**environment, "HOME": str(home)})


def test_the_installed_package_runs_from_another_folder(installed: Path, tmp_path: Path) -> None:
    elsewhere, home = tmp_path / "elsewhere", tmp_path / "home"
    elsewhere.mkdir()
    site = installed.parent / "lib"

    checked = mi_bot(installed, elsewhere, home, "check")
    pack, database = (line.partition(":")[0] for line in checked.stdout.splitlines())
    assert Path(pack).is_relative_to(site) and pack.endswith("bot/packs/mission-impossible")
    assert database == str(home / ".local" / "share" / "mi-bot" / "facts.sqlite3 (new, created now)")
    shipped = load_pack(PACK)
    counts = f"{len(shipped.films)} films, {len(shipped.stunts)} stunts, {len(shipped.locations)} locations"
    assert counts in checked.stdout
    assert not list(site.rglob("*.sqlite3*")), "nothing is written inside the installed package"

    card = mi_bot(installed, elsewhere, home, "try", "/stunt name:motorbike").stdout
    assert "Motorcycle cliff jump and BASE jump" in card and "Helsetkopen" in card


def test_a_config_elsewhere_gets_the_bundled_pack_and_its_own_database(installed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bot-config"
    folder.mkdir()
    (folder / "config.yaml").write_text("database: facts.sqlite3\nlog_level: WARNING\n")

    checked = mi_bot(installed, tmp_path, tmp_path / "home", "check", "--config", "bot-config/config.yaml")

    assert "bot/packs/mission-impossible: pack 'mission-impossible'" in checked.stdout
    assert f"{folder / 'facts.sqlite3'} (new, created now)" in checked.stdout


def test_the_wheel_ships_every_yaml_under_data_and_the_migrations(installed: Path) -> None:
    site = next((installed.parent / "lib").glob("python3*/site-packages"))
    shipped = sorted(p.relative_to(site / "bot" / "packs") for p in (site / "bot" / "packs").rglob("*.yaml"))
    assert shipped == sorted(p.relative_to(ROOT / "data") for p in (ROOT / "data").rglob("*.yaml"))
    migrations = sorted(p.name for p in (site / "bot" / "store" / "migrations").glob("*.sql"))
    assert migrations == sorted(p.name for p in (ROOT / "bot" / "store" / "migrations").glob("*.sql"))
