"""The search index on PostgreSQL: ``tsvector`` documents beside ``facts`` and ``names`` (migration 0001).

``search_docs`` holds each fact's name, other names and text as one ``tsvector`` (weights A, B and D, so names
weigh most), built from ``unaccent``-ed text with the ``simple`` configuration (no stemming and no stop words,
as FTS5's unicode61 tokenizer); queries are ``unaccent``-ed alike. ``names.words`` holds the words of each
folded name (a generated column), for autocomplete. Both have GIN indexes.

Results are ranked by bm25 as FTS5 computes it (k1 1.2, b 0.75, the columns weighted 10, 6 and 1), so that both
backends put the same card first: ``search_words`` (how many documents hold each word) and ``search_totals`` (how
many documents, how many words in all) are kept by the statements that add and remove a document (migration 0004).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.models import Kind
from bot.store.core import marks
from bot.store.db import Document, Match, Reader, Row, Term, Writer

# bm25 weights of the labels A (name), B (other names), D (text), as of facts_fts's columns on SQLite; k1 and b
# as FTS5's.
WEIGHT = "CASE w WHEN 'A' THEN 10.0 WHEN 'B' THEN 6.0 ELSE 1.0 END"
K1, B = 1.2, 0.75
WORDS_OF = "tsvector_to_array(to_tsvector('simple', unaccent(?)))"  # a term's words, as the documents hold them


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
        """The documents in one batched insert, then their words counted into ``search_words`` and
        ``search_totals`` in one statement, however many documents there are (seeding adds thousands at once)."""
        if not documents:
            return
        await tx.execute_many(
            "INSERT INTO search_docs (fact_id, document, words) SELECT ?, d, "
            "(SELECT coalesce(sum(array_length(positions, 1)), 0) FROM unnest(d)) FROM (SELECT "
            "setweight(to_tsvector('simple', unaccent(?)), 'A') || setweight(to_tsvector('simple', unaccent(?)), 'B') "
            "|| setweight(to_tsvector('simple', unaccent(?)), 'D') AS d) x",
            [(fact_id, doc.name, "\n".join(doc.aliases), doc.body) for fact_id, doc in documents],
        )
        await tx.execute(
            "WITH added AS (SELECT document, words FROM search_docs "
            "WHERE fact_id = ANY(string_to_array(?, ',')::bigint[])), "
            "counted AS (INSERT INTO search_words (word, docs) SELECT u.lexeme, count(*) FROM added, "
            "unnest(added.document) u GROUP BY u.lexeme "
            "ON CONFLICT (word) DO UPDATE SET docs = search_words.docs + excluded.docs) "
            "UPDATE search_totals SET docs = docs + (SELECT count(*) FROM added), "
            "words = search_totals.words + (SELECT coalesce(sum(words), 0) FROM added)",
            (",".join(str(fact_id) for fact_id, _ in documents),),
        )

    async def remove(self, tx: Writer, fact_id: int) -> None:
        await tx.execute(
            "WITH gone AS (DELETE FROM search_docs WHERE fact_id = ? RETURNING document, words), "
            "counted AS (UPDATE search_words s SET docs = s.docs - 1 FROM gone, unnest(gone.document) u "
            "WHERE s.word = u.lexeme) "
            "UPDATE search_totals SET docs = docs - (SELECT count(*) FROM gone), "
            "words = search_totals.words - (SELECT coalesce(sum(words), 0) FROM gone)",
            (fact_id,),
        )

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
        """Scored as FTS5's bm25: for each term, its inverse document frequency (from ``search_words``) times its
        weighted count in the document, saturated and normalised by the document's length. A prefix counts the
        documents of every word it begins (an upper bound), a phrase those of its rarest word and its hits as its
        words' average; on single words, the usual case, the scores are SQLite's."""
        terms = list(dict.fromkeys(term for group in match.groups for term in group))
        frequencies = [
            "(SELECT coalesce(sum(docs), 0) FROM search_words WHERE word >= w[1] AND word < w[1] || chr(1114111))"
            if term.prefix
            else "(SELECT coalesce(min(docs), 0) FROM search_words WHERE word = ANY(w))"
            for term in terms
        ]
        counts = await db.fetch_one(
            "SELECT docs, words, "
            + ", ".join(
                f"(SELECT ARRAY[{f}::text, array_to_string(w, ' ')] FROM (SELECT {WORDS_OF} AS w) t)"
                for f in frequencies
            )
            + " FROM search_totals",
            [term.text for term in terms],
        )
        assert counts is not None
        total, words, *found = counts
        average = max(words, 1) / max(total, 1)
        idf = [max(math.log((total - int(n) + 0.5) / (int(n) + 0.5)), 1e-6) for n, _ in found]
        normalised = [text for _, text in found]  # each term's words as the documents hold them (unaccented)
        # The words are parameters of an immutable function, so that each is worked out once, not per lexeme.
        hits = [
            f"sum(CASE WHEN starts_with(u.lexeme, ?) THEN {WEIGHT} END)"
            if term.prefix
            else f"sum(CASE WHEN u.lexeme = ANY(string_to_array(?, ' ')) THEN {WEIGHT} END) / {len(term.text.split())}"
            for term in terms
        ]
        score = " + ".join(
            f"{weight!r} * coalesce(t.f{i} * {K1 + 1} / (t.f{i} + {K1} * ({1 - B} + {B} * s.words / {average!r})), 0)"
            for i, weight in enumerate(idf)
        )
        sums = ", ".join(f"{hit} AS f{i}" for i, hit in enumerate(hits))
        return await db.fetch(
            f"SELECT f.kind, f.doc, m.score FROM (SELECT s.fact_id, ({score})::float8 AS score FROM search_docs s, "
            f"LATERAL (SELECT {sums} FROM unnest(s.document) u, unnest(u.weights) w) t "
            "WHERE s.document @@ to_tsquery('simple', unaccent(?)) ORDER BY score DESC LIMIT ?) m "
            "JOIN facts f ON f.id = m.fact_id WHERE NOT f.deleted ORDER BY m.score DESC, f.id",
            (
                *[(text.split() or [""])[0] if t.prefix else text for t, text in zip(terms, normalised, strict=True)],
                tsquery(match),
                limit,
            ),
        )

    async def vocabulary(self, db: Reader) -> dict[str, int]:
        rows = await db.fetch("SELECT word, docs FROM search_words WHERE docs > 0 AND length(word) > 2 ORDER BY word")
        return {word: int(count) for word, count in rows}
