"""What the bot repeats from a person is shown as typed, never as markup: a question in the /search header or a
mention reply, a name in a not-found reply, a region, an admin's typed value. Everything goes through
``render.echo``; the try-out's reader (``tryout.plain``) shows the escaped text exactly as it was typed.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot import forms, render
from bot.tryout import plain
from tests.conftest import UTC_NOW, ask

HOSTILE = "[free nitro](https://evil.example/nitro) **now** ||x|| `y` <t:0:R> <#1> @here # big"
ESCAPED = r"\[free nitro\](https\://evil.example/nitro) \*\*now\*\* \|\|x\|\| \`y\` \<t:0:R> \<#1> \@here # big"
# A masked link, or a URL Discord would make clickable (or unfurl into a preview), that is not escaped.
LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(|(?<!\\)\b[a-z]+://")
MARKUP = re.compile(r"(?<!\\)(\*\*|__|~~|\|\||`|<[@#:at/]|@(everyone|here))")


def assert_escaped(text: str) -> None:
    assert not LINK.search(text), text
    assert not MARKUP.search(text), text


def test_every_markup_character_is_escaped_on_one_line():
    assert render.echo(HOSTILE, 200) == ESCAPED
    assert render.echo("first line\n# second   line", 200) == "first line # second line"  # a header only starts a line
    assert [render.echo(line, 200) for line in ("# big", "> quote", "-# small", "- item")] == [
        r"\# big",
        r"\> quote",
        r"\-# small",
        r"\- item",
    ]
    assert render.echo("x" * 300, 100) == "x" * 99 + "…"  # cut before escaping: the limit counts what was typed


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=300), st.integers(1, 200))
@example("\U000f0000 \\*", 10)  # a private-use character typed, where the try-out's reader hides escapes
def test_any_text_is_echoed_inert_and_reads_as_typed(text, limit):
    echoed = render.echo(text, limit)
    assert_escaped(echoed)
    assert "\n" not in echoed
    assert plain(echoed, UTC_NOW) == render.clip(" ".join(text.split()), limit)


# ----------------------------------------------------------------------------- where the bot repeats text


async def test_the_search_header_shows_the_question_as_typed(fan, channel):
    query = "train crash [free nitro](https://evil.example/nitro) @everyone"
    result = await fan.slash(channel, "search", query=query)
    assert not result.ephemeral  # a public message: everyone in the channel sees the header
    header = result.response.content.splitlines()[0]
    assert_escaped(header)
    assert query in plain(header, UTC_NOW)


async def test_a_not_found_reply_shows_the_name_as_typed(fan, channel):
    result = await fan.slash(channel, "stunt", name="[free nitro](https://evil.example/nitro)")
    assert result.ephemeral
    assert r"“\[free nitro\](https\://evil.example/nitro)”" in result.response.content


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("train crash [free nitro](https://evil.example/nitro)", "🔎 Best match for"),
        ("tell me a joke ||qq|| __qq__ `qq`", "I don't have that yet"),
    ],
)
async def test_a_mention_reply_shows_the_question_as_typed(fan, channel, bot, question, answer):
    reply = await ask(fan, channel, bot, question)
    assert reply.content.startswith(answer)
    assert_escaped(reply.content.split("The closest I know")[0])  # the suggestions are facts, in bold
    assert question in plain(reply.content, UTC_NOW)


async def test_the_region_on_a_release_card_shows_as_typed(fan, channel):
    card = (await fan.slash(channel, "release", film="MI8", region="__**United**__")).response.embeds[0]
    assert r"matching “\_\_\*\*United\*\*\_\_”" in card.description


async def test_settings_repeat_a_region_as_typed(manager, channel):
    refused = await manager.slash(channel, "settings region", region="[free nitro](https://evil.example/nitro)")
    assert refused.ephemeral and "No release is listed for “\\[free nitro\\]" in refused.response.content
    saved = await manager.slash(channel, "settings region", region="||United Kingdom||")
    assert "Region for release news: **\\|\\|United Kingdom\\|\\|**" in saved.response.content
    shown = await manager.slash(channel, "settings show")
    assert "**\\|\\|United Kingdom\\|\\|**" in shown.response.content


async def test_admin_replies_repeat_typed_values_as_typed(fact_admin, channel):
    undo = await fact_admin.slash(channel, "fact undo", change="[x](https://evil.example/)")
    assert undo.ephemeral and r"“\[x\](https\://evil.example/)” is not a change number" in undo.response.content


@pytest.mark.parametrize(
    ("value", "expected"),
    [("[x](https://e.example)", r"Date: '\[x\](https\://e.example)' is not a real date")],
)
def test_a_refused_form_value_is_repeated_as_typed(value, expected):
    with pytest.raises(forms.Invalid, match=re.escape(expected)):
        forms.fact_from_form("release", {"region": "France", "date": value, "sources": "https://e.example/ E"})
