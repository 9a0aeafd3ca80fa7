"""/trivia as fans play it through SimCord: questions answered by button in both modes with several players,
scores and streaks, no repeats, spoilers only when asked, an admin's edit at once, a restart during a question,
and the leaderboard.

The bot picks questions at random; a test finds the right answer in the round the buttons name (the store), as
a player who knows the film would.
"""

from __future__ import annotations

import asyncio

from bot.app import create_bot
from bot.store import open_store
from bot.store.games import EVERYWHERE
from tests.conftest import buttons, edit
from tests.test_tryout import mi_bot

PERSONAL, RACE = 60, 45  # the configured seconds a question stays open (bot.config.TriviaConfig)


def answers(message) -> list[dict]:
    return [b for b in buttons(message) if b.get("custom_id", "").startswith("trivia:")]


def round_of(message) -> int:
    return int(answers(message)[0]["custom_id"].split(":")[1])


async def ask(player, channel, **options):
    """A question asked with /trivia play (in a DM when ``channel`` is None), and its round as the store keeps it."""
    asked = await (
        player.slash("trivia play", **options) if channel is None else player.slash(channel, "trivia play", **options)
    )
    assert not asked.ephemeral, asked.response.content
    return asked, await player._env.bot.store.games.round(round_of(asked.response))


async def pick(player, asked, played, *, right: bool):
    choice = played.question.right if right else (played.question.right + 1) % 4
    return await player.click(asked.response, custom_id=f"trivia:{played.id}:{choice}")


def text(embed) -> str:
    return "\n".join([embed.title or "", embed.description or "", *(f"{f.name}: {f.value}" for f in embed.fields)])


async def test_a_personal_question_is_answered_by_its_asker_and_revealed_with_its_source(
    fan, other_fan, channel, store
):
    asked, played = await ask(fan, channel)
    question = asked.response.embeds[0]
    assert question.title.startswith("❓ Trivia: ")
    assert all(f"**{letter}** · " in question.description for letter in "ABCD")
    assert [b["label"][0] for b in answers(asked.response)] == list("ABCD")
    assert f"<@{fan.id}>'s question: only they answer" in question.description

    refused = await pick(other_fan, asked, played, right=True)  # not theirs: nothing counted
    assert refused.ephemeral and "to answer" in refused.response.content
    assert await store.games.score(EVERYWHERE, other_fan.id) is None

    answered = await pick(fan, asked, played, right=True)
    reveal = asked.response.embeds[0]
    assert not answered.ephemeral and answers(asked.response) == []  # the buttons are gone
    assert reveal.title == f"✅ Trivia answer: {played.question.answer}"
    assert f"<@{fan.id}> · {'ABCD'[played.question.right]} ✅" in text(reveal)
    assert played.question.sources[0].url in text(reveal)  # the answer's source
    assert "1 point · streak 1 (best 1)" in text(reveal)


async def test_points_and_streaks_count_per_server_and_everywhere(env, fan, channel, store):
    for right in (True, True, True, False, True):
        asked, played = await ask(fan, channel)
        await pick(fan, asked, played, right=right)
    here = await store.games.score(channel.guild.id, fan.id)
    assert (here.points, here.answered, here.streak, here.best_streak) == (4, 5, 1, 3)

    elsewhere = env.create_guild("Rogue Fans")
    chat = elsewhere.create_text_channel("chat")
    visitor = elsewhere.add_member(fan.user)
    asked, played = await ask(visitor, chat)
    await pick(visitor, asked, played, right=True)
    assert (await store.games.score(elsewhere.id, fan.id)).points == 1
    assert (await store.games.score(EVERYWHERE, fan.id)).points == 5  # one player, across servers


async def test_a_race_lets_anyone_answer_once_and_the_first_right_answer_wins(
    env, guild, fan, other_fan, channel, store
):
    third = guild.add_member(env.create_user("benji_fan"))
    asked, played = await ask(fan, channel, mode="race")
    assert "A race: anyone may answer, once" in asked.response.embeds[0].description
    stale = env.backend.get_message(channel.id, asked.response.id).components  # what a slow client still shows

    wrong = await pick(other_fan, asked, played, right=False)
    assert wrong.ephemeral and "out of this race" in wrong.response.content
    again = await pick(other_fan, asked, played, right=True)
    assert again.ephemeral and "already answered" in again.response.content
    assert answers(asked.response)  # still open for the others

    won = await pick(third, asked, played, right=True)
    assert not won.ephemeral
    reveal = text(asked.response.embeds[0])
    assert f"🏁 <@{third.id}> got it first." in reveal
    assert f"<@{other_fan.id}> · {'ABCD'[(played.question.right + 1) % 4]} ❌" in reveal

    env.backend.get_message(channel.id, asked.response.id).components = stale
    late = await pick(fan, asked, played, right=True)  # clicked on the old buttons a moment too late
    assert late.followups[0].ephemeral and f"Too late: <@{third.id}> got it first." in late.followups[0].content
    assert answers(asked.response) == []
    assert (await store.games.score(channel.guild.id, third.id)).points == 1
    assert (await store.games.score(channel.guild.id, other_fan.id)).points == 0
    assert await store.games.score(channel.guild.id, fan.id) is None


async def test_two_right_answers_at_once_from_two_processes_make_one_winner(env, fan, other_fan, channel, config):
    _, played = await ask(fan, channel, mode="race")
    stores = [env.bot.store, await open_store(config.database)]  # a second process on the same database
    try:
        right = played.question.right
        players = zip(stores, (fan, other_fan), strict=True)
        clicks = [s.games.answer(played.id, p.id, p.name, right, env.now()) for s, p in players]
        outcomes = await asyncio.gather(*clicks)
    finally:
        await stores[1].close()
    assert sorted(o.value for o in outcomes) == ["closed", "right"]
    assert (await env.bot.store.games.round(played.id)).winner_id in (fan.id, other_fan.id)


async def test_a_question_nobody_answers_closes_on_time_and_breaks_the_streak(env, fan, channel, store):
    asked, played = await ask(fan, channel)
    await pick(fan, asked, played, right=True)
    asked, played = await ask(fan, channel)
    await env.advance_time(PERSONAL + 1)
    reveal = text(asked.response.embeds[0])
    assert "Nobody answered in time." in reveal and f"✅ Trivia answer: {played.question.answer}" in reveal
    assert answers(asked.response) == []
    assert (await store.games.score(channel.guild.id, fan.id)).streak == 0


async def test_a_question_keeps_working_across_a_restart(env, bot, config, fan, channel, store):
    asked, played = await ask(fan, channel)
    await bot.close()  # the process that asked is gone; a new one starts on the same database
    await env.restart_bot(create_bot(config))
    answered = await pick(fan, asked, played, right=True)
    assert not answered.ephemeral
    assert f"✅ Trivia answer: {played.question.answer}" in text(asked.response.embeds[0])
    assert (await env.bot.store.games.score(channel.guild.id, fan.id)).points == 1


async def test_a_question_that_runs_out_while_the_bot_is_down_expires_cleanly(env, bot, config, fan, channel):
    asked, played = await ask(fan, channel)
    await bot.close()
    await env.advance_time(PERSONAL + 60)
    await env.restart_bot(create_bot(config))
    late = await pick(fan, asked, played, right=True)
    assert late.followups[0].ephemeral and "this question has closed" in late.followups[0].content
    assert "Nobody answered in time." in text(asked.response.embeds[0]) and answers(asked.response) == []
    assert await env.bot.store.games.score(channel.guild.id, fan.id) is None


async def test_no_question_comes_back_within_a_players_last_fifty(fan, other_fan, channel):
    seen = []
    for _ in range(3):  # Dead Reckoning's number questions without spoilers: three lines of its stunts' numbers
        _, played = await ask(fan, channel, film="dr1", topic="numbers")
        seen.append(played.question.id)
    assert len(set(seen)) == 3
    refused = await fan.slash(channel, "trivia play", film="dr1", topic="numbers")
    assert refused.ephemeral and "You have had every “Stunt numbers” question about" in refused.response.content
    _, played = await ask(other_fan, channel, film="dr1", topic="numbers")  # another player's history is their own
    assert played.question.id in seen


async def test_spoiler_marked_stunts_are_asked_about_only_when_the_player_wants_spoilers(fan, channel):
    # Of the first film's four stunts, three are marked with a spoiler: only the aquarium is asked about.
    _, played = await ask(fan, channel, film="mi1", topic="stunts")
    assert played.question.id == "film:mi1-aquarium-explosion" and not played.question.spoiler
    refused = await fan.slash(channel, "trivia play", film="mi1", topic="stunts")
    assert refused.ephemeral
    asked, played = await ask(fan, channel, film="mi1", topic="stunts", spoilers=True)
    assert played.question.spoiler and "spoilers asked for" in asked.response.embeds[0].footer.text


async def test_an_admins_edit_changes_the_questions_made_from_the_fact_at_once(fact_admin, fan, channel):
    shown = await fact_admin.slash(channel, "fact edit", fact="stunt:bike-cliff-jump")
    extras = next(
        c["components"][0]["value"] for c in shown.modal["components"] if c["components"][0]["custom_id"] == "extras"
    )
    await edit(
        fact_admin, channel, "stunt:bike-cliff-jump", extras=extras.replace("6 times in one day", "7 times in one day")
    )
    prompts = {}
    for _ in range(3):
        _, played = await ask(fan, channel, film="dr1", topic="numbers")
        prompts[played.question.prompt] = played.question.options[played.question.right]
    assert prompts["**Motorcycle cliff jump and BASE jump**: Cruise made the jump **?** times in one day"] == "7"


async def test_the_leaderboard_is_paged_names_never_ping_and_a_dm_counts_everywhere(env, guild, fan, channel, store):
    players = [guild.add_member(env.create_user(f"@everyone fan {n}")) for n in range(11)]
    for player in players:
        asked, played = await ask(player, channel)
        await pick(player, asked, played, right=True)
    board = await fan.slash(channel, "trivia scores")
    page = board.response.embeds[0]
    assert page.title == "🏆 Trivia scores in this server"
    assert page.footer.text == "Page 1/2 · 11 in all"
    assert "**1.** \\@everyone fan 0 · **1** point · 1 answered · best streak 1" in page.description

    asked, played = await ask(fan.user, None)  # in a DM with the bot: it counts everywhere, not in a server
    await pick(fan.user, asked, played, right=True)
    assert played.guild_id is None and await store.games.score(guild.id, fan.id) is None
    everywhere = await fan.slash(channel, "trivia scores", everywhere=True)
    assert everywhere.response.embeds[0].title == "🏆 Trivia scores everywhere"
    assert everywhere.response.embeds[0].footer.text == "Page 1/2 · 12 in all"
    in_dm = await fan.user.slash("trivia scores")
    assert in_dm.response.embeds[0].title == "🏆 Trivia scores everywhere"


def test_a_newcomer_plays_a_round_in_the_offline_try_out(tmp_path) -> None:
    typed = ["/trivia play", "2", "/trivia scores", "/trivia play mode:race topic:Release dates", "quit"]
    done = mi_bot(tmp_path, stdin="\n".join(typed) + "\n")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    asked, clicked, board, race, _ = done.stdout.split("\n> ")[1:]
    assert "┃ ❓ Trivia: " in asked and "only they answer. It closes in " in asked
    assert "[1] A · " in asked and "[4] D · " in asked and "*" not in asked.split("[1]")[1]  # labels show no markdown
    assert "┃ ✅ Trivia answer: " in clicked and "┃ Who answered: @you · B " in clicked
    assert "┃ 🏆 Trivia scores in this server" in board and "1. you · " in board
    assert "┃ ❓ Trivia: Release dates" in race and "A race" in race
    assert "Traceback" not in done.stdout
