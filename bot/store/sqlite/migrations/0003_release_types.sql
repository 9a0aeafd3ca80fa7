-- Releases have a type (premiere, preview, cinema, digital, disc, streaming, tv) instead of a premiere flag.
-- Stored documents and the before/after documents of the change log move to the new shape, so that history and
-- undo show and restore releases as they are now written (the model still reads the old flag, for old packs).
UPDATE facts SET doc = json_set(json_remove(doc, '$.premiere'), '$.type', 'premiere')
    WHERE kind = 'release' AND json_extract(doc, '$.premiere') = 1;
UPDATE facts SET doc = json_set(json_remove(doc, '$.premiere'), '$.type', 'cinema')
    WHERE kind = 'release' AND json_type(doc, '$.premiere') IS NOT NULL;
UPDATE changes SET before = json_set(json_remove(before, '$.premiere'),
        '$.type', CASE WHEN json_extract(before, '$.premiere') = 1 THEN 'premiere' ELSE 'cinema' END)
    WHERE before IS NOT NULL AND json_type(before, '$.premiere') IS NOT NULL;
UPDATE changes SET after = json_set(json_remove(after, '$.premiere'),
        '$.type', CASE WHEN json_extract(after, '$.premiere') = 1 THEN 'premiere' ELSE 'cinema' END)
    WHERE after IS NOT NULL AND json_type(after, '$.premiere') IS NOT NULL;
