"""New videos from channel feeds, served by a real HTTP server on 127.0.0.1 and posted to servers' BTS channels.

The bot polls every 30 (virtual) minutes; ``env.advance_time(POLL)`` runs the next poll, and its download
really goes over a socket to the local server.
"""

from __future__ import annotations

import logging

import discord
import pytest

from bot.app import create_bot
from bot.posting import ChannelProblem
from bot.youtube import FeedError, FeedItem, film_for, parse_feed, retry_after, title_matches, video_key
from tests.conftest import make_config, posts
from tests.feed_server import BROKEN, ENTITY_BOMB, QUADRATIC_BOMB, FeedServer, atom

POLL = 30 * 60
POST_ROOM = 10  # seconds
MATCH = ["behind the scenes", "featurette", "Mission: Impossible"]
OLD = [
    ("oldVideo002", "Mission: Impossible – Dead Reckoning Part One | Featurette (test feed)"),
    ("oldVideo001", "Mission: Impossible – Dead Reckoning Part One | Trailer (test feed)"),
]
NEW = ("new_Video01", "Mission: Impossible – The Final Reckoning | Behind the scenes (test feed)")
UNRELATED = ("otherVideo1", "A cooking show (test feed)")
NEW_URL = f"https://www.youtube.com/watch?v={NEW[0]}"


@pytest.fixture
async def feeds():
    server = FeedServer()
    await server.start()
    server.serve("paramount", atom("Paramount Pictures", OLD))  # "studio" answers 404 until a test serves it
    yield server
    await server.close()


# A feed download's limit: a local feed comes well within it even on a loaded machine (0.3 s did not, under a full
# suite); the slow feed answers far beyond it.
FETCH_TIMEOUT, SLOW = 3.0, 30.0


@pytest.fixture
def config(tmp_path, feeds):
    followed = [{"url": feeds.url(name), "match": MATCH} for name in ("paramount", "studio")]
    return make_config(tmp_path, videos={"feeds": followed, "poll_minutes": 30, "fetch_timeout_seconds": FETCH_TIMEOUT})


async def follow(env, guild) -> object:
    """A server whose manager chose a BTS channel; returns that channel."""
    bts = guild.create_text_channel("bts")
    chat = guild.create_text_channel("chat")
    role = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    manager = guild.add_member(env.create_user(f"manager{guild.id}"), roles=[role])
    await manager.slash(chat, "settings bts-channel", channel=bts)
    return bts


async def next_poll(env, polls: int = 1) -> None:
    """Run the next poll(s), and give their paced posts (a quarter second apart) time to go out."""
    for _ in range(polls):
        await env.advance_time(POLL)
        await env.advance_time(POST_ROOM)


async def test_a_new_matching_video_is_posted_once_in_every_bts_channel(env, guild, feeds, store):
    first, second = await follow(env, guild), await follow(env, env.create_guild("Second Server"))
    quiet = env.create_guild("No Settings").create_text_channel("general")
    feeds.serve("paramount", atom("Paramount Pictures", [UNRELATED, NEW, *OLD]))

    await next_poll(env)

    for bts in (first, second):
        assert len(posts(bts)) == 1
        assert NEW_URL in posts(bts)[0].splitlines()  # alone on its line: Discord shows the player
    assert posts(quiet) == []
    video = await store.get(f"video:{video_key(NEW[0])}")
    assert video.url == NEW_URL and video.film == "fr"
    assert video.sources[0].url == feeds.url("paramount")
    assert video.sources[0].title == "YouTube feed: Paramount Pictures"
    assert (await store.history(video.ref))[0].author_name == "feed"

    await next_poll(env)  # the same feed again: nothing new
    assert [len(posts(bts)) for bts in (first, second)] == [1, 1]


async def test_the_first_poll_of_a_feed_posts_nothing(env, guild, feeds):
    bts = await follow(env, guild)
    feeds.serve("studio", atom("Studio", [NEW, *OLD]))  # it answered 404 at start, so it was never read

    await next_poll(env)
    assert feeds.hits["studio"] == 2
    assert posts(bts) == []

    newer = ("newerVideo1", "Mission: Impossible featurette (test feed)")
    feeds.serve("studio", atom("Studio", [newer, NEW, *OLD]))
    await next_poll(env)
    assert posts(bts)[0].endswith(f"watch?v={newer[0]}")


async def test_a_restart_never_posts_a_video_twice(env, guild, feeds, config, bot):
    bts = await follow(env, guild)
    feeds.serve("paramount", atom("Paramount Pictures", [NEW, *OLD]))
    await next_poll(env)
    assert len(posts(bts)) == 1

    await bot.close()
    await env.restart_bot(create_bot(config))  # a new process on the same database polls at once
    await next_poll(env)

    assert feeds.hits["paramount"] == 4
    assert len(posts(bts)) == 1


async def test_failing_feeds_are_logged_backed_off_and_never_stop_the_others(env, guild, feeds, caplog):
    bts = await follow(env, guild)
    feeds.serve("paramount", atom("Paramount Pictures", [NEW, *OLD]))
    feeds.serve("studio", status=500)
    caplog.set_level(logging.WARNING, logger="cogs.feeds")

    hits = []
    for _ in range(6):
        await next_poll(env)
        hits.append(feeds.hits["studio"])

    assert len(posts(bts)) == 1  # the good feed was read in the same round
    assert hits == [2, 2, 3, 3, 3, 3]  # failures 1, 2, 3 at polls 0, 1, 3: then waits of 1, 2, 4 polls
    assert "HTTP 500" in caplog.text and "3 time(s) in a row" in caplog.text

    feeds.serve("studio", BROKEN)
    await next_poll(env, 4)
    assert "not valid XML" in caplog.text


HOSTILE = [  # (video id, title, link): entries no feed should be able to turn into a post
    ("badLink0001", "Mission: Impossible featurette (script link)", "javascript:alert(1)"),
    ("badHost0001", "Mission: Impossible featurette (other host)", "https://evil.example/watch?v=badHost0001"),
    ("lookAlike01", "Mission: Impossible featurette (look-alike)", "https://evil.example\\@www.youtube.com/watch?v=x"),
    ("newLine0001", "Mission: Impossible featurette (two links)", "https://youtu.be/x\nhttps://evil.example/"),
    ("bad id <1>", "Mission: Impossible featurette (invalid id)", "https://www.youtube.com/watch?v=x"),
    ("A" * 80, "Mission: Impossible featurette (long id)", f"https://www.youtube.com/watch?v={'A' * 80}"),
]


async def test_bad_entries_are_skipped_and_logged_once_and_the_good_ones_posted(env, guild, feeds, store, caplog):
    bts = await follow(env, guild)
    feeds.serve("paramount", atom("Paramount Pictures", [*HOSTILE, NEW, *OLD]))  # the bad entries are the newest
    caplog.set_level(logging.INFO, logger="cogs.feeds")

    await next_poll(env)
    assert posts(bts) == [f"🎥 **{NEW[1]}**\n{NEW_URL}"]
    skipped = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert len(skipped) == len(HOSTILE)
    for (video_id, _, link), line in zip(HOSTILE, skipped, strict=True):
        assert repr(video_id[:20])[1:-1] in line or repr(link[:40])[1:-1] in line, line
        assert "\n" not in line  # one log line per entry, whatever the entry holds
    assert f"{feeds.url('paramount')} failed" not in caplog.text  # the feed itself is fine: no back-off

    newer = ("newerVideo1", "Mission: Impossible featurette (test feed)")
    feeds.serve("paramount", atom("Paramount Pictures", [newer, *HOSTILE, NEW, *OLD]))
    await next_poll(env)

    assert feeds.hits["paramount"] == 3  # read at start and at each poll since
    assert len(posts(bts)) == 2 and posts(bts)[-1].endswith(f"watch?v={newer[0]}")
    assert len([r for r in caplog.records if "left out" in r.getMessage()]) == len(HOSTILE)  # said once
    assert await store.get(f"video:{video_key(newer[0])}") is not None


async def test_a_feed_with_an_entity_bomb_is_refused_and_logged(env, guild, feeds, caplog):
    bts = await follow(env, guild)
    feeds.serve("studio", ENTITY_BOMB)
    feeds.serve("paramount", atom("Paramount Pictures", [NEW, *OLD]))
    caplog.set_level(logging.WARNING, logger="cogs.feeds")

    await next_poll(env)

    assert "unsafe XML refused (DTDForbidden)" in caplog.text
    assert len(posts(bts)) == 1


async def test_a_slow_feed_times_out_and_the_next_feed_is_still_read(env, guild, feeds, caplog):
    bts = await follow(env, guild)
    feeds.serve("paramount", atom("Paramount Pictures", [NEW, *OLD]), delay=SLOW)
    feeds.serve("studio", atom("Studio", OLD))
    caplog.set_level(logging.WARNING, logger="cogs.feeds")

    await next_poll(env)

    gave_up = f"no answer within {FETCH_TIMEOUT:g} s", f"took longer than {FETCH_TIMEOUT:g} s"
    assert any(reason in caplog.text for reason in gave_up)  # gave up, not waited for the slow feed
    assert feeds.hits["studio"] == 2
    assert posts(bts) == []

    feeds.serve("paramount", atom("Paramount Pictures", [NEW, *OLD]))
    await next_poll(env)
    assert len(posts(bts)) == 1


async def test_a_deleted_channel_or_a_lost_permission_pauses_only_that_server(env, guild, feeds, store, caplog):
    deleted, refused, fine = (
        await follow(env, guild),
        await follow(env, env.create_guild("Refused")),
        await follow(env, env.create_guild("Fine")),
    )
    env.backend.delete_channel(deleted.id)
    env.inject_error("POST", f"/channels/{refused.id}/messages", status=403, code=50013, message="Missing Permissions")
    feeds.serve("paramount", atom("Paramount Pictures", [NEW, *OLD]))
    caplog.set_level(logging.WARNING, logger="bot.posting")

    await next_poll(env)

    assert len(posts(fine)) == 1 and posts(refused) == []
    paused = {g: (await store.guild_settings(g)).disabled_reason for g in (guild.id, refused.guild.id)}
    assert ChannelProblem.from_code(paused[guild.id]).cause == "deleted"
    assert ChannelProblem.from_code(paused[refused.guild.id]).detail == "Missing Permissions"
    assert caplog.text.count("Posting paused") == 2


async def test_show_tells_managers_why_posting_is_paused_until_they_fix_it(env, guild, channel, manager, feeds):
    bts = await follow(env, guild)
    env.backend.delete_channel(bts.id)
    feeds.serve("paramount", atom("Paramount Pictures", [NEW, *OLD]))
    await next_poll(env)

    shown = await manager.slash(channel, "settings show")
    assert "Posting is paused" in shown.response.content and "was deleted" in shown.response.content

    fresh = guild.create_text_channel("new-bts")
    resumed = await manager.slash(channel, "settings bts-channel", channel=fresh)
    assert "paused" not in resumed.response.content
    newer = ("newerVideo1", "Mission: Impossible featurette (test feed)")
    feeds.serve("paramount", atom("Paramount Pictures", [newer, NEW, *OLD]))
    await next_poll(env)
    assert len(posts(fresh)) == 1 and posts(fresh)[0].endswith(newer[0])


# ----------------------------------------------------------------------------- parsing and matching


def test_an_entity_bomb_is_refused_without_expanding():
    for bomb in (ENTITY_BOMB, QUADRATIC_BOMB):
        with pytest.raises(FeedError, match=r"unsafe XML refused \(DTDForbidden\)"):  # at the DTD: nothing expanded
            parse_feed(bomb.encode())


def test_broken_xml_and_other_formats_are_errors():
    with pytest.raises(FeedError, match="not valid XML"):
        parse_feed(BROKEN.encode())
    with pytest.raises(FeedError, match="not an Atom feed"):
        parse_feed(b'<rss version="2.0"><channel><title>News</title></channel></rss>')


def test_an_entry_is_left_out_with_the_reason():
    feed = parse_feed(atom("Paramount Pictures", [*HOSTILE, NEW]).encode())
    assert [item.video_id for item in feed.items] == [NEW[0]]
    assert feed.skipped == [
        "entry yt:video:badLink0001: link must be an http(s) URL, for example https://example.com/page",
        "entry yt:video:badHost0001: link must be a video link on m.youtube.com, youtu.be, youtube.com",
        "entry yt:video:lookAlike01: link must be one URL without spaces, backslashes, quotes or control characters",
        "entry yt:video:newLine0001: link must be one URL without spaces, backslashes, quotes or control characters",
        "entry 'yt:video:bad id <1>': no valid YouTube video id ('bad id <1>')",
        f"entry 'yt:video:{'A' * 60}…': no valid YouTube video id ('{'A' * 19}…')",
    ]


def test_a_youtube_feed_is_parsed_newest_first():
    feed = parse_feed(atom("Paramount Pictures", [NEW, *OLD]).encode())
    assert feed.title == "Paramount Pictures"
    assert [item.video_id for item in feed.items] == [NEW[0], OLD[0][0], OLD[1][0]]
    assert feed.items[0] == FeedItem(NEW[0], NEW[1], NEW_URL, "2026-01-03")


async def test_the_film_is_the_one_the_title_names_else_the_newest(store):
    films = await store.films()
    assert film_for("Mission: Impossible - Dead Reckoning Part One | The Biggest Stunt", films) == "dr1"
    assert film_for("Dead Reckoning Part Two: first look", films) == "fr"  # the sequel's former title
    assert film_for("The Final Reckoning featurette", films) == "fr"
    assert film_for("Tom Cruise on set", films) == "fr"  # newest


def test_titles_match_any_word_ignoring_case_and_punctuation():
    assert title_matches("MISSION IMPOSSIBLE - Behind-the-Scenes", ["behind the scenes"])
    assert title_matches("Mission Impossible 8", ["Mission: Impossible"])
    assert not title_matches("A cooking show", MATCH)
    assert title_matches("Anything", [])


def test_keys_and_backoff():
    assert video_key("-lsFs2615gw") == "yt--lsfs2615gw"
    assert video_key("a_B") == "yt-a-b"
    assert [retry_after(n, cap=48) for n in (1, 2, 3, 4, 7, 20)] == [1, 2, 4, 8, 48, 48]
