"""The daily trivia question and "on this day", on SimCord's virtual clock (from Thursday 1 January 2026, 00:00
UTC): posted once per server and day, across restarts, caught up after a short downtime, skipped after a long one;
and /onthisday on demand, anywhere."""

from __future__ import annotations

import datetime as dt
import logging

import discord
import pytest

from bot.errors import StoreUnavailable
from bot.models import Film, Location, Release, Stunt, Video
from bot.schedule import daily_due
from bot.store import Author
from tests.test_news import go_to, restart


async def subscribe(env, guild, **channels: dict) -> dict[str, object]:
    """A manager's choices: ``trivia={"hour": 9}`` and/or ``on_this_day={}``; returns the channels by name, the
    manager and the channel they typed in (``chat``)."""
    role = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    manager = guild.add_member(env.create_user(f"manager{guild.id}"), roles=[role])
    chat = guild.create_text_channel("chat")
    made = {"manager": manager, "chat": chat}
    for name, options in channels.items():
        made[name] = guild.create_text_channel(name)
        command = "settings trivia-channel" if name == "trivia" else "settings on-this-day"
        done = await manager.slash(chat, command, channel=made[name], **options)
        assert done.ephemeral and "Done:" in done.response.content, done.response.content
    return made


def posts(channel) -> list[discord.Message]:
    return list(channel.history())


def answer_buttons(message: discord.Message) -> list[str]:
    """The custom ids of a post's answer buttons."""
    ids = [getattr(c, "custom_id", None) or "" for row in message.components for c in getattr(row, "children", [])]
    return [i for i in ids if i.startswith("trivia:")]


def test_a_daily_post_is_due_from_its_hour_and_caught_up_only_a_few_hours_late():
    day = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    assert daily_due(day + dt.timedelta(hours=8, minutes=59), 9) is None  # yesterday's 09:00 is 24 h gone
    assert daily_due(day + dt.timedelta(hours=9), 9) == day.date()
    assert daily_due(day + dt.timedelta(hours=15), 9) == day.date()  # six hours late: still posted
    assert daily_due(day + dt.timedelta(hours=15, minutes=1), 9) is None  # later: skipped, never a flood
    assert daily_due(day + dt.timedelta(hours=2), 22) == day.date() - dt.timedelta(days=1)  # the night's post


async def test_the_daily_question_goes_out_once_everyone_answers_once_and_it_is_revealed(
    env, guild, fan, other_fan, config, store
):
    channel = (await subscribe(env, guild, trivia={"hour": 9}))["trivia"]
    await go_to(env, 0, hour=8)
    assert posts(channel) == []
    await go_to(env, 0, hour=9)
    [post] = posts(channel)
    assert post.content == "❓ **Today's trivia question**"
    assert "Everyone gets one answer" in post.embeds[0].description
    round_id = int(answer_buttons(post)[0].split(":")[1])
    right = (await store.games.round(round_id)).question.right

    mine = await fan.click(post, custom_id=f"trivia:{round_id}:{right}")
    assert mine.ephemeral and mine.response.content.startswith("✅ Right: +1 point.")
    theirs = await other_fan.click(post, custom_id=f"trivia:{round_id}:{(right + 1) % 4}")
    assert theirs.ephemeral and theirs.response.content.startswith("❌ Not")
    assert answer_buttons(posts(channel)[0])  # open all day for the others

    await restart(env, config, down_until=(0, 10))  # a restart the same day posts nothing twice
    assert len(posts(channel)) == 1
    await go_to(env, 0, hour=22)  # 12 hours after the post: the answer shows
    [revealed] = posts(channel)
    assert revealed.embeds[0].title.startswith("✅ Trivia answer: ")
    assert f"<@{fan.id}> · {'ABCD'[right]} ✅" in revealed.embeds[0].fields[0].value
    assert answer_buttons(revealed) == []
    assert (await env.bot.store.games.score(guild.id, fan.id)).points == 1

    await go_to(env, 1, hour=9)
    second = posts(channel)
    assert len(second) == 2 and second[-1].embeds[0].description != revealed.embeds[0].description


def store_busy_once(env, channel, monkeypatch) -> None:
    """Making the question fails once: the store refuses the new round for a moment."""
    games = env.bot.store.games
    start_round = games.start_round

    async def busy(*args: object, **kwargs: object) -> None:
        monkeypatch.setattr(games, "start_round", start_round)
        raise StoreUnavailable("The fact database is busy (locked by another program).")

    monkeypatch.setattr(games, "start_round", busy)


def channel_refuses_once(env, channel, monkeypatch) -> None:
    """Sending the question fails once (a passing failure, not a reason to pause the server)."""
    env.inject_error("POST", f"/channels/{channel.id}/messages", status=400, message="injected by the test", times=1)


@pytest.mark.parametrize("fault", [store_busy_once, channel_refuses_once])
async def test_a_daily_question_that_failed_is_posted_once_at_the_next_try_and_leaves_no_round_behind(
    env, guild, store, monkeypatch, fault
):
    channel = (await subscribe(env, guild, trivia={"hour": 9}))["trivia"]
    fault(env, channel, monkeypatch)
    await go_to(env, 0, hour=9)
    assert posts(channel) == []
    assert await store.games.open_rounds() == []  # the failed round is gone (or was never made)

    await go_to(env, 0, hour=10)  # the first catch-up hour
    [post] = posts(channel)
    [(round_id, _)] = await store.games.open_rounds()
    assert answer_buttons(post)[0].startswith(f"trivia:{round_id}:")
    assert (await store.games.round(round_id)).message_id == post.id
    await go_to(env, 0, hour=16)  # the later catch-up hours post nothing more
    assert len(posts(channel)) == 1
    assert (await store.guild_settings(guild.id)).disabled_reason is None


async def test_a_server_whose_facts_make_no_question_gets_no_post_and_one_plain_warning_a_try(
    env, guild, store, caplog
):
    channel = (await subscribe(env, guild, trivia={"hour": 9}))["trivia"]
    for kind in (Video, Stunt, Location, Release, Film):  # everything questions are made from
        for fact in await store.facts(kind):
            await store.remove(fact.ref, Author(1, "admin"))
    await go_to(env, 0, hour=10)  # the hour and the first catch-up hour

    assert posts(channel) == []
    assert await store.games.open_rounds() == []
    warnings = [r for r in caplog.records if r.name == "bot.posting" and r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        f"No post for server {guild.id}: No trivia question can be made from the facts."
    ] * 2
    assert all(r.exc_info is None for r in warnings)  # a state an admin can fix, not a crash to debug


async def test_a_daily_post_missed_by_hours_is_caught_up_and_one_missed_by_a_day_skipped(env, guild, config):
    made = await subscribe(env, guild, trivia={"hour": 9}, on_this_day={})
    channel = made["trivia"]
    await go_to(env, 0, hour=10)
    assert len(posts(channel)) == 1

    await restart(env, config, down_until=(1, 13))  # missed day 1 at 09:00 by four hours: posted on return
    assert len(posts(channel)) == 2
    await restart(env, config, down_until=(2, 17))  # missed day 2 by eight hours: skipped, no burst
    assert len(posts(channel)) == 2
    await go_to(env, 3, hour=10)
    assert len(posts(channel)) == 3


async def test_on_this_day_posts_anniversaries_once_and_nothing_on_days_without_any(env, guild, config):
    channel = (await subscribe(env, guild, on_this_day={}))["on_this_day"]
    for day in range(3):  # 1 to 3 January: nothing in the facts is dated on those days (nor up to 24 January)
        await go_to(env, day, hour=12)
        assert posts(channel) == []
    await restart(env, config, down_until=(24, 9))  # 25 January: Dead Reckoning came to Paramount+ in 2024
    [post] = posts(channel)
    assert post.embeds[0].title == "📆 On this day: 25 January"
    assert "**2024** (2 years ago) · *Mission: Impossible – Dead Reckoning Part One* started streaming in the" in (
        post.embeds[0].description
    )
    await restart(env, config, down_until=(24, 20))
    await go_to(env, 26)
    assert len(posts(channel)) == 1


async def test_onthisday_answers_for_any_day_anywhere(fan, channel):
    shown = await fan.slash(channel, "onthisday", date="27 July")
    card = shown.response.embeds[0]
    assert not shown.ephemeral and card.title == "📆 On this day: 27 July"
    assert "*Mission: Impossible – Fallout* opened in cinemas in the United States and India" in card.description
    assert card.fields[0].name == "Sources"

    in_dm = await fan.user.slash("onthisday", date="2017-08-13")
    assert "London rooftop jump" in in_dm.response.embeds[0].description


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("1 January", "I couldn't find a dated fact matching “1 January”. Did you mean"),
        ("31 June", "“31 June” is not a day I can read"),
        ("soon", "“soon” is not a day I can read"),
    ],
)
async def test_a_day_without_anniversaries_or_not_a_day_is_answered_privately(fan, channel, typed, said):
    shown = await fan.slash(channel, "onthisday", date=typed)
    assert shown.ephemeral and shown.response.content.startswith(said)


async def test_settings_show_the_daily_posts_and_turn_them_off(env, guild, store):
    made = await subscribe(env, guild, trivia={"hour": 18}, on_this_day={})
    manager, chat = made["manager"], made["chat"]
    shown = (await manager.slash(chat, "settings show")).response.content
    assert f"The daily trivia question goes to: <#{made['trivia'].id}>, every day at 18:00 UTC (<t:" in shown
    assert f"Anniversaries (on this day) go to: <#{made['on_this_day'].id}>, at 08:00 UTC (<t:" in shown

    await manager.slash(chat, "settings off", setting="trivia-channel")
    settings = await store.guild_settings(guild.id)
    assert settings.trivia_channel_id is None and settings.on_this_day_channel_id == made["on_this_day"].id
