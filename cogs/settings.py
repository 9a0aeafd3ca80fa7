"""/settings: where this server gets new videos, release news, the daily trivia question and "on this day", for
members with Manage Server.

Setting a channel first checks that the bot can post there (and says what it lacks if not, changing
nothing); it also resumes posting that was paused because a channel broke (see ``bot.posting``).
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import limits, render, render_admin, ui
from bot.app import FanBot, server_only
from bot.errors import Invalid
from bot.posting import channel_problem, missing_permissions

log = logging.getLogger(__name__)

Setting = Literal["bts-channel", "announcements", "region", "weekly-pick", "trivia-channel", "on-this-day"]
OFF: dict[str, dict[str, Any]] = {
    "bts-channel": {"bts_channel_id": None},
    "announcements": {"announce_channel_id": None},
    "region": {"region": None},
    "weekly-pick": {"weekly_pick": False},
    "trivia-channel": {"trivia_channel_id": None},
    "on-this-day": {"on_this_day_channel_id": None},
}


@server_only()
@app_commands.default_permissions(manage_guild=True)
class Settings(commands.GroupCog, group_name="settings", group_description="Where this server gets videos and news"):
    """Per-server settings; facts stay the bot admins' business."""

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Checked when the command runs too, because a server can open the command to everyone."""
        if interaction.permissions.manage_guild:
            return True
        log.warning("Refused /settings to %s (%s): no Manage Server", interaction.user, interaction.user.id)
        raise app_commands.CheckFailure(
            "Only members with **Manage Server** can change this server's settings. Nothing was changed."
        )

    async def _save(self, interaction: discord.Interaction[FanBot], done: str, **values: Any) -> None:
        assert interaction.guild_id is not None  # the group is guild-only
        settings = await self.bot.store.update_guild_settings(interaction.guild_id, **values)
        self.bot.dispatch("guild_settings_change", settings)  # daily posts look at their hours again
        text = f"{done}\n\n{render_admin.settings_text(settings, trivia=self.bot.config.trivia)}"
        await interaction.response.send_message(render.clip(text, limits.CONTENT_MAX), ephemeral=True)

    async def _set_channel(
        self, interaction: discord.Interaction[FanBot], channel: discord.TextChannel, what: str, **values: Any
    ) -> None:
        """Refuse a channel the bot cannot post in; otherwise save it and resume paused posting."""
        missing = missing_permissions(channel)
        if missing:
            names = ", ".join(f"**{render_admin.permission_name(m)}**" for m in missing)
            raise Invalid(
                f"I can't post in {channel.mention}: I'm missing {names} there. "
                "Give me that in the channel's permissions and try again. Nothing was changed."
            )
        await self._save(interaction, f"Done: {what} go to {channel.mention}.", **values, disabled_reason=None)

    @app_commands.command(name="show")
    async def show(self, interaction: discord.Interaction[FanBot]) -> None:
        """Show this server's settings, and why posting is paused if it is."""
        assert interaction.guild is not None
        settings = await self.bot.store.guild_settings(interaction.guild.id)
        channels = [
            settings.bts_channel_id, settings.announce_channel_id, settings.trivia_channel_id,
            settings.on_this_day_channel_id,
        ]  # fmt: skip
        problems = [problem for c in channels if c and (problem := channel_problem(interaction.guild, c))]
        text = render_admin.settings_text(settings, list(dict.fromkeys(problems)), self.bot.config.trivia)
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="bts-channel")
    @app_commands.describe(channel="Where new behind-the-scenes videos (and the weekly pick) are posted")
    async def bts_channel(self, interaction: discord.Interaction[FanBot], channel: discord.TextChannel) -> None:
        """Choose the channel for new behind-the-scenes videos."""
        await self._set_channel(interaction, channel, "new videos", bts_channel_id=channel.id)

    @app_commands.command(name="announcements")
    @app_commands.describe(channel="Where release countdowns and news of changed dates and titles are posted")
    async def announcements(self, interaction: discord.Interaction[FanBot], channel: discord.TextChannel) -> None:
        """Choose the channel for release news."""
        await self._set_channel(interaction, channel, "release news", announce_channel_id=channel.id)

    @app_commands.command(name="region")
    @app_commands.describe(region="The country or region whose release dates you follow, for example France")
    async def region(self, interaction: discord.Interaction[FanBot], region: app_commands.Range[str, 1, 100]) -> None:
        """Choose the region whose release dates get countdowns (30, 7 and 1 days before, and on the day)."""
        covered = await self.bot.store.places(["region"], region)
        if not covered:
            known = ", ".join((await self.bot.store.places(["region"]))[:10])
            raise Invalid(f"No release is listed for “{render.echo(region, 100)}”. Regions with dates: {known}.")
        await self._save(interaction, f"Done: release news for {', '.join(covered)}.", region=region.strip())

    @region.autocomplete("region")
    async def region_names(
        self, interaction: discord.Interaction[FanBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return ui.place_choices(await self.bot.store.places(["region"], current))

    @app_commands.command(name="trivia-channel")
    @app_commands.describe(
        channel="Where a trivia question is posted every day (everyone answers once; right answers score)",
        hour="The hour it is posted, in UTC (0-23); the answer shows some hours later",
    )
    async def trivia_channel(
        self,
        interaction: discord.Interaction[FanBot],
        channel: discord.TextChannel,
        hour: app_commands.Range[int, 0, 23] | None = None,
    ) -> None:
        """Choose the channel (and the hour) for a daily trivia question."""
        hour = self.bot.config.trivia.daily_hour if hour is None else hour
        what = f"daily trivia questions, at {render_admin.at_hour(hour)},"
        await self._set_channel(interaction, channel, what, trivia_channel_id=channel.id, trivia_hour=hour)

    @app_commands.command(name="on-this-day")
    @app_commands.describe(channel="Where anniversaries are posted: releases, premieres and filming days of that date")
    async def on_this_day(self, interaction: discord.Interaction[FanBot], channel: discord.TextChannel) -> None:
        """Choose the channel for "on this day": what happened on that date (nothing on days without one)."""
        await self._set_channel(interaction, channel, "anniversaries", on_this_day_channel_id=channel.id)

    @app_commands.command(name="weekly-pick")
    @app_commands.describe(enabled="Post a random behind-the-scenes video each week in the BTS channel")
    async def weekly_pick(self, interaction: discord.Interaction[FanBot], enabled: bool) -> None:
        """Turn the weekly video pick on or off."""
        await self._save(interaction, f"Done: the weekly pick is {render_admin.on_off(enabled)}.", weekly_pick=enabled)

    @app_commands.command(name="mentions")
    @app_commands.describe(enabled="Answer questions from people who mention me in this server")
    async def mentions(self, interaction: discord.Interaction[FanBot], enabled: bool) -> None:
        """Turn answers to mentions on or off."""
        await self._save(
            interaction, f"Done: answers to mentions are {render_admin.on_off(enabled)}.", mention_replies=enabled
        )

    @app_commands.command(name="off")
    @app_commands.describe(setting="What to turn off")
    async def off(self, interaction: discord.Interaction[FanBot], setting: Setting) -> None:
        """Turn off one kind of post (or forget the region)."""
        await self._save(interaction, f"Done: {setting} is off.", **OFF[setting])


async def setup(bot: FanBot) -> None:
    await bot.add_cog(Settings(bot))
