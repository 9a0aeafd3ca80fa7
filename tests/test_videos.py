"""/bts as a fan uses it: verified videos play inline; videos known only by title get a labelled search."""

from __future__ import annotations

import pytest

from bot.models import Video
from tests.conftest import buttons

BIGGEST_STUNT = "https://www.youtube.com/embed/-lsFs2615gw?feature=oembed"


@pytest.mark.parametrize("topic", ["video:bts-biggest-stunt", "bike jump featurette", "bike jump", "Helsetkopen"])
async def test_a_verified_video_is_its_url_alone_on_a_line(fan, channel, topic):
    result = await fan.slash(channel, "bts", topic=topic)
    assert not result.ephemeral
    caption, url = result.response.content.splitlines()
    assert caption.startswith(
        "🎥 **Mission: Impossible - Dead Reckoning Part One | The Biggest Stunt in Cinema History"
    )
    assert " — Roughly 9½–10 minutes" in caption
    assert url == BIGGEST_STUNT
    assert result.response.embeds[0].footer.text.startswith("Video · Mission: Impossible – Dead Reckoning Part One")


@pytest.mark.parametrize(
    ("topic", "url"),
    [
        ("mi8 trailer", "https://www.youtube.com/watch?v=fsQgc9pCyDU"),
        ("dead reckoning trailer", "https://www.youtube.com/embed/avz06PDqDbM"),
    ],
)
async def test_trailers_are_posted_with_their_verified_link_as_it_is(fan, channel, topic, url):
    result = await fan.slash(channel, "bts", topic=topic)
    assert result.response.content.splitlines()[-1] == url


async def test_a_video_known_only_by_title_says_so_and_gives_a_labelled_search(fan, channel, store):
    result = await fan.slash(channel, "bts", topic="train stunt")
    video = await store.get("video:bts-train")
    lines = result.response.content.splitlines()
    assert lines[0].startswith("🎥 **Dead Reckoning Part One – Train Stunt Behind-The-Scenes")
    assert "No verified link" in lines[1] and "YouTube search" in lines[1]
    assert lines[2] == f"<{video.search_url}>"
    assert "youtube.com/watch" not in result.response.content
    [link] = buttons(result.response)
    assert link["label"].startswith("🔎 Search YouTube: Dead Reckoning Part One – Train Stunt")
    assert link["url"] == video.search_url


async def test_a_topic_without_any_video_is_ephemeral(fan, channel):
    result = await fan.slash(channel, "bts", topic="Malta")
    assert result.ephemeral
    assert result.response.content.startswith("I couldn't find a video matching “Malta”.")
    assert "Did you mean **" in result.response.content


async def test_without_a_topic_a_random_video_is_posted(fan, channel, store):
    titles = {video.title for video in await store.facts(Video)}
    seen = set()
    for _ in range(12):
        content = (await fan.slash(channel, "bts")).response.content
        title = content.splitlines()[0].removeprefix("🎥 **").split("**")[0]
        assert title in titles
        seen.add(title)
    assert len(seen) > 1  # random, not always the same one (12 draws from 11 videos)


async def test_topic_autocomplete_spans_videos_stunts_and_places(fan, channel):
    choices = await fan.autocomplete(channel, "bts", "topic", "svalbard")
    kinds = {c["value"].split(":")[0] for c in choices}
    assert kinds == {"video", "stunt", "location"}
    assert all(c["name"].startswith(("video: ", "stunt: ", "location: ")) for c in choices)
    assert all(len(c["name"]) <= 100 for c in await fan.autocomplete(channel, "bts", "topic", ""))
