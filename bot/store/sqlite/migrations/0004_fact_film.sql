-- The film a fact belongs to, as a column with an index (it was read from the JSON document with json_extract):
-- release cards and /stunts film: filter by it. Portable SQL reads it; every write keeps it in step with `doc`.
ALTER TABLE facts ADD COLUMN film TEXT;
UPDATE facts SET film = json_extract(doc, '$.film');
CREATE INDEX facts_by_film ON facts (kind, film);

-- Undo reads the changes of one change set.
CREATE INDEX changes_by_set ON changes (set_id);
