-- Trivia and the daily posts: where a server gets them, every question asked, who answered what, and scores.

-- A server's daily question (at the hour it chose, UTC) and its "on this day" anniversaries.
ALTER TABLE guild_settings ADD COLUMN trivia_channel_id INTEGER;
ALTER TABLE guild_settings ADD COLUMN trivia_hour INTEGER;
ALTER TABLE guild_settings ADD COLUMN on_this_day_channel_id INTEGER;

-- One asked question. Its buttons name the round, so they work after a restart and in any process.
CREATE TABLE trivia_rounds (
    id          INTEGER PRIMARY KEY,
    question    TEXT    NOT NULL,   -- bot.trivia.Question as JSON: the options stay as they were asked
    mode        TEXT    NOT NULL,   -- 'personal' (only the asker answers), 'race' (the first right answer wins), 'daily'
    guild_id    INTEGER,            -- the server whose scores it counts for; NULL in DMs and group DMs
    channel_id  INTEGER,
    message_id  INTEGER,            -- the bot's own post (a daily question), edited when the round closes
    asker_id    INTEGER,
    started_at  TEXT    NOT NULL,
    closes_at   TEXT    NOT NULL,
    closed_at   TEXT,
    winner_id   INTEGER
);
CREATE INDEX trivia_rounds_open ON trivia_rounds (closes_at) WHERE closed_at IS NULL;

CREATE TABLE trivia_answers (
    round_id    INTEGER NOT NULL REFERENCES trivia_rounds(id),
    user_id     INTEGER NOT NULL,
    user_name   TEXT    NOT NULL,
    choice      INTEGER NOT NULL,
    correct     INTEGER NOT NULL,
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (round_id, user_id)   -- one answer per player and question
);

-- Points and streaks per server (scope = the server's id) and everywhere (scope = 0).
CREATE TABLE trivia_scores (
    scope       INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    user_name   TEXT    NOT NULL,
    points      INTEGER NOT NULL,
    answered    INTEGER NOT NULL,
    streak      INTEGER NOT NULL,
    best_streak INTEGER NOT NULL,
    PRIMARY KEY (scope, user_id)
);
CREATE INDEX trivia_scores_board ON trivia_scores (scope, points, best_streak);

-- The last questions each player was asked (a server, for its daily question), so none comes back too soon.
CREATE TABLE trivia_seen (
    player      INTEGER NOT NULL,
    question    TEXT    NOT NULL,
    seen_at     TEXT    NOT NULL,
    PRIMARY KEY (player, question)
);
CREATE INDEX trivia_seen_recent ON trivia_seen (player, seen_at);
