"""/stunt and /stunts as a fan uses them."""

from __future__ import annotations


async def test_motorbike_finds_the_cliff_jump(fan, channel):
    result = await fan.slash(channel, "stunt", name="motorbike")
    card = result.response.embeds[0]
    assert "Motorcycle" in card.title
    assert "Helsetkopen" in card.fields[1].value
    assert not result.ephemeral


async def test_unknown_stunt_is_ephemeral_with_suggestions(fan, channel):
    result = await fan.slash(channel, "stunt", name="zzzz qqqq")
    assert result.ephemeral
    assert "couldn't find" in result.response.content


async def test_autocomplete_bike(fan, channel):
    choices = await fan.autocomplete(channel, "stunt", "name", "bike")
    assert choices[0]["value"] == "stunt:bike-cliff-jump"
