-- As SQLite's migration 0008: the days of the year facts are dated on, one row per fact and day (month * 100 + day)
-- with the earliest date on it; each dated fact stored before gets a row without a day, which the store replaces
-- by its days (bot.anniversaries.stunt_dates says what a date is) when it opens.
CREATE TABLE days (
    fact_id  BIGINT NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
    day      INTEGER,
    earliest TEXT
);
INSERT INTO days (fact_id) SELECT id FROM facts WHERE kind IN ('release', 'stunt') AND NOT deleted;
CREATE INDEX days_by_day ON days (day, earliest, fact_id);
CREATE INDEX days_by_fact ON days (fact_id);
