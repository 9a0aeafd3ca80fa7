"""bot.ui as fans meet it: page turning, buttons that expire, and the film autocomplete every command shares."""

from __future__ import annotations

import pytest

from bot.config import TimeoutsConfig
from tests.conftest import buttons, show_command


def page(result) -> str:
    return result.response.embeds[0].footer.text.split(" · ")[0]


async def test_a_paginated_message_edited_as_discord_reports_it_keeps_turning_pages(fan, channel, bot):
    """Discord reports every edit of a message as a MESSAGE_UPDATE, and discord.py hands the message's view the new
    components (``View._refresh``): a paginator that shadowed that hook broke on the first edit it heard of."""
    result = await fan.slash(channel, "stunts")
    await fan.click(result.response, label="Next")
    edited = await bot.http.get_message(channel.id, result.response.id)  # the message as Discord sends it
    bot._connection.parsers["MESSAGE_UPDATE"](edited)  # what discord.py does when that event arrives

    await fan.click(result.response, label="Next")
    assert page(result) == "Page 3/5"
    await fan.click(result.response, label="First")
    assert page(result) == "Page 1/5"
    state = {b["label"]: b["disabled"] for b in buttons(result.response)}
    assert state == {"First": True, "Previous": True, "1/5": True, "Next": False, "Last": False}


async def test_buttons_work_for_the_configured_time_then_leave_the_message(env, fan, channel, bot):
    bot.config = bot.config.model_copy(update={"timeouts": TimeoutsConfig(buttons_seconds=30)})
    result = await fan.slash(channel, "stunts")
    await env.advance_time(29)
    await fan.click(result.response, label="Next")
    assert page(result) == "Page 2/5"
    await env.advance_time(31)  # 30 s after the last click
    assert result.response.components == []
    assert page(result) == "Page 2/5"  # the page shown stays


@pytest.mark.parametrize("typed", ["", "fall", "part two", "mi 3"])
async def test_every_film_option_offers_the_same_films(fan, fact_admin, guild, bot, channel, typed):
    offered = [
        await fan.autocomplete(channel, "stunts", "film", typed),
        await fan.autocomplete(channel, "release", "film", typed),
        await fact_admin.autocomplete(channel, "fact add", "film", typed, kind="stunt"),
    ]
    assert offered[0] and offered[0] == offered[1] == offered[2]
    assert all(choice["value"].startswith("film:") for choice in offered[0])


async def test_only_admins_get_film_names_for_fact_add(fan, guild, bot, channel):
    await show_command(bot, guild, "fact", fan)
    assert await fan.autocomplete(channel, "fact add", "film", "fall", kind="stunt") == []
