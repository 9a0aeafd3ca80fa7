-- Indexes that keep look-ups fast at 100,000 facts (measured by benchmarks/store.py).

-- Names get a stable id (a VACUUM may renumber an implicit rowid): it keys their full-text rows below.
CREATE TABLE names_new (
    id      INTEGER PRIMARY KEY,
    fact_id INTEGER NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
    kind    TEXT    NOT NULL,
    folded  TEXT    NOT NULL,
    name    TEXT    NOT NULL,
    primary_name INTEGER NOT NULL
);
INSERT INTO names_new (fact_id, kind, folded, name, primary_name)
    SELECT fact_id, kind, folded, name, primary_name FROM names ORDER BY rowid;
DROP TABLE names;
ALTER TABLE names_new RENAME TO names;
CREATE INDEX names_by_kind ON names (kind, folded);
CREATE INDEX names_by_fact ON names (fact_id);

-- The words of every name, for autocomplete ("bike j"): one row per name (rowid = names.id), the kind a column
-- so that a match filters by it, and prefix indexes so that one or two typed letters need no scan of the
-- vocabulary. Far smaller than facts_fts, whose doclists also cover every fact's body.
CREATE VIRTUAL TABLE names_fts USING fts5 (kind, folded, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
INSERT INTO names_fts (rowid, kind, folded) SELECT id, kind, folded FROM names;

-- What each fact points at ('film:dr1', 'location:rome-streets'), so that a card finds the stunts, places and
-- videos linked to it by index instead of reading every fact's JSON.
CREATE TABLE links (
    fact_id INTEGER NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
    target  TEXT    NOT NULL
);
INSERT INTO links (fact_id, target)
    SELECT id, 'film:' || json_extract(doc, '$.film') FROM facts
    WHERE deleted = 0 AND json_extract(doc, '$.film') IS NOT NULL;
INSERT INTO links (fact_id, target)
    SELECT f.id, 'location:' || j.value FROM facts f, json_each(f.doc, '$.locations') j WHERE f.deleted = 0;
INSERT INTO links (fact_id, target)
    SELECT f.id, 'stunt:' || j.value FROM facts f, json_each(f.doc, '$.stunts') j WHERE f.deleted = 0;
CREATE INDEX links_by_target ON links (target, fact_id);
CREATE INDEX links_by_fact ON links (fact_id);
