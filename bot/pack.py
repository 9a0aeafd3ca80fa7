"""Data packs: the YAML files in ``data/`` that seed the store, and the format of ``/fact export``/``import``.

A pack is read with ``yaml.safe_load`` semantics but without anchors and aliases (a pack never needs them and
they allow "billion laughs" bombs), under a size cap, then validated as a whole: field types and limits by
the models, then cross-references and duplicate names. Every problem is reported with its path.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from bot.errors import Invalid
from bot.models import FACT_TYPES, Fact, Film, Key, Location, Name, Release, Source, Stunt, Video

MAX_PACK_BYTES = 2_000_000
LISTS = {"films": Film, "releases": Release, "stunts": Stunt, "locations": Location, "videos": Video}


class PackInvalid(Invalid):
    """A pack that cannot be loaded; ``problems`` lists each one as ``path: message``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(f"• {p}" for p in problems[:10])
        more = f"\n… and {len(problems) - 10} more" if len(problems) > 10 else ""
        super().__init__(f"The pack has {len(problems)} problem(s):\n{shown}{more}")


class Pack(BaseModel):
    """A whole pack, with sources already resolved into each fact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pack: Key
    version: int = Field(ge=1)
    title: Name
    exported_at: AwareDatetime | None = None  # set by /fact export: a fact changed after it is an import conflict
    films: list[Film] = Field(default_factory=list)
    releases: list[Release] = Field(default_factory=list)
    stunts: list[Stunt] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    videos: list[Video] = Field(default_factory=list)

    def facts(self) -> list[Fact]:
        return [*self.films, *self.releases, *self.stunts, *self.locations, *self.videos]


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases, so a small file cannot expand into gigabytes."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent) or getattr(self.peek_event(), "anchor", None):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&name / *name) are not allowed in a pack", event.start_mark
            )
        return super().compose_node(parent, index)


def read_yaml(text: str | bytes) -> Any:
    """Parse YAML text safely; a syntax error becomes ``PackInvalid`` naming the line."""
    if len(text) > MAX_PACK_BYTES:
        raise PackInvalid([f"file: {len(text):,} bytes is over the {MAX_PACK_BYTES:,}-byte limit"])
    try:
        return yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        raise PackInvalid([f"{where}: not valid YAML ({problem})"]) from None
    except UnicodeDecodeError:
        raise PackInvalid(["file: not UTF-8 text"]) from None
    except RecursionError:  # "[[[[…" a hundred thousand deep: small, but it would exhaust the parser's stack
        raise PackInvalid(["file: nested too deeply to be a pack"]) from None


Locate = Callable[[tuple[int | str, ...]], str]


def _path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "pack"


def _message(error: Any) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def parse_pack(data: Any, locate: Locate = _path) -> Pack:
    """Validate parsed YAML as a pack; raise ``PackInvalid`` with every problem and its path (``locate`` turns
    a path into the merged pack into the file and entry it came from)."""
    if not isinstance(data, dict):
        raise PackInvalid([f"pack: expected a mapping with 'pack', 'version', 'title', got {type(data).__name__}"])
    raw_sources = data.get("sources", {})
    problems: list[str] = []
    sources: dict[str, Source] = {}
    if not isinstance(raw_sources, dict):
        problems.append("sources: expected a mapping of key: {url, title}")
    else:
        for key, value in raw_sources.items():
            try:
                sources[str(key)] = Source.model_validate(value)
            except ValidationError as exc:
                problems += [f"{locate(('sources', str(key), *e['loc']))}: {_message(e)}" for e in exc.errors()]
    body = {k: v for k, v in data.items() if k != "sources"}
    try:
        pack = Pack.model_validate(body, context={"sources": sources})
    except ValidationError as exc:
        problems += [f"{locate(tuple(e['loc']))}: {_message(e)}" for e in exc.errors()]
        raise PackInvalid(problems) from None
    problems += consistency_problems(pack, locate)
    if problems:
        raise PackInvalid(problems)
    return pack


def consistency_problems(pack: Pack, locate: Locate = _path) -> list[str]:
    """Duplicate keys, names used twice within a kind, and references to facts that are not in the pack."""
    problems: list[str] = []
    keys: dict[str, set[str]] = {kind: set() for kind in FACT_TYPES}
    for field, cls in LISTS.items():
        names: dict[str, str] = {}
        for i, fact in enumerate(getattr(pack, field)):
            if fact.key in keys[cls.kind]:
                problems.append(f"{locate((field, i, 'key'))}: {fact.key!r} is used twice")
            keys[cls.kind].add(fact.key)
            if cls is Release:
                continue
            for name in fact.names:
                folded = name.casefold()
                if folded in names and names[folded] != fact.key:
                    problems.append(f"{locate((field, i))}: the name {name!r} is also used by {names[folded]!r}")
                names[folded] = fact.key
    for field in LISTS:
        for i, fact in enumerate(getattr(pack, field)):
            problems += [
                f"{locate((field, i, *_split(path)))}: no {kind} with key {key!r}"
                for path, kind, key in fact.references()
                if key not in keys[kind]
            ]
    return problems


def _split(path: str) -> tuple[int | str, ...]:
    """``"locations[2]"`` → ``("locations", 2)``: a field path of ``Fact.references`` as a location."""
    name, _, index = path.partition("[")
    return (name, int(index.rstrip("]"))) if index else (name,)


HEADER = "pack.yaml"


def load_pack(path: Path) -> Pack:
    """Read and validate a pack: one YAML file, or a folder of them (``pack.yaml`` with the header, then one
    file per film or era with its own facts and sources) loaded as one pack."""
    if path.is_dir():
        return _load_folder(path)
    return parse_pack(read_yaml(_read(path)))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise PackInvalid([f"{path}: no such file"]) from None
    except OSError as exc:
        raise PackInvalid([f"{path}: cannot read ({exc.strerror})"]) from None


def pack_files(path: Path) -> list[Path]:
    """The files of a pack: the file itself, or a folder's YAML files with its ``pack.yaml`` first."""
    if not path.is_dir():
        return [path]
    return sorted(path.rglob("*.yaml"), key=lambda f: (f.name != HEADER, f.relative_to(path).as_posix()))


def pack_digest(paths: Iterable[Path]) -> str:
    """A fingerprint of every file of these packs, to skip seeding when nothing changed since last time."""
    digest = hashlib.sha256()
    for path in paths:
        for file in pack_files(path):
            digest.update(file.name.encode() + b"\0" + _read(file))
    return digest.hexdigest()


def _load_folder(folder: Path) -> Pack:
    """Merge a folder's files into one pack; problems name the file and the entry within it."""
    files = pack_files(folder)
    if not files or files[0].name != HEADER:
        raise PackInvalid([f"{folder}: a pack folder needs a {HEADER} with 'pack', 'version' and 'title'"])
    merged: dict[str, Any] = {"sources": {}}
    origin: dict[tuple[str, int | str], tuple[str, int | str]] = {}
    problems: list[str] = []
    for file in files:
        name = file.relative_to(folder).as_posix()
        data = read_yaml(_read(file))
        if not isinstance(data, dict):
            problems.append(f"{name}: expected a mapping of 'sources:' and fact lists such as 'stunts:'")
            continue
        for section, value in data.items():
            if section == "sources" and isinstance(value, dict):
                for key, source in value.items():
                    if ("sources", str(key)) in origin:
                        problems.append(f"{name}: sources.{key}: also defined in {origin['sources', str(key)][0]}")
                    origin["sources", str(key)] = (name, str(key))
                    merged["sources"][str(key)] = source
            elif section in LISTS and isinstance(value, list):
                entries = merged.setdefault(section, [])
                for i, entry in enumerate(value):
                    origin[section, len(entries)] = (name, i)
                    entries.append(entry)
            elif file.name == HEADER and section not in LISTS:
                merged[section] = value
            else:
                problems.append(f"{name}: {section}: expected a list of facts or a mapping of sources here")
    if problems:
        raise PackInvalid(problems)

    def locate(loc: tuple[int | str, ...]) -> str:
        where = origin.get((loc[0], loc[1])) if len(loc) > 1 else None
        if where is None:
            return f"{HEADER}: {_path(loc)}"
        return f"{where[0]}: {_path((loc[0], where[1], *loc[2:]))}"

    return parse_pack(merged, locate)


def fact_hash(fact: Fact) -> str:
    """A stable fingerprint of a fact's content, to tell a pack update from an unchanged fact."""
    return hashlib.sha256(json.dumps(fact.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:16]


def dump_pack(
    pack_name: str, version: int, title: str, facts: Iterable[Fact], exported_at: AwareDatetime | None = None
) -> str:
    """Write facts as pack YAML, naming each distinct source once (the format ``parse_pack`` reads)."""
    source_keys: dict[tuple[str, str], str] = {}

    def ref(source: dict[str, str]) -> str:
        return source_keys.setdefault((source["url"], source["title"]), f"s{len(source_keys) + 1}")

    def replace_sources(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: replace_sources(v) for k, v in node.items() if k != "sources"}
            if "sources" in node:
                out["sources"] = [ref(s) for s in node["sources"]]
            return out
        if isinstance(node, list):
            return [replace_sources(v) for v in node]
        return node

    lists: dict[str, list[Any]] = {field: [] for field in LISTS}
    by_kind = {cls.kind: field for field, cls in LISTS.items()}
    for fact in facts:
        lists[by_kind[fact.kind]].append(replace_sources(fact.model_dump(mode="json", exclude_defaults=True)))
    sources = {key: {"url": url, "title": title} for (url, title), key in source_keys.items()}
    stamp = {"exported_at": exported_at} if exported_at else {}
    document = {"pack": pack_name, "version": version, "title": title, **stamp, "sources": sources, **lists}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
