"""Interactive replies: sending a card, page turning for long lists, buttons that open other matches, and
autocomplete choices."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

import discord
from discord import app_commands

from bot import render
from bot.cards import Answer, card_for
from bot.models import Fact
from bot.store import FactStore
from bot.text import place_matches

PAGE_TIMEOUT = 180.0
CHOICES_MAX = 25
MATCH_BUTTONS_MAX = 5


async def send_card(interaction: discord.Interaction, card: render.Card, *, ephemeral: bool = False) -> None:
    """A card as the answer: its embed, its message text and its link buttons."""
    await interaction.response.send_message(
        content=card.content, embed=card.embed, view=card.view() or discord.utils.MISSING, ephemeral=ephemeral
    )


async def open_card(interaction: discord.Interaction, ref: str) -> None:
    """A match's button: that fact's card, shown only to whoever clicked (anyone may)."""
    store: FactStore = interaction.client.store  # type: ignore[attr-defined]
    await send_card(interaction, await card_for(store, await store.entry(ref)), ephemeral=True)


async def report_error(interaction: discord.Interaction, error: Exception) -> None:
    """A button's error goes to the bot's one error handler, which answers the clicker privately."""
    await interaction.client.tree.on_error(interaction, error)  # type: ignore[attr-defined, arg-type]


class ExpiringView(discord.ui.View):
    """A view whose buttons stop working after a while: they are then removed from its message (link buttons,
    which need no bot, stay), so nobody clicks a dead one. A button's error goes to the bot's one error handler,
    which answers the clicker privately."""

    def __init__(self) -> None:
        super().__init__(timeout=PAGE_TIMEOUT)
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def on_timeout(self) -> None:
        if self.message is None:
            return
        links = [item for item in self.children if isinstance(item, discord.ui.Button) and item.url]
        self.clear_items()
        for link in links:
            self.add_item(link)
        with contextlib.suppress(discord.HTTPException):
            await self.message.edit(view=self if links else None)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        await report_error(interaction, error)


class Paginator(ExpiringView):
    """First / previous / counter / next / last. Only the person who asked may turn pages; the buttons
    are disabled at the ends and removed when the view times out."""

    def __init__(self, pages: Sequence[discord.Embed], owner_id: int) -> None:
        super().__init__()
        self.pages = list(pages)
        self.owner_id = owner_id
        self.index = 0
        self._refresh()

    def _refresh(self) -> None:
        last = len(self.pages) - 1
        self.first.disabled = self.previous.disabled = self.index == 0
        self.next.disabled = self.last.disabled = self.index == last
        self.counter.label = f"{self.index + 1}/{len(self.pages)}"

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "Only the person who asked can turn these pages. Run the command yourself to browse.", ephemeral=True
        )
        return False

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._refresh()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="First", emoji="⏮", style=discord.ButtonStyle.secondary)
    async def first(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._show(interaction, 0)

    @discord.ui.button(label="Previous", emoji="◀", style=discord.ButtonStyle.primary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def counter(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """A label only (always disabled)."""

    @discord.ui.button(label="Next", emoji="▶", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._show(interaction, self.index + 1)

    @discord.ui.button(label="Last", emoji="⏭", style=discord.ButtonStyle.secondary)
    async def last(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._show(interaction, len(self.pages) - 1)


async def send_pages(
    interaction: discord.Interaction, pages: Sequence[discord.Embed], *, ephemeral: bool = False
) -> None:
    """One page is sent as it is; more get a Paginator."""
    if len(pages) == 1:
        await interaction.response.send_message(embed=pages[0], ephemeral=ephemeral)
        return
    view = Paginator(pages, interaction.user.id)
    await interaction.response.send_message(embed=pages[0], view=view, ephemeral=ephemeral)
    view.message = await interaction.original_response()


class OpenMatch(discord.ui.DynamicItem[discord.ui.Button], template=r"open:(?P<ref>[a-z]+:[a-z0-9-]+)"):
    """A button that opens one fact's card privately for whoever clicks it. The fact's ``kind:key`` reference is all
    it needs and travels in its custom_id (at most 77 characters: a kind, and a key of up to 63, see
    ``bot.models.Key``), so the bot keeps nothing per message: the button works as long as its message exists,
    also after a restart, and a fact removed since gets the usual not-found reply."""

    def __init__(self, ref: str, *, label: str | None = None, emoji: str | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, emoji=emoji, custom_id=f"open:{ref}"))
        self.ref = ref

    @classmethod
    def for_fact(cls, fact: Fact) -> OpenMatch:
        return cls(fact.ref, label=render.clip(fact.label, render.BUTTON_LABEL_MAX), emoji=render.ICONS[fact.kind])

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OpenMatch:
        return cls(match["ref"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """discord.py only logs what a dynamic item's callback raises (the clicker would be told "This interaction
        failed"), so errors are handed to the bot's error handler here."""
        try:
            await open_card(interaction, self.ref)
        except Exception as error:
            await report_error(interaction, error)


# ----------------------------------------------------------------------------- autocomplete


async def fact_choices(
    store: FactStore, kind: type[Fact] | Sequence[type[Fact]], current: str
) -> list[app_commands.Choice[str]]:
    """Facts for an autocomplete: typo-tolerant and alias-aware names, the ``kind:key`` reference as value."""
    with_kind = not isinstance(kind, type)
    return [
        app_commands.Choice(name=render.choice_label(fact, with_kind=with_kind), value=fact.ref)
        for fact in await store.suggest(kind, current, limit=CHOICES_MAX)
    ]


def place_choices(places: Iterable[str], current: str) -> list[app_commands.Choice[str]]:
    """Countries or regions for an autocomplete, each once, those matching what was typed."""
    matching = [p for p in dict.fromkeys(places) if place_matches(p, current)]
    return [
        app_commands.Choice(name=render.clip(p, render.CHOICE_NAME_MAX), value=render.clip(p, render.CHOICE_NAME_MAX))
        for p in matching[:CHOICES_MAX]
    ]


def answer_view(found: Answer) -> discord.ui.View | None:
    """Buttons that open the other matches beside the card's own links, or just the links. Nothing in it expires
    (``timeout=None``) and its only interactive buttons are ``OpenMatch`` ones, so discord.py keeps no view for it."""
    if not found.others:
        return found.card.view()
    view = discord.ui.View(timeout=None)
    for fact in found.others[:MATCH_BUTTONS_MAX]:
        view.add_item(OpenMatch.for_fact(fact))
    for link in found.card.link_buttons():
        view.add_item(link)
    return view
