"""Names: autocomplete (``suggest``) and resolving what a fan typed to one fact (``find``), typos forgiven.

A name that starts with what was typed comes first (a range scan of the folded names), then names holding every
typed word as a word prefix, then (typos corrected against the vocabulary of the search index) the same again.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import overload

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.errors import NotFound
from bot.models import NAME_MAX, Fact, Kind, Location, Stunt, Video
from bot.store.cache import Cached
from bot.store.core import ENTRY_COLUMNS, entry_of, fact_as, fact_of, holds, kinds_of, marks
from bot.store.db import Backend, Match, Term
from bot.store.facts import Facts
from bot.store.records import Entry, F, Kinds
from bot.store.typos import TypoIndex
from bot.text import fold, phrases

CANDIDATES = 300  # matches considered per look-up before ranking: enough for 25 choices, bounded at any size
# Phrases of a text looked up per query (``named``): a message's few thousand in one, within the parameters every
# backend takes (SQLite and PostgreSQL: 32,766).
NAMED_CHUNK = 5_000
CORRECTIONS_KEPT = 10_000  # corrected words remembered per vocabulary: the words typed before the last one


@dataclass
class Vocabulary:
    """Every indexed word and in how many facts it occurs, the deletion index of the words (shared by every
    vocabulary of the store, since words are only added to it), and the corrections made so far. The words go
    into the deletion index when the first correction needs it (a command whose words are all known, such as
    the try-out's one, needs none: indexing the shipped pack's 2,800 words takes 0.1-0.5 s on a busy machine)."""

    counts: dict[str, int]
    typos: TypoIndex
    words: list[str]  # the words of ``counts`` in order, for prefixes
    corrections: dict[str, str] = field(default_factory=dict)
    indexed: bool = False  # whether ``typos`` holds these words

    def facts_read(self, match: Match, enough: int) -> int:
        """How many facts' entries the index reads at most for ``match``: each word's facts, a prefix's words'
        facts, a phrase's rarest word's. Counted only until it is past ``enough``; a word too short to be counted
        is taken as past it."""
        read = 0
        for term in (term for group in match.groups for term in group):
            if len(term.text) < 3:
                return enough + 1
            if term.prefix:
                at = bisect.bisect_left(self.words, term.text)
                while read <= enough and at < len(self.words) and self.words[at].startswith(term.text):
                    read, at = read + self.counts[self.words[at]], at + 1
            else:
                read += min(self.counts.get(word, 0) for word in term.text.split())
            if read > enough:
                break
        return read

    def correct(self, word: str) -> str:
        """The nearest known word to an unknown one of five letters or more: one typo in a short word, two in a
        long one; swapped letters count as one ("trian" is "train"); the commonest wins."""
        if word in self.counts or len(word) < 5 or word.isdigit():  # "come" is no typo of "rome"
            return word
        if word not in self.corrections:
            if len(self.corrections) >= CORRECTIONS_KEPT:
                self.corrections.clear()
            if not self.indexed:
                self.typos.add(self.counts)
                self.indexed = True
            typos = 1 if len(word) < 6 else 2
            near = [
                (distance, -self.counts[known], known)
                for known in self.typos.near(word, typos)
                if known in self.counts and (distance := OSA.distance(word, known, score_cutoff=typos)) <= typos
            ]
            self.corrections[word] = min(near)[2] if near else word
        return self.corrections[word]


def every_word(words: Sequence[str]) -> Match:
    return Match(tuple((Term(word, prefix=True),) for word in words))


def any_word(words: Sequence[str]) -> Match:
    return Match((tuple(Term(word, prefix=True) for word in words),))


class Names(Facts):
    """Autocomplete and look-up by name."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self._vocabulary = Cached(self.watch, self._read_vocabulary)
        self._typos = TypoIndex()

    async def suggest(self, kind: Kinds, text: str, *, limit: int = 25) -> list[Fact]:
        key = ("suggest", tuple(kinds_of(kind)), fold(text), limit)
        return list(await self.memo.get(key, lambda: self._suggest(kind, text, limit=limit)))

    async def _suggest(self, kind: Kinds, text: str, *, limit: int) -> list[Fact]:
        query = fold(text)
        kinds = kinds_of(kind)
        if not query:
            rows = await self.db.fetch(
                f"SELECT kind, doc FROM facts WHERE kind IN ({marks(kinds)}) AND NOT deleted ORDER BY id LIMIT ?",
                (*kinds, limit),
            )
            return [fact_of(k, d) for k, d in rows]
        found: dict[int, Fact] = {}
        # 1. A name or alias that starts with what was typed: an index range scan per kind, capped before
        # ranking so that one typed letter never sorts thousands of names.
        starting = " UNION ALL ".join(
            f"SELECT * FROM (SELECT fact_id, primary_name, folded FROM names WHERE kind = ? AND folded >= ? "
            f"AND folded < ? LIMIT ?) AS s{i}"
            for i in range(len(kinds))
        )
        rows = await self.db.now.fetch(  # at most CANDIDATES names per kind, read by index: a small read
            f"SELECT f.id, f.kind, f.doc FROM ({starting}) AS n JOIN facts f ON f.id = n.fact_id WHERE NOT f.deleted "
            "ORDER BY n.primary_name DESC, length(n.folded), n.folded LIMIT ?",
            (*(value for k in kinds for value in (k, query, query + "\uffff", CANDIDATES)), limit * 2),
        )
        for fact_id, k, doc in rows:
            if fact_id not in found:  # a fact comes once per matching name: read its document once
                found[fact_id] = fact_of(k, doc)
        # 2. Names containing every typed word as a word prefix, typos corrected against the vocabulary;
        # 3. for a "did you mean" when nothing did, names containing any of the words.
        words = query.split()
        if len(found) < limit:
            await self._names_matching(found, kinds, every_word(words), limit)
        if len(found) < limit:
            fixed = await self.corrected(words)
            if fixed != words:
                await self._names_matching(found, kinds, every_word(fixed), limit)
            if not found:
                await self._names_matching(found, kinds, any_word(fixed), limit)
        return list(found.values())[:limit]

    async def _names_matching(self, found: dict[int, Fact], kinds: list[Kind], match: Match, limit: int) -> None:
        # At most CANDIDATES matches, by index: a small read.
        for fact_id, kind, doc in await self.index.names(self.db.now, kinds, match, CANDIDATES, limit * 2):
            if fact_id not in found:
                found[fact_id] = fact_of(kind, doc)

    async def named(self, kind: type[F], text: str) -> list[F]:
        """Every run of the text's folded words that could be a name (longer than 3 characters, no longer than a
        name may be) looked up in the names' ``(kind, folded)`` index, in one query for a
        message (a very long one's in a few), at any size."""
        said = sorted(phrase for phrase in phrases(fold(text), NAME_MAX) if len(phrase) > 3)
        found: dict[int, F] = {}
        for at in range(0, len(said), NAMED_CHUNK):
            chunk = said[at : at + NAMED_CHUNK]
            rows = await self.db.fetch(
                "SELECT id, doc FROM facts WHERE NOT deleted AND id IN "
                f"(SELECT fact_id FROM names WHERE kind = ? AND folded IN ({marks(chunk)}))",
                (kind.kind, *chunk),
            )
            found.update((fact_id, fact_as(kind, doc)) for fact_id, doc in rows)
        return [found[fact_id] for fact_id in sorted(found)]

    async def vocabulary(self) -> Vocabulary:
        return await self._vocabulary.get()

    async def _read_vocabulary(self) -> Vocabulary:
        counts = await self.index.vocabulary(self.db)
        return Vocabulary(counts, self._typos, sorted(counts))

    async def corrected(self, words: list[str]) -> list[str]:
        """Each unknown word replaced by the nearest known one (``Vocabulary.correct``); a word corrected before
        is remembered, so as a fan types only the last word is new work."""
        vocabulary = await self.vocabulary()
        return [vocabulary.correct(word) for word in words]

    @overload
    async def find(self, kind: type[F], text: str) -> Entry[F]: ...

    @overload
    async def find(self, kind: Sequence[type[Fact]], text: str) -> Entry[Fact]: ...

    async def find(self, kind: type[Fact] | Sequence[type[Fact]], text: str) -> Entry[Fact]:
        """Given several kinds, an exact name of an earlier kind wins, then the best near miss of any of them.
        What fans ask for again is answered from the memo until the facts change."""
        text = text.strip()
        return await self.memo.get(("find", tuple(kinds_of(kind)), text), lambda: self._find(kind, text))

    async def _find(self, kind: type[Fact] | Sequence[type[Fact]], text: str) -> Entry[Fact]:
        kinds = kinds_of(kind)
        if text.partition(":")[0] in kinds:
            return await self.entry(text)
        for each in kinds:
            rows = await self.db.now.fetch(
                f"SELECT {ENTRY_COLUMNS} FROM facts WHERE NOT deleted AND id IN (SELECT id FROM facts "
                "WHERE kind = ? AND key = ? UNION ALL SELECT fact_id FROM names WHERE kind = ? AND folded = ?) LIMIT 1",
                (each, text, each, fold(text)),
            )
            if rows:
                return entry_of(rows[0])
        candidates = await self.suggest(kind, text, limit=5)
        if candidates and _confident(text, candidates[0]):
            return await self.entry(candidates[0].ref)
        what = " or ".join(kinds) if len(kinds) < 3 else f"{', '.join(kinds[:-1])} or {kinds[-1]}"
        raise NotFound(what, text, [c.label for c in candidates[:3]])

    async def video_about(self, topic: str) -> Entry[Video]:
        """The video a fan means by a topic: that video, or one about that stunt or place (a verified link first)."""
        return await self.memo.get(("video", topic.strip()), lambda: self._video_about(topic))

    async def _video_about(self, topic: str) -> Entry[Video]:
        entry = await self.find((Video, Stunt, Location), topic)
        if not holds(entry, Video):
            videos = await self.linked(Video, entry.fact.ref)
            if not videos:
                raise NotFound("video", entry.fact.label, [v.title for v in await self.facts(Video, limit=3)])
            entry = await self.entry(min(videos, key=lambda video: video.url is None).ref)
        assert holds(entry, Video)
        return entry


def _confident(text: str, fact: Fact) -> bool:
    """A near miss is taken as meant only when one of the fact's names contains it, typos allowed (a name inside
    what was typed is not enough: "submarine bike" is not the submarine)."""
    query = fold(text)
    return len(query) >= 3 and any(
        (fuzz.partial_ratio(query, name) if len(query) <= len(name) else fuzz.ratio(query, name)) >= 85
        for name in map(fold, fact.names)
    )
