"""The search index on SQLite: FTS5 tables beside ``facts`` and ``names`` (see migrations 0001 and 0002).

``facts_fts`` holds each fact's name, other names and text (rowid = ``facts.id``), ranked by bm25 with names
weighing most; ``facts_vocab`` lists its words; ``names_fts`` holds the words of every name (rowid =
``names.id``), with prefix indexes so that one or two typed letters need no scan.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.models import Kind
from bot.store.db import Document, Match, Reader, Row, Term, Writer

# bm25 weights of facts_fts's columns: name, aliases, body.
WEIGHTS = "10.0, 6.0, 1.0"


def fts5(match: Match) -> str:
    """A ``Match`` in FTS5's query syntax: ``"bike"*`` for a prefix, each group's terms joined by OR, and the
    groups (when there are several) by AND."""
    groups = [" OR ".join(_term(term) for term in group) for group in match.groups]
    return groups[0] if len(groups) == 1 else " AND ".join(f"({group})" for group in groups)


def _term(term: Term) -> str:
    quoted = '"' + term.text.replace('"', '""') + '"'
    return quoted + "*" if term.prefix else quoted


class Fts5Index:
    """``bot.store.db.SearchIndex`` on FTS5."""

    async def add(self, tx: Writer, documents: Sequence[tuple[int, Document]]) -> None:
        await tx.execute_many(
            "INSERT INTO names_fts (rowid, kind, folded) SELECT id, kind, folded FROM names WHERE fact_id = ?",
            [(fact_id,) for fact_id, _ in documents],
        )
        await tx.execute_many(
            "INSERT INTO facts_fts (rowid, name, aliases, body) VALUES (?, ?, ?, ?)",
            [(fact_id, doc.name, "\n".join(doc.aliases), doc.body) for fact_id, doc in documents],
        )

    async def remove(self, tx: Writer, fact_id: int) -> None:
        await tx.execute("DELETE FROM names_fts WHERE rowid IN (SELECT id FROM names WHERE fact_id = ?)", (fact_id,))
        await tx.execute("DELETE FROM facts_fts WHERE rowid = ?", (fact_id,))

    async def names(self, db: Reader, kinds: Sequence[Kind], match: Match, candidates: int, limit: int) -> list[Row]:
        return await db.fetch(
            "SELECT f.id, f.kind, f.doc FROM (SELECT rowid FROM names_fts WHERE names_fts MATCH ? LIMIT ?) m "
            "JOIN names n ON n.id = m.rowid JOIN facts f ON f.id = n.fact_id WHERE NOT f.deleted "
            "ORDER BY n.primary_name DESC, length(n.folded), n.folded LIMIT ?",
            (f"kind : ({' OR '.join(kinds)}) AND folded : ({fts5(match)})", candidates, limit),
        )

    async def ranked(self, db: Reader, match: Match, limit: int) -> list[Row]:
        # Ranked on the index alone: only the best rows' documents are read.
        return await db.fetch(
            f"SELECT f.kind, f.doc, -m.score FROM (SELECT rowid, bm25(facts_fts, {WEIGHTS}) AS score FROM facts_fts "
            "WHERE facts_fts MATCH ? ORDER BY score LIMIT ?) m JOIN facts f ON f.id = m.rowid WHERE NOT f.deleted "
            "ORDER BY m.score",
            (fts5(match), limit),
        )

    async def vocabulary(self, db: Reader) -> dict[str, int]:
        return dict(await db.fetch("SELECT term, doc FROM facts_vocab WHERE length(term) > 2 ORDER BY term"))
