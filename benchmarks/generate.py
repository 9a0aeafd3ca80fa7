"""Synthetic packs and databases of any size, for benchmarks and the crash test.

A generated pack holds the shipped pack's facts plus synthetic ones up to the wanted size, built with the real
models and validated by the real pack rules, so the store sees the same shapes it sees in production: names of
2–6 words, aliases, 30–80-word summaries, and films, releases, stunts, locations and videos in plausible
proportions. Everything is drawn from a seeded random generator, so a size always gives the same pack.

Synthetic facts are not facts: names and text are words of the shipped pack shuffled together with made-up
proper nouns (so the search vocabulary grows with the store, as a real one does), and their sources point
at ``example.com``, the domain reserved for examples. They never leave ``benchmarks/.cache/``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import random
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.config import BUNDLED_PACK
from bot.models import Film, Location, Release, Source, Stunt, Video
from bot.pack import Pack, consistency_problems, load_pack, pack_digest
from bot.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = BUNDLED_PACK
CACHE = Path(__file__).resolve().parent / ".cache"
GENERATOR_VERSION = 1  # bump when the shapes below change: cached databases are keyed by it and by the store code

# Share of each kind among the synthetic facts (the shipped pack has about the same mix).
SHARES = {"film": 0.02, "release": 0.18, "stunt": 0.35, "location": 0.30, "video": 0.15}
REGIONS = ["Australia", "Germany", "France", "India", "Japan", "Brazil", "Italy", "Norway", "Spain", "Mexico"]
SYLLABLES = "ka ri to vel an mor sil dun ea bra kel os tir ven lu gar nis pol ed ham rau fjor sta quin".split()


def shipped_pack() -> Pack:
    return load_pack(SHIPPED)


def _words(pack: Pack) -> list[str]:
    """The shipped pack's own words (three letters or more), the common vocabulary of synthetic text."""
    text = " ".join(f.model_dump_json() for f in pack.facts())
    return sorted({w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)} - {"https", "http", "www", "com"})


class _Writer:
    """Draws names, text and keys; remembers names per kind so that no two facts of a kind share one."""

    def __init__(self, rng: random.Random, common: list[str], proper_count: int) -> None:
        self.rng = rng
        self.common = common
        self.proper = sorted({self._proper_noun() for _ in range(proper_count)})
        self.taken: dict[str, set[str]] = {}
        self.counter = 0

    def _proper_noun(self) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 4))).capitalize()

    def word(self) -> str:
        return self.rng.choice(self.proper) if self.rng.random() < 0.25 else self.rng.choice(self.common)

    def text(self, low: int, high: int) -> str:
        return " ".join(self.word() for _ in range(self.rng.randint(low, high))).capitalize() + "."

    def name(self, kind: str, low: int = 2, high: int = 6) -> str:
        taken = self.taken.setdefault(kind, set())
        while True:
            words = [self.rng.choice(self.proper), *(self.word() for _ in range(self.rng.randint(low, high) - 1))]
            self.rng.shuffle(words)
            name = " ".join(w.capitalize() for w in words)
            if name.casefold() not in taken:
                taken.add(name.casefold())
                return name

    def aliases(self, kind: str, name: str) -> list[str]:
        """Zero to two aliases: a shorter form of the name and, sometimes, a new nickname."""
        out: list[str] = []
        words = name.split()
        taken = self.taken[kind]
        if len(words) > 2 and self.rng.random() < 0.6:
            short = " ".join(words[-2:])
            if short.casefold() not in taken:
                taken.add(short.casefold())
                out.append(short)
        if self.rng.random() < 0.3:
            out.append(self.name(kind, 2, 3))
        return out

    def key(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"


def synthetic_pack(size: int, *, seed: int = 7) -> Pack:
    """The shipped pack plus synthetic facts, ``size`` facts in all (at least the shipped ones)."""
    shipped = shipped_pack()
    extra = max(0, size - len(shipped.facts()))
    rng = random.Random(f"{seed}:{size}:{GENERATOR_VERSION}")
    w = _Writer(rng, _words(shipped), proper_count=max(300, size // 3))
    for fact in shipped.facts():
        for name in getattr(fact, "names", []) if fact.kind != "release" else []:
            w.taken.setdefault(fact.kind, set()).add(name.casefold())
    counts = {kind: int(extra * share) for kind, share in SHARES.items()}
    counts["stunt"] += extra - sum(counts.values())
    sources = [Source(url=f"https://example.com/bench/source-{i}", title=f"Synthetic source {i}") for i in range(50)]

    def cite() -> list[Source]:
        return rng.sample(sources, rng.randint(1, 3))

    films = list(shipped.films)
    for _ in range(counts["film"]):
        title = w.name("film", 2, 5)
        films.append(
            Film(key=w.key("film"), title=title, aliases=w.aliases("film", title), year=rng.randint(1960, 2030),
                 director=w.name("person", 2, 2), summary=w.text(30, 80), sources=cite())
        )  # fmt: skip
    film_keys = [f.key for f in films]
    locations = list(shipped.locations)
    for _ in range(counts["location"]):
        name = w.name("location")
        locations.append(
            Location(key=w.key("loc"), name=name, aliases=w.aliases("location", name), place=w.text(8, 20),
                     country=rng.choice(REGIONS), film=rng.choice(film_keys), filmed=w.text(30, 80),
                     when=f"{rng.choice(['Spring', 'Summer', 'Autumn', 'Winter'])} {rng.randint(1990, 2030)}",
                     sources=cite())
        )  # fmt: skip
    location_keys = [loc.key for loc in locations]
    stunts = list(shipped.stunts)
    for _ in range(counts["stunt"]):
        name = w.name("stunt")
        stunts.append(
            Stunt(key=w.key("stunt"), film=rng.choice(film_keys), name=name, aliases=w.aliases("stunt", name),
                  summary=w.text(30, 80), locations=rng.sample(location_keys, rng.randint(0, 2)),
                  filmed=w.text(5, 15), people=[w.name("person", 2, 2) for _ in range(rng.randint(0, 3))],
                  numbers=[f"{rng.randint(2, 5000)} {w.word()}" for _ in range(rng.randint(0, 3))],
                  trivia=[w.text(8, 20) for _ in range(rng.randint(0, 2))], sources=cite())
        )  # fmt: skip
    stunt_keys = [s.key for s in stunts]
    videos = list(shipped.videos)
    for _ in range(counts["video"]):
        title = w.name("video")
        videos.append(
            Video(key=w.key("video"), title=title, aliases=w.aliases("video", title), film=rng.choice(film_keys),
                  shows=w.text(10, 40), published=f"{rng.randint(2000, 2030)}",
                  stunts=rng.sample(stunt_keys, rng.randint(0, 2)), locations=rng.sample(location_keys, 1),
                  sources=cite())
        )  # fmt: skip
    releases = list(shipped.releases)
    for _ in range(counts["release"]):
        releases.append(
            Release(key=w.key("release"), film=rng.choice(film_keys), region=rng.choice(REGIONS),
                    date=dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 11000)),
                    note=w.text(0, 12) if rng.random() < 0.3 else "", sources=cite())
        )  # fmt: skip
    pack = Pack(
        pack="bench-synthetic", version=1, title=f"Synthetic benchmark pack ({size:,} facts)",
        films=films, releases=releases, stunts=stunts, locations=locations, videos=videos,
    )  # fmt: skip
    problems = consistency_problems(pack)
    if problems:
        raise AssertionError(f"the generator made an inconsistent pack: {problems[:3]}")
    return pack


async def seed_database(path: Path | str, pack: Pack) -> float:
    """Seed a fresh database with ``pack`` through the real store; the seconds it took."""
    store = await open_store(path)
    try:
        started = time.perf_counter()
        await store.seed([pack])
        await store.remember_pack(pack)
        return time.perf_counter() - started
    finally:
        await store.close()


def store_fingerprint() -> str:
    """A hash of what decides what a seeded database holds: the code (schema, indexing, models) and the shipped
    pack (every generated pack holds it, and draws its words from it). A cached database built by other code, or
    from another pack, would measure the wrong thing."""
    files = sorted((ROOT / "bot" / "store").rglob("*.sql")) + sorted((ROOT / "bot" / "store").rglob("*.py"))
    digest = hashlib.sha256()
    for file in [*files, ROOT / "bot" / "models.py"]:
        digest.update(file.read_bytes())
    digest.update(pack_digest([SHIPPED]).encode())
    return digest.hexdigest()[:10]


def cached_database(size: int, progress: Callable[..., None] = print) -> tuple[Path, float | None]:
    """The path of a seeded database of ``size`` facts (built once per generator and store code, then reused)
    and, when it was built just now, how long seeding took."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"facts-{size}-v{GENERATOR_VERSION}-{store_fingerprint()}.sqlite3"
    if path.exists():
        return path, None
    for stale in CACHE.glob(f"facts-{size}-v*"):
        stale.unlink()  # built by older code
    progress(f"building the {size:,}-fact database (cached in {path.relative_to(ROOT)}) ...", flush=True)
    pack = synthetic_pack(size)
    partial = path.with_suffix(".partial")
    for leftover in CACHE.glob(partial.name + "*"):
        leftover.unlink()
    seconds = asyncio.run(seed_database(partial, pack))
    shutil.move(partial, path)
    path.with_suffix(".json").write_text(json.dumps({"facts": size, "seed_seconds": round(seconds, 1)}))
    progress(f"  seeded {len(pack.facts()):,} facts in {seconds:.1f} s", flush=True)
    return path, seconds


if __name__ == "__main__":
    for wanted in [int(arg) for arg in sys.argv[1:]] or [1_000]:
        print(cached_database(wanted))
