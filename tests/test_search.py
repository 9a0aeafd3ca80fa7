"""/search as a fan uses it: plain-language questions, typos included, answered with the right card first."""

from __future__ import annotations

import pytest

from bot.store import Author
from tests.test_render import buttons

EDITOR = Author(1, "test")
STUNT, PLACE, FILM, VIDEO = "🎬 ", "📍 ", "📅 ", "🎥 "

QUESTIONS = [
    ("how many times did tom cruse do the bike jump", STUNT + "Motorcycle cliff jump and BASE jump"),
    ("when does part 2 come out", FILM + "Mission: Impossible – The Final Reckoning (2025)"),
    ("dead reconing train crash", STUNT + "Orient Express train crash (Darlton Quarry)"),
    # "where" asks for a place: the quarry's card, which names the crash among the stunts shot there.
    ("where did they film the train crash", PLACE + "Darlton Quarry"),
    ("when did dead reckoning come out in germany", FILM + "Mission: Impossible – Dead Reckoning Part One (2023)"),
    ("biplane", STUNT + "Biplane fight over South Africa"),
    ("how cold was svalbard", STUNT + "Arctic shoot in Svalbard"),
    ("what was filmed in rome", PLACE + "Rome"),
    ("submarine tank size", STUNT + "Sevastopol submarine underwater sequence"),
    ("handcufed car chase", STUNT + "Handcuffed Rome car chase (BMW and yellow Fiat 500)"),
    ("how fast was the train", STUNT + "Fight on the roof of the moving Orient Express"),
    ("where was the bike jump filmed", PLACE + "Helsetkopen"),
    ("when was the rome premiere", FILM + "Mission: Impossible – Dead Reckoning Part One (2023)"),
    ("how long is the final reckoning", FILM + "Mission: Impossible – The Final Reckoning (2025)"),
    (
        "watch the bike jump",
        VIDEO + "Mission: Impossible - Dead Reckoning Part One | The Biggest Stunt in Cinema History",
    ),
    ("polar bear on set", STUNT + "Arctic shoot in Svalbard"),
    ("what happened to the kylling bridge", PLACE + "Raumabanen railway"),
    ("biplain", STUNT + "Biplane fight over South Africa"),
]


@pytest.mark.parametrize(("question", "expected"), QUESTIONS)
async def test_plain_questions_get_the_right_card_first(fan, channel, question, expected):
    result = await fan.slash(channel, "search", query=question)
    assert not result.ephemeral
    assert result.response.embeds[0].title.startswith(expected)
    assert result.response.content.startswith(f"🔎 Best match for “{question}”")


async def test_other_matches_open_privately_for_whoever_clicks(fan, other_fan, channel):
    result = await fan.slash(channel, "search", query="where did they film the train crash")
    assert result.response.content.endswith("· 1 more below")
    opened = await other_fan.click(result.response, label="Orient Express train crash (Darlton Quarry)")
    assert opened.ephemeral
    assert opened.response.embeds[0].title == STUNT + "Orient Express train crash (Darlton Quarry)"
    assert result.response.embeds[0].title == PLACE + "Darlton Quarry"  # the answer itself is unchanged


async def test_the_best_cards_links_stay_beside_the_match_buttons(fan, channel):
    result = await fan.slash(channel, "search", query="where was the bike jump filmed")
    components = buttons(result.response)
    assert [c["label"] for c in components if c.get("custom_id")] == ["Motorcycle cliff jump and BASE jump"]
    [link] = [c for c in components if c.get("url")]
    assert link["url"] == "https://www.youtube.com/embed/-lsFs2615gw?feature=oembed"


async def test_match_buttons_expire_but_links_stay(fan, channel, env):
    result = await fan.slash(channel, "search", query="where was the bike jump filmed")
    await env.advance_time(181)
    components = buttons(result.response)
    assert [c.get("url") for c in components] == ["https://www.youtube.com/embed/-lsFs2615gw?feature=oembed"]


async def test_a_removed_match_is_answered_privately(fan, other_fan, channel, store):
    result = await fan.slash(channel, "search", query="where did they film the train crash")
    await store.remove("video:bts-train", EDITOR)
    await store.remove("stunt:train-crash-quarry", EDITOR)
    opened = await other_fan.click(result.response, label="Orient Express train crash (Darlton Quarry)")
    assert opened.ephemeral
    assert "couldn't find" in opened.response.content


async def test_a_video_answer_plays_inline(fan, channel):
    result = await fan.slash(channel, "search", query="final reckoning trailer")
    assert result.response.content.splitlines()[-1] == "https://www.youtube.com/watch?v=fsQgc9pCyDU"


async def test_nothing_found_is_ephemeral(fan, channel):
    result = await fan.slash(channel, "search", query="zzqx wvvk")
    assert result.ephemeral
    assert result.response.content == "I couldn't find a fact matching “zzqx wvvk”."
    assert channel.last_message is None
