"""/search as a fan uses it: plain-language questions, typos included, answered with the right card first."""

from __future__ import annotations

import logging

import pydantic
import pytest

from bot.app import create_bot
from bot.models import KINDS, Key
from bot.store import open_store
from bot.store.db import Match, Term
from bot.store.names import Vocabulary
from bot.store.typos import TypoIndex
from bot.ui import OpenMatch
from tests.conftest import buttons

STUNT, PLACE, FILM, VIDEO = "🎬 ", "📍 ", "📅 ", "🎥 "
TRAIN_CRASH = "Orient Express train crash (Darlton Quarry)"

QUESTIONS = [
    ("how many times did tom cruse do the bike jump", STUNT + "Motorcycle cliff jump and BASE jump"),
    ("when does part 2 come out", FILM + "Mission: Impossible – The Final Reckoning (2025)"),
    ("dead reconing train crash", STUNT + "Orient Express train crash (Darlton Quarry)"),
    # "where" asks for a place: the quarry's card, which names the crash among the stunts shot there.
    ("where did they film the train crash", PLACE + "Darlton Quarry"),
    ("when did dead reckoning come out in germany", FILM + "Mission: Impossible – Dead Reckoning Part One (2023)"),
    ("biplane", STUNT + "Biplane fight over South Africa"),
    ("how cold was svalbard", STUNT + "Arctic shoot in Svalbard"),
    ("what was filmed in rome", PLACE + "Rome (Dead Reckoning)"),
    ("submarine tank size", STUNT + "Sevastopol submarine underwater sequence"),
    ("handcufed car chase", STUNT + "Handcuffed Rome car chase (BMW and yellow Fiat 500)"),
    ("how fast was the orient express", STUNT + "Fight on the roof of the moving Orient Express"),
    ("how fast was the tgv", STUNT + "Fight on the roof of the TGV bullet train"),
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


async def test_every_question_finds_its_answer_on_each_backend(seeded_database):
    """The store below /search, on SQLite and on PostgreSQL: both rank by bm25 (FTS5's, and the same sums over
    ``search_words`` on PostgreSQL), so the right answer comes first on both."""
    store = await open_store(seeded_database)
    try:
        found = {question: await store.search(question) for question, _ in QUESTIONS}
    finally:
        await store.close()
    titles = {question: expected.split(" ", 1)[1] for question, expected in QUESTIONS}  # a card's title, clipped

    def answers(fact, title: str) -> bool:
        return f"{fact.names[0]} ({fact.key})".startswith(title) or title.startswith(fact.names[0])

    missed = {q: [f.names[0] for f in facts[:3]] for q, facts in found.items()
              if not (facts and answers(facts[0], titles[q]))}  # fmt: skip
    assert not missed


@pytest.mark.parametrize(("question", "expected"), QUESTIONS)
async def test_plain_questions_get_the_right_card_first(fan, channel, question, expected):
    result = await fan.slash(channel, "search", query=question)
    assert not result.ephemeral
    assert result.response.embeds[0].title.startswith(expected)
    header = f"🔎 Best match for “{question}”"
    assert any(line.startswith(header) for line in result.response.content.splitlines()[:2])


async def test_other_matches_open_privately_for_whoever_clicks(fan, other_fan, channel):
    result = await fan.slash(channel, "search", query="where did they film the train crash")
    assert result.response.content.endswith(" more below")
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


async def test_match_buttons_keep_working_long_after_and_links_stay(fan, other_fan, channel, env):
    result = await fan.slash(channel, "search", query="where was the bike jump filmed")
    await env.advance_time(24 * 60 * 60)  # a day on: far beyond any view timeout
    components = buttons(result.response)
    assert [c.get("label") for c in components if c.get("custom_id")] == ["Motorcycle cliff jump and BASE jump"]
    assert [c["url"] for c in components if c.get("url")] == [
        "https://www.youtube.com/embed/-lsFs2615gw?feature=oembed"
    ]
    opened = await other_fan.click(result.response, label="Motorcycle cliff jump and BASE jump")
    assert opened.ephemeral
    assert opened.response.embeds[0].title == STUNT + "Motorcycle cliff jump and BASE jump"


async def test_match_buttons_keep_working_after_a_restart(env, bot, config, fan, other_fan, channel):
    result = await fan.slash(channel, "search", query="where did they film the train crash")
    await bot.close()  # the process that sent the answer is gone; a new one starts on the same database
    await env.restart_bot(create_bot(config))
    opened = await other_fan.click(result.response, label=TRAIN_CRASH)
    assert opened.ephemeral
    assert opened.response.embeds[0].title == STUNT + TRAIN_CRASH


async def test_the_bot_keeps_no_view_per_answer(fan, channel, bot):
    for question in ("where did they film the train crash", "where was the bike jump filmed"):
        await fan.slash(channel, "search", query=question)
    views = bot._connection._view_store  # discord.py's per-message views (and their timeouts) live here
    assert not views._views and not views._synced_message_views


async def test_a_match_an_admin_removed_since_is_answered_privately(fan, other_fan, fact_admin, channel):
    result = await fan.slash(channel, "search", query="where did they film the train crash")
    for ref in ("video:bts-train", "stunt:train-crash-quarry"):  # the video points at the stunt: it goes first
        asked = await fact_admin.slash(channel, "fact remove", fact=ref)
        assert "Removed" in (await fact_admin.click(asked.response, label="Remove")).response.content
    opened = await other_fan.click(result.response, label=TRAIN_CRASH)
    assert opened.ephemeral
    assert opened.response.content == "I couldn't find a stunt matching “train-crash-quarry”."


@pytest.mark.parametrize("ref", ["stunt:no-such-stunt", "planet:mars"])
async def test_a_crafted_button_naming_an_unknown_fact_gets_a_friendly_reply(env, fan, other_fan, channel, ref,
                                                                              caplog):  # fmt: skip
    result = await fan.slash(channel, "search", query="where did they film the train crash")
    stored = env.backend.get_message(channel.id, result.response.id)
    [button] = [c for c in buttons(stored) if c.get("custom_id")]
    button["custom_id"] = f"open:{ref}"  # what a tampered client could send
    with caplog.at_level(logging.ERROR):
        opened = await other_fan.click(result.response, custom_id=f"open:{ref}")
    assert opened.ephemeral
    assert opened.response.content.startswith("I couldn't find a")
    assert not caplog.records  # answered, not logged as a crash


def test_a_match_buttons_custom_id_names_the_fact_and_always_fits():
    assert OpenMatch("stunt:bike-cliff-jump").custom_id == "open:stunt:bike-cliff-jump"
    longest_key = "k" * 63
    pydantic.TypeAdapter(Key).validate_python(longest_key)
    with pytest.raises(pydantic.ValidationError):
        pydantic.TypeAdapter(Key).validate_python(longest_key + "k")
    longest = OpenMatch(f"{max(KINDS, key=len)}:{longest_key}")
    assert len(longest.custom_id) <= 100  # Discord's limit
    assert longest.template.fullmatch(longest.custom_id)


async def test_a_video_answer_plays_inline(fan, channel):
    result = await fan.slash(channel, "search", query="final reckoning trailer")
    assert result.response.content.splitlines()[-1] == "https://www.youtube.com/watch?v=fsQgc9pCyDU"


async def test_nothing_found_is_ephemeral(fan, channel):
    result = await fan.slash(channel, "search", query="zzqx wvvk")
    assert result.ephemeral
    assert result.response.content == "I don't have that yet: “zzqx wvvk”."
    assert channel.last_message is None


def test_the_facts_a_ranking_reads_are_counted_from_the_vocabulary_up_to_enough():
    """What decides whether ``/search`` ranks on the event loop: each word's facts, a prefix's words' facts, a
    phrase's rarest word's; a word too short to be counted is taken as too many."""
    counts = {"train": 3, "trains": 2, "tom": 900, "united": 40, "kingdom": 7}
    vocabulary = Vocabulary(counts, TypoIndex(), sorted(counts))
    assert vocabulary.facts_read(Match(((Term("train"), Term("trai", prefix=True)),)), 100) == 8
    assert vocabulary.facts_read(Match(((Term("united kingdom"),), (Term("nowhere"),))), 100) == 7
    assert vocabulary.facts_read(Match(((Term("to", prefix=True),),)), 100) > 100  # counted only past enough
    assert vocabulary.facts_read(Match(((Term("uk"),),)), 100) > 100
