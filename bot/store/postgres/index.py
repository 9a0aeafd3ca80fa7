"""The search index on PostgreSQL: ``tsvector`` documents beside ``facts`` and ``names`` (migration 0001).

``search_docs`` holds each fact's name, other names and text as one ``tsvector`` (weights A, B and D, so names
weigh most), built from ``unaccent``-ed text with the ``simple`` configuration (no stemming and no stop words,
as FTS5's unicode61 tokenizer); queries are ``unaccent``-ed alike. ``names.words`` holds the words of each
folded name (a generated column), for autocomplete. Both have GIN indexes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.models import Kind
from bot.store.core import marks
from bot.store.db import Document, Match, Reader, Row, Term, Writer

# ts_rank weights of the labels D, C, B, A: body 1, aliases 6, name 10 (as the bm25 weights on SQLite).
WEIGHTS = "'{0.1, 0.0, 0.6, 1.0}'"


def tsquery(match: Match) -> str:
    """A ``Match`` in ``to_tsquery`` syntax: ``'bike':*`` for a prefix, ``'united' <-> 'kingdom'`` for a phrase,
    each group's terms joined by ``|`` and the groups by ``&``."""
    return " & ".join("(" + " | ".join(_term(term) for term in group) + ")" for group in match.groups)


def _term(term: Term) -> str:
    words = ["'" + word.replace("\\", "\\\\").replace("'", "''") + "'" for word in term.text.split()]
    if term.prefix:
        words[-1] += ":*"
    return "(" + " <-> ".join(words) + ")"


class TsvectorIndex:
    """``bot.store.db.SearchIndex`` on ``tsvector``."""

    async def add(self, tx: Writer, documents: Sequence[tuple[int, Document]]) -> None:
        await tx.execute_many(
            "INSERT INTO search_docs (fact_id, document) VALUES (?, "
            "setweight(to_tsvector('simple', unaccent(?)), 'A') || setweight(to_tsvector('simple', unaccent(?)), 'B') "
            "|| setweight(to_tsvector('simple', unaccent(?)), 'D'))",
            [(fact_id, doc.name, "\n".join(doc.aliases), doc.body) for fact_id, doc in documents],
        )

    async def remove(self, tx: Writer, fact_id: int) -> None:
        await tx.execute("DELETE FROM search_docs WHERE fact_id = ?", (fact_id,))

    async def names(self, db: Reader, kinds: Sequence[Kind], match: Match, candidates: int, limit: int) -> list[Row]:
        # names.words holds folded names, as the typed words are: no unaccent on either side.
        return await db.fetch(
            "SELECT f.id, f.kind, f.doc FROM (SELECT fact_id, primary_name, folded FROM names "
            f"WHERE kind IN ({marks(kinds)}) AND words @@ to_tsquery('simple', ?) LIMIT ?) n "
            "JOIN facts f ON f.id = n.fact_id WHERE NOT f.deleted "
            "ORDER BY n.primary_name DESC, length(n.folded), n.folded LIMIT ?",
            (*kinds, tsquery(match), candidates, limit),
        )

    async def ranked(self, db: Reader, match: Match, limit: int) -> list[Row]:
        """Scored as bm25 scores on SQLite: each term's weighted frequency (``ts_rank``) times its inverse document
        frequency, so that a rare word of the question counts for more than a common one. Ranked on the index
        alone: only the best rows' documents are read."""
        terms = [_term(term) for term in dict.fromkeys(term for group in match.groups for term in group)]
        one = "to_tsquery('simple', unaccent(?))"
        counts = await db.fetch_one(
            "SELECT "
            + ", ".join(f"(SELECT count(*) FROM search_docs WHERE document @@ {one})" for _ in terms)
            + ", (SELECT count(*) FROM search_docs)",
            terms,
        )
        assert counts is not None
        *having, total = counts
        idf = [math.log((total - n + 0.5) / (n + 0.5) + 1) for n in having]
        score = " + ".join(f"{weight!r} * ts_rank({WEIGHTS}, s.document, {one})" for weight in idf)
        return await db.fetch(
            f"SELECT f.kind, f.doc, m.score FROM (SELECT s.fact_id, {score} AS score FROM search_docs s "
            f"WHERE s.document @@ {one} ORDER BY score DESC LIMIT ?) m JOIN facts f ON f.id = m.fact_id "
            "WHERE NOT f.deleted ORDER BY m.score DESC, f.id",
            (*terms, tsquery(match), limit),
        )

    async def vocabulary(self, db: Reader) -> dict[str, int]:
        rows = await db.fetch(
            "SELECT word, ndoc FROM ts_stat('SELECT document FROM search_docs') WHERE length(word) > 2 ORDER BY word"
        )
        return {word: int(count) for word, count in rows}
