-- Where a fact is (a filming location's country, a release's region), so that the country and region choices
-- and the lists by country read an index instead of every fact. Written with a fact's names and links, for live
-- facts only. `what` is 'country' (a location's), 'region' (a regional release's) or 'premiere' (a premiere's).
CREATE TABLE places (
    fact_id INTEGER NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
    what    TEXT    NOT NULL,
    place   TEXT    NOT NULL
);
INSERT INTO places (fact_id, what, place)
    SELECT id, 'country', json_extract(doc, '$.country') FROM facts WHERE kind = 'location' AND NOT deleted;
INSERT INTO places (fact_id, what, place)
    SELECT id, CASE json_extract(doc, '$.type') WHEN 'premiere' THEN 'premiere' ELSE 'region' END,
           json_extract(doc, '$.region')
    FROM facts WHERE kind = 'release' AND NOT deleted;
CREATE INDEX places_by_place ON places (what, place, fact_id);
CREATE INDEX places_by_fact ON places (fact_id);

-- Live facts of a kind in the order they were added (a random one is picked by its position), and removed facts
-- newest first (what /fact restore offers), without reading the others.
CREATE INDEX facts_live ON facts (kind, id) WHERE NOT deleted;
CREATE INDEX facts_removed ON facts (updated_at, id) WHERE deleted;
