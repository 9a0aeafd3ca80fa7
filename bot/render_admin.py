"""Pure rendering for admins and server managers: change history as a readable diff, import dry runs, the
server's settings and why posting there paused.

Like ``bot.render``: no I/O, and everything stays within Discord's limits, so it can be tested on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import discord

from bot import limits, render
from bot.config import TriviaConfig
from bot.models import Change, Fact, changed_fields
from bot.posting import ChannelProblem
from bot.schedule import daily_hour
from bot.store import ChangeSet, GuildSettings, ImportPlan

VALUE_MAX = 150  # one value in a diff line

ACTIONS = {
    "add": "added",
    "edit": "edited",
    "remove": "removed",
    "restore": "restored",
    "undo": "undone",
    "conflict": "pack update not applied (an admin had edited it)",
}


def change_choice(change: ChangeSet) -> str:
    """``#12 edited release … — luther_admin, 03 Jun 14:05``."""
    label = f"#{change.id} {change.summary} — {change.author_name}, {change.at:%d %b %H:%M}"
    return render.clip(label, limits.CHOICE_NAME_MAX)


# ----------------------------------------------------------------------------- diffs


def _show(value: Any) -> str:
    """One stored value as a short readable text (a source by its title, a dated entry by its date)."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if "date" in value:
            return f"{value['date']} {value.get('status', '')}".strip()
        return str(value.get("title") or value.get("text") or value)
    return str(value)


def field_diff(field: str, old: Any, new: Any) -> list[str]:
    """``date: 2025-05-23 → 2025-06-01``; for lists, one line per item added (+) or removed (−)."""
    if isinstance(old, list) or isinstance(new, list):
        before, after = [_show(i) for i in old or []], [_show(i) for i in new or []]
        lines = [f"**{field}** − {render.clip(i, VALUE_MAX)}" for i in before if i not in after]
        lines += [f"**{field}** + {render.clip(i, VALUE_MAX)}" for i in after if i not in before]
        return lines or [f"**{field}** reordered"]
    return [f"**{field}**: {render.clip(_show(old), VALUE_MAX)} → {render.clip(_show(new), VALUE_MAX)}"]


def diff_lines(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """What an edit changed, field by field (nothing for an add or a removal: the action says it all)."""
    if before is None or after is None:
        return []
    return [
        line for f in changed_fields(dict(before), dict(after)) for line in field_diff(f, before.get(f), after.get(f))
    ]


def change_entry(change: Change) -> str:
    """One history entry: change number, what happened, who, when (in the reader's time zone), and the diff."""
    when = f"{discord.utils.format_dt(change.at, 'f')} ({discord.utils.format_dt(change.at, 'R')})"
    undone = " · *undone*" if change.undone else ""
    head = (
        f"**#{change.set_id} · {ACTIONS.get(change.action, change.action)}** by {change.author_name} · {when}{undone}"
    )
    return "\n".join([head, *(f"• {line}" for line in diff_lines(change.before, change.after))])


def history_pages(fact: Fact, changes: Sequence[Change]) -> list[discord.Embed]:
    """The history of one fact, newest first, as pages of embeds (for the paginator)."""
    return render.pages(
        "history",
        f"History of {fact.kind} {fact.label}",
        [change_entry(c) for c in changes] or ["No changes recorded yet."],
        footer=f"{len(changes)} change(s) · /fact undo reverts one",
        per_page=None,
        gap="\n\n",
    )


# ----------------------------------------------------------------------------- import dry run


def _name(fact: Fact) -> str:
    return render.clip(f"{fact.kind} {fact.label}", 90)


def _removal(plan: ImportPlan) -> str:
    share = round(100 * len(plan.removed) / plan.live) if plan.live else 0
    return f"{len(plan.removed)} of the {plan.live} facts ({share} %)"


def import_summary(plan: ImportPlan, filename: str) -> discord.Embed:
    """The dry run: what Apply would add, change and remove, and the conflicts it would leave alone; a removal
    of many facts in bold, first."""
    if plan.conflicts and plan.empty:
        verdict = "Nothing to import: every difference is a conflict, kept as stored."
    elif plan.empty and plan.kept:
        verdict = "Nothing to import: the file has nothing new or changed."
    elif plan.empty:
        verdict = "Nothing to import: the file matches the stored facts."
    else:
        verdict = "Nothing is changed until you press **Apply**; it is then one change that `/fact undo` reverts."
    lines = [verdict, f"{plan.unchanged} fact(s) unchanged."]
    if plan.kept:
        lines.append(f"{plan.kept} stored fact(s) not in the file are kept (`mode:replace` would remove them).")
    if plan.mass_removal:
        lines.insert(0, f"**⚠️ This removes {_removal(plan)}.** Apply asks you once more before it does.")
    embed = discord.Embed(
        title=render.clip(f"{render.ICONS['import']} Import dry run: {filename}", limits.EMBED_TITLE_MAX),
        description="\n".join(lines),
        colour=render.COLOURS["import"],
    )
    sections = [
        ("➕ Added", [_name(f) for f in plan.added]),
        ("✏️ Changed", [f"{_name(f)} ({', '.join(fields)})" for f, fields in plan.changed]),
        ("🗑️ Removed (not in the file)", [_name(f) for f in plan.removed]),
        ("⚠️ Conflicts: kept as stored", [f"{_name(f)}: {why}" for f, why in plan.conflicts]),
    ]
    for title, lines in sections:
        if lines:
            embed.add_field(name=f"{title} ({len(lines)})", value=render.whole_lines(lines), inline=False)
    return render.fit([embed])[0]


def mass_removal_question(plan: ImportPlan) -> str:
    """The second confirmation of an import that removes many facts."""
    return f"**Really remove {_removal(plan)}?** They are not in the file. `/fact undo` of the import brings them back."


# ----------------------------------------------------------------------------- server settings


def on_off(flag: bool) -> str:
    return "on" if flag else "off"


def permission_name(name: str) -> str:
    """A permission as Discord's client names it: ``send_messages`` → "Send Messages"."""
    return name.replace("_", " ").title()


def problem_text(problem: ChannelProblem) -> str:
    """Why the bot cannot post in a channel, in words: "I lost the Send Messages permission in #news"."""
    channel = f"<#{problem.channel_id}>"
    if problem.cause == "deleted":
        return f"the channel I post in (id {problem.channel_id}) was deleted"
    if problem.cause == "permissions":
        return f"I lost the {', '.join(map(permission_name, problem.detail.split(',')))} permission in {channel}"
    if problem.cause == "refused":
        return f"Discord refused my post in {channel} ({problem.detail})"
    return "a channel I post in stopped working"


def _channel(channel_id: int | None, command: str) -> str:
    return f"<#{channel_id}>" if channel_id else f"nowhere (`/settings {command}`)"


def at_hour(hour: int) -> str:
    """ "17:00 UTC (18:00 for you)": the reader's own time shown by Discord."""
    moment = dt.datetime.combine(dt.date(2026, 1, 1), dt.time(hour), tzinfo=dt.UTC)
    return f"{hour:02d}:00 UTC ({render.timestamp_at(moment, 't')} for you)"


DEFAULT_TRIVIA = TriviaConfig()


def settings_text(
    settings: GuildSettings, problems: Sequence[ChannelProblem] = (), trivia: TriviaConfig = DEFAULT_TRIVIA
) -> str:
    """The /settings show text: every setting, why posting is paused if it is, and ``problems`` with the
    channels now. ``trivia`` gives the hours of the daily posts a server did not choose."""
    bts = _channel(settings.bts_channel_id, "bts-channel")
    news = _channel(settings.announce_channel_id, "announcements")
    daily = _channel(settings.trivia_channel_id, "trivia-channel")
    if settings.trivia_channel_id:
        daily += f", every day at {at_hour(daily_hour(settings, trivia))}"
    on_this_day = _channel(settings.on_this_day_channel_id, "on-this-day")
    if settings.on_this_day_channel_id:
        on_this_day += f", at {at_hour(trivia.on_this_day_hour)} on days with one"
    region = "not set (`/settings region`): no countdowns"
    if settings.region:
        region = f"**{render.echo(settings.region, 100)}**"
    lines = [
        "**This server's settings**",
        f"🎥 New behind-the-scenes videos go to: {bts}",
        f"🎲 Weekly pick of a video (in the same channel): {on_off(settings.weekly_pick)}",
        f"📅 Release news goes to: {news}",
        f"🌍 Region for release news: {region}",
        f"💬 Answers when someone mentions me: {on_off(settings.mention_replies)}",
        f"❓ The daily trivia question goes to: {daily}",
        f"📆 Anniversaries (on this day) go to: {on_this_day}",
    ]
    if settings.disabled_reason:
        pause = ChannelProblem.from_code(settings.disabled_reason)
        since = f" since {pause.since:%d %b %Y}" if pause.since else ""
        lines.append(
            f"⚠️ **Posting is paused**{since}: {problem_text(pause)}. Fix that, then set the channel again with "
            "`/settings bts-channel`, `/settings announcements`, `/settings trivia-channel` or `/settings on-this-day`."
        )
    lines += [f"⚠️ Right now {problem_text(problem)}." for problem in problems]
    return render.clip("\n".join(lines), limits.CONTENT_MAX)
