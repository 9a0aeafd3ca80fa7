-- What bm25 needs to weigh a search's terms as FTS5 does on SQLite, kept in step with search_docs by the same
-- statements, in the same transaction (see index.py): each document's length in words, how many documents hold
-- each word, and the totals of both.
ALTER TABLE search_docs ADD COLUMN words INTEGER NOT NULL DEFAULT 0;
UPDATE search_docs SET words = (SELECT coalesce(sum(array_length(positions, 1)), 0) FROM unnest(document));

CREATE TABLE search_words (
    word TEXT    COLLATE "C" PRIMARY KEY,  -- byte order: a prefix is a range, as for names.folded
    docs INTEGER NOT NULL                  -- 0 once no document holds it any more
);
INSERT INTO search_words (word, docs) SELECT word, ndoc FROM ts_stat('SELECT document FROM search_docs');

CREATE TABLE search_totals (docs BIGINT NOT NULL, words BIGINT NOT NULL);
INSERT INTO search_totals (docs, words) SELECT count(*), coalesce(sum(words), 0) FROM search_docs;
