"""The renderer as pure functions: facts in, embeds and text out, always within Discord's limits."""

from __future__ import annotations

import datetime as dt

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import limits, render
from bot.models import DatedEntry, Film, Location, Release, Source, Video
from tests.conftest import SOURCE, field, stunt, within_limits

FILM = Film(key="dr1", title="Dead Reckoning", year=2023, director="Christopher McQuarrie", sources=[SOURCE])
TODAY = dt.date(2026, 11, 24)


def test_clip_cuts_with_an_ellipsis_only_when_needed():
    assert render.clip("short", 10) == "short"
    assert render.clip("a" * 20, 10) == "a" * 9 + "…"
    assert len(render.clip("word " * 100, 50)) == 50


def test_timestamp_is_noon_utc_of_the_day():
    assert render.timestamp(dt.date(2025, 5, 23), "D") == "<t:1748001600:D>"
    assert render.timestamp(dt.date(2025, 5, 23), "R") == "<t:1748001600:R>"


def test_spoiler_cannot_be_ended_early_by_the_text():
    assert render.spoiler("Ilsa || dies") == "||Ilsa ¦¦ dies||"


def test_bullets_stop_at_a_whole_line_and_say_how_many_more():
    lines = [f"number {i} " + "x" * 90 for i in range(30)]
    text = render.bullets(lines)
    assert len(text) <= limits.FIELD_VALUE_MAX
    shown = text.count("• ")
    assert text.endswith(f"… and {30 - shown} more")
    assert all(line.startswith(("• number", "… and")) for line in text.splitlines())


def test_a_huge_stunt_card_stays_within_every_limit_and_keeps_its_sources():
    huge = stunt(
        name="N" * 200,
        summary="S" * 1500,
        filmed="F" * 1500,
        people=["P" * 500] * 20,
        numbers=[f"{i} m high " + "n" * 480 for i in range(30)],
        quotes=["Q" * 500] * 3,
        trivia=["T" * 500] * 5,
        spoiler="X" * 1500,
        confidence="low",
        sources=[Source(url=f"https://example.com/{i}", title="t" * 200) for i in range(40)],
    )
    card = render.stunt_card(huge, FILM, [], [])
    within_limits(card.embed)
    assert "Sources" in [f.name for f in card.embed.fields]
    assert card.embed.description.endswith("…")


@settings(max_examples=40, deadline=None)
@given(
    name=st.text(min_size=1, max_size=200).filter(str.strip),
    summary=st.text(max_size=1500),
    numbers=st.lists(st.text(min_size=1, max_size=500).filter(str.strip), max_size=40),
)
def test_any_stunt_card_fits(name: str, summary: str, numbers: list[str]):
    card = render.stunt_card(stunt(name=name, summary=summary, numbers=numbers), FILM, [], [])
    within_limits(card.embed)


def test_stunt_card_names_its_places_so_location_can_follow():
    place = Location(
        key="rome", name="Rome", place="Rome", country="Italy", film="dr1", filmed="The chase.", sources=[SOURCE]
    )
    card = render.stunt_card(stunt(locations=["rome"]), FILM, [place], [])
    assert "**Rome** (Italy)" in field(card.embed, "Where")
    assert "/location name:Rome" in field(card.embed, "Where")


def test_spoilers_are_wrapped_in_spoiler_tags():
    card = render.stunt_card(stunt(spoiler="Gabriel falls."), FILM, [], [])
    assert field(card.embed, "In the film (spoiler)") == "||Gabriel falls.||"
    assert "Gabriel" not in (card.embed.description or "")


def test_every_card_has_the_footer_of_its_kind_and_counts_its_sources():
    card = render.stunt_card(stunt(), FILM, [], [])
    assert card.embed.footer.text == "Stunt · Dead Reckoning · 1 source"
    assert card.embed.colour == render.COLOURS["stunt"]
    assert card.embed.fields[-1].name == "Sources"


def test_a_verified_video_is_posted_alone_on_a_line():
    video = Video(
        key="v", title="The Biggest Stunt", film="dr1", shows="The jump.", url="https://www.youtube.com/watch?v=abc",
        sources=[SOURCE],
    )  # fmt: skip
    card = render.video_message(video, FILM)
    lines = card.content.splitlines()
    assert lines[0] == "🎥 **The Biggest Stunt** — The jump."
    assert lines[1] == video.url
    assert card.links == []


def test_a_video_known_by_title_only_gets_a_labelled_search_and_no_player():
    video = Video(key="v", title="Train featurette", film="dr1", sources=[SOURCE])
    card = render.video_message(video, FILM)
    assert "No verified link" in card.content
    assert f"<{video.search_url}>" in card.content  # angle brackets: no preview pretending to be the video
    assert card.links == [("🔎 Search YouTube: Train featurette", video.search_url)]


def test_release_card_counts_down_to_the_next_opening_only():
    past = Release(key="a", film="dr1", region="Germany", date=dt.date(2023, 7, 13), sources=[SOURCE])
    premiere = Release(
        key="b", film="dr1", region="Gala", date=TODAY + dt.timedelta(days=3), type="premiere", sources=[SOURCE]
    )
    coming = Release(key="c", film="dr1", region="Mars", date=TODAY + dt.timedelta(days=10), sources=[SOURCE])
    card = render.release_card(FILM, [coming, past, premiere], TODAY)
    countdown = field(card.embed, "⏳ Countdown")
    assert "**Mars**" in countdown and "**10 days** to go" in countdown
    assert render.timestamp(coming.date, "R") in countdown
    assert field(card.embed, "In cinemas").splitlines()[0].startswith("**Germany**")  # by date
    assert "**Gala**" in field(card.embed, "Premieres")
    past_only = render.release_card(FILM, [past], TODAY)
    assert "⏳ Countdown" not in [f.name for f in past_only.embed.fields]
    on_the_day = render.release_card(FILM, [past, coming], coming.date)
    assert "(**today**)" in field(on_the_day.embed, "⏳ Countdown")


def test_release_card_strikes_through_dates_that_moved():
    moved = Release(
        key="a", film="dr1", region="United States", date=dt.date(2023, 7, 12), sources=[SOURCE],
        history=[DatedEntry(date=dt.date(2021, 7, 23), status="original date")],
    )  # fmt: skip
    card = render.release_card(FILM, [moved], TODAY)
    assert field(card.embed, "Announced dates before") == (
        f"~~{render.timestamp(dt.date(2021, 7, 23), 'D')}~~ original date (United States)"
    )


def test_fit_shortens_the_longest_texts_and_cuts_sources_last():
    embeds = [discord.Embed(title="t", description="d" * 4000) for _ in range(2)]
    for embed in embeds:
        embed.add_field(name="Sources", value="s" * 900)
        embed.add_field(name="Extra", value="e" * 1000)
    fitted = render.fit(embeds)
    assert sum(len(e) for e in fitted) == limits.EMBED_TOTAL_MAX
    for embed in fitted:
        assert [f.name for f in embed.fields] == ["Sources", "Extra"]
        assert embed.fields[0].value == "s" * 900
        assert embed.description.endswith("…")


def test_list_pages_number_their_pages():
    pages = render.pages("stunt", "Every stunt", [f"line {i}" for i in range(17)], per_page=8)
    assert [p.footer.text for p in pages] == ["Page 1/3 · 17 in all", "Page 2/3 · 17 in all", "Page 3/3 · 17 in all"]
    assert pages[2].description == "line 16"


def test_choice_labels_fit_in_100_characters():
    long = stunt(name="x" * 200)
    assert len(render.choice_label(long, {}, with_kind=True)) == limits.CHOICE_NAME_MAX
    assert render.choice_label(stunt(), {}, with_kind=True) == "stunt: Jump"


def test_not_found_offers_suggestions():
    text = render.not_found("stunt", "bkie", ["Bike jump", "Biplane"])
    assert text == "I couldn't find a stunt matching “bkie”. Did you mean **Bike jump**, **Biplane**?"
