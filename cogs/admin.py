"""/fact: the commands that change the shared facts (add, edit, remove, restore, history, undo, export, import).

Only bot admins (config ``admins``) may use them. The group's default permissions (Manage Server) hide it from
ordinary members, but a server can show it to anyone, so every command, form and button checks again when it is
used; buttons also act only for the admin who opened them. Every reply is ephemeral: the result is for the
admin, and fans see the change in their own commands at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import forms, limits, render, render_admin, ui
from bot.app import FanBot, admin_only, ensure_admin, fan_bot, server_only
from bot.cards import card_for
from bot.errors import Invalid, NotFound
from bot.models import FACT_TYPES, KINDS, Fact, Film
from bot.pack import MAX_PACK_BYTES, read_pack
from bot.store import Entry, ImportPlan

REMOVED_CHOICES = 5  # removed facts /fact history offers beside the live ones

YAML_SUFFIXES = (".yaml", ".yml")
NOT_YAML_TYPES = ("image/", "video/", "audio/", "application/pdf", "application/zip")


def check_upload(attachment: discord.Attachment) -> None:
    """Refuse what is plainly not a pack before downloading it: wrong kind of file, or too big."""
    content_type = (attachment.content_type or "").lower()
    if not attachment.filename.lower().endswith(YAML_SUFFIXES) or content_type.startswith(NOT_YAML_TYPES):
        raise Invalid(f"{attachment.filename} is not a YAML file: attach a .yaml file such as /fact export makes.")
    if attachment.size > MAX_PACK_BYTES:
        raise Invalid(f"{attachment.filename} is {attachment.size:,} bytes; the limit is {MAX_PACK_BYTES:,} bytes.")


class FactForm(discord.ui.Modal):
    """The add/edit form of one kind; ``entry`` is the fact as it was when an edit opened (for the no-lost-update
    check), ``values`` what the admin typed last time when a submission was refused. It may be submitted for
    ``timeouts.forms_seconds`` (a long form takes a while to fill in)."""

    def __init__(
        self,
        asked: discord.Interaction,
        kind: str,
        entry: Entry[Any] | None,
        values: dict[str, str] | None = None,
    ) -> None:
        fact = entry.fact if entry else None
        super().__init__(title=forms.title(kind, fact), timeout=fan_bot(asked.client).config.timeouts.forms_seconds)
        self.kind, self.entry = kind, entry
        values = values or forms.prefill(kind, fact)
        for spec in forms.form(kind):
            self.add_item(
                discord.ui.TextInput(
                    label=spec.label,
                    custom_id=spec.id,
                    style=discord.TextStyle.paragraph if spec.paragraph else discord.TextStyle.short,
                    default=values.get(spec.id) or None,
                    required=spec.required,
                    max_length=spec.max_length,
                    placeholder=spec.placeholder or None,
                )
            )

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        ensure_admin(interaction)
        bot = fan_bot(interaction.client)
        values = {item.custom_id: item.value for item in self.children if isinstance(item, discord.ui.TextInput)}
        try:
            fact = forms.fact_from_form(self.kind, values, self.entry.fact if self.entry else None)
            if self.entry is None:
                saved, verb = await bot.store.add(fact, bot.author(interaction.user)), "Added"
            else:
                saved = await bot.store.update(fact, bot.author(interaction.user), expected=self.entry)
                verb = "Saved" if saved.revision != self.entry.revision else "No change to"
        except Invalid as problem:  # a typo must not cost the admin everything they typed
            view = FixForm(interaction, FactForm(interaction, self.kind, self.entry, values))
            await interaction.response.send_message(
                render.clip(str(problem), limits.CONTENT_MAX), view=view, ephemeral=True
            )
            view.message = await interaction.original_response()
            return
        headline = f"✅ {verb} {saved.fact.kind} **{saved.fact.label}**. Fans see it now."
        await ui.send_card(interaction, await card_for(bot.store, saved), headline=headline, ephemeral=True)

    async def on_error(  # discord.py declares it with the view's ``item`` too (unused by a form)
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any] | None = None, /
    ) -> None:
        await fan_bot(interaction.client).tree.on_error(interaction, error)


class AdminButtons(ui.ExpiringView):
    """Buttons that act only for the admin who opened them, who must still be a bot admin when clicking."""

    refusal = "These buttons belong to the admin who ran the command. Nothing was changed."

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        await super().interaction_check(interaction)
        ensure_admin(interaction)
        return True

    async def finish(self, interaction: discord.Interaction[FanBot], content: str) -> None:
        """Show the outcome in place of the question, without buttons."""
        self.stop()
        if interaction.response.is_done():
            await interaction.edit_original_response(content=content, embed=None, view=None)
        else:
            await interaction.response.edit_message(content=content, embed=None, view=None)


class FixForm(AdminButtons):
    """Reopens a refused form with what the admin typed, so they can correct it."""

    def __init__(self, asked: discord.Interaction, form: FactForm) -> None:
        super().__init__(asked)
        self.form = form

    @discord.ui.button(label="Fix and submit again", style=discord.ButtonStyle.primary)
    async def fix(self, interaction: discord.Interaction[FanBot], _: discord.ui.Button[AdminButtons]) -> None:
        await interaction.response.send_modal(self.form)


class ConfirmRemove(AdminButtons):
    def __init__(self, asked: discord.Interaction, fact: Fact) -> None:
        super().__init__(asked)
        self.fact = fact

    @discord.ui.button(label="Remove", style=discord.ButtonStyle.danger)
    async def remove(self, interaction: discord.Interaction[FanBot], _: discord.ui.Button[AdminButtons]) -> None:
        bot = interaction.client
        fact = await bot.store.remove(self.fact.ref, bot.author(interaction.user))
        await self.finish(
            interaction,
            f"🗑️ Removed {fact.kind} **{fact.label}**. `/fact restore` brings it back, as does `/fact undo`.",
        )

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[FanBot], _: discord.ui.Button[AdminButtons]) -> None:
        await self.finish(interaction, "Nothing was removed.")


class ConfirmImport(AdminButtons):
    """Apply or cancel a dry run. An import that removes many facts asks once more: Apply then puts the question
    with a button that names how many facts go."""

    def __init__(self, asked: discord.Interaction, plan: ImportPlan, *, asked_twice: bool = False) -> None:
        super().__init__(asked)
        self.plan, self.asked_twice = plan, asked_twice
        if asked_twice:
            self.apply.label = f"Remove {len(plan.removed)} facts"
            self.apply.style = discord.ButtonStyle.danger

    @discord.ui.button(label="Apply", style=discord.ButtonStyle.success)
    async def apply(self, interaction: discord.Interaction[FanBot], _: discord.ui.Button[AdminButtons]) -> None:
        if self.plan.mass_removal and not self.asked_twice:
            again = ConfirmImport(interaction, self.plan, asked_twice=True)
            again.message = self.message
            self.stop()
            await interaction.response.edit_message(content=render_admin.mass_removal_question(self.plan), view=again)
            return
        bot = interaction.client
        await interaction.response.defer()  # one transaction, but possibly a large one
        set_id = await bot.store.apply_import(self.plan, bot.author(interaction.user))
        kept = f" {len(self.plan.conflicts)} conflict(s) kept as stored." if self.plan.conflicts else ""
        await self.finish(
            interaction, f"📥 Imported as change #{set_id}.{kept} `/fact undo change:{set_id}` reverts all of it."
        )

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[FanBot], _: discord.ui.Button[AdminButtons]) -> None:
        await self.finish(interaction, "Import cancelled: nothing was changed.")


class Admin(commands.Cog):
    """The /fact group: bot admins change the facts every server shares."""

    fact = server_only()(
        app_commands.Group(
            name="fact",
            description="Change the shared facts (bot admins only)",
            default_permissions=discord.Permissions(manage_guild=True),
        )
    )

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot

    async def _entry(self, text: str, *, removed_too: bool = False) -> Entry[Fact]:
        """What the admin picked: an autocomplete value (``kind:key``) or a name; with ``removed_too``, the name
        of a removed fact too, when no live fact has it."""
        store = self.bot.store
        if removed_too and text.partition(":")[0] in KINDS:
            return await store.entry(text.strip(), include_deleted=True)
        try:
            return await store.find(list(FACT_TYPES.values()), text)
        except NotFound:
            if not removed_too or not await store.removed_facts(text, limit=1):
                raise
            return await store.entry((await self._removed(text)).ref, include_deleted=True)

    async def _removed(self, text: str) -> Fact:
        """The removed fact with this name, or the only one whose names contain it."""
        matches = await self.bot.store.removed_facts(text, limit=3)
        if len(matches) != 1:
            raise NotFound("removed fact", text, [m.label for m in matches])
        return matches[0]

    # ------------------------------------------------------------------ add, edit, remove, restore

    @fact.command(name="add")
    @app_commands.describe(kind="What to add", film="The film it belongs to (a stunt, location, release date or video)")
    @app_commands.choices(kind=[app_commands.Choice(name=render.KIND_NAMES[k], value=k) for k in forms.FORMS])
    @admin_only()
    async def add(
        self, interaction: discord.Interaction[FanBot], kind: str, film: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        """Add a stunt, filming location, release date, video or film."""
        chosen: dict[str, str] = {}
        if film:
            if "film" not in FACT_TYPES[kind].model_fields:
                raise Invalid(f"A {render.KIND_NAMES[kind]} belongs to no film: leave `film` empty.")
            chosen["film"] = (await self.bot.store.find(Film, film)).fact.key
        await interaction.response.send_modal(FactForm(interaction, kind, None, forms.prefill(kind, None, chosen)))

    @fact.command(name="edit")
    @app_commands.describe(fact="The fact to change")
    @admin_only()
    async def edit(self, interaction: discord.Interaction[FanBot], fact: app_commands.Range[str, 1, 100]) -> None:
        """Change a fact in a form filled with what is stored now."""
        entry = await self._entry(fact)
        await interaction.response.send_modal(FactForm(interaction, entry.fact.kind, entry))

    @fact.command(name="remove")
    @app_commands.describe(fact="The fact to remove (it can be restored)")
    @admin_only()
    async def remove(self, interaction: discord.Interaction[FanBot], fact: app_commands.Range[str, 1, 100]) -> None:
        """Remove a fact after a confirmation; /fact restore brings it back."""
        entry = await self.bot.store.removable((await self._entry(fact)).fact.ref)
        view = ConfirmRemove(interaction, entry.fact)
        question = f"Remove {entry.fact.kind} **{entry.fact.label}**? Fans will no longer see it."
        await interaction.response.send_message(question, view=view, ephemeral=True)
        view.message = await interaction.original_response()

    @fact.command(name="restore")
    @app_commands.describe(fact="A removed fact")
    @admin_only()
    async def restore(self, interaction: discord.Interaction[FanBot], fact: app_commands.Range[str, 1, 100]) -> None:
        """Bring back a removed fact."""
        if fact.partition(":")[0] not in KINDS:
            fact = (await self._removed(fact)).ref
        restored = await self.bot.store.restore(fact.strip(), self.bot.author(interaction.user))
        entry = await self.bot.store.entry(restored.ref)
        headline = f"♻️ Restored {restored.kind} **{restored.label}**. Fans see it again."
        await ui.send_card(interaction, await card_for(self.bot.store, entry), headline=headline, ephemeral=True)

    # ------------------------------------------------------------------ history and undo

    @fact.command(name="history")
    @app_commands.describe(fact="The fact whose changes to show (a removed one too)")
    @admin_only()
    async def history(self, interaction: discord.Interaction[FanBot], fact: app_commands.Range[str, 1, 100]) -> None:
        """Who changed a fact, what and when (removed facts too)."""
        entry = await self._entry(fact, removed_too=True)
        changes = await self.bot.store.history(entry.fact.ref)
        await ui.send_pages(interaction, render_admin.history_pages(entry.fact, changes), ephemeral=True)

    @fact.command(name="undo")
    @app_commands.describe(change="A recent change, for example #12")
    @admin_only()
    async def undo(self, interaction: discord.Interaction[FanBot], change: app_commands.Range[str, 1, 100]) -> None:
        """Revert one change (an import as a whole)."""
        number = change.strip().lstrip("#").split(" ", 1)[0]
        if not number.isdigit():
            raise Invalid(f"“{render.echo(change, 50)}” is not a change number: pick one from the list, e.g. #12.")
        done = await self.bot.store.undo(int(number), self.bot.author(interaction.user))
        await interaction.response.send_message(
            f"↩️ {done.summary} (this is change #{done.id}; `/fact undo change:{done.id}` redoes it).", ephemeral=True
        )

    # ------------------------------------------------------------------ export and import

    @fact.command(name="export")
    @admin_only()
    async def export(self, interaction: discord.Interaction[FanBot]) -> None:
        """Download every fact as a YAML data pack."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await self.bot.store.export()
        name = f"{await self.bot.store.pack_name()}-{dt.datetime.now(dt.UTC):%Y-%m-%d}.yaml"  # the export's own clock
        await interaction.followup.send(
            "📤 Every fact, in the data pack format. Edit it and send it back with `/fact import`.",
            file=discord.File(io.BytesIO(text.encode()), filename=name),
            ephemeral=True,
        )

    @fact.command(name="import")
    @app_commands.describe(
        file="A YAML data pack, for example one /fact export made",
        mode="merge (the default) adds and updates facts; replace also removes the facts the file leaves out",
    )
    @app_commands.choices(
        mode=[
            app_commands.Choice(name="merge: add and update facts", value="merge"),
            app_commands.Choice(name="replace: also remove the facts the file leaves out", value="replace"),
        ]
    )
    @admin_only()
    async def import_(
        self, interaction: discord.Interaction[FanBot], file: discord.Attachment, mode: str = "merge"
    ) -> None:
        """Add and update facts from a YAML data pack (or replace them all), after a dry run you confirm."""
        check_upload(file)
        await interaction.response.defer(ephemeral=True, thinking=True)
        # Reading a large file takes seconds of CPU: in a worker thread, fans are answered meanwhile.
        pack = await asyncio.to_thread(read_pack, await file.read())
        plan = await self.bot.store.plan_import(pack, replace=mode == "replace")
        summary = render_admin.import_summary(plan, file.filename)
        if plan.empty:
            await interaction.followup.send(embed=summary, ephemeral=True)
            return
        view = ConfirmImport(interaction, plan)
        view.message = await interaction.followup.send(embed=summary, view=view, ephemeral=True, wait=True)

    # ------------------------------------------------------------------ autocomplete (admins only)

    async def _fact_choices(
        self, interaction: discord.Interaction[FanBot], current: str, *, live: bool, removed: bool
    ) -> list[app_commands.Choice[str]]:
        """Facts matching what was typed: live ones, removed ones (marked as such beside live ones) or both;
        nothing for non-admins."""
        if not self.bot.is_admin(interaction.user):
            return []
        store = self.bot.store
        most_removed = REMOVED_CHOICES if live else limits.CHOICES_MAX
        gone = await store.removed_facts(current, limit=most_removed) if removed else []
        found = await store.suggest(None, current, limit=limits.CHOICES_MAX - len(gone)) if live else []
        films = await store.films()
        labels = [(f, render.choice_label(f, films, with_kind=True)) for f in found]
        labels += [(f, render.choice_label(f, films, with_kind=True, removed=live)) for f in gone]
        return [app_commands.Choice(name=label, value=f.ref) for f, label in labels]

    @edit.autocomplete("fact")
    @remove.autocomplete("fact")
    async def fact_names(
        self, interaction: discord.Interaction[FanBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._fact_choices(interaction, current, live=True, removed=False)

    @history.autocomplete("fact")
    async def any_fact_names(
        self, interaction: discord.Interaction[FanBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._fact_choices(interaction, current, live=True, removed=True)

    @add.autocomplete("film")
    async def film_names(
        self, interaction: discord.Interaction[FanBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await ui.film_names(interaction, current) if self.bot.is_admin(interaction.user) else []

    @restore.autocomplete("fact")
    async def removed_names(
        self, interaction: discord.Interaction[FanBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._fact_choices(interaction, current, live=False, removed=True)

    @undo.autocomplete("change")
    async def recent_changes(
        self, interaction: discord.Interaction[FanBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if not self.bot.is_admin(interaction.user):
            return []
        sets = await self.bot.store.change_sets(current)
        return [app_commands.Choice(name=render_admin.change_choice(s), value=str(s.id)) for s in sets]


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Admin(bot))
