"""Data packs: every shipped pack loads through the schema; mistakes are reported with their path."""

from __future__ import annotations

import codecs
import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot import pack as pack_module
from bot.pack import MAX_PACK_BYTES, PackInvalid, dump_pack, load_pack, pack_files, parse_pack, read_yaml
from tests.conftest import PACK, ROOT

SHIPPED = sorted(p for p in (ROOT / "data").iterdir() if (p / "pack.yaml").is_file() or p.suffix == ".yaml")

MINIMAL = """
pack: t
version: 1
title: T
sources:
  a: {url: "https://example.com/a", title: A}
films:
  - {key: dr1, title: Dead Reckoning, year: 2023, director: McQuarrie, sources: [a]}
"""


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_pack_loads(path: Path) -> None:
    assert SHIPPED, "data/ holds no pack"
    pack = load_pack(path)
    assert pack.facts()
    assert all(fact.sources for fact in pack.facts())


def test_the_pack_answers_what_the_seed_article_got_wrong() -> None:
    pack = load_pack(PACK)
    films = {f.key: f for f in pack.films}
    assert films["fr"].title == "Mission: Impossible – The Final Reckoning"
    assert "Mission: Impossible – Dead Reckoning Part Two" in films["fr"].previous_titles
    us = next(r for r in pack.releases if r.film == "fr" and r.region == "United States" and r.type == "cinema")
    assert us.date == dt.date(2025, 5, 23)
    assert dt.date(2024, 6, 28) in [h.date for h in us.history]
    locations = {loc.key: loc for loc in pack.locations}
    assert locations["malta"].film == locations["south-africa"].film == "fr"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("year: 2023", "year: 1066"), "films[0].year: Input should be greater than or equal to 1900"),
        (("sources: [a]}", "sources: [b]}"), "films[0].sources[0]: unknown source 'b'"),
        (("sources: [a]}", "sources: []}"), "films[0].sources: List should have at least 1 item"),
        (("key: dr1", "key: Dr One"), "films[0].key: String should match pattern"),
        (("https://example.com/a", "javascript:alert(1)"), "sources.a.url: must be an http(s) URL"),
        (("director: McQuarrie, ", ""), "films[0].director: Field required"),
        (("title: T", "title: T\nextra: 1"), "extra: Extra inputs are not permitted"),
    ],
)
def test_problems_name_their_path(change: tuple[str, str], expected: str) -> None:
    with pytest.raises(PackInvalid) as caught:
        parse_pack(read_yaml(MINIMAL.replace(*change)))
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


def test_references_and_duplicates_are_checked() -> None:
    text = (
        MINIMAL
        + """
stunts:
  - {key: s1, film: dr2, name: Jump, summary: x, locations: [nowhere], sources: [a]}
  - {key: s1, film: dr1, name: jump, summary: y, sources: [a]}
"""
    )
    with pytest.raises(PackInvalid) as caught:
        parse_pack(read_yaml(text))
    problems = caught.value.problems
    assert "stunts[1].key: 's1' is used twice" in problems
    assert "stunts[0].film: no film with key 'dr2'" in problems
    assert "stunts[0].locations[0]: no location with key 'nowhere'" in problems


def test_yaml_bombs_and_oversized_files_are_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
    with pytest.raises(PackInvalid, match="anchors and aliases"):
        read_yaml(bomb)
    with pytest.raises(PackInvalid, match="over the"):
        read_yaml("#" * (MAX_PACK_BYTES + 1))
    with pytest.raises(PackInvalid, match="line 1"):
        read_yaml("films: [unclosed")


def test_an_export_of_ten_thousand_facts_is_not_too_large() -> None:
    """A generated fact exports to about 670 bytes (a real one to more), so 10,000 of them are about 7 MB: within
    what Discord lets an admin upload (10 MB), and within what a pack may be."""
    assert read_yaml("# " + "x" * 7_000_000) is None


def test_dump_reads_back_to_the_same_pack() -> None:
    pack = load_pack(PACK)
    again = parse_pack(read_yaml(dump_pack(pack.pack, pack.version, pack.title, pack.facts())))
    assert again.facts() == pack.facts()


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


HEADER = "pack: t\nversion: 1\ntitle: T\nsources:\n  a: {url: 'https://example.com/a', title: A}\n"
FILM = "films:\n  - {key: dr1, title: Dead Reckoning, year: 2023, director: McQuarrie, sources: [a]}\n"


def test_a_folder_is_one_pack_whose_files_share_their_sources(tmp_path: Path) -> None:
    stunt = "sources:\n  b: {url: 'https://example.com/b', title: B}\nstunts:\n"
    stunt += "  - {key: s1, film: dr1, name: Jump, summary: x, sources: [a, b]}\n"
    folder = write_folder(tmp_path / "p", {"pack.yaml": HEADER, "07.yaml": FILM, "sub/stunts.yaml": stunt})
    pack = load_pack(folder)
    assert [f.ref for f in pack.facts()] == ["film:dr1", "stunt:s1"]
    assert [s.url for s in pack.stunts[0].sources] == ["https://example.com/a", "https://example.com/b"]
    assert load_pack(folder) == parse_pack(read_yaml(dump_pack(pack.pack, pack.version, pack.title, pack.facts())))


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"07.yaml": FILM}, "p: a pack folder needs a pack.yaml"),
        ({"pack.yaml": HEADER, "07.yaml": FILM.replace("2023", "1066")}, "07.yaml: films[0].year: Input should be"),
        (
            {"pack.yaml": HEADER, "07.yaml": FILM + "  - {key: x, title: X, year: 2024, director: Y, sources: [zz]}\n"},
            "07.yaml: films[1].sources[0]: unknown source 'zz'",
        ),
        (
            {"pack.yaml": HEADER, "07.yaml": "sources:\n  a: {url: 'https://example.com/x', title: X}\n" + FILM},
            "07.yaml: sources.a: also defined in pack.yaml",
        ),
        (
            {
                "pack.yaml": HEADER + FILM,
                "08.yaml": "stunts:\n  - {key: s, film: fr, name: J, summary: x, sources: [a]}",
            },
            "08.yaml: stunts[0].film: no film with key 'fr'",
        ),
        ({"pack.yaml": HEADER, "07.yaml": FILM + "version: 2\n"}, "07.yaml: version: expected a list of facts"),
        ({"pack.yaml": HEADER, "07.yaml": "films: [unclosed"}, "line 1"),
    ],
)
def test_a_folders_problems_name_the_file_and_the_entry(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    with pytest.raises(PackInvalid) as caught:
        load_pack(write_folder(tmp_path / "p", files))
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_a_missing_pack_is_reported_as_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PackInvalid, match="no such file"):
        load_pack(tmp_path / "nowhere.yaml")


def cited(node: object) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Every list of sources in a dumped fact, with the path that holds it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("sources", "url_seen_in"):
                yield key, value
            else:
                yield from cited(value)
    elif isinstance(node, list):
        for item in node:
            yield from cited(item)


def defined_sources() -> dict[str, str]:
    """Every source key of the shipped pack's files, with its URL."""
    defined: dict[str, str] = {}
    for file in pack_files(PACK):
        defined |= {key: value["url"] for key, value in (yaml.safe_load(file.read_text()).get("sources") or {}).items()}
    return defined


def test_every_fact_and_every_figure_of_the_shipped_pack_cites_a_source() -> None:
    for fact in load_pack(PACK).facts():
        data = fact.model_dump(mode="json")
        unsourced = [data.get("key")] if not data["sources"] else []
        unsourced += [f"{fact.ref}: {d}" for d in _sourced_items(data) if not d.get("sources")]
        assert not unsourced, unsourced


def _sourced_items(node: object) -> Iterator[dict]:
    """Nested items that carry their own sources (notes, dated entries, runtime, ratings, box office, scores)."""
    if isinstance(node, dict):
        if "sources" in node:
            yield node
        for key, value in node.items():
            if key != "sources":
                yield from _sourced_items(value)
    elif isinstance(node, list):
        for item in node:
            yield from _sourced_items(item)


def test_every_source_of_the_shipped_pack_is_cited_once_defined_and_unique() -> None:
    defined = defined_sources()
    used = {s["url"] for fact in load_pack(PACK).facts() for _, sources in cited(fact.model_dump(mode="json"))
            for s in sources}  # fmt: skip
    assert sorted(url for url in defined.values() if url not in used) == [], "sources no fact cites"
    urls = list(defined.values())
    assert sorted({url for url in urls if urls.count(url) > 1}) == [], "the same page under two keys"


def test_a_shipped_video_link_names_where_that_exact_link_was_seen() -> None:
    unverified = [video.key for video in load_pack(PACK).videos if video.url and not video.url_seen_in]
    assert unverified == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL + "version: 2\n", "version, line 9: the key 'version' is given twice (first on line 3)"),
        (
            MINIMAL.replace("sources: [a]}", "sources: [a], year: 2024}"),
            "films[0].year, line 8: the key 'year' is given twice (first on line 8)",
        ),
        (MINIMAL.replace("version: 1", "version: " + "9" * 5000), "version, line 3: a number of 5,000 digits"),
        (MINIMAL.replace("year: 2023", "year: 2023-02-30"), "films[0].year, line 8: '2023-02-30' is not a real date"),
        (MINIMAL.replace("title: T", "title: !!binary VA=="), "title, line 4: the tag !!binary is not allowed"),
        (MINIMAL.replace("title: T", "title: !!set {T}"), "title, line 4: the tag !!set is not allowed"),
        (MINIMAL + "<<: {extra: 1}\n", '"<<", line 9: the tag !!merge is not allowed'),
        (MINIMAL.replace("title: T", "title: !shout T"), "title, line 4: the tag !shout is not allowed"),
    ],
    ids=["duplicate-key", "duplicate-in-flow", "huge-number", "impossible-date", "binary", "set", "merge", "custom"],
)
def test_what_plain_yaml_would_hide_is_refused_with_its_path_and_line(text: str, expected: str) -> None:
    """YAML keeps the last of two equal keys, turns ``!!binary`` into bytes that pass for text, and fails on a
    5,000-digit number or 30 February with a bare ``ValueError``: a pack refuses each, saying where."""
    with pytest.raises(PackInvalid) as caught:
        read_yaml(text)
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_text_with_a_byte_order_mark_is_decoded(encoding: str) -> None:
    text = MINIMAL.replace("title: T", "title: Tom Cruise’s “biggest stunt” – über")
    data = text.encode(encoding) if encoding != "utf-16-be" else codecs.BOM_UTF16_BE + text.encode(encoding)
    assert read_yaml(data)["title"] == "Tom Cruise’s “biggest stunt” – über"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (MINIMAL.encode("utf-16-le"), "file: looks like UTF-16 or UTF-32 text without a byte order mark"),
        (MINIMAL.replace("title: T", "title: café").encode("latin-1"), "file: line 4 is not UTF-8 text"),
    ],
    ids=["utf-16-without-bom", "latin-1"],
)
def test_text_in_another_encoding_is_refused_clearly(data: bytes, expected: str) -> None:
    with pytest.raises(PackInvalid) as caught:
        read_yaml(data)
    assert caught.value.problems[0].startswith(expected), caught.value.problems


def test_a_parse_over_the_time_limit_is_abandoned(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader watches the clock itself between nodes, so an abandoned parse really stops (a worker thread
    cannot be stopped from outside). A limit of zero makes any file too slow."""
    monkeypatch.setattr(pack_module, "PARSE_SECONDS", 0.0)
    with pytest.raises(PackInvalid, match="took more than 0 s to read, so it was abandoned"):
        read_yaml(MINIMAL)


# ------------------------------------------------------------------ libyaml, and PyYAML's Python parser without it


def test_libyaml_reads_every_file_of_the_shipped_pack_as_the_python_parser_does() -> None:
    assert yaml.__with_libyaml__, "PyYAML's wheels carry libyaml; this installation reads packs in Python alone"
    assert pack_module.FAST_LOADER is not None
    for file in pack_files(PACK):
        text = file.read_text(encoding="utf-8")
        assert pack_module.FAST_LOADER(text).read() == pack_module._PackLoader(text).read()


HOSTILE = {
    "anchor": "pack: &a x\n",
    "alias-bomb": "a: &a [x, x]\nb: [*a, *a]\n",
    "deep-flow": "pack: " + "[" * 50_000 + "]" * 50_000,
    "deep-block": "".join(" " * depth + f"k{depth}:\n" for depth in range(1500)),
    "duplicate-key": MINIMAL + "version: 2\n",
    "huge-number": MINIMAL.replace("version: 1", "version: " + "9" * 5000),
    "tag": MINIMAL.replace("title: T", "title: !!binary VA=="),
    "malformed": "pack: [unclosed\nversion: 1\n",
    "tab": "pack:\n\tx",
    "control-character": "pack: \x07\n",
    "lone-surrogate": "pack: \ud800\n",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_file_gets_the_same_answer_with_and_without_libyaml(text: str, monkeypatch) -> None:
    """libyaml refuses what PyYAML's Python parser refuses, in PyYAML's words (they say more, and they are what an
    installation without libyaml shows): a file it cannot parse is read again by the Python parser."""
    with pytest.raises(PackInvalid) as fast:
        read_yaml(text)
    monkeypatch.setattr(pack_module, "FAST_LOADER", None)
    with pytest.raises(PackInvalid) as python:
        read_yaml(text)
    assert fast.value.problems == python.value.problems


def test_without_libyaml_packs_are_read_by_the_python_parser() -> None:
    """A PyYAML built without libyaml (``yaml._yaml`` missing) still reads and checks packs."""
    script = (
        "import sys; sys.modules['yaml._yaml'] = None\n"
        "from bot import pack\n"
        "from bot.config import BUNDLED_PACK\n"
        "assert pack.FAST_LOADER is None\n"
        "print(len(pack.load_pack(BUNDLED_PACK).facts()))\n"
        "try:\n"
        "    pack.read_yaml('a: &a [x]\\nb: *a\\n')\n"
        "except pack.PackInvalid as refused:\n"
        "    print(refused.problems[0])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        str(len(load_pack(PACK).facts())),
        "line 1, column 4: not valid YAML (anchors and aliases (&name / *name) are not allowed in a pack)",
    ]
