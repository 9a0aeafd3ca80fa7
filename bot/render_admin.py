"""Pure rendering for admins: change history as a readable diff, import dry runs, autocomplete labels.

Like ``bot.render``: no I/O, and everything stays within Discord's limits, so it can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import discord

from bot import render
from bot.models import Change, Fact, Film, Release, changed_fields
from bot.store import ChangeSet, ImportPlan

VALUE_MAX = 150  # one value in a diff line
PAGE_CHARS = 3000  # history entries per page, well under the 4096 of a description
COLOUR = discord.Colour(0x4A4A4A)

ACTIONS = {
    "add": "added",
    "edit": "edited",
    "remove": "removed",
    "restore": "restored",
    "undo": "undone",
    "conflict": "pack update not applied (an admin had edited it)",
}


def fact_choice(fact: Fact, films: Mapping[str, Film], *, removed: bool = False) -> str:
    """An autocomplete label naming the kind (and, for a release date, its film), marked when it was removed."""
    label = fact.label
    if isinstance(fact, Release):
        film = films.get(fact.film)
        label = f"{film.title if film else fact.film} – {label}"
    mark = " (removed)" if removed else ""
    return render.clip(f"{fact.kind}: {label}", render.CHOICE_NAME_MAX - len(mark)) + mark


def change_choice(change: ChangeSet) -> str:
    """``#12 edited release … — luther_admin, 03 Jun 14:05``."""
    label = f"#{change.id} {change.summary} — {change.author_name}, {change.at:%d %b %H:%M}"
    return render.clip(label, render.CHOICE_NAME_MAX)


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
    entries = [render.clip(change_entry(c), PAGE_CHARS) for c in changes] or ["No changes recorded yet."]
    chunks: list[list[str]] = [[]]
    for entry in entries:
        if chunks[-1] and len("\n\n".join([*chunks[-1], entry])) > PAGE_CHARS:
            chunks.append([])
        chunks[-1].append(entry)
    pages = []
    for number, chunk in enumerate(chunks, 1):
        embed = discord.Embed(
            title=render.clip(f"🕓 History of {fact.kind} {fact.label}", render.TITLE_MAX),
            description="\n\n".join(chunk),
            colour=COLOUR,
        )
        embed.set_footer(text=f"Page {number}/{len(chunks)} · {len(changes)} change(s) · /fact undo reverts one")
        pages.append(embed)
    return pages


# ----------------------------------------------------------------------------- import dry run


def _listing(lines: Sequence[str]) -> str:
    """As many lines as fit in one embed field, then how many more."""
    shown: list[str] = []
    for i, line in enumerate(lines):
        more = f"\n… and {len(lines) - i} more"
        if len("\n".join([*shown, line])) + len(more) > render.FIELD_VALUE_MAX:
            return "\n".join(shown) + more
        shown.append(line)
    return "\n".join(shown)


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
        title=render.clip(f"📥 Import dry run: {filename}", render.TITLE_MAX),
        description="\n".join(lines),
        colour=COLOUR,
    )
    sections = [
        ("➕ Added", [_name(f) for f in plan.added]),
        ("✏️ Changed", [f"{_name(f)} ({', '.join(fields)})" for f, fields in plan.changed]),
        ("🗑️ Removed (not in the file)", [_name(f) for f in plan.removed]),
        ("⚠️ Conflicts: kept as stored", [f"{_name(f)}: {why}" for f, why in plan.conflicts]),
    ]
    for title, lines in sections:
        if lines:
            embed.add_field(name=f"{title} ({len(lines)})", value=_listing(lines), inline=False)
    return render.fit([embed])[0]


def mass_removal_question(plan: ImportPlan) -> str:
    """The second confirmation of an import that removes many facts."""
    return f"**Really remove {_removal(plan)}?** They are not in the file. `/fact undo` of the import brings them back."
