"""/fact export and /fact import as an admin uses them: a YAML round trip, the dry run with its conflicts, one
transaction that /fact undo reverts whole, and every kind of bad file refused with nothing changed."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import threading

import pytest
import yaml

from bot import pack as pack_module
from bot.config import Admins
from bot.models import FACT_TYPES
from bot.pack import MAX_PACK_BYTES, load_pack
from bot.render import clip, timestamp
from tests.conftest import PACK, changed, db_state, edit, export, find, in_flight, index, pack_as_one_file

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
        channel, "fact import", file=("edited.yaml", changed(await export(fact_admin, channel), edited)), mode="replace"
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
    moved = len([f for kind in FACT_TYPES.values() for f in await store.facts(kind) if len(f.sources) > 1])
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

    shown = await fact_admin.slash(channel, "fact import", file=("old.yaml", changed(data, edited)), mode="replace")
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
    shown = await fact_admin.slash(channel, "fact import", file=("facts.yaml", data), mode="replace")
    await edit(fact_admin, channel, "location:rome", place="Rome, Italy")
    before = db_state(config.database)

    refused = await fact_admin.click(shown.response, label="Apply")
    assert "The facts changed since this dry run" in refused.followups[0].content
    assert db_state(config.database) == before


async def test_cancel_and_lost_rights_change_nothing(bot, fact_admin, channel, config):
    data = changed(await export(fact_admin, channel), lambda d: drop(d, "videos", "bts-train"))
    before = db_state(config.database)
    first = await fact_admin.slash(channel, "fact import", file=("facts.yaml", data), mode="replace")
    cancelled = await fact_admin.click(first.response, label="Cancel")
    assert cancelled.response.content == "Import cancelled: nothing was changed."

    second = await fact_admin.slash(channel, "fact import", file=("facts.yaml", data), mode="replace")
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
        ("latin1.yaml", "pack: café\n".encode("latin-1"), "file: line 1 is not UTF-8 text; save the file as UTF-8"),
        ("utf16.yaml", "pack: x\n".encode("utf-16-le"), "file: looks like UTF-16 or UTF-32 text without a byte order"),
        ("huge.yaml", b"#" * (MAX_PACK_BYTES + 1), f"huge.yaml is {MAX_PACK_BYTES + 1:,} bytes; the limit is"),
    ],
    ids=[
        "malformed",
        "alias-bomb",
        "deeply-nested",
        "not-a-mapping",
        "image",
        "text-file",
        "not-utf8",
        "utf16-without-bom",
        "oversized",
    ],
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


BROKEN = {  # (section, key, field): (the bad value, the problem reported after the item's path)
    "types-and-limits": {
        ("releases", "fr-us", "date"): ("2025-02-30", ".date: Input should be a valid date"),
        ("videos", "bts-train", "url"): ("https://example.com/train.mp4", ".url: must be a video link on"),
    },
    "links-and-names": {
        ("stunts", "carrier-fr", "film"): ("mi9", ".film: no film with key 'mi9'"),
        ("locations", "venice", "aliases"): (
            ["Rome (Dead Reckoning)"],
            ": the name 'Rome (Dead Reckoning)' is also used by 'rome'",
        ),
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


async def test_an_exported_file_reads_as_plain_yaml(fact_admin, channel, config):
    """The export is for people too: plain YAML, the pack's own format, sources named once."""
    document = yaml.safe_load(await export(fact_admin, channel))
    assert document["pack"] == "mission-impossible" and isinstance(document["exported_at"], dt.datetime)
    assert {"films", "releases", "stunts", "locations", "videos", "sources"} <= document.keys()
    live = sum(not deleted for _, _, _, deleted, _ in db_state(config.database)[0])
    assert sum(len(document[s]) for s in ("films", "releases", "stunts", "locations", "videos")) == live


def reply(result) -> str:
    """What the admin reads after a deferred command: the first followup (or the response itself)."""
    return (result.followups[0] if result.followups else result.response).content


def line_of(data: bytes, text: bytes) -> int:
    return data[: data.index(text)].count(b"\n") + 1


# ----------------------------------------------------------------------------- what plain YAML would hide


async def test_a_5000_digit_number_is_a_problem_with_its_path_not_a_crash(fact_admin, channel, config):
    huge = b"9" * 5000
    exported = changed(
        await export(fact_admin, channel), lambda d: find(d, "stunts", "carrier-fr").update(numbers=["N"])
    )
    data = exported.replace(b"- N\n", b"- " + huge + b"\n")
    before = db_state(config.database)
    result = await fact_admin.slash(channel, "fact import", file=("huge-number.yaml", data))
    where = f"stunts[{index(exported, 'stunts', 'carrier-fr')}].numbers[0], line {line_of(data, huge)}"
    assert result.ephemeral and f"• {where}: a number of 5,000 digits is too long (at most 4,300)" in reply(result)
    assert "something went wrong" not in reply(result)
    assert db_state(config.database) == before


async def test_a_key_given_twice_is_refused_with_its_line(fact_admin, channel, config):
    exported = await export(fact_admin, channel)
    data = exported.replace(b"  name: Orient Express", b"  name: Orient Express\n  name: Orient Express", 1)
    before = db_state(config.database)
    text = reply(await fact_admin.slash(channel, "fact import", file=("twice.yaml", data)))
    first = line_of(data, b"  name: Orient")
    where = f"stunts[{index(exported, 'stunts', 'train-crash-quarry')}].name, line {first + 1}"
    assert f"• {where}: the key 'name' is given twice (first on line {first})" in text
    assert db_state(config.database) == before


async def test_binary_and_other_tags_are_refused(fact_admin, channel, config):
    exported = await export(fact_admin, channel)
    data = re.sub(rb"\nversion: \d+", b"\nversion: !!set {1}", exported.replace(b"\ntitle: ", b"\ntitle: !!binary ", 1))
    before = db_state(config.database)
    text = reply(await fact_admin.slash(channel, "fact import", file=("tagged.yaml", data)))
    assert f"• version, line {line_of(data, b'version:')}: the tag !!set is not allowed" in text
    assert f"• title, line {line_of(data, b'title:')}: the tag !!binary is not allowed" in text
    assert db_state(config.database) == before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
async def test_an_export_saved_as_utf16_or_utf32_reads_as_itself(fact_admin, channel, config, encoding):
    """Some Windows editors save UTF-16 (or UTF-32) with a byte order mark: the same facts, not garbage."""
    data = (await export(fact_admin, channel)).decode().encode(encoding)
    result = await fact_admin.slash(channel, "fact import", file=("windows.yaml", data))
    assert "Nothing to import: the file matches the stored facts." in result.response.embeds[0].description


# ----------------------------------------------------------------------------- merge, replace


NEARLY_EMPTY = b"pack: mission-impossible\nversion: 1\ntitle: Mission facts\n"


async def test_by_default_an_import_adds_and_updates_and_keeps_what_the_file_leaves_out(
    fact_admin, channel, config, store
):
    """A file that reads as nearly empty (the wrong file, say) removes nothing unless the admin asks to replace."""
    before, live = db_state(config.database), sum((await store.counts()).values())
    shown = await fact_admin.slash(channel, "fact import", file=("empty.yaml", NEARLY_EMPTY))
    summary = shown.response.embeds[0]
    assert "Nothing to import" in summary.description
    assert f"{live} stored fact(s) not in the file are kept (`mode:replace` would remove them)" in summary.description
    assert not summary.fields and not shown.response.components
    assert db_state(config.database) == before

    def edited(document: dict) -> None:
        find(document, "releases", "fr-us")["date"] = dt.date(2024, 6, 28)
        drop(document, "videos", "bts-train")

    merged = await fact_admin.slash(
        channel, "fact import", file=("edited.yaml", changed(await export(fact_admin, channel), edited))
    )
    fields = {f.name: f.value for f in merged.response.embeds[0].fields}
    assert list(fields) == ["✏️ Changed (1)"]
    await fact_admin.click(merged.response, label="Apply")
    assert (await store.get("release:fr-us")).date == dt.date(2024, 6, 28)
    assert await store.get(TRAIN_VIDEO.ref) == TRAIN_VIDEO


async def test_a_replace_that_removes_over_a_quarter_says_so_in_bold_and_asks_twice(
    fact_admin, fan, channel, config, store
):
    live = sum((await store.counts()).values())
    shown = await fact_admin.slash(channel, "fact import", file=("empty.yaml", NEARLY_EMPTY), mode="replace")
    summary = shown.response.embeds[0]
    assert f"**⚠️ This removes {live} of the {live} facts (100 %).**" in summary.description
    assert f"🗑️ Removed (not in the file) ({live})" in [f.name for f in summary.fields]
    before = db_state(config.database)

    asked = await fact_admin.click(shown.response, label="Apply")
    assert db_state(config.database) == before  # one click is not enough
    assert f"**Really remove {live} of the {live} facts (100 %)?**" in asked.response.content
    buttons = [c["label"] for row in asked.response.components for c in row["components"]]
    assert buttons == [f"Remove {live} facts", "Cancel"]

    applied = await fact_admin.click(asked.response, label=f"Remove {live} facts")
    assert "📥 Imported as change #" in applied.response.content
    assert sum((await store.counts()).values()) == 0
    assert (await fan.slash(channel, "stunt", name="motorbike")).ephemeral
    change = applied.response.content.split("`/fact undo change:")[1].split("`")[0]
    await fact_admin.slash(channel, "fact undo", change=change)
    assert sum((await store.counts()).values()) == live


async def test_the_second_question_can_be_cancelled(fact_admin, channel, config):
    before = db_state(config.database)
    shown = await fact_admin.slash(channel, "fact import", file=("empty.yaml", NEARLY_EMPTY), mode="replace")
    asked = await fact_admin.click(shown.response, label="Apply")
    cancelled = await fact_admin.click(asked.response, label="Cancel")
    assert cancelled.response.content == "Import cancelled: nothing was changed."
    assert db_state(config.database) == before


# ----------------------------------------------------------------------------- a big file, off the event loop


async def until(condition, what: str) -> None:
    """Let the bot work until ``condition()`` holds (the bound only stops a hung test)."""
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def test_fans_are_answered_while_an_import_is_being_read(env, bot, fact_admin, fan, channel, monkeypatch):
    """The file is read in a worker thread, so the bot serves fans meanwhile. The test holds the read open
    until a fan's /stunt is answered, so the order is certain and no duration is measured."""
    reading, release, read = threading.Event(), threading.Event(), threading.Event()
    admin_cog = bot.extensions["cogs.admin"]  # the module as the bot loaded it
    real_read_pack = admin_cog.read_pack

    def held_open(data: bytes):
        reading.set()
        release.wait(timeout=30)
        try:
            return real_read_pack(data)
        finally:
            read.set()

    monkeypatch.setattr(admin_cog, "read_pack", held_open)
    data = await export(fact_admin, channel)
    with in_flight(env):
        importing = await fact_admin.slash(channel, "fact import", file=("facts.yaml", data))
        await until(reading.is_set, "the import started reading the file")
        asked = await fan.slash(channel, "stunt", name="motorbike")
        await until(lambda: asked.response is not None, "the fan was answered")
    assert "Motorcycle" in asked.response.embeds[0].title
    assert not read.is_set() and importing.deferred and not importing.followups  # the import is still reading
    release.set()
    await env.settle()
    assert "Nothing to import" in importing.response.embeds[0].description


async def test_a_file_that_takes_too_long_to_read_is_abandoned(fact_admin, channel, config, monkeypatch):
    data = pack_as_one_file().encode()  # read before the limit falls to nothing
    monkeypatch.setattr(pack_module, "PARSE_SECONDS", 0.0)  # any file is too slow now
    before = db_state(config.database)
    result = await fact_admin.slash(channel, "fact import", file=("facts.yaml", data))
    assert result.ephemeral and "file: it took more than 0 s to read, so it was abandoned" in reply(result)
    assert db_state(config.database) == before
