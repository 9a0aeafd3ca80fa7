"""YouTube channel feeds: download, parse safely, pick the videos fans want, and turn them into video facts.

Everything here but ``download`` is pure. ``download`` blocks, so the feeds cog runs it in a worker thread:
its time limits are the operating system's socket timeouts plus a wall-clock deadline, which hold however
the event loop's clock behaves (timeouts built on loop timers, such as aiohttp's, never fire under a test's
virtual clock while a socket is pending).
"""

from __future__ import annotations

import http.client
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from bot import __version__
from bot.models import NAME_MAX, YOUTUBE_HOSTS, Film, Source, Video, checked_url
from bot.render import clip
from bot.text import NameIndex, fold, longest_names

USER_AGENT = f"mi-fan-bot/{__version__} (+feeds)"
VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")  # what YouTube's ids look like; a fact key has room for 60


class FeedError(Exception):
    """A feed that cannot be used this time: unreachable, slow, an HTTP error, or not a safe, valid feed."""


@dataclass(frozen=True)
class FeedItem:
    video_id: str
    title: str
    url: str
    published: str  # the feed's date, e.g. 2026-01-05


@dataclass(frozen=True)
class ChannelFeed:
    title: str
    items: list[FeedItem]  # newest first, as the feed lists them
    skipped: list[str]  # the entries left out, each with why: "entry yt:video:…: link must be …"


def download(url: str, *, timeout: float, limit: int) -> bytes:
    """GET ``url`` in at most about ``timeout`` seconds and ``limit`` bytes (blocking: run it in a thread)."""
    deadline = time.perf_counter() + timeout
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    chunks: list[bytes] = []
    size = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            while chunk := response.read1(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise FeedError(f"larger than {limit} bytes")
                if time.perf_counter() > deadline:
                    raise FeedError(f"took longer than {timeout:g} s")
                chunks.append(chunk)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error is also the response: it holds the socket
        raise FeedError(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FeedError(f"unreachable ({exc.reason})") from None
    except TimeoutError:
        raise FeedError(f"no answer within {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise FeedError(f"broken connection ({exc!r})") from None
    return b"".join(chunks)


def parse_feed(data: bytes) -> ChannelFeed:
    """The channel's title and videos. The XML is first checked by defusedxml, which refuses any DTD, so an
    entity bomb is rejected before feedparser (which would expand some entities) ever sees it. Both are imported
    here, when a feed is read: a bot that follows none (and the try-out) starts without them."""
    import feedparser
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring as checked_xml

    try:
        checked_xml(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FeedError(f"unsafe XML refused ({type(exc).__name__})") from None
    except ParseError as exc:
        raise FeedError(f"not valid XML ({exc})") from None
    parsed = feedparser.parse(data)
    if parsed.bozo or parsed.version != "atom10":
        raise FeedError(f"not an Atom feed ({parsed.get('bozo_exception') or parsed.version or 'unknown format'})")
    items: list[FeedItem] = []
    skipped: list[str] = []
    for number, entry in enumerate(parsed.entries, 1):
        try:
            items.append(_item(entry))
        except ValueError as exc:
            skipped.append(f"entry {_shown(entry.get('id') or str(number), 70)}: {exc}")
    return ChannelFeed(parsed.feed.get("title", "").strip() or "YouTube channel", items, skipped)


def _item(entry: Mapping[str, str]) -> FeedItem:
    """One entry as a video, or ``ValueError`` saying what is wrong with it. A feed is read from outside, so its
    link must pass the same check as any link an admin types, on a YouTube host."""
    video_id, title, link = entry.get("yt_videoid", ""), entry.get("title", "").strip(), entry.get("link", "")
    if not VIDEO_ID.fullmatch(video_id):
        raise ValueError(f"no valid YouTube video id ({_shown(video_id, 20)})")
    if not title:
        raise ValueError("no title")
    try:
        checked_url(link, YOUTUBE_HOSTS)
    except ValueError as exc:
        raise ValueError(f"link {exc}") from None
    return FeedItem(video_id, clip(title, NAME_MAX), link, entry.get("published", "")[:10])


def _shown(text: str, limit: int) -> str:
    """Text from a feed as it may be logged: cut, and quoted with its control characters escaped when it has odd
    characters (a log line stays one line)."""
    text = clip(text, limit)
    return text if re.fullmatch(r"[\w:.-]+", text) else repr(text)


def title_matches(title: str, words: Sequence[str]) -> bool:
    """Whether a title contains one of ``words`` (case, accents and punctuation ignored); no words: any title."""
    folded = fold(title)
    return not words or any(fold(word) and fold(word) in folded for word in words)


def film_for(title: str, films: Mapping[str, Film]) -> str:
    """The film a video is about: the one whose title, alias or former title the video's title names (the
    longest name wins, so "Dead Reckoning Part Two" is the sequel), else the newest film."""
    named = longest_names(
        fold(title), NameIndex.of((film.key, fold(name)) for film in films.values() for name in film.names)
    )
    if len(named) == 1:
        return named.pop()
    return max(films.values(), key=lambda film: (film.year, film.installment or 0)).key


def video_key(video_id: str) -> str:
    """A fact key for a YouTube video id: ``yt-`` and the id in lower case, ``_`` as ``-``."""
    return "yt-" + video_id.lower().replace("_", "-")


def video_fact(item: FeedItem, channel: str, feed_url: str, films: Mapping[str, Film]) -> Video:
    """The video as a fact. Its link was read in the feed itself, so the feed is its (verifying) source."""
    return Video(
        key=video_key(item.video_id),
        title=item.title,
        film=film_for(item.title, films),
        published=item.published,
        url=item.url,
        sources=[Source(url=feed_url, title=clip(f"YouTube feed: {channel}", NAME_MAX))],
    )


def new_matching(items: Iterable[FeedItem], unseen: set[str], words: Sequence[str]) -> list[FeedItem]:
    """The unseen items whose titles match, oldest first (the order they were published in)."""
    return [item for item in reversed(list(items)) if item.video_id in unseen and title_matches(item.title, words)]


def retry_after(failures: int, cap: int) -> int:
    """After ``failures`` failed polls in a row, how many poll intervals to wait: 1, 2, 4, … at most ``cap``."""
    return min(1 << max(failures - 1, 0), max(cap, 1))
