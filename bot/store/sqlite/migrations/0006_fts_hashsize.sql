-- The full-text indexes keep up to 16 MB of new terms in memory before writing them out as a segment (FTS5's
-- default is 1 MB): seeding 100,000 facts then writes a few large segments instead of hundreds that must be
-- merged, three times faster (benchmarks/README.md: Seeding). A single write holds a few kB: no cost to it.
INSERT INTO facts_fts (facts_fts, rank) VALUES ('hashsize', 16777216);
INSERT INTO names_fts (names_fts, rank) VALUES ('hashsize', 16777216);
