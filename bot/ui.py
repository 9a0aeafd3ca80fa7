"""Interactive views: page turning for long lists and buttons that open other search matches."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence

import discord

from bot import render
from bot.models import Fact

PAGE_TIMEOUT = 180.0


class ExpiringView(discord.ui.View):
    """A view whose buttons are removed from its message when it times out, so nobody clicks a dead one."""

    def __init__(self) -> None:
        super().__init__(timeout=PAGE_TIMEOUT)
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def on_timeout(self) -> None:
        if self.message is not None:
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=None)


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

    @discord.ui.button(emoji="⏮", style=discord.ButtonStyle.secondary)
    async def first(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._show(interaction, 0)

    @discord.ui.button(emoji="◀", style=discord.ButtonStyle.primary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def counter(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """A label only (always disabled)."""

    @discord.ui.button(emoji="▶", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._show(interaction, self.index + 1)

    @discord.ui.button(emoji="⏭", style=discord.ButtonStyle.secondary)
    async def last(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._show(interaction, len(self.pages) - 1)


async def send_pages(interaction: discord.Interaction, pages: Sequence[discord.Embed]) -> None:
    """One page is sent as it is; more get a Paginator."""
    if len(pages) == 1:
        await interaction.response.send_message(embed=pages[0])
        return
    view = Paginator(pages, interaction.user.id)
    await interaction.response.send_message(embed=pages[0], view=view)
    view.message = await interaction.original_response()


Opener = Callable[[discord.Interaction, str], Awaitable[None]]


class OpenMatches(ExpiringView):
    """A button per other search match; anyone may open one, and it answers them privately."""

    def __init__(self, matches: Sequence[Fact], opener: Opener) -> None:
        super().__init__()
        for fact in matches[:5]:
            button: discord.ui.Button = discord.ui.Button(
                label=render.clip(fact.label, render.BUTTON_LABEL_MAX), emoji=render.ICONS[fact.kind]
            )
            button.callback = self._opener(opener, fact.ref)  # type: ignore[method-assign]
            self.add_item(button)

    @staticmethod
    def _opener(opener: Opener, ref: str) -> Callable[[discord.Interaction], Awaitable[None]]:
        async def open_match(interaction: discord.Interaction) -> None:
            await opener(interaction, ref)

        return open_match
