-- As SQLite's migration 0007: where a fact is (a filming location's country, a release's region), so that the
-- country and region choices and the lists by country read an index instead of every fact; and the live facts
-- of a kind, and removed facts newest first, by index.
CREATE TABLE places (
    fact_id BIGINT NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
    what    TEXT   NOT NULL,
    place   TEXT   NOT NULL
);
INSERT INTO places (fact_id, what, place)
    SELECT id, 'country', doc::jsonb ->> 'country' FROM facts WHERE kind = 'location' AND NOT deleted;
INSERT INTO places (fact_id, what, place)
    SELECT id, CASE doc::jsonb ->> 'type' WHEN 'premiere' THEN 'premiere' ELSE 'region' END, doc::jsonb ->> 'region'
    FROM facts WHERE kind = 'release' AND NOT deleted;
CREATE INDEX places_by_place ON places (what, place, fact_id);
CREATE INDEX places_by_fact ON places (fact_id);

CREATE INDEX facts_live ON facts (kind, id) WHERE NOT deleted;
CREATE INDEX facts_removed ON facts (updated_at, id) WHERE deleted;
