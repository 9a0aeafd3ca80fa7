"""From a fact to its card: look up what the card links to (film, places, stunts, videos), then render.

Every command that shows a fact (fan commands, search, mentions, an admin's stored card) goes through
``card_for``, so a fact looks the same wherever it appears.
"""

from __future__ import annotations

import datetime as dt

from bot import render
from bot.errors import NotFound
from bot.models import Film, Location, Release, Stunt, Video
from bot.render import Card, Stamp
from bot.store import Entry, FactStore


async def _locations(store: FactStore, keys: list[str]) -> list[Location]:
    found = []
    for key in keys:
        try:
            found.append(await store.get(f"location:{key}"))
        except NotFound:
            continue
    return found


async def card_for(store: FactStore, entry: Entry, today: dt.date | None = None) -> Card:
    """The card of one fact; a release date is shown on its film's release card."""
    fact = entry.fact
    today = today or dt.datetime.now(dt.UTC).date()
    stamp = Stamp(entry.updated_at, entry.updated_by if entry.edited else None)
    films = await store.films()
    if isinstance(fact, Stunt):
        videos = await store.linked("video", fact.ref)
        return render.stunt_card(fact, films.get(fact.film), await _locations(store, fact.locations), videos, stamp)
    if isinstance(fact, Location):
        stunts = await store.linked("stunt", fact.ref)
        return render.location_card(fact, films.get(fact.film), stunts, stamp)
    if isinstance(fact, Video):
        return render.video_message(fact, films.get(fact.film))
    film = films[fact.film] if isinstance(fact, Release) else fact
    assert isinstance(film, Film)
    return render.release_card(film, await store.facts("release", film=film.key), today, stamp)
