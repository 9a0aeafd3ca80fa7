"""/fact export and /fact import as an admin uses them: a YAML round trip, the dry run with its conflicts, one
transaction that /fact undo reverts whole, and every kind of bad file refused with nothing changed."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import yaml

from bot.config import Admins
from bot.models import FACT_TYPES
from bot.pack import MAX_PACK_BYTES, load_pack
from bot.render import clip, timestamp
from tests.conftest import PACK
from tests.test_admin import db_state, edit

SHIPPED = {fact.ref: fact for fact in load_pack(PACK).facts()}
TRAIN_VIDEO, CARRIER = SHIPPED["video:bts-train"], SHIPPED["stunt:carrier-fr"]

BILLION_LAUGHS = b"""pack: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


async def export(admin, channel) -> bytes:
    result = await admin.slash(channel, "fact export")
    assert result.ephemeral
    (attachment,) = result.response.attachments
    assert attachment.filename.endswith(".yaml")
    return await attachment.read()


def changed(data: bytes, change) -> bytes:
    """The exported file after an admin edited it (parsed and written back, as a YAML editor would)."""
    document = yaml.safe_load(data)
    change(document)
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode()


def find(document: dict, section: str, key: str) -> dict:
    return next(item for item in document[section] if item["key"] == key)


def drop(document: dict, section: str, key: str) -> None:
    document[section] = [item for item in document[section] if item["key"] != key]


def callbacks(env) -> list[dict]:
    return [r.json for r in env.http_requests if r.path.endswith("/callback")]


async def fan_release_dates(fan, channel) -> str:
    card = (await fan.slash(channel, "release", film="MI8")).response.embeds[0]
    return "\n".join(f.value for f in card.fields)


async def test_export_then_import_changes_nothing(env, fact_admin, channel, config):
    data = await export(fact_admin, channel)
    assert callbacks(env)[-1] == {"type": 5, "data": {"flags": 64}}  # deferred, privately, before the work
    assert b"exported_at:" in data and b"key: bike-cliff-jump" in data
    before = db_state(config.database)

    result = await fact_admin.slash(channel, "fact import", file=("facts.yaml", data))
    assert callbacks(env)[-1] == {"type": 5, "data": {"flags": 64}}
    summary = result.response.embeds[0]
    assert "Nothing to import: the file matches the stored facts." in summary.description
    assert not result.response.components
    assert db_state(config.database) == before


async def test_import_shows_a_dry_run_then_applies_in_one_change_that_undo_reverts(
    fact_admin, fan, channel, store, config
):
    before = db_state(config.database)

    def edited(document: dict) -> None:
        find(document, "releases", "fr-us")["date"] = dt.date(2024, 6, 28)
        drop(document, "videos", "bts-train")

    shown = await fact_admin.slash(
        channel, "fact import", file=("edited.yaml", changed(await export(fact_admin, channel), edited))
    )
    summary = shown.response.embeds[0]
    fields = {f.name: f.value for f in summary.fields}
    assert fields["✏️ Changed (1)"] == "release United States (2024-06-28) (date)"
    assert fields["🗑️ Removed (not in the file) (1)"] == clip(f"video {TRAIN_VIDEO.title}", 90)
    assert "Nothing is changed until you press **Apply**" in summary.description
    assert db_state(config.database) == before  # a dry run writes nothing

    applied = await fact_admin.click(shown.response, label="Apply")
    assert "📥 Imported as change #" in applied.response.content and not applied.response.components
    assert timestamp(dt.date(2024, 6, 28), "D") in await fan_release_dates(fan, channel)
    assert (await fan.slash(channel, "bts", topic="bts-train")).ephemeral

    change = applied.response.content.split("`/fact undo change:")[1].split("`")[0]
    await fact_admin.slash(channel, "fact undo", change=change)
    assert timestamp(dt.date(2025, 5, 23), "D") in await fan_release_dates(fan, channel)
    assert await store.get(TRAIN_VIDEO.ref) == TRAIN_VIDEO
    facts, _ = db_state(config.database)
    assert [f[4] for f in facts] == [f[4] for f in before[0]]  # every fact exactly as before


async def test_a_dry_run_of_many_changes_stays_within_discords_limits(fact_admin, channel, store):
    def reordered(document: dict) -> None:
        for section in ("films", "releases", "stunts", "locations", "videos"):
            for item in document[section]:
                item["sources"] = item["sources"][::-1]

    shown = await fact_admin.slash(
        channel, "fact import", file=("reordered.yaml", changed(await export(fact_admin, channel), reordered))
    )
    summary = shown.response.embeds[0]
    (field,) = summary.fields
    moved = len([f for kind in FACT_TYPES for f in await store.facts(kind) if len(f.sources) > 1])
    assert field.name == f"✏️ Changed ({moved})" and field.value.rstrip().split("\n")[-1].startswith("… and ")
    assert len(field.value) <= 1024 and len(summary) <= 6000  # and the contract check validates the whole request


async def test_facts_changed_after_the_export_are_conflicts_and_kept(fact_admin, channel, store):
    data = await export(fact_admin, channel)
    await edit(fact_admin, channel, "release:fr-us", note="Memorial Day weekend.")
    asked = await fact_admin.slash(channel, "fact remove", fact="stunt:carrier-fr")
    await fact_admin.click(asked.response, label="Remove")

    def edited(document: dict) -> None:
        find(document, "releases", "fr-us")["date"] = dt.date(2024, 6, 28)
        drop(document, "videos", "bts-train")

    shown = await fact_admin.slash(channel, "fact import", file=("old.yaml", changed(data, edited)))
    conflicts = next(f.value for f in shown.response.embeds[0].fields if f.name == "⚠️ Conflicts: kept as stored (2)")
    assert "release United States (2025-05-23): changed by luther_admin at" in conflicts
    assert f"stunt {CARRIER.name}: removed by luther_admin" in conflicts

    applied = await fact_admin.click(shown.response, label="Apply")
    assert "2 conflict(s) kept as stored" in applied.response.content
    kept = await store.get("release:fr-us")
    assert (kept.date, kept.note) == (dt.date(2025, 5, 23), "Memorial Day weekend.")
    assert (await store.entry("stunt:carrier-fr", include_deleted=True)).deleted
    assert (await store.entry("video:bts-train", include_deleted=True)).deleted  # the rest was applied


async def test_a_dry_run_the_store_moved_past_is_not_applied(fact_admin, channel, config):
    data = changed(await export(fact_admin, channel), lambda d: drop(d, "videos", "bts-train"))
    shown = await fact_admin.slash(channel, "fact import", file=("facts.yaml", data))
    await edit(fact_admin, channel, "location:rome", place="Rome, Italy")
    before = db_state(config.database)

    refused = await fact_admin.click(shown.response, label="Apply")
    assert "The facts changed since this dry run" in refused.followups[0].content
    assert db_state(config.database) == before


async def test_cancel_and_lost_rights_change_nothing(bot, fact_admin, channel, config):
    data = changed(await export(fact_admin, channel), lambda d: drop(d, "videos", "bts-train"))
    before = db_state(config.database)
    first = await fact_admin.slash(channel, "fact import", file=("facts.yaml", data))
    cancelled = await fact_admin.click(first.response, label="Cancel")
    assert cancelled.response.content == "Import cancelled: nothing was changed."

    second = await fact_admin.slash(channel, "fact import", file=("facts.yaml", data))
    bot.config = bot.config.model_copy(update={"admins": Admins()})
    refused = await fact_admin.click(second.response, label="Apply")
    assert refused.ephemeral and "Only the bot's admins" in refused.response.content
    assert db_state(config.database) == before


def nested(depth: int) -> bytes:
    return b"pack: " + b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("facts.yaml", b"pack: [unclosed\nversion: 1\n", "line 2, column 8: not valid YAML (expected ',' or ']'"),
        ("bomb.yaml", BILLION_LAUGHS, "anchors and aliases (&name / *name) are not allowed in a pack"),
        ("deep.yaml", nested(50_000), "file: nested too deeply to be a pack"),
        ("list.yaml", b"- films\n- stunts\n", "pack: expected a mapping with 'pack', 'version', 'title', got list"),
        ("picture.png", b"\x89PNG\r\n\x1a\n", "picture.png is not a YAML file"),
        ("notes.txt", b"pack: x\n", "notes.txt is not a YAML file"),
        ("binary.yaml", b"pack: \xff\xfe\x00", "not valid YAML (unacceptable character #x00ff"),
        ("huge.yaml", b"#" * (MAX_PACK_BYTES + 1), f"huge.yaml is {MAX_PACK_BYTES + 1:,} bytes; the limit is"),
    ],
    ids=["malformed", "alias-bomb", "deeply-nested", "not-a-mapping", "image", "text-file", "not-utf8", "oversized"],
)
async def test_a_bad_file_is_refused_privately_and_nothing_changes(
    fact_admin, channel, config, filename, data, expected
):
    before = db_state(config.database)
    result = await fact_admin.slash(channel, "fact import", file=(filename, data))
    message = result.followups[0] if result.followups else result.response
    assert result.ephemeral and expected in message.content
    assert not message.components
    assert db_state(config.database) == before


def index(data: bytes, section: str, key: str) -> int:
    return next(i for i, item in enumerate(yaml.safe_load(data)[section]) if item["key"] == key)


BROKEN = {  # (section, key, field): (the bad value, the problem reported after the item's path)
    "types-and-limits": {
        ("releases", "fr-us", "date"): ("2025-02-30", ".date: Input should be a valid date"),
        ("videos", "bts-train", "url"): ("https://example.com/train.mp4", ".url: must be a video link on"),
    },
    "links-and-names": {
        ("stunts", "carrier-fr", "film"): ("mi9", ".film: no film with key 'mi9'"),
        ("locations", "venice", "aliases"): (["Rome"], ": the name 'Rome' is also used by 'rome'"),
    },
}


@pytest.mark.parametrize("breaks", BROKEN.values(), ids=BROKEN)
async def test_problems_in_a_file_are_reported_with_their_path(fact_admin, channel, config, breaks):
    def broken(document: dict) -> None:
        for (section, key, field), (value, _) in breaks.items():
            find(document, section, key)[field] = value

    data = changed(await export(fact_admin, channel), broken)
    before = db_state(config.database)
    text = (await fact_admin.slash(channel, "fact import", file=("broken.yaml", data))).response.content
    for (section, key, _), (_, problem) in breaks.items():
        assert f"• {section}[{index(data, section, key)}]{problem}" in text
    assert db_state(config.database) == before


async def test_an_exported_file_reads_as_plain_yaml(fact_admin, channel, tmp_path: Path):
    """The export is for people too: plain YAML, the pack's own format, sources named once."""
    document = yaml.safe_load(await export(fact_admin, channel))
    assert document["pack"] == "mission-impossible" and isinstance(document["exported_at"], dt.datetime)
    assert {"films", "releases", "stunts", "locations", "videos", "sources"} <= document.keys()
    with closing(sqlite3.connect(tmp_path / "facts.sqlite3")) as db:
        (live,) = db.execute("SELECT count(*) FROM facts WHERE deleted = 0").fetchone()
    assert sum(len(document[s]) for s in ("films", "releases", "stunts", "locations", "videos")) == live
