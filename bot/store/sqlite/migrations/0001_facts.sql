-- Facts are JSON documents validated by bot.models; one row per fact, soft-deleted, with a revision
-- counter for optimistic concurrency and the hash of the pack version it was last seeded from.
CREATE TABLE facts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    doc         TEXT    NOT NULL,
    revision    INTEGER NOT NULL DEFAULT 1,
    deleted     INTEGER NOT NULL DEFAULT 0,
    edited      INTEGER NOT NULL DEFAULT 0,   -- changed by an admin: a pack update must not overwrite it
    pack_hash   TEXT,                         -- fingerprint of the pack version last applied
    updated_at  TEXT    NOT NULL,
    updated_by  TEXT    NOT NULL,
    UNIQUE (kind, key)
);

-- Every name and alias, folded, for autocomplete and exact look-ups.
CREATE TABLE names (
    fact_id INTEGER NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
    kind    TEXT    NOT NULL,
    folded  TEXT    NOT NULL,
    name    TEXT    NOT NULL,
    primary_name INTEGER NOT NULL
);
CREATE INDEX names_by_kind ON names (kind, folded);
CREATE INDEX names_by_fact ON names (fact_id);

-- Full-text search over every fact, kept in step with `facts` in the same transaction (rowid = facts.id).
CREATE VIRTUAL TABLE facts_fts USING fts5 (name, aliases, body, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE facts_vocab USING fts5vocab (facts_fts, 'row');

-- The change log: one set per admin action (an import is one set), one change per fact touched.
CREATE TABLE change_sets (
    id          INTEGER PRIMARY KEY,
    action      TEXT    NOT NULL,
    summary     TEXT    NOT NULL,
    author_id   INTEGER,
    author_name TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    undone_by   INTEGER REFERENCES change_sets(id)
);
CREATE TABLE changes (
    id      INTEGER PRIMARY KEY,
    set_id  INTEGER NOT NULL REFERENCES change_sets(id),
    fact_id INTEGER NOT NULL REFERENCES facts(id),
    action  TEXT    NOT NULL,
    before  TEXT,
    after   TEXT
);
CREATE INDEX changes_by_fact ON changes (fact_id, set_id);

CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Per-server settings (Manage Server may change them).
CREATE TABLE guild_settings (
    guild_id             INTEGER PRIMARY KEY,
    bts_channel_id       INTEGER,
    announce_channel_id  INTEGER,
    region               TEXT,
    weekly_pick          INTEGER NOT NULL DEFAULT 0,
    mention_replies      INTEGER NOT NULL DEFAULT 1,
    disabled_reason      TEXT
);

-- What was already seen or posted, so that nothing is posted twice, even across restarts.
CREATE TABLE seen_feed_items (
    feed_url  TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    seen_at   TEXT NOT NULL,
    PRIMARY KEY (feed_url, item_id)
);
CREATE TABLE posts (
    guild_id  INTEGER NOT NULL,
    item      TEXT    NOT NULL,   -- e.g. 'video:bts-train', 'release:fr-us:7d', 'weekly:2026-47'
    posted_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, item)
);
