"""Interactive replies: sending a card, page turning for long lists, buttons that open other matches, and
autocomplete choices."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, TypeVar

import discord
from discord import app_commands

from bot import limits, render
from bot.app import FanBot, fan_bot
from bot.cards import Answer, card_for
from bot.errors import NotAllowed
from bot.models import Fact, Film
from bot.store import FactStore

F = TypeVar("F", bound=Fact)

MATCH_BUTTONS_MAX = limits.BUTTONS_PER_ROW  # the other matches of a question fill one row
PageReader = Callable[[int], Awaitable[discord.Embed]]  # a list's page by its index, read when it is shown


async def send_card(
    interaction: discord.Interaction,
    card: render.Card,
    *,
    headline: str = "",
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> None:
    """A card as the answer: ``headline`` above its message text, its embed, and its link buttons (or ``view``)."""
    content = render.clip("\n".join(filter(None, [headline, card.content])), limits.CONTENT_MAX)
    await interaction.response.send_message(
        content=content or None,
        embed=card.embed,
        view=view or card.view() or discord.utils.MISSING,
        ephemeral=ephemeral,
    )


class ExpiringView(discord.ui.View):
    """Buttons for the person whose command showed them, which stop working after a while (config
    ``timeouts.buttons_seconds``): they are then removed from the message (link buttons, which need no bot, stay),
    so nobody clicks a dead one. Anyone else who clicks is told ``refusal``; any error goes to the bot's one error
    handler, which answers the clicker privately."""

    refusal: ClassVar[str]  # what anyone else who clicks is told

    def __init__(self, asked: discord.Interaction) -> None:
        super().__init__(timeout=fan_bot(asked.client).config.timeouts.buttons_seconds)
        self.owner_id = asked.user.id
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.user.id != self.owner_id:
            raise NotAllowed(self.refusal)
        return True

    async def on_timeout(self) -> None:
        if self.message is None:
            return
        links = [item for item in self.children if isinstance(item, discord.ui.Button) and item.url]
        self.clear_items()
        for link in links:
            self.add_item(link)
        with contextlib.suppress(discord.HTTPException):
            await self.message.edit(view=self if links else None)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /) -> None:
        await fan_bot(interaction.client).tree.on_error(interaction, error)


class Paginator(ExpiringView):
    """First / previous / counter / next / last over ``count`` pages, each read when it is turned to (a long list
    reads only what it shows). Only the person who asked may turn pages; the buttons are disabled at the ends and
    removed when the view times out."""

    refusal = "Only the person who asked can turn these pages. Run the command yourself to browse."

    def __init__(self, asked: discord.Interaction[FanBot], count: int, read: PageReader) -> None:
        super().__init__(asked)
        self.count = count
        self.read = read
        self.index = 0
        self._update_buttons()

    def _update_buttons(self) -> None:
        """Not ``_refresh``: discord.py calls that of a view when its message is edited."""
        last = self.count - 1
        self.first.disabled = self.previous.disabled = self.index == 0
        self.next.disabled = self.last.disabled = self.index == last
        self.counter.label = f"{self.index + 1}/{self.count}"

    async def _show(self, interaction: discord.Interaction[FanBot], index: int) -> None:
        self.index = max(0, min(index, self.count - 1))
        self._update_buttons()
        await interaction.response.edit_message(embed=await self.read(self.index), view=self)

    @discord.ui.button(label="First", emoji="⏮", style=discord.ButtonStyle.secondary)
    async def first(self, interaction: discord.Interaction[FanBot], _: discord.ui.Button[Paginator]) -> None:
        await self._show(interaction, 0)

    @discord.ui.button(label="Previous", emoji="◀", style=discord.ButtonStyle.primary)
    async def previous(self, interaction: discord.Interaction[FanBot], _: discord.ui.Button[Paginator]) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def counter(self, interaction: discord.Interaction[FanBot], _: discord.ui.Button[Paginator]) -> None:
        """A label only (always disabled)."""

    @discord.ui.button(label="Next", emoji="▶", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction[FanBot], _: discord.ui.Button[Paginator]) -> None:
        await self._show(interaction, self.index + 1)

    @discord.ui.button(label="Last", emoji="⏭", style=discord.ButtonStyle.secondary)
    async def last(self, interaction: discord.Interaction[FanBot], _: discord.ui.Button[Paginator]) -> None:
        await self._show(interaction, self.count - 1)


async def send_pages(
    interaction: discord.Interaction[FanBot], pages: Sequence[discord.Embed], *, ephemeral: bool = False
) -> None:
    """One page is sent as it is; more get a Paginator."""

    async def read(index: int) -> discord.Embed:
        return pages[index]

    await send_book(interaction, len(pages), read, ephemeral=ephemeral)


async def send_book(
    interaction: discord.Interaction[FanBot], count: int, read: PageReader, *, ephemeral: bool = False
) -> None:
    """A list of ``count`` pages, each read by ``read`` when it is shown: one page is sent as it is, more get a
    Paginator."""
    first = await read(0)
    if count == 1:
        await interaction.response.send_message(embed=first, ephemeral=ephemeral)
        return
    view = Paginator(interaction, count, read)
    await interaction.response.send_message(embed=first, view=view, ephemeral=ephemeral)
    view.message = await interaction.original_response()


async def send_facts(
    interaction: discord.Interaction[FanBot],
    kind: type[F],
    title: str,
    line: Callable[[F], str],
    *,
    film: str | None = None,
    places: Sequence[str] | None = None,
) -> None:
    """A kind's facts (of one film, in these places) as a list page by page, each page read from the store when it
    is turned to: a list of thousands costs a count and one page."""
    store = fan_bot(interaction.client).store
    total = await store.count(kind, film=film, places=places)
    count = max(1, -(-total // render.PAGE_SIZE))

    async def read(index: int) -> discord.Embed:
        at = index * render.PAGE_SIZE
        facts = await store.facts(kind, film=film, places=places, limit=render.PAGE_SIZE, offset=at)
        return render.page(kind.kind, title, [line(fact) for fact in facts], (index + 1, count), f"{total} in all")

    await send_book(interaction, count, read)


class OpenMatch(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"open:(?P<ref>[a-z]+:[a-z0-9-]+)"
):
    """A button that opens one fact's card privately for whoever clicks it. The fact's ``kind:key`` reference is all
    it needs and travels in its custom_id (at most 77 characters: a kind, and a key of up to 63, see
    ``bot.models.Key``), so the bot keeps nothing per message: the button works as long as its message exists,
    also after a restart, and a fact removed since gets the usual not-found reply."""

    def __init__(self, ref: str, *, label: str | None = None, emoji: str | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, emoji=emoji, custom_id=f"open:{ref}"))
        self.ref = ref

    @classmethod
    def for_fact(cls, fact: Fact) -> OpenMatch:
        return cls(fact.ref, label=render.clip(fact.label, limits.BUTTON_LABEL_MAX), emoji=render.ICONS[fact.kind])

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OpenMatch:
        return cls(match["ref"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """A fact's card, privately. discord.py only logs what a dynamic item's callback raises (the clicker would be
        told "This interaction failed"), so errors are handed to the bot's one error handler here."""
        bot = fan_bot(interaction.client)
        try:
            await send_card(interaction, await card_for(bot.store, await bot.store.entry(self.ref)), ephemeral=True)
        except Exception as error:
            await bot.tree.on_error(interaction, error)


# ----------------------------------------------------------------------------- autocomplete


async def fact_choices(
    store: FactStore, kind: type[Fact] | Sequence[type[Fact]], current: str
) -> list[app_commands.Choice[str]]:
    """Facts for an autocomplete: typo-tolerant and alias-aware names, the ``kind:key`` reference as value."""
    with_kind = not isinstance(kind, type)
    films = await store.films()
    return [
        app_commands.Choice(name=render.choice_label(fact, films, with_kind=with_kind), value=fact.ref)
        for fact in await store.suggest(kind, current, limit=limits.CHOICES_MAX)
    ]


async def film_names(interaction: discord.Interaction[FanBot], current: str) -> list[app_commands.Choice[str]]:
    """The autocomplete of every command's ``film`` option."""
    return await fact_choices(interaction.client.store, Film, current)


def place_choices(places: Sequence[str]) -> list[app_commands.Choice[str]]:
    """Countries or regions for an autocomplete (``FactStore.places``: each once, matching what was typed)."""
    return [
        app_commands.Choice(name=render.clip(p, limits.CHOICE_NAME_MAX), value=render.clip(p, limits.CHOICE_VALUE_MAX))
        for p in places[: limits.CHOICES_MAX]
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
