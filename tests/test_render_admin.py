"""The admin renderer on its own: history pages, import dry runs and server settings, always within Discord's
limits, with no Discord and no store."""

from __future__ import annotations

import datetime as dt

from bot import limits, render_admin
from bot.models import Change
from bot.posting import ChannelProblem
from bot.store import GuildSettings
from tests.conftest import stunt

AT = dt.datetime(2026, 1, 5, 14, 5, tzinfo=dt.UTC)


def change(number: int, before: dict | None, after: dict | None, action: str = "edit") -> Change:
    return Change.model_validate(
        {
            "id": number,
            "set_id": number,
            "ref": "stunt:jump",
            "action": action,
            "author_id": 1,
            "author_name": "luther_admin",
            "at": AT,
            "before": before,
            "after": after,
        }
    )


def test_an_edit_shows_what_changed_field_by_field():
    entry = render_admin.change_entry(change(12, {"name": "Jump", "people": ["A"]}, {"name": "Leap", "people": ["B"]}))
    assert entry.startswith("**#12 · edited** by luther_admin")
    assert "• **name**: Jump → Leap" in entry
    assert "• **people** − A" in entry and "• **people** + B" in entry


def test_a_long_history_is_paged_without_splitting_an_entry():
    long = "x" * 140
    changes = [change(n, {"summary": long * 3}, {"summary": long * 3 + str(n)}) for n in range(40)]
    pages = render_admin.history_pages(stunt(), changes)
    assert len(pages) > 1
    assert pages[0].title == "🕓 History of stunt Jump"
    assert pages[0].footer.text == f"Page 1/{len(pages)} · 40 change(s) · /fact undo reverts one"
    shown = "\n\n".join(page.description for page in pages).split("\n\n")
    assert len(shown) == 40  # every entry whole, on one page
    assert all(len(page.description) <= limits.DESCRIPTION_MAX and len(page) <= 6000 for page in pages)


def test_no_history_says_so():
    (page,) = render_admin.history_pages(stunt(), [])
    assert page.description == "No changes recorded yet."


def test_a_pause_is_stored_as_a_code_and_read_back():
    problem = ChannelProblem("permissions", 1234, "send_messages,embed_links", dt.date(2026, 1, 5))
    assert problem.code() == "permissions 2026-01-05 1234 send_messages,embed_links"
    assert ChannelProblem.from_code(problem.code()) == problem
    refused = ChannelProblem("refused", 5, "Missing Access", dt.date(2026, 1, 5))
    assert ChannelProblem.from_code(refused.code()) == refused


def test_a_reason_stored_by_an_older_version_reads_as_an_unknown_problem():
    legacy = "Paused on 05 Jan 2026: the channel I post in (id 5) was deleted. Fix that, then set the channel again."
    assert ChannelProblem.from_code(legacy) == ChannelProblem("unknown")
    assert ChannelProblem.from_code("unknown") == ChannelProblem("unknown")


def test_settings_show_the_pause_in_words_naming_the_commands_that_fix_it():
    code = ChannelProblem("permissions", 42, "send_messages,embed_links", dt.date(2026, 1, 5)).code()
    text = render_admin.settings_text(GuildSettings(1, 42, None, None, disabled_reason=code))
    assert (
        "⚠️ **Posting is paused** since 05 Jan 2026: I lost the Send Messages, Embed Links permission in <#42>. "
        "Fix that, then set the channel again with `/settings bts-channel`, `/settings announcements`, "
        "`/settings trivia-channel` or `/settings on-this-day`."
    ) in text
    assert "paused" not in render_admin.settings_text(GuildSettings(1, 42))


def test_settings_fit_in_a_message_whatever_they_hold():
    problems = [ChannelProblem("refused", 2, "y" * 5000)] * 3
    text = render_admin.settings_text(GuildSettings(1, 2, 3, "x" * 300, True, False, "z" * 5000), problems)
    assert len(text) <= limits.CONTENT_MAX
