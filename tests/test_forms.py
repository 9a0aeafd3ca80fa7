"""The admin form of each kind: it fits Discord's modal limits, round-trips every shipped fact, and explains
every mistake by input, field and limit."""

from __future__ import annotations

import pytest

from bot import forms, limits
from bot.errors import Invalid
from bot.models import Release, Stunt, Video
from bot.pack import load_pack
from tests.conftest import PACK, show_command

FACTS = load_pack(PACK).facts()
MUSIKEXPRESS = "https://www.musikexpress.de/tom-cruise-naechster-mission-impossible-film-auf-2025-verschoben-2387071/"


def by_ref(ref: str):
    return next(f for f in FACTS if f.ref == ref)


@pytest.mark.parametrize("kind", list(forms.FORMS))
def test_each_form_fits_a_discord_modal(kind):
    inputs = forms.form(kind)
    assert 1 <= len(inputs) <= 5
    assert len({i.id for i in inputs}) == len(inputs)
    for spec in inputs:
        assert 1 <= len(spec.label) <= limits.INPUT_LABEL_MAX
        assert len(spec.placeholder) <= limits.INPUT_PLACEHOLDER_MAX
        assert spec.max_length <= limits.INPUT_TEXT_MAX
    assert len(forms.title(kind, None)) <= limits.MODAL_TITLE_MAX


@pytest.mark.parametrize("fact", FACTS, ids=lambda f: f.ref)
def test_every_shipped_fact_survives_its_form_unchanged(fact):
    values = forms.prefill(fact.kind, fact)
    maxima = {spec.id: spec.max_length for spec in forms.form(fact.kind)}
    assert all(len(text) <= maxima[name] for name, text in values.items())
    assert len(forms.title(fact.kind, fact)) <= limits.MODAL_TITLE_MAX
    assert forms.fact_from_form(fact.kind, values, fact) == fact


def test_a_new_release_starts_from_a_template_of_its_fields():
    template = forms.prefill("release", None)
    assert template["details"].splitlines() == [
        "film:",
        "type: cinema",
        "place:",
        "platform:",
        "formats:",
        "confidence: high",
        "key:",
    ]
    assert template["date"] == ""


def test_adding_a_region_takes_a_film_a_region_a_date_and_a_source():
    template = forms.prefill("release", None)
    release = forms.fact_from_form(
        "release",
        template
        | {
            "region": "Germany",
            "date": "2023-07-13",
            "details": template["details"].replace("film:", "film: dr1"),
            "sources": f"{MUSIKEXPRESS} Musikexpress – DR1 German start 13 July 2023",
        },
    )
    assert isinstance(release, Release)
    assert (release.key, release.film, str(release.date), release.type) == (
        "dr1-germany",
        "dr1",
        "2023-07-13",
        "cinema",
    )
    assert release.sources[0].title == "Musikexpress – DR1 German start 13 July 2023"


def test_details_lists_repeat_the_field_and_indented_lines_continue():
    stunt = by_ref("stunt:bike-cliff-jump")
    values = forms.prefill("stunt", stunt)
    values["details"] += "\naliases: cliff bike stunt\nfilmed: first line\n  and its continuation"
    values["details"] = values["details"].replace(f"filmed: {stunt.filmed}", "")
    edited = forms.fact_from_form("stunt", values, stunt)
    assert isinstance(edited, Stunt)
    assert edited.aliases == [*stunt.aliases, "cliff bike stunt"]
    assert edited.filmed == "first line and its continuation"


def test_fields_the_form_does_not_show_are_kept():
    release = by_ref("release:fr-us")
    values = forms.prefill("release", release) | {"note": "Memorial Day weekend."}
    edited = forms.fact_from_form("release", values, release)
    assert edited.history == release.history
    assert edited.note == "Memorial Day weekend."


def test_a_deleted_details_line_resets_that_field():
    video = by_ref("video:bts-train")
    values = forms.prefill("video", video)
    values["details"] = "\n".join(line for line in values["details"].splitlines() if not line.startswith("locations"))
    assert forms.fact_from_form("video", values, video).locations == []


def test_a_new_fact_gets_its_key_from_its_name():
    assert forms.slug("Motorcycle cliff jump and BASE jump") == "motorcycle-cliff-jump-and-base-jump"
    assert forms.slug("Åndalsnes – Raumabanen") == "andalsnes-raumabanen"
    assert len(forms.slug("x" * 100)) == 63


def edit(ref: str, **changes: str) -> None:
    fact = by_ref(ref)
    forms.fact_from_form(fact.kind, forms.prefill(fact.kind, fact) | changes, fact)


def problem(ref: str, **changes: str) -> str:
    with pytest.raises(Invalid) as refused:
        edit(ref, **changes)
    return str(refused.value)


def test_impossible_date_is_named_with_the_format():
    assert "Date: '2025-02-30' is not a real date: write YYYY-MM-DD" in problem("release:fr-us", date="2025-02-30")


def test_empty_required_field_names_the_input():
    assert "Name: cannot be empty" in problem("stunt:bike-cliff-jump", name="   ")
    assert "Sources: needs at least 1" in problem("stunt:bike-cliff-jump", sources="")


def test_overlong_values_name_the_limit():
    assert "Name: at most 200 characters (this has 201)" in problem("location:rome", name="R" * 201)
    rome = by_ref("location:rome")
    details = forms.prefill("location", rome)["details"] + "\naliases: " + "a" * 250
    where = f"Details › aliases #{len(rome.aliases) + 1}"
    assert f"{where}: at most 200 characters (this has 250)" in problem("location:rome", details=details)


def test_source_urls_must_be_http():
    text = problem("location:rome", sources="ftp://example.com/file Some title\nhttps://example.com/ok")
    assert "Sources, line 1 › url: must be an http(s) URL" in text
    assert "Sources, line 2 › title: cannot be empty" in text


def test_video_links_must_be_on_a_known_video_host():
    text = problem("video:bts-train", url="https://example.com/train.mp4")
    assert "Verified link: must be a video link on" in text and "youtube.com" in text
    assert "must be an http(s) URL" in problem("video:bts-train", url="javascript:alert(1)")


def test_choices_and_yes_no_fields_say_what_is_allowed():
    release = forms.prefill("release", by_ref("release:fr-us"))
    details = (
        release["details"].replace("confidence: high", "confidence: certain").replace("type: cinema", "type: drive-in")
    )
    text = problem("release:fr-us", details=details)
    assert "Details › confidence: must be one of 'high', 'medium' or 'low'" in text
    assert (
        "Details › type: must be one of 'premiere', 'preview', 'cinema', 'digital', 'disc', 'streaming' or 'tv'" in text
    )


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ("film: dr1\nfilm: fr", "line 2: `film` is given twice"),
        ("film dr1", "line 1: write `field: value`"),
        ("film: dr1\ndirector: McQuarrie", "line 2: there is no field `director` here. Use: film, type, place"),
    ],
)
def test_details_lines_that_cannot_be_read(details, expected):
    assert expected in problem("release:fr-us", details=details)


def test_the_key_of_a_stored_fact_cannot_change():
    details = forms.prefill("video", by_ref("video:bts-train"))["details"] + "\nkey: train-video"
    assert "the key of" in problem("video:bts-train", details=details)


def test_unknown_kind_is_refused_with_the_known_ones():
    with pytest.raises(Invalid, match="Unknown kind 'gadget': choose one of film, release, stunt"):
        forms.form("gadget")


def test_a_fact_too_long_for_a_form_points_to_export_and_import():
    video = by_ref("video:bts-train")
    long = Video.model_validate(video.model_dump() | {"aliases": [f"train featurette {i:03}" for i in range(250)]})
    with pytest.raises(Invalid, match=r"too long to edit in a form .*/fact export"):
        forms.prefill("video", long)


# ----------------------------------------------------------------------------- /fact add asks for the film


def details(shown) -> str:
    return next(
        row["components"][0] for row in shown.modal["components"] if row["components"][0]["custom_id"] == "details"
    )["value"]


async def test_add_offers_the_films_and_fills_in_the_one_chosen(fact_admin, fan, channel, store):
    choices = await fact_admin.autocomplete(channel, "fact add", "film", "part two", kind="stunt")
    assert choices[0] == {"name": "Mission: Impossible – The Final Reckoning", "value": "film:fr"}
    shown = await fact_admin.slash(channel, "fact add", kind="stunt", film=choices[0]["value"])
    assert details(shown).splitlines()[0] == "film: fr"
    values = {
        "name": "Submarine free dive",
        "summary": "Cruise swam through the sunken Sevastopol.",
        "details": details(shown),
        "sources": "https://example.com/sub A source",
    }
    added = await fact_admin.submit_modal(shown, values)
    assert added.ephemeral and "✅ Added stunt **Submarine free dive**" in added.response.content
    assert (await store.get("stunt:submarine-free-dive")).film == "fr"


async def test_a_film_typed_by_name_is_found_too(fact_admin, channel):
    shown = await fact_admin.slash(channel, "fact add", kind="video", film="Dead Reckoning Part One")
    assert "film: dr1" in details(shown).splitlines()


@pytest.mark.parametrize(
    ("kind", "film", "problem"),
    [("film", "dr1", "A film belongs to no film"), ("stunt", "mi99", "I couldn't find a film matching “mi99”")],
)
async def test_a_film_that_cannot_be_used_is_refused_before_the_form(fact_admin, channel, kind, film, problem):
    refused = await fact_admin.slash(channel, "fact add", kind=kind, film=film)
    assert refused.modal is None and refused.ephemeral
    assert refused.response.content.startswith(problem)


async def test_the_film_choices_are_for_admins_only(bot, guild, fan, channel):
    await show_command(bot, guild, "fact", fan)  # a server may show /fact to anyone
    assert await fan.autocomplete(channel, "fact add", "film", "", kind="stunt") == []
