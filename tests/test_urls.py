"""Links the bot stores and posts: one strict check (``bot.models.checked_url``) for packs, admin forms, imports
and feeds, so a look-alike such as ``https://evil.example\\@www.youtube.com/…`` (a browser goes to evil.example)
never passes as a verified YouTube link.

The property test parses every URL the check accepts with each parser a link meets on its way: Python's
``urllib.parse``, yarl (aiohttp's URL, what discord.py and the feed server use) and ada, a WHATWG URL parser like
the one in browsers and Discord's client; they must all see one of the allowed hosts.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import ada_url
import pytest
import yarl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.models import VIDEO_HOSTS, Source, Video, checked_url
from tests.conftest import changed, db_state, edit, export, find, index, yaml_data

LOOK_ALIKES = [
    "https://evil.example\\@www.youtube.com/watch?v=x",  # a browser reads the backslash as a slash
    "https://evil.example\\.www.youtube.com/watch?v=x",
    "https://www.youtube.com/watch?v=x\nhttps://evil.example/",
    "https://www.youtube.com/watch?v=x\rhttps://evil.example/",
    "https://www.youtube.com\t.evil.example/watch?v=x",
    "https://www.youtube.com@evil.example/watch?v=x",
    "https://evil.example@www.youtube.com/watch?v=x",
    "https://user:pass@www.youtube.com/watch?v=x",
    "https://www.youtube.com%2F@evil.example/",
    "https://evil.example%23.www.youtube.com/",
    "https://www.youtube.com./watch?v=x",
    "https://www.youtube.com:99999/watch?v=x",
    "https://www.youtube.com:0/watch?v=x",
    "https://www.youtube.com:8443/watch?v=x",
    "https://www.youtube.com\u200b/watch?v=x",
    "https://www.youtube.com\u202e/watch?v=x",
    "https://www.youtube.com\uff0f@evil.example/",  # a fullwidth slash
    "https://www\u3002youtube\u3002com/watch?v=x",  # ideographic full stops, dots to a browser
    "javascript:alert(1)//https://www.youtube.com/",
    "https:www.youtube.com/watch?v=x",
    "https:/www.youtube.com/watch?v=x",
    "//www.youtube.com/watch?v=x",
    "https://[::1/watch",
    "https://evil.example/www.youtube.com/watch?v=x",
]
GOOD = [
    "https://www.youtube.com/watch?v=-lsFs2615gw",
    "https://youtu.be/-lsFs2615gw?t=42",
    "https://m.youtube.com/watch?v=-lsFs2615gw&feature=share#t=1m",
    "HTTPS://WWW.YouTube.com/watch?v=-lsFs2615gw",
    "https://vimeo.com/123456",
]


@pytest.mark.parametrize("url", LOOK_ALIKES)
def test_a_look_alike_is_no_video_link(url):
    with pytest.raises(ValueError, match="must"):
        checked_url(url, VIDEO_HOSTS)
    with pytest.raises(ValueError):
        Video(key="v", title="A video", film="dr1", url=url, sources=[Source(url="https://example.com/", title="x")])


@pytest.mark.parametrize("url", GOOD)
def test_real_video_links_pass(url):
    assert checked_url(url, VIDEO_HOSTS) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://de.wikipedia.org/wiki/Mission:_Impossible_–_Dead_Reckoning_Teil_eins",
        "https://en.wikipedia.org/wiki/Mission:_Impossible_(film_series)",
        "http://127.0.0.1:8080/feeds/videos.xml?channel_id=UC1",
        "http://[::1]:8080/feed",
        "https://xn--bcher-kva.example/",
    ],
)
def test_other_links_may_be_anywhere(url):
    assert checked_url(url) == url


@pytest.mark.parametrize(
    ("url", "hosts", "problem"),
    [
        ("ftp://example.com/", None, "must be an http\\(s\\) URL"),
        ("https://a.example\\@b.example/", None, "without spaces, backslashes"),
        ("https://a@b.example/", None, "must not have a user name"),
        ("https://b.example:70000/", None, "must have a port from 1 to 65535, not 70000"),
        ("https://b.example/", VIDEO_HOSTS, "must be a video link on"),
    ],
)
def test_the_problem_is_named(url, hosts, problem):
    with pytest.raises(ValueError, match=problem):
        checked_url(url, hosts)


# ----------------------------------------------------------------------------- every parser agrees

PIECES = [
    "https://", "http://", "HTTPS://", "https:", "//", "/", "\\", "@", ":", "::", "?", "#", ".", "%", "%2F", "%40",
    "%5C", "[", "]", "::1", "443", "80", "99999", "0", " ", "\t", "\n", "\r", "\x00", "\u200b", "\u3002", "\uff0f",
    "\uff20", "www.youtube.com", "youtube.com", "youtu.be", "vimeo.com", "evil.example", "watch?v=", "xn--", "é",
]  # fmt: skip
NASTY = st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=12).map("".join)
HOSTISH = st.sampled_from(sorted(VIDEO_HOSTS)) | NASTY
URLS = (
    st.tuples(st.sampled_from(["https://", "http://", "https:", "HTTPS://", ""]), NASTY, HOSTISH, NASTY).map("".join)
    | NASTY
)


def hosts_seen(url: str) -> dict[str, str | None]:
    whatwg = ada_url.URL(url)
    return {
        "urllib.parse": urlsplit(url).hostname,
        "yarl": yarl.URL(url).raw_host,  # as resolved: punycode stays punycode
        "ada (WHATWG)": whatwg.hostname,
    }


@settings(max_examples=600, deadline=None)
@given(URLS)
@example("https://evil.example\\@www.youtube.com/watch?v=x")
@example("https://www.youtube.com:443/")
def test_every_parser_sees_an_allowed_host_in_any_accepted_video_link(url):
    try:
        checked_url(url, VIDEO_HOSTS)
    except ValueError:
        return
    seen = hosts_seen(url)
    assert all(host is not None and host.lower() in VIDEO_HOSTS for host in seen.values()), seen
    assert ada_url.URL(url).port == "" and yarl.URL(url).is_default_port()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["https://", "http://"]), NASTY, st.sampled_from(["", "/", "?", "#"]), NASTY)
def test_every_parser_sees_the_same_host_in_any_accepted_link(scheme, authority, separator, rest):
    url = scheme + authority + separator + rest
    try:
        checked_url(url)
    except ValueError:
        return
    seen = {parser: (host or "").lower().strip("[]") for parser, host in hosts_seen(url).items()}
    assert len(set(seen.values())) == 1, seen


# ----------------------------------------------------------------------------- where links come in


async def test_an_admin_cannot_save_a_look_alike_video_link(fact_admin, channel, config):
    before = db_state(config.database)
    refused = await edit(fact_admin, channel, "video:bts-train", url=LOOK_ALIKES[0])
    assert refused.ephemeral
    assert "Verified link: must be one URL without spaces, backslashes" in refused.response.content
    assert db_state(config.database) == before


@pytest.mark.parametrize("section", ["videos", "sources"])
async def test_an_import_with_a_look_alike_or_a_newline_in_a_link_is_refused(fact_admin, channel, config, section):
    exported = await export(fact_admin, channel)
    first_source = next(iter(yaml_data(exported)["sources"]))

    def hostile(document: dict) -> None:
        if section == "videos":
            find(document, "videos", "bts-train")["url"] = LOOK_ALIKES[0]
        else:
            document["sources"][first_source]["url"] = "https://example.com/a\nhttps://evil.example/"

    data = changed(exported, hostile)
    before = db_state(config.database)
    result = await fact_admin.slash(channel, "fact import", file=("hostile.yaml", data))
    where = f"videos[{index(data, 'videos', 'bts-train')}]" if section == "videos" else f"sources.{first_source}"
    assert result.ephemeral
    assert f"• {where}.url: must be one URL without spaces, backslashes" in result.response.content
    assert not result.response.components  # nothing to apply
    assert db_state(config.database) == before
