"""A local stand-in for YouTube's channel feeds: a real aiohttp server on 127.0.0.1 whose answers tests set.

``server.url("paramount")`` is a feed URL shaped like YouTube's; ``server.serve("paramount", atom(...))``
sets what it answers (a body, an HTTP status, a delay), and ``server.hits`` counts the requests per feed.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web


@dataclass(frozen=True)
class Answer:
    body: str = ""
    status: int = 200
    delay: float = 0.0


class FeedServer:
    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.hits: Counter[str] = Counter()
        app = web.Application()
        app.router.add_get("/feeds/videos.xml", self._answer)
        self._runner = web.AppRunner(app, handler_cancellation=True)  # a client that gave up ends its handler
        self.base = ""

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base = f"http://{host}:{port}"

    async def close(self) -> None:
        await self._runner.cleanup()

    def url(self, channel: str) -> str:
        return f"{self.base}/feeds/videos.xml?channel_id={channel}"

    def serve(self, channel: str, body: str = "", *, status: int = 200, delay: float = 0.0) -> None:
        self.answers[channel] = Answer(body, status, delay)

    async def _answer(self, request: web.Request) -> web.Response:
        channel = request.query.get("channel_id", "")
        self.hits[channel] += 1
        answer = self.answers.get(channel, Answer(status=404))
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return web.Response(text=answer.body, status=answer.status, content_type="application/atom+xml")


Video = tuple[str, str] | tuple[str, str, str]


def atom(channel: str, videos: Sequence[Video]) -> str:
    """A feed in YouTube's format: ``videos`` are (video id, title), newest first, or (video id, title, link) for
    an entry whose link is not the video's usual watch URL."""
    entries = "".join(_entry(channel, video, day=min(9, len(videos) - i)) for i, video in enumerate(videos))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">
 <id>yt:channel:UCtest</id>
 <yt:channelId>UCtest</yt:channelId>
 <title>{escape(channel)}</title>
 <link rel="alternate" href="https://www.youtube.com/channel/UCtest"/>
 <published>2020-01-01T00:00:00+00:00</published>{entries}
</feed>
"""


def _entry(channel: str, video: Video, day: int) -> str:
    video_id, title, *link = video
    href = link[0] if link else f"https://www.youtube.com/watch?v={video_id}"
    return f"""
 <entry>
  <id>yt:video:{escape(video_id)}</id>
  <yt:videoId>{escape(video_id)}</yt:videoId>
  <yt:channelId>UCtest</yt:channelId>
  <title>{escape(title)}</title>
  <link rel="alternate" href={quoteattr(href)}/>
  <author><name>{escape(channel)}</name></author>
  <published>2026-01-0{day}T12:00:00+00:00</published>
  <updated>2026-01-09T12:00:00+00:00</updated>
  <media:group><media:title>{escape(title)}</media:title></media:group>
 </entry>"""


BROKEN = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Half a feed</title><entry><title>'

# The "billion laughs": ten nested entities, each ten of the one before, would expand to 10⁹ "lol"s.
ENTITY_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE feed [\n <!ENTITY lol0 "lol">\n'
    + "".join(f' <!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">\n' for n in range(1, 10))
    + ']>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol9;</title></feed>\n'
)

# The quadratic blowup: one long entity used many times, which entity-count limits alone do not stop.
QUADRATIC_BOMB = (
    f'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY a "{"a" * 50_000}">]>\n'
    f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{"&a;" * 20_000}</title></feed>\n'
)
