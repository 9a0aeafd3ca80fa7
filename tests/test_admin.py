"""/fact as admins and fans use it through SimCord: forms, confirmations, history and undo, and who may.

The bot here starts from the shipped pack as it stood before October 2023 in two ways: Part Two's US release is
still dated 28 June 2024 (the date set in January 2022), and the "Biggest Stunt in Cinema History" featurette is
not known yet. An admin brings both up to date from Discord with the real facts, and can undo each.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import discord
import pytest
from simcord.enums import InteractionType

from bot import forms
from bot.config import Admins
from bot.pack import load_pack, read_yaml
from bot.render import timestamp
from tests.conftest import PACK, db_state, edit, make_config, pack_as_one_file, prefilled, show_command, yaml_text

SHIPPED = {fact.ref: fact for fact in load_pack(PACK).facts()}
FEATURETTE = SHIPPED["video:bts-biggest-stunt"]
PART_TWO_US = SHIPPED["release:fr-us"]
OLD_DATE, NEW_DATE = dt.date(2024, 6, 28), PART_TWO_US.date
FEATURETTE_ID = "-lsFs2615gw"  # the YouTube id in its verified link


@pytest.fixture
def config(tmp_path: Path):
    """The shipped pack behind the facts: Part Two's US date as set in January 2022, no featurette."""
    data = read_yaml(pack_as_one_file())
    data["videos"] = [v for v in data["videos"] if v["key"] != FEATURETTE.key]
    us = next(r for r in data["releases"] if r["key"] == PART_TWO_US.key)
    us["date"], us["history"] = OLD_DATE, [h for h in us["history"] if str(h["date"]) < str(OLD_DATE)]
    del us["note"]
    path = tmp_path / "behind.yaml"
    path.write_text(yaml_text(data), encoding="utf-8")
    return make_config(tmp_path, packs=[path])


def links(result) -> str:
    return " ".join(c["url"] for row in result.response.components for c in row["components"] if c.get("url"))


async def fan_release_dates(fan, channel) -> str:
    """Part Two's release card as a fan sees it, as text."""
    card = (await fan.slash(channel, "release", film="MI8")).response.embeds[0]
    return "\n".join(f.value for f in card.fields)


async def add_featurette(admin, channel):
    """The admin types the featurette's real title, link, details and sources into the video form."""
    shown = await admin.slash(channel, "fact add", kind="video")
    values = forms.prefill("video", FEATURETTE)
    values["details"] += f"\nkey: {FEATURETTE.key}"
    return await admin.submit_modal(shown, values)


async def last_change(admin, channel) -> str:
    """The newest change in /fact undo's list, as its value."""
    return (await admin.autocomplete(channel, "fact undo", "change", ""))[0]["value"]


# ----------------------------------------------------------------------------- done when


async def test_admin_corrects_part_two_date_fans_see_it_at_once_and_undo_brings_it_back(fact_admin, fan, channel):
    assert timestamp(OLD_DATE, "D") in await fan_release_dates(fan, channel)

    saved = await edit(fact_admin, channel, PART_TWO_US.ref, date=NEW_DATE.isoformat(), note=PART_TWO_US.note)
    assert saved.ephemeral and "✅ Saved release" in saved.response.content
    seen = await fan_release_dates(fan, channel)
    assert timestamp(NEW_DATE, "D") in seen and PART_TWO_US.note in seen
    assert f"~~{timestamp(OLD_DATE, 'D')}~~ announced date, moved on" in seen  # the delay stays visible

    undone = await fact_admin.slash(channel, "fact undo", change=await last_change(fact_admin, channel))
    assert undone.ephemeral and "undid" in undone.response.content
    assert timestamp(OLD_DATE, "D") in await fan_release_dates(fan, channel)


async def test_admin_adds_a_video_fans_see_it_at_once_and_undo_removes_it(fact_admin, fan, channel):
    assert FEATURETTE_ID not in links(await fan.slash(channel, "stunt", name="motorbike"))

    shown = await fact_admin.slash(channel, "fact add", kind="video")
    assert shown.modal["title"] == "Add a video" and len(shown.modal["components"]) == 5
    added = await add_featurette(fact_admin, channel)
    assert added.ephemeral and f"✅ Added video **{FEATURETTE.title}**" in added.response.content
    assert FEATURETTE_ID in added.response.content  # the stored card is shown back, with the link for the player
    assert FEATURETTE_ID in links(await fan.slash(channel, "stunt", name="motorbike"))

    await fact_admin.slash(channel, "fact undo", change=await last_change(fact_admin, channel))
    assert FEATURETTE_ID not in links(await fan.slash(channel, "stunt", name="motorbike"))


async def test_adding_a_release_region_is_a_short_form(fact_admin, fan, channel, store):
    shown = await fact_admin.slash(channel, "fact add", kind="release")
    form = prefilled(shown)
    assert form["details"] == "film:\ntype: cinema\nplace:\nplatform:\nformats:\nconfidence: high\nkey:"
    germany = SHIPPED["release:dr1-de"]
    await fact_admin.submit_modal(
        shown,
        form
        | {
            "region": "Germany (second listing)",
            "date": germany.date.isoformat(),
            "details": form["details"].replace("film:", "film: dr1"),
            "sources": "\n".join(f"{s.url} {s.title}" for s in germany.sources),
        },
    )
    stored = await store.entry("release:dr1-germany-second-listing")
    assert stored.fact.date == germany.date and stored.edited
    card = (await fan.slash(channel, "release", film="dr1")).response.embeds[0]
    assert "Germany (second listing)" in "\n".join(f.value for f in card.fields)


# ----------------------------------------------------------------------------- the forms


async def test_edit_form_is_prefilled_and_the_card_shows_who_edited(fact_admin, fan, channel):
    shown = await fact_admin.slash(channel, "fact edit", fact="stunt:bike-cliff-jump")
    form = prefilled(shown)
    jump = SHIPPED["stunt:bike-cliff-jump"]
    assert shown.modal["title"] == forms.title("stunt", jump) and len(shown.modal["title"]) <= 45
    assert form["name"] == jump.name
    assert "aliases: motorbike jump\naliases: bike jump" in form["details"]
    await fact_admin.submit_modal(shown, form | {"details": form["details"] + "\naliases: helsetkopen jump"})

    card = (await fan.slash(channel, "stunt", name="helsetkopen jump")).response.embeds[0]
    assert jump.name in card.title
    assert "edited by luther_admin" in card.footer.text and card.timestamp is not None


async def test_saving_an_unchanged_form_changes_nothing(fact_admin, channel, config):
    before = db_state(config.database)
    result = await edit(fact_admin, channel, "location:rome")
    assert f"No change to location **{SHIPPED['location:rome'].name}**" in result.response.content
    assert db_state(config.database) == before


def details_with(shown, line: str) -> str:
    return prefilled(shown)["details"] + "\n" + line


@pytest.mark.parametrize(
    ("ref", "changes", "expected"),
    [
        ("release:fr-us", {"date": "2025-02-30"}, "Date: '2025-02-30' is not a real date"),
        ("location:rome", {"details": lambda s: details_with(s, "aliases: " + "R" * 201)}, "at most 200 characters"),
        (
            "location:rome",
            {"details": lambda s: prefilled(s)["details"].replace("country: Italy", "country:")},
            "Details › country: cannot be empty",
        ),
        ("location:rome", {"sources": "ftp://example.com/rome Rome"}, "Sources, line 1 › url: must be an http(s) URL"),
        ("video:bts-train", {"url": "https://example.com/train.mp4"}, "Verified link: must be a video link on"),
        (
            "stunt:speed-flying",
            {"details": lambda s: details_with(s, "aliases: bike jump")},
            "The name 'bike jump' is already used by the stunt 'bike-cliff-jump'",
        ),
        (
            "stunt:speed-flying",
            {"details": lambda s: details_with(s, "locations: helsetkopn")},
            "locations[0]: there is no location with the key 'helsetkopn'. Did you mean `helsetkopen`",
        ),
        (
            "video:bts-train",
            {"details": lambda s: prefilled(s)["details"].replace("film: dr1", "film: mi9")},
            "film: there is no film with the key 'mi9'",
        ),
        (
            "video:bts-train",
            {"details": lambda s: details_with(s, "director: McQuarrie")},
            "there is no field `director` here",
        ),
    ],
)
async def test_each_mistake_is_explained_privately_and_nothing_is_saved(
    fact_admin, channel, config, ref, changes, expected
):
    before = db_state(config.database)
    shown = await fact_admin.slash(channel, "fact edit", fact=ref)
    typed = {name: value(shown) if callable(value) else value for name, value in changes.items()}
    refused = await fact_admin.submit_modal(shown, prefilled(shown) | typed)
    assert refused.ephemeral
    assert expected in refused.response.content
    assert db_state(config.database) == before


async def test_a_refused_form_reopens_with_what_was_typed(fact_admin, channel, store):
    shown = await fact_admin.slash(channel, "fact edit", fact="release:fr-us")
    typed = prefilled(shown) | {"date": "2025-05-32", "note": "Memorial Day weekend (corrected)."}
    refused = await fact_admin.submit_modal(shown, typed)
    reopened = await fact_admin.click(refused.response, label="Fix and submit again")
    assert prefilled(reopened) == typed
    saved = await fact_admin.submit_modal(reopened, typed | {"date": NEW_DATE.isoformat()})
    assert "✅ Saved" in saved.response.content
    assert (await store.get("release:fr-us")).note == "Memorial Day weekend (corrected)."


async def test_an_edit_made_while_the_form_was_open_is_not_overwritten(env, bot, guild, fact_admin, channel, store):
    ilsa = guild.add_member(env.create_user("ilsa_admin"))
    bot.config = bot.config.model_copy(update={"admins": Admins(user_ids=[fact_admin.id, ilsa.id])})
    await show_command(bot, guild, "fact", fact_admin, ilsa)

    luther_form = await fact_admin.slash(channel, "fact edit", fact="release:fr-us")
    ilsa_form = await ilsa.slash(channel, "fact edit", fact="release:fr-us")
    await ilsa.submit_modal(ilsa_form, prefilled(ilsa_form) | {"note": "Memorial Day weekend."})
    refused = await fact_admin.submit_modal(luther_form, prefilled(luther_form) | {"date": NEW_DATE.isoformat()})

    assert refused.ephemeral
    assert "changed by ilsa_admin" in refused.response.content and "(changed: note)" in refused.response.content
    assert "Nothing was overwritten" in refused.response.content
    stored = await store.get("release:fr-us")
    assert (stored.note, stored.date) == ("Memorial Day weekend.", OLD_DATE)


# ----------------------------------------------------------------------------- remove and restore


async def test_remove_asks_first_then_fans_lose_it_and_restore_brings_it_back(fact_admin, fan, channel):
    asked = await fact_admin.slash(channel, "fact remove", fact="stunt:carrier-fr")
    assert asked.ephemeral and f"Remove stunt **{SHIPPED['stunt:carrier-fr'].name}**?" in asked.response.content
    assert (await fan.slash(channel, "stunt", name="stunt:carrier-fr")).response.embeds

    done = await fact_admin.click(asked.response, label="Remove")
    assert "🗑️ Removed stunt" in done.response.content and not done.response.components
    gone = await fan.slash(channel, "stunt", name="stunt:carrier-fr")
    assert gone.ephemeral and not gone.response.embeds

    choices = await fact_admin.autocomplete(channel, "fact restore", "fact", "carrier")
    assert [c["value"] for c in choices] == ["stunt:carrier-fr"]
    restored = await fact_admin.slash(channel, "fact restore", fact=choices[0]["value"])
    assert "♻️ Restored stunt" in restored.response.content and restored.response.embeds
    assert (await fan.slash(channel, "stunt", name="aircraft carrier")).response.embeds


async def test_cancel_removes_nothing(fact_admin, channel, config):
    before = db_state(config.database)
    asked = await fact_admin.slash(channel, "fact remove", fact="video:bts-train")
    cancelled = await fact_admin.click(asked.response, label="Cancel")
    assert cancelled.response.content == "Nothing was removed."
    assert db_state(config.database) == before


async def test_a_fact_others_point_at_cannot_be_removed(fact_admin, channel, config):
    before = db_state(config.database)
    refused = await fact_admin.slash(channel, "fact remove", fact="location:helsetkopen")
    assert refused.ephemeral and not refused.response.components
    used_by = f"cannot be removed: it is still used by stunt {SHIPPED['stunt:bike-cliff-jump'].name}"
    assert used_by in refused.response.content
    assert db_state(config.database) == before


# ----------------------------------------------------------------------------- history and undo


async def test_history_is_a_readable_diff_with_who_and_when(fact_admin, channel, store):
    await edit(fact_admin, channel, "release:fr-us", date=NEW_DATE.isoformat())
    shown = await fact_admin.slash(channel, "fact history", fact="release:fr-us")
    assert shown.ephemeral
    text = shown.response.embeds[0].description
    assert "edited** by luther_admin" in text and "<t:" in text
    assert f"**date**: {OLD_DATE} → {NEW_DATE}" in text
    assert f"**history** + {OLD_DATE} announced date, moved on" in text
    assert "added** by pack" in text

    change = (await store.history("release:fr-us"))[0]
    assert (change.author_id, change.author_name) == (fact_admin.id, "luther_admin")
    assert change.before["date"] == OLD_DATE.isoformat() and change.after["date"] == NEW_DATE.isoformat()


async def test_a_removed_facts_history_is_found_by_its_name(fact_admin, channel):
    carrier = SHIPPED["stunt:carrier-fr"]
    asked = await fact_admin.slash(channel, "fact remove", fact=carrier.ref)
    await fact_admin.click(asked.response, label="Remove")

    choices = await fact_admin.autocomplete(channel, "fact history", "fact", "carrier")
    assert {"name": f"stunt: {carrier.name} (removed)", "value": carrier.ref} in choices
    assert all(len(c["name"]) <= 100 for c in choices)
    shown = await fact_admin.slash(channel, "fact history", fact=carrier.name)
    assert shown.ephemeral and "removed** by luther_admin" in shown.response.embeds[0].description
    assert carrier.name in shown.response.embeds[0].title


async def test_a_long_history_is_paginated(fact_admin, channel):
    for n in range(12):
        await edit(fact_admin, channel, "location:rome", filmed=f"{SHIPPED['location:rome'].filmed} ({n})")
    shown = await fact_admin.slash(channel, "fact history", fact="location:rome")
    first = shown.response.embeds[0]
    assert first.footer.text.startswith("Page 1/") and "13 change(s)" in first.footer.text
    turned = await fact_admin.click(
        shown.response, label=None, custom_id=shown.response.components[0]["components"][3]["custom_id"]
    )
    assert turned.response.embeds[0].footer.text.startswith("Page 2/")


async def test_undo_is_refused_when_a_later_change_touched_the_same_field(fact_admin, channel, store):
    await edit(fact_admin, channel, "release:fr-us", date="2025-05-21")
    first = await last_change(fact_admin, channel)
    await edit(fact_admin, channel, "release:fr-us", date=NEW_DATE.isoformat())

    refused = await fact_admin.slash(channel, "fact undo", change=first)
    assert refused.ephemeral
    assert f"Change #{first} cannot be undone: luther_admin changed date, history of release:fr-us" in (
        refused.response.content
    )
    assert (await store.get("release:fr-us")).date == NEW_DATE


async def test_undo_keeps_a_later_edit_of_other_fields_and_can_be_redone(fact_admin, channel, store):
    await edit(fact_admin, channel, "release:fr-us", date=NEW_DATE.isoformat())
    dated = await last_change(fact_admin, channel)
    await edit(fact_admin, channel, "release:fr-us", note=PART_TWO_US.note)

    undone = await fact_admin.slash(channel, "fact undo", change=dated)
    stored = await store.get("release:fr-us")
    assert (stored.date, stored.note) == (OLD_DATE, PART_TWO_US.note)

    redo = undone.response.content.split("`/fact undo change:")[1].split("`")[0]
    await fact_admin.slash(channel, "fact undo", change=redo)
    assert (await store.get("release:fr-us")).date == NEW_DATE
    again = await fact_admin.slash(channel, "fact undo", change=redo)
    assert "already undone" in again.response.content


async def offered(admin, channel) -> list[int]:
    """The change numbers /fact undo offers."""
    return [int(c["value"]) for c in await admin.autocomplete(channel, "fact undo", "change", "")]


async def undo(admin, channel, change: int) -> int:
    """Undo a change as the admin does; the number of the undo."""
    done = await admin.slash(channel, "fact undo", change=str(change))
    assert "↩️" in done.response.content, done.response.content
    return int(done.response.content.split("`/fact undo change:")[1].split("`")[0])


async def test_a_chain_of_undos_offers_exactly_what_is_in_effect(fact_admin, channel, store):
    """Undo the date change, undo that undo (a redo), and so on: at each step the list offers the changes in
    effect and not the ones undone, the date is the right one, and an undone change is refused as undone."""
    await edit(fact_admin, channel, PART_TWO_US.ref, date=NEW_DATE.isoformat())
    dated = int(await last_change(fact_admin, channel))
    chain = [dated]
    for step in range(4):  # undo, redo, undo, redo
        chain.append(await undo(fact_admin, channel, chain[-1]))
        in_effect, undone = chain[-1::-2], chain[-2::-2]  # the newest, every other one before it
        assert not set(undone) & set(await offered(fact_admin, channel)), f"step {step}"
        assert set(in_effect) <= set(await offered(fact_admin, channel)), f"step {step}"
        assert (await store.get(PART_TWO_US.ref)).date == (NEW_DATE if dated in in_effect else OLD_DATE)
    refused = await fact_admin.slash(channel, "fact undo", change=str(chain[-2]))
    assert refused.response.content == (
        f"Change #{chain[-2]} was already undone (by change #{chain[-1]}). Nothing was changed."
    )
    history = (await fact_admin.slash(channel, "fact history", fact=PART_TWO_US.ref)).response.embeds[0].description
    marked = {int(e.split(" · ")[0].strip("*#")): e.split("\n")[0].endswith("*undone*") for e in history.split("\n\n")}
    assert {n: marked[n] for n in chain} == {n: n in undone for n in chain}


async def test_undo_of_an_add_edited_since_is_refused(fact_admin, channel, store):
    await add_featurette(fact_admin, channel)
    added = await last_change(fact_admin, channel)
    await edit(fact_admin, channel, FEATURETTE.ref, shows="How the Helsetkopen jump was planned and trained for.")
    refused = await fact_admin.slash(channel, "fact undo", change=added)
    assert f"luther_admin changed shows of {FEATURETTE.ref} later" in refused.response.content
    assert (await store.entry(FEATURETTE.ref)).fact.title == FEATURETTE.title


async def test_autocomplete_names_the_kind_and_a_release_names_its_film(fact_admin, channel):
    choices = await fact_admin.autocomplete(channel, "fact edit", "fact", "final reckoning united")
    assert {
        "name": "release: Mission: Impossible – The Final Reckoning – United States (2024-06-28)",
        "value": "release:fr-us",
    } in choices
    assert all(len(c["name"]) <= 100 for c in choices) and len(choices) <= 25
    everything = await fact_admin.autocomplete(channel, "fact edit", "fact", "")
    assert len(everything) == 25


# ----------------------------------------------------------------------------- who may


SAMPLES = {
    "fact add": {"kind": "stunt"},
    "fact edit": {"fact": "release:fr-us"},
    "fact remove": {"fact": "video:bts-train"},
    "fact restore": {"fact": "video:bts-train"},
    "fact history": {"fact": "release:fr-us"},
    "fact undo": {"change": "1"},
    "fact export": {},
    "fact import": {"file": ("facts.yaml", pack_as_one_file().encode())},
}


def test_every_admin_command_is_sampled(bot):
    fact = next(c for c in bot.tree.get_commands() if c.name == "fact")
    assert {f"fact {c.name}" for c in fact.commands} == set(SAMPLES)


async def test_the_group_is_hidden_from_fans_and_shown_to_managers(bot, fan, manager, admin, channel):
    registered = next(c for c in await bot.tree.fetch_commands() if c.name == "fact")
    assert registered.default_member_permissions == discord.Permissions(manage_guild=True)
    assert "fact edit" not in fan.available_commands(channel)
    assert "fact edit" not in admin.available_commands(channel)  # a bot admin needs the server to show it
    assert "fact edit" in manager.available_commands(channel)


@pytest.mark.parametrize("name", list(SAMPLES))
@pytest.mark.parametrize("who", ["fan", "manager"])
async def test_everyone_but_a_bot_admin_is_refused_and_nothing_changes(
    request, bot, guild, channel, config, caplog, name, who
):
    """The fan gets /fact through the server's command override (as if a moderator had shown it to everyone),
    so Discord delivers the interaction; the manager sees it by default. Only the run-time check refuses."""
    member = request.getfixturevalue(who)
    if who == "fan":
        await show_command(bot, guild, "fact", member)
    before = db_state(config.database)
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        result = await member.slash(channel, name, **SAMPLES[name])
    assert result.ephemeral and result.modal is None
    assert result.response.content == "Only the bot's admins can change facts. Nothing was changed."
    assert f"Refused /{name} to {member.name}" in caplog.text
    assert db_state(config.database) == before


async def test_a_crafted_interaction_for_the_hidden_command_is_refused(env, fan, channel, config):
    """A client that ignores what Discord hides could still send the interaction. SimCord's ``fan.slash`` will
    not (a real client cannot pick a hidden command), so this hands the gateway an INTERACTION_CREATE for
    /fact export built by hand, from a fan with no override: only the bot's own check stands in the way."""
    root = env.backend.find_command("fact", fan.guild.id)
    data = {"id": root["id"], "name": "fact", "type": 1, "options": [{"name": "export", "type": 1, "options": []}]}
    before = db_state(config.database)
    result = await fan._dispatch_interaction(InteractionType.APPLICATION_COMMAND, channel, data)
    assert result.ephemeral and "Only the bot's admins" in result.response.content
    assert not result.response.attachments
    assert db_state(config.database) == before


async def test_autocomplete_tells_non_admins_nothing(bot, guild, fan, channel):
    await show_command(bot, guild, "fact", fan)
    assert await fan.autocomplete(channel, "fact edit", "fact", "") == []
    assert await fan.autocomplete(channel, "fact undo", "change", "") == []


async def test_a_form_submitted_after_losing_admin_rights_is_refused(bot, fact_admin, channel, config):
    shown = await fact_admin.slash(channel, "fact edit", fact="release:fr-us")
    bot.config = bot.config.model_copy(update={"admins": Admins()})
    before = db_state(config.database)
    refused = await fact_admin.submit_modal(shown, prefilled(shown) | {"date": NEW_DATE.isoformat()})
    assert refused.ephemeral and "Only the bot's admins" in refused.response.content
    assert db_state(config.database) == before


async def test_a_button_clicked_after_losing_admin_rights_is_refused(bot, fact_admin, channel, config):
    asked = await fact_admin.slash(channel, "fact remove", fact="video:bts-train")
    bot.config = bot.config.model_copy(update={"admins": Admins()})
    before = db_state(config.database)
    refused = await fact_admin.click(asked.response, label="Remove")
    assert refused.ephemeral and "Only the bot's admins" in refused.response.content
    assert db_state(config.database) == before


async def test_an_admin_by_role_may(env, bot, guild, channel, store):
    role = guild.create_role("Fact keepers")
    keeper = guild.add_member(env.create_user("keeper"), roles=[role])
    bot.config = bot.config.model_copy(update={"admins": Admins(role_ids=[role.id])})
    await show_command(bot, guild, "fact", keeper)
    saved = await edit(keeper, channel, "release:fr-us", date=NEW_DATE.isoformat())
    assert "✅ Saved" in saved.response.content
    assert (await store.get("release:fr-us")).date == NEW_DATE
