-- The days of the year facts are dated on (a release's date, the full dates a stunt's filming record names), so
-- that /onthisday and the daily post read one day's facts by index instead of every release and stunt. One row per
-- fact and day (month * 100 + day: 727 is 27 July) with the earliest date on it, since an anniversary is of what has
-- happened. Written with a fact's names and links, for live facts only.
CREATE TABLE days (
    fact_id  INTEGER NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
    day      INTEGER,  -- NULL: not read yet (below)
    earliest TEXT
);
-- What counts as a date in a filming record is Python's to say (bot.anniversaries.stunt_dates): each dated fact
-- stored before this migration gets a row without a day, which the store replaces by its days when it opens.
INSERT INTO days (fact_id) SELECT id FROM facts WHERE kind IN ('release', 'stunt') AND NOT deleted;
CREATE INDEX days_by_day ON days (day, earliest, fact_id);
CREATE INDEX days_by_fact ON days (fact_id);
