"""The one error path (``FanTree.on_error``): whatever fails, a slash command, a view's button, a match button, an
admin's form or the answer to a mention, the person gets the same short apology (privately where Discord allows
it) or, for a mistake they can fix, the bot's own words; an unexpected error is logged once, its traceback as the
record's ``exc_info`` and never in the message."""

from __future__ import annotations

import logging

import pytest

from bot.app import APOLOGY
from bot.errors import Invalid
from tests.conftest import ask, prefilled


class Planted(RuntimeError):
    """A bug the test plants in the store."""


FIXABLE = "The planted problem: fix it and try again. Nothing was changed."


def plant(monkeypatch, store, method: str, error: Exception) -> None:
    """Make one store method fail, as a bug (or a refusal) deep in the bot would."""

    async def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(store, method, fail)


def tracebacks(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.exc_info]


def logged_once(caplog, during: str) -> None:
    """One record carries the planted error as its traceback; its message says what failed, without the trace."""
    (record,) = tracebacks(caplog)
    assert record.levelno == logging.ERROR and record.name == "bot.app"
    assert isinstance(record.exc_info[1], Planted)
    assert record.getMessage().startswith(during)
    assert "Traceback" not in record.getMessage() and "planted" not in record.getMessage()


async def stunt_command(fan, fact_admin, channel, break_it):
    break_it()
    return await fan.slash(channel, "stunt", name="motorbike")


async def remove_button(fan, fact_admin, channel, break_it):
    asked = await fact_admin.slash(channel, "fact remove", fact="stunt:carrier-fr")
    break_it()
    return await fact_admin.click(asked.response, label="Remove")


async def match_button(fan, fact_admin, channel, break_it):
    answer = await fan.slash(channel, "search", query="where did they film the train crash")
    break_it()
    return await fan.click(answer.response, label="Orient Express train crash (Darlton Quarry)")


async def edit_form(fan, fact_admin, channel, break_it):
    form = await fact_admin.slash(channel, "fact edit", fact="stunt:speed-flying")
    break_it()
    return await fact_admin.submit_modal(form, prefilled(form) | {"summary": "A new summary."})


# (what the person does, breaking the store method under its last step, and how the log names it)
ACTIONS = [
    (stunt_command, "find", "/stunt of ethan_fan"),
    (remove_button, "remove", "A component of luther_admin"),
    (match_button, "entry", "A component of ethan_fan"),
    (edit_form, "update", "A modal submit of luther_admin"),
]
IDS = ["command", "view button", "match button", "form"]


@pytest.mark.expected_errors(Planted, reason="the test plants a bug")
@pytest.mark.parametrize(("action", "method", "during"), ACTIONS, ids=IDS)
async def test_a_bug_gets_the_short_apology_privately_and_one_traceback_in_the_log(
    fan, fact_admin, channel, store, monkeypatch, caplog, action, method, during
):
    with caplog.at_level(logging.ERROR):
        result = await action(fan, fact_admin, channel, lambda: plant(monkeypatch, store, method, Planted("planted")))
    assert result.ephemeral
    assert result.response.content == APOLOGY
    logged_once(caplog, during)


@pytest.mark.parametrize(("action", "method", "during"), ACTIONS, ids=IDS)
async def test_a_mistake_the_person_can_fix_is_told_in_the_bots_words_and_not_logged(
    fan, fact_admin, channel, store, monkeypatch, caplog, action, method, during
):
    with caplog.at_level(logging.ERROR):
        result = await action(fan, fact_admin, channel, lambda: plant(monkeypatch, store, method, Invalid(FIXABLE)))
    assert result.ephemeral
    assert result.response.content == FIXABLE
    assert not tracebacks(caplog)


@pytest.mark.expected_errors(Planted, reason="the test plants a bug")
async def test_a_bug_answering_a_mention_gets_the_same_apology_and_one_traceback(
    fan, channel, bot, store, monkeypatch, caplog
):
    plant(monkeypatch, store, "search", Planted("planted"))
    with caplog.at_level(logging.ERROR):
        reply = await ask(fan, channel, bot, "where did they film the train crash?")
    assert reply is not None and reply.content == APOLOGY and not reply.embeds
    logged_once(caplog, f"Answering message {reply.reference.message_id} of ethan_fan")


async def test_a_mistake_answering_a_mention_is_told_in_the_bots_words(fan, channel, bot, store, monkeypatch, caplog):
    plant(monkeypatch, store, "search", Invalid(FIXABLE))
    with caplog.at_level(logging.ERROR):
        reply = await ask(fan, channel, bot, "where did they film the train crash?")
    assert reply is not None and reply.content == FIXABLE
    assert not tracebacks(caplog)
