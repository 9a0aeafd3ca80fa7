"""Two ``mi-bot run`` processes on one PostgreSQL database, as a sharded deployment runs: an admin's edit through
one is what the other answers at once, a new feed video is posted once in total, and killing the process that
posts hands posting to the other.

Each process talks to a wire-level fake Discord of its own (``tests/fake_discord.py`` serves one connection); both
fakes hold the same server and channel, as two shards of one bot see one Discord. Their config shortens the poster
election's interval (``postgresql.election_seconds``), so a hand-over is quick; nothing here asserts how quick: the
timeouts only stop a hung test.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import yaml

from bot.store import Author, open_store
from tests.conftest import PACK, STOP_A_HANG, bot_environment
from tests.fake_discord import FakeDiscord
from tests.feed_server import FeedServer, atom

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and a POSIX subprocess are needed")

OLD = ("old_Video01", "Mission: Impossible | Behind the scenes (old)")
FIRST = ("new_Video01", "Mission: Impossible | Behind the scenes (first)")
SECOND = ("new_Video02", "Mission: Impossible | Behind the scenes (second)")
RETITLED = "The Final Reckoning (retitled)"


async def until(condition: Callable[[], bool], what: str) -> None:
    async with asyncio.timeout(STOP_A_HANG):  # only stops a hung test
        while not condition():
            await asyncio.sleep(0.05)


def posts(fake: FakeDiscord) -> list[str]:
    return [r.json["content"] for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.serve("paramount", atom("Paramount Pictures", [OLD]))
    yield server
    await server.close()


async def start(fake: FakeDiscord, folder: Path, shard: int, database: str, feed: str) -> asyncio.subprocess.Process:
    folder.mkdir()
    config = {
        "packs": [str(PACK)],
        "admins": {"user_ids": [fake.user_id]},
        "discord": {"api_base_url": fake.api_base_url, "gateway_url": fake.gateway_url, "shard_count": 2,
                    "shard_ids": [shard]},
        "videos": {"feeds": [{"url": feed, "match": ["behind the scenes"]}], "poll_minutes": 0.005},
        "postgresql": {"election_seconds": 0.2},
        "log_level": "INFO",
    }  # fmt: skip
    (folder / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    with (folder / "stderr.txt").open("wb") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(folder / "config.yaml"), "run", cwd=folder,
            env={**bot_environment(fake.token), "MI_BOT_DATABASE_URL": database}, stdout=log, stderr=log,
        )  # fmt: skip


async def stunt_card(fake: FakeDiscord) -> str:
    """A stunt card of the film retitled in the test: it names its film (from each process's cached films)."""
    body = await fake.wait_response(await fake.send_slash("stunt", {"name": "stunt:carrier-fr"}), STOP_A_HANG)
    return json.dumps(body["data"]["embeds"][0], ensure_ascii=False)


async def test_two_processes_share_edits_post_once_and_hand_posting_over(
    seeded_postgres_database: str, feeds: FeedServer, tmp_path: Path
) -> None:
    store = await open_store(seeded_postgres_database)
    try:
        film = await store.entry("film:fr")
        await store.update(film.fact.model_copy(update={"title": RETITLED}), Author(1, "ilsa"), expected=film)
        retitling = (await store.change_sets())[0].id
    finally:
        await store.close()
    fakes = [FakeDiscord(), FakeDiscord()]
    processes: list[asyncio.subprocess.Process] = []
    try:
        for fake in fakes:
            await fake.start()
        store = await open_store(seeded_postgres_database)
        try:  # the server's managers chose the channel of both fakes for new videos
            await store.update_guild_settings(fakes[0].guild_id, bts_channel_id=fakes[0].channel_id)
        finally:
            await store.close()
        feed = feeds.url("paramount")
        for shard, fake in enumerate(fakes):
            processes.append(await start(fake, tmp_path / f"shard-{shard}", shard, seeded_postgres_database, feed))
        for fake in fakes:
            await fake.wait_ready(STOP_A_HANG)

        # An undo through the first process is what the second answers next (its films were cached before it).
        assert RETITLED in await stunt_card(fakes[1])
        change = [{"name": "change", "type": 3, "value": str(retitling)}]
        undo = await fakes[0].send_slash("fact", [{"name": "undo", "type": 1, "options": change}])
        assert f"undid #{retitling}" in (await fakes[0].wait_response(undo, STOP_A_HANG))["data"]["content"]
        assert RETITLED not in await stunt_card(fakes[1])

        # A new video: posted once in all, by the one process that polls.
        await until(lambda: feeds.hits["paramount"] >= 2, "the first polls")  # the first poll only records
        feeds.serve("paramount", atom("Paramount Pictures", [FIRST, OLD]))
        await until(lambda: any(FIRST[0] in post for fake in fakes for post in posts(fake)), "the first video")
        polled = feeds.hits["paramount"]
        await until(lambda: feeds.hits["paramount"] >= polled + 3, "more polls")
        assert [len(posts(fake)) for fake in fakes] in ([1, 0], [0, 1])
        poster = next(i for i, fake in enumerate(fakes) if posts(fake))

        # The poster dies; the other takes over and posts the next video, and only that one.
        processes[poster].send_signal(signal.SIGKILL)
        await processes[poster].wait()
        other = fakes[1 - poster]
        feeds.serve("paramount", atom("Paramount Pictures", [SECOND, FIRST, OLD]))
        await until(lambda: any(SECOND[0] in post for post in posts(other)), "the second video from the other")
        polled = feeds.hits["paramount"]
        await until(lambda: feeds.hits["paramount"] >= polled + 3, "more polls")
        assert [SECOND[0] in post for post in posts(other)] == [True]
        assert sum(len(posts(fake)) for fake in fakes) == 2
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), STOP_A_HANG)
                except TimeoutError:
                    process.kill()
                    await process.wait()
        for fake in fakes:
            await fake.stop()
    for shard in range(len(processes)):
        log = (tmp_path / f"shard-{shard}" / "stderr.txt").read_text()
        assert "Traceback" not in log, log
