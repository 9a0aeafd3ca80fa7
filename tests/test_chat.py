"""Questions in plain language, as a fan asks them: an @mention in a channel, or a direct message."""

from __future__ import annotations

import re

import discord
import pytest

from bot.app import create_bot, intents
from bot.config import Budget, MentionsConfig
from tests.conftest import ask

# A question and what its answer must name: the card may be the stunt or its place, as long as it answers.
QUESTIONS = {
    "where did they film the train crash?": "Darlton Quarry",
    "where was the motorbike jump filmed": "Helsetkopen",
    "when does the final reckoning come out?": "The Final Reckoning (2025)",
    "tell me about svalbard": "Svalbard",
    "how did they do the biplane stunt": "Biplane",
}


def card_text(embed: discord.Embed) -> str:
    return "\n".join([embed.title or "", embed.description or "", *(f"{f.name}\n{f.value}" for f in embed.fields)])


def bot_messages(env, channel) -> list[discord.Message]:
    return [m for m in channel.history() if m.author.id == env.bot.user.id]


@pytest.mark.parametrize(("text", "answer"), QUESTIONS.items())
async def test_a_mention_is_answered_with_the_right_card(fan, channel, bot, text, answer):
    reply = await ask(fan, channel, bot, text)
    assert reply is not None
    assert answer.casefold() in card_text(reply.embeds[0]).casefold()
    assert f"<@{bot.user.id}>" not in reply.content  # the question is quoted without the bot's mention


@pytest.mark.parametrize("text", list(QUESTIONS))
async def test_the_answer_is_the_one_search_gives(fan, channel, bot, text):
    searched = await fan.slash(channel, "search", query=text)
    reply = await ask(fan, channel, bot, text)
    assert reply is not None
    assert reply.embeds[0].title == searched.response.embeds[0].title


async def test_a_direct_message_is_a_question(env, fan):
    await fan.send_dm("where did they film the train crash?")
    reply = fan.user.dm_channel.last_message
    assert reply.author.id == env.bot.user.id
    assert "Darlton Quarry" in card_text(reply.embeds[0])


async def test_the_nickname_mention_form_works_too(fan, channel, bot):
    await fan.send(channel, f"<@!{bot.user.id}> where was the motorbike jump filmed")
    assert "Helsetkopen" in card_text(channel.last_message.embeds[0])


async def test_the_reply_pings_nobody(env, fan, channel, bot):
    await ask(fan, channel, bot, "where did they film the train crash?")
    sent = [r for r in env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    assert sent and all(r.json["allowed_mentions"] == {"parse": [], "replied_user": False} for r in sent)


async def test_it_shows_typing_before_it_answers(env, fan, channel, bot):
    await ask(fan, channel, bot, "where did they film the train crash?")
    paths = [r.path for r in env.http_requests if r.method == "POST"]
    typing, reply = f"/channels/{channel.id}/typing", f"/channels/{channel.id}/messages"
    assert typing in paths and paths.index(typing) < paths.index(reply)


async def test_buttons_open_the_other_matches_privately(fan, other_fan, channel, bot):
    reply = await ask(fan, channel, bot, "where did they film the train crash?")
    first_other = reply.components[0].children[0]
    opened = await other_fan.click(reply, label=first_other.label)
    assert opened.ephemeral
    assert first_other.label in opened.response.embeds[0].title


async def test_buttons_keep_working_a_day_later_and_after_a_restart(env, fan, other_fan, channel, bot, config):
    def buttons(message: discord.Message) -> list[dict]:
        return [button.to_dict() for row in message.components for button in row.children]

    reply = await ask(fan, channel, bot, "where did they film the train crash?")
    first_other = reply.components[0].children[0]
    await env.advance_time(24 * 60 * 60)
    assert buttons(channel.last_message) == buttons(reply)  # nothing was taken off the answer
    assert first_other.label in (await other_fan.click(reply, label=first_other.label)).response.embeds[0].title
    await bot.close()
    await env.restart_bot(create_bot(config))
    opened = await other_fan.click(reply, label=first_other.label)
    assert opened.ephemeral
    assert first_other.label in opened.response.embeds[0].title


@pytest.mark.parametrize("text", ["help", "", "  HELP!  ", "hello"])
async def test_help_lists_the_commands_a_fan_can_use(fan, channel, bot, text):
    reply = await ask(fan, channel, bot, text)
    guide = reply.embeds[0].description
    listed = set(re.findall(r"`/([^`]+)`", guide))
    assert listed == set(fan.available_commands(channel))  # what Discord shows this fan: no admin commands
    assert {"stunt", "search"} <= listed
    assert "Mention me" in guide


async def test_help_in_a_direct_message(env, fan):
    await fan.send_dm("help")
    guide = fan.user.dm_channel.last_message.embeds[0].description
    assert "Just write your question here" in guide
    assert "`/search`" in guide


async def test_an_unknown_question_gets_a_friendly_answer_with_suggestions(fan, channel, bot):
    reply = await ask(fan, channel, bot, "tell me a joke")
    assert reply.content.startswith("I don't have that yet: “tell me a joke”. The closest I know: **")
    assert reply.content.endswith("Say `help` to see what I can do.")
    assert not reply.embeds


async def test_other_bots_are_ignored(env, guild, channel, bot):
    other_bot = guild.add_member(env.create_user("otherbot", bot=True))
    await other_bot.send(channel, f"{bot.user.mention} where did they film the train crash?")
    assert not bot_messages(env, channel)


async def test_it_answers_each_question_once(env, fan, channel, bot):
    for text in ["where did they film the train crash?", "help", "tell me a joke"]:
        await ask(fan, channel, bot, text)
    assert len(bot_messages(env, channel)) == 3


async def test_messages_that_do_not_mention_it_are_ignored(env, guild, fan, channel, bot):
    assert intents().message_content is False and bot.intents.message_content is False
    role = guild.create_role("Agents")
    for text in [
        "where did they film the train crash?",
        "@everyone where did they film the train crash?",
        "@here where did they film the train crash?",
        f"{role.mention} where did they film the train crash?",
    ]:
        await fan.send(channel, text)
    assert not bot_messages(env, channel)


async def test_a_reply_to_its_answer_is_not_a_new_question(env, fan, channel, bot):
    reply = await ask(fan, channel, bot, "where did they film the train crash?")
    await fan.send(channel, "thanks!", reply_to=reply)
    assert len(bot_messages(env, channel)) == 1


async def test_per_user_limit_says_so_once_then_resets(env, fan, other_fan, channel, bot):
    # The note deletes itself after the window: a window longer than SimCord's settle timeout (see ``env``), so that
    # only advance_time reaches it.
    window = 2 * env.settle_timeout
    bot.config = bot.config.model_copy(update={"cooldown": Budget(uses=2, per_seconds=window)})
    for _ in range(2):
        assert (await ask(fan, channel, bot, "how did they do the biplane stunt")).embeds
    note = await ask(fan, channel, bot, "how did they do the biplane stunt")
    assert note.content.startswith("Easy, agent") and not note.embeds
    assert await ask(fan, channel, bot, "how did they do the biplane stunt") is None  # told once, then quiet
    assert (await ask(other_fan, channel, bot, "how did they do the biplane stunt")).embeds  # others may still ask
    assert note.id in [m.id for m in channel.history()]
    await env.advance_time(window + 1)
    assert note.id not in [m.id for m in channel.history()]  # the note tidies itself away
    assert (await ask(fan, channel, bot, "how did they do the biplane stunt")).embeds


async def test_per_channel_limit_is_the_configured_one(env, fan, other_fan, channel, bot):
    budget = Budget(uses=3, per_seconds=120)
    bot.config = bot.config.model_copy(update={"mentions": MentionsConfig(channel_budget=budget)})
    askers = [fan, other_fan]
    for turn in range(budget.uses):
        assert (await ask(askers[turn % 2], channel, bot, "tell me about svalbard")).embeds
    note = await ask(fan, channel, bot, "tell me about svalbard")
    assert note.content.startswith("Easy, agent")
    assert await ask(other_fan, channel, bot, "tell me about svalbard") is None
    await fan.send_dm("tell me about svalbard")  # the limit is per channel: a DM is another channel
    assert fan.user.dm_channel.last_message.embeds
    await env.advance_time(budget.per_seconds + 1)
    assert (await ask(other_fan, channel, bot, "tell me about svalbard")).embeds


async def test_a_server_can_turn_mention_replies_off(fan, manager, channel, bot):
    turned_off = await manager.slash(channel, "settings mentions", enabled=False)
    assert turned_off.ephemeral
    assert await ask(fan, channel, bot, "where did they film the train crash?") is None
    await fan.send_dm("where did they film the train crash?")  # direct messages are not the server's to turn off
    assert fan.user.dm_channel.last_message.embeds
    await manager.slash(channel, "settings mentions", enabled=True)
    assert await ask(fan, channel, bot, "where did they film the train crash?") is not None


async def test_a_failed_reply_is_logged_not_raised(env, fan, channel, bot, caplog):
    env.inject_error("POST", f"/channels/{channel.id}/typing", status=403, code=50013, message="Missing Permissions")
    assert await ask(fan, channel, bot, "where did they film the train crash?") is None
    assert "Could not answer" in caplog.text
    assert (await ask(fan, channel, bot, "where did they film the train crash?")).embeds  # and it recovers


async def test_a_mention_gets_the_commands_short_message_when_the_store_cannot_be_read(fan, channel, bot):
    await bot.store.close()  # the database is gone: every read fails
    command = await fan.slash(channel, "stunt", name="motorbike")
    assert command.ephemeral and command.response.content == "The fact database cannot be read right now."
    reply = await ask(fan, channel, bot, "where did they film the train crash?")
    assert reply is not None and reply.content == command.response.content
