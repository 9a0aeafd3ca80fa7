"""Data packs: the YAML files in ``data/`` that seed the store, and the format of ``/fact export``/``import``.

A pack is plain YAML data, read by a strict loader (``_PackReading``) under a size cap and a time limit, then
validated as a whole: field types and limits by the models, then cross-references and duplicate names. Every
problem is reported with its path.
"""

from __future__ import annotations

import codecs
import gc
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.parser import Parser, ParserError
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner, ScannerError

from bot import rules
from bot.errors import Invalid
from bot.models import Fact, Film, Key, Location, Name, Release, Source, Stunt, Video

MAX_PACK_BYTES = 10_000_000  # Discord's upload limit: about 15,000 facts of a generated pack, a 10,000-fact export
# Reading gives up after this many seconds of its thread's CPU time: the largest file allowed takes about 3 s with
# libyaml (about four times as long without), so only a file built to be slow comes near it (CPU time, so that a
# busy machine does not fail a normal file).
PARSE_SECONDS = 20.0
CLOCK_EVERY = 100  # nodes between looks at the clock: a few milliseconds apart at most
YAML_TAG = "tag:yaml.org,2002:"
PLAIN_TAGS = frozenset(YAML_TAG + name for name in ("null", "bool", "int", "float", "str", "timestamp", "seq", "map"))
# Byte order marks, UTF-32 first (its little-endian mark begins with UTF-16's).
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
Where = tuple[int | str, ...]  # where a value is in a pack: keys and list indexes
LISTS: dict[str, type[Fact]] = {
    "films": Film,
    "releases": Release,
    "stunts": Stunt,
    "locations": Location,
    "videos": Video,
}
SAME_NAME = " (names count as the same when they differ only in case, accents, spaces or punctuation)"


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


class _PackReading(Composer, SafeConstructor, Resolver):
    """Building a pack's data from parser events: plain data only, every mapping key once, within a time limit.

    Refused, each with its path and line: anchors and aliases (a small file could expand into gigabytes); tags
    beyond text, numbers, dates, lists and mappings (``!!binary`` bytes would pass for text, ``<<`` merges
    hide keys); a key given twice in one mapping (YAML would silently keep the last); and values YAML cannot
    build (a 5,000-digit number, 30 February), which would otherwise escape as a bare ``ValueError``.

    Imports run it in a worker thread, and a thread cannot be stopped from outside, so the loader watches its
    own thread's CPU time between nodes and gives up after ``PARSE_SECONDS``: an abandoned parse really stops.
    Composing is PyYAML's Python composer even over libyaml's events, so all of this is checked in one place,
    and nesting too deep for a pack ends in a ``RecursionError`` instead of deep in C.
    """

    # The parser's, from the class this one is mixed with: PyYAML's Python parser, or libyaml's.
    check_event: Callable[..., bool]
    peek_event: Callable[[], Any]
    dispose: Callable[[], None]

    def __init__(self) -> None:
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.seconds = PARSE_SECONDS
        self.deadline = time.thread_time() + self.seconds
        self.nodes = 0

    def read(self) -> Any:
        """The document's data (what ``yaml.load`` does with a loader)."""
        try:
            return self.get_single_data()
        finally:
            self.dispose()

    def _in_time(self) -> None:
        """Look at the clock every ``CLOCK_EVERY`` nodes: reading a thread's CPU time is a system call."""
        self.nodes += 1
        if self.nodes % CLOCK_EVERY == 1 and time.thread_time() > self.deadline:
            raise PackInvalid([f"file: it took more than {self.seconds:g} s to read, so it was abandoned"])

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._in_time()
        if self.check_event(yaml.AliasEvent) or getattr(self.peek_event(), "anchor", None):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&name / *name) are not allowed in a pack", event.start_mark
            )
        return super().compose_node(parent, index)

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        problems = self._problems(node)
        if problems:
            raise PackInvalid(problems)
        return self.construct_document(node)

    def _problems(self, root: yaml.Node) -> list[str]:
        """Everything plain YAML would hide, in document order (scalars are built here, once, for the document)."""
        problems: list[str] = []
        todo: list[tuple[yaml.Node, Where]] = [(root, ())]
        while todo:
            self._in_time()
            node, path = todo.pop()
            problem = self._unreadable(node)
            if problem:
                problems.append(f"{_path(path)}, line {node.start_mark.line + 1}: {problem}")
            elif isinstance(node, yaml.SequenceNode):
                todo += reversed([(item, (*path, i)) for i, item in enumerate(node.value)])
            elif isinstance(node, yaml.MappingNode):
                todo += reversed(self._entries(node, path, problems))
        return problems

    def _entries(self, node: yaml.MappingNode, path: Where, problems: list[str]) -> list[tuple[yaml.Node, Where]]:
        """A mapping's values, to check next; its keys are checked here: plain, and each given once."""
        entries: list[tuple[yaml.Node, Where]] = []
        first_line: dict[Any, int] = {}
        for key_node, value in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(f"{_path(path)}, line {line}: a key must be plain text, not a list or a mapping")
                continue
            problem = self._unreadable(key_node)
            key = None if problem else self.construct_object(key_node)  # "yes" and "true" are the same key
            if problem:
                problems.append(f"{_path((*path, key_node.value))}, line {line}: {problem}")
            elif key in first_line:
                problems.append(
                    f"{_path((*path, key_node.value))}, line {line}: the key {key_node.value!r} is given twice "
                    f"(first on line {first_line[key]})"
                )
            else:
                first_line[key] = line
                entries.append((value, (*path, key_node.value)))
        return entries

    def _unreadable(self, node: yaml.Node) -> str | None:
        """Why a node is not plain data, if it is not; a scalar is built to find out (and kept for the document)."""
        if node.tag not in PLAIN_TAGS:
            return f"the tag {node.tag.replace(YAML_TAG, '!!')} is not allowed in a pack (plain text, numbers, dates)"
        if not isinstance(node, yaml.ScalarNode):
            return None
        if node.tag == YAML_TAG + "int":  # Python refuses to read a longer one (or, in hex, to print it)
            digits, limit = len(node.value.lstrip("+-").replace("_", "")), sys.get_int_max_str_digits()
            if digits > limit:
                return f"a number of {digits:,} digits is too long (at most {limit:,}); put it in quotes if it is text"
        try:
            self.construct_object(node)
        except ValueError as exc:
            kind = "a real date" if node.tag == YAML_TAG + "timestamp" else "readable"
            return f"{node.value[:40]!r} is not {kind} ({exc})"
        return None


class _PackLoader(_PackReading, Reader, Scanner, Parser):
    """PyYAML's own Python reader and parser: the reference, whose messages say what is wrong and where."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        super().__init__()


FAST_LOADER: Callable[[str], _PackReading] | None = None
if yaml.__with_libyaml__:  # PyYAML's wheels are built with libyaml; a build without it reads in Python alone
    from yaml._yaml import CParser

    class _FastPackLoader(_PackReading, CParser):
        """libyaml's reader and parser in C: a pack reads about four times faster than with ``_PackLoader``."""

        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            super().__init__()

    FAST_LOADER = _FastPackLoader


def _load(text: str) -> Any:
    """Parse with libyaml where PyYAML has it. A file libyaml refuses is read again by PyYAML's Python parser,
    whose message is the one shown: it says more ("expected ',' or ']', but got ':'" where libyaml says "did not
    find expected ',' or ']'"), and it is the same on every installation."""
    if FAST_LOADER is not None:
        try:
            return FAST_LOADER(text).read()
        except (ReaderError, ScannerError, ParserError, UnicodeEncodeError):  # not valid YAML, or not text
            pass
    return _PackLoader(text).read()


def _decode(data: bytes) -> str:
    """A file's text: UTF-8, or UTF-16 or UTF-32 with a byte order mark (as some Windows editors save it)."""
    codec = next((codec for bom, codec in BOMS if data.startswith(bom)), None)
    if codec is None and b"\x00" in data:
        raise PackInvalid(["file: looks like UTF-16 or UTF-32 text without a byte order mark; save it as UTF-8"])
    try:
        return data.decode(codec or "utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        encoding = (codec or "utf-8").upper().removesuffix("-SIG")
        raise PackInvalid([f"file: line {line} is not {encoding} text; save the file as UTF-8"]) from None


def read_yaml(text: str | bytes) -> Any:
    """Parse pack YAML safely (see ``_PackReading``); any problem becomes ``PackInvalid`` naming the line."""
    if len(text) > MAX_PACK_BYTES:
        raise PackInvalid([f"file: {len(text):,} bytes is over the {MAX_PACK_BYTES:,}-byte limit"])
    try:
        return _load(_decode(text) if isinstance(text, bytes) else text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        raise PackInvalid([f"{where}: not valid YAML ({problem})"]) from None
    except RecursionError:  # "[[[[…" a hundred thousand deep: small, but it would exhaust the parser's stack
        raise PackInvalid(["file: nested too deeply to be a pack"]) from None


Locate = Callable[[tuple[int | str, ...]], str]


@contextmanager
def without_gc_pauses() -> Iterator[None]:
    """Bulk work on a whole pack (reading one, seeding one) builds hundreds of thousands of objects that live
    until it ends, and Python's cyclic garbage collector would scan them over and over: half the time of reading
    a 10,000-fact file or of seeding 100,000 facts. It rests meanwhile (reference counting still frees memory);
    nested or overlapping uses leave it enabled once the first of them ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_pack(data: str | bytes) -> Pack:
    """Read and validate a pack's text: the slow part of ``/fact import``, which runs it in a worker thread."""
    with without_gc_pauses():
        return parse_pack(read_yaml(data))


def _path(loc: Iterable[int | str]) -> str:
    """``stunts[3].numbers[0]``; a key that is not a plain word is quoted (``sources."\\u00a0"``), so that
    blank or odd keys still name where they are."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        name = part if re.fullmatch(r"[\w-]+", str(part), re.ASCII) else json.dumps(str(part))
        out += f".{name}" if out else name
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
    """Duplicate keys, and the rules of ``bot.rules``: names used twice within a kind, references to facts that
    are not in the pack."""
    where = [(field, i) for field in LISTS for i in range(len(getattr(pack, field)))]
    facts = [fact for field in LISTS for fact in getattr(pack, field)]
    problems: list[str] = []
    keys: set[tuple[str, str]] = set()
    for (field, i), fact in zip(where, facts, strict=True):
        if (fact.kind, fact.key) in keys:
            problems.append(f"{locate((field, i, 'key'))}: {fact.key!r} is used twice")
        keys.add((fact.kind, fact.key))
    for clash in rules.name_clashes(facts):
        field, i = where[clash.index]
        problems.append(f"{locate((field, i))}: the name {clash.name!r} is also used by {clash.other!r}{SAME_NAME}")
    problems += [
        f"{locate((*where[ref.index], *_split(ref.path)))}: no {ref.kind} with key {ref.key!r}"
        for ref in rules.dangling(facts, keys)
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
    with without_gc_pauses():
        return _load_folder(path) if path.is_dir() else parse_pack(read_yaml(_read(path)))


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
    origin: dict[tuple[int | str, int | str], tuple[str, int | str]] = {}
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
