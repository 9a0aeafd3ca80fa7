"""Release news and the weekly pick, on SimCord's virtual clock (it starts on Thursday 1 January 2026, 00:00 UTC).

The shipped releases are all in the past, so each test adds a release of its own through the store, as an
admin's /fact add would; it is test data, not a fact of the pack.
"""

from __future__ import annotations

import datetime as dt

import discord

from bot.app import create_bot
from bot.models import Change, Film, Release, Source, Video
from bot.posting import ChannelProblem
from bot.schedule import change_news, due_milestone, in_region, milestone_news, week_item
from bot.store import Author
from tests.conftest import posts

HOUR = 3600
ADMIN = Author(1, "luther_admin")
TEST_SOURCE = Source(url="https://example.com/test-only", title="Test data, not a fact")


async def subscribe(env, guild, *, region: str = "France", weekly: bool = False) -> tuple[object, object]:
    """A server whose manager chose channels (and a region): returns (announcements, bts) channels."""
    news, bts, chat = (guild.create_text_channel(name) for name in ("news", "bts", "chat"))
    role = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    manager = guild.add_member(env.create_user(f"manager{guild.id}"), roles=[role])
    await manager.slash(chat, "settings announcements", channel=news)
    await manager.slash(chat, "settings region", region=region)
    await manager.slash(chat, "settings bts-channel", channel=bts)
    await manager.slash(chat, "settings weekly-pick", enabled=weekly)
    return news, bts


async def add_release(env, store, days: int, region: str = "France", key: str = "fr-test-fr") -> Release:
    release = Release(
        key=key, film="fr", region=region, date=env.now().date() + dt.timedelta(days),
        sources=[TEST_SOURCE],
    )  # fmt: skip
    await store.add(release, ADMIN)
    return release


async def go_to(env, day: int, hour: int = 13) -> None:
    """Let virtual time run to ``hour`` o'clock (UTC) of day ``day``, day 0 being the first. News runs hourly;
    countdowns go out from 12:00 UTC on their day."""
    target = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day, hours=hour)
    while (left := (target - env.now()).total_seconds()) > 0:  # a day at a time: each within SimCord's time limit
        await env.advance_time(min(left, 86400))


async def test_a_release_is_announced_then_counted_down_to_its_day(env, guild, store):
    news, bts = await subscribe(env, guild)
    other, _ = await subscribe(env, env.create_guild("US Fans"), region="United States")
    await add_release(env, store, 31)

    await go_to(env, 0)
    assert len(posts(news)) == 1 and "New release date" in posts(news)[0] and "**France**" in posts(news)[0]
    for day, text in ((1, "30 days to go"), (24, "7 days to go"), (30, "1 day to go"), (31, "Out now in France")):
        await go_to(env, day, hour=11)
        before = len(posts(news))
        await go_to(env, day)
        assert len(posts(news)) == before + 1 and text in posts(news)[-1]
    await go_to(env, 33)

    assert len(posts(news)) == 5  # each exactly once
    assert posts(other) == [] and posts(bts) == []


async def restart(env, config, *, down_until: tuple[int, int]) -> None:
    """Stop the bot, let time pass to (day, hour), and start a new bot on the same database."""
    await env.bot.close()
    await go_to(env, *down_until)
    await env.restart_bot(create_bot(config))


async def test_news_missed_while_down_is_caught_up_within_a_day_and_older_news_skipped(env, guild, store, config):
    news, _ = await subscribe(env, guild)
    await add_release(env, store, 12)  # the 7-day countdown is due on day 5, the 1-day one on day 11
    await go_to(env, 0)
    assert len(posts(news)) == 1  # the new date

    await restart(env, config, down_until=(7, 13))  # missed day 5 by two days: skipped
    assert len(posts(news)) == 1

    await restart(env, config, down_until=(12, 10))  # missed day 11 (from 12:00 UTC) by 22 hours: caught up
    assert len(posts(news)) == 2 and "1 day to go" in posts(news)[-1]

    await go_to(env, 12, hour=14)
    await restart(env, config, down_until=(12, 15))  # a restart posts nothing twice
    await go_to(env, 13, hour=11)
    assert len(posts(news)) == 3 and "Out now in France" in posts(news)[-1]


async def test_a_changed_date_or_title_is_news(env, guild, store):
    news, _ = await subscribe(env, guild, region="Uk")
    elsewhere, _ = await subscribe(env, env.create_guild("Paris"), region="France")
    release = await add_release(env, store, 60, region="United Kingdom & Ireland", key="fr-test-uk")
    await go_to(env, 0)
    assert len(posts(news)) == 1 and posts(elsewhere) == []

    entry = await store.entry(release.ref)
    await store.update(release.model_copy(update={"date": release.date + dt.timedelta(21)}), ADMIN, expected=entry)
    film = await store.entry("film:fr")
    retitled = film.fact.model_copy(update={"title": "Mission: Impossible – Test Title"})
    await store.update(retitled, ADMIN, expected=film)
    await go_to(env, 0, hour=15)  # news of changes goes out within the hour (paced: allow a little more)

    assert "Date change" in posts(news)[1] and "United Kingdom & Ireland" in posts(news)[1]
    assert "New title" in posts(news)[2] and "Test Title" in posts(news)[2]
    assert posts(elsewhere) == [posts(news)[2]]  # a new title is news everywhere, a UK date only in the UK
    await go_to(env, 1)
    assert len(posts(news)) == 3


async def test_the_weekly_pick_is_one_video_a_week_for_servers_that_opted_in(env, guild, store):
    _, bts = await subscribe(env, guild, weekly=True)
    _, quiet = await subscribe(env, env.create_guild("No Picks"))

    await go_to(env, 3)  # Thursday 1 to Sunday 4 January: the first week
    await go_to(env, 17)  # two more weeks

    assert len(posts(bts)) == 3
    verified = {v.url for v in await store.facts(Video) if v.url}
    assert all(post.startswith("🎲 **This week's pick**") for post in posts(bts))
    assert all(post.splitlines()[-1] in verified for post in posts(bts))
    assert posts(quiet) == []


async def test_one_broken_server_does_not_stop_the_news_of_the_others(env, guild, store):
    news, _ = await subscribe(env, guild)
    gone, _ = await subscribe(env, env.create_guild("Gone"))
    env.backend.delete_channel(gone.id)
    await add_release(env, store, 40)

    await go_to(env, 0)

    assert len(posts(news)) == 1
    paused = ChannelProblem.from_code((await store.guild_settings(gone.guild.id)).disabled_reason)
    assert paused == ChannelProblem("deleted", gone.id, since=paused.since)


# ----------------------------------------------------------------------------- the pure rules


def test_milestones_are_due_on_their_day_or_one_day_late():
    release_day = dt.date(2026, 3, 1)
    due = {offset: due_milestone(release_day, release_day - dt.timedelta(offset)) for offset in range(-3, 33)}
    assert {offset: days for offset, days in due.items() if days is not None} == {
        -1: 0, 0: 0, 1: 1, 6: 7, 7: 7, 29: 30, 30: 30,
    }  # fmt: skip


def test_regions_take_longer_names_and_abbreviations_but_not_premieres():
    release = Release(
        key="x", film="fr", region="United Kingdom & Ireland", date=dt.date(2026, 1, 1), sources=[TEST_SOURCE]
    )
    assert in_region(release, "United Kingdom") and in_region(release, "UK")
    assert not in_region(release, "Ireland and Wales")
    assert not in_region(release.model_copy(update={"type": "premiere"}), "UK")


def test_old_or_past_changes_are_not_news():
    films: dict[str, Film] = {}
    release = Release(key="x", film="fr", region="France", date=dt.date(2026, 3, 1), sources=[TEST_SOURCE])
    now = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)

    def change(at: dt.datetime, before: Release | None, after: Release) -> Change:
        return Change(
            id=7, set_id=7, ref=after.ref, action="edit" if before else "add", author_id=1, author_name="a", at=at,
            before=before.model_dump(mode="json") if before else None, after=after.model_dump(mode="json"),
        )  # fmt: skip

    assert change_news(change(now, None, release), films, now) is not None
    assert change_news(change(now - dt.timedelta(days=2), None, release), films, now) is None  # too old
    past = release.model_copy(update={"date": dt.date(2026, 1, 1)})
    assert change_news(change(now, None, past), films, now) is None
    assert change_news(change(now, release, release.model_copy(update={"note": "x"})), films, now) is None
    assert milestone_news([release.model_copy(update={"type": "premiere"})], films, dt.date(2026, 2, 22)) == []
    assert week_item(dt.date(2026, 1, 1)) == "weekly:2026-W01" and week_item(dt.date(2026, 1, 5)) == "weekly:2026-W02"


def test_a_home_release_is_news_that_says_where_to_watch():
    films: dict[str, Film] = {}
    streaming = Release(
        key="s", film="fr", region="United States", type="streaming", platform="Paramount+",
        date=dt.date(2026, 3, 1), sources=[TEST_SOURCE],
    )  # fmt: skip
    week_before, day = (
        milestone_news([streaming], films, dt.date(2026, 2, 22)),
        milestone_news([streaming], films, dt.date(2026, 3, 1)),
    )
    assert "comes out in **United States** (streaming on Paramount+)" in week_before[0].text
    assert "Out now in United States (streaming on Paramount+)" in day[0].text
    assert in_region(streaming, "US")
