"""bot.cards: from a stored fact to the card fans see, with what it links to looked up in the store (the shipped
pack in a real SQLite file), the same card wherever the fact is shown."""

from __future__ import annotations

import pytest

from bot import cards, render
from bot.errors import NotFound, NotKnown
from bot.models import Release, Video
from bot.store import Author
from tests.conftest import field

EDITOR = Author(7, "luther_admin")


async def test_a_stunt_card_names_its_places_in_the_stunts_order_and_links_its_videos(store):
    stunt = await store.get("stunt:mi1-tgv-roof-fight")
    card = await cards.card_for(store, await store.entry(stunt.ref))
    where = field(card.embed, "Where")
    shown = [where.index(f"**{(await store.get(f'location:{key}')).name}**") for key in stunt.locations]
    assert len(shown) > 1 and shown == sorted(shown)
    videos = await store.linked(Video, stunt.ref)
    assert videos and card.links == [render.video_link(video) for video in videos]


async def test_a_release_date_is_shown_on_its_films_release_card(store):
    release = (await store.facts(Release, film="mi6"))[0]
    card = await cards.card_for(store, await store.entry(release.ref))
    film_card = await cards.card_for(store, await store.entry("film:mi6"))
    assert card.embed.title == film_card.embed.title == "📅 Mission: Impossible – Fallout (2018)"


async def test_only_an_edited_fact_names_its_editor(store):
    entry = await store.entry("stunt:speed-flying")
    assert "edited by" not in (await cards.card_for(store, entry)).embed.footer.text
    edited = await store.update(entry.fact.model_copy(update={"filmed": "2021"}), EDITOR, expected=entry)
    card = await cards.card_for(store, edited)
    assert card.embed.footer.text.endswith("· edited by luther_admin")
    assert card.embed.timestamp == edited.updated_at


async def test_release_cards_keep_only_the_region_asked_for(store):
    (card,) = await cards.release_cards(store, [await store.get("film:mi6")], "france")
    dates = "\n".join(f.value for f in card.embed.fields if f.name in ("Premieres", "In cinemas", "At home"))
    assert "**France**" in dates and "**United States**" not in dates


async def test_a_region_with_no_release_suggests_the_regions_there_are(store):
    with pytest.raises(NotFound) as refused:
        await cards.release_cards(store, [await store.get("film:mi6")], "Frnace")
    assert refused.value.what == "release region" and "France" in refused.value.suggestions


async def test_an_answer_is_the_best_card_headed_by_the_question_with_the_other_matches(store):
    found = await cards.answer(store, "where did they film the train crash")
    first, header = found.card.content.splitlines()[:2]
    assert first == found.line and "Darlton Quarry" in first
    assert header.startswith("🔎 Best match for “where did they film the train crash”")
    assert found.card.embed.title == "📍 Darlton Quarry"
    assert found.others and len({other.ref for other in found.others}) == len(found.others)


async def test_a_question_nothing_answers_has_no_answer(store):
    with pytest.raises(NotKnown):
        await cards.answer(store, "zzqx")
