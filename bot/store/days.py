"""The days of the year facts are dated on (the ``days`` table): what /onthisday and the daily post read, one day's
facts by index instead of every release and stunt, and the days that have any, a few hundred at any size.

A fact's rows are written with its names and links (``bot.store.writes``); ``bot.anniversaries.stunt_dates`` says
what counts as a date in a filming record.
"""

from __future__ import annotations

import datetime as dt

from bot.anniversaries import stunt_dates
from bot.models import Fact, Release, Stunt
from bot.store.core import Core, fact_of

# Every day of the year with a row, one index seek each (a loose index scan), kept if a fact on it is dated on or
# before a day (an anniversary is of what has happened).
_DAYS_SQL = (
    "WITH RECURSIVE d(day) AS (SELECT min(day) FROM days UNION ALL "
    "SELECT (SELECT min(day) FROM days WHERE day > d.day) FROM d WHERE d.day IS NOT NULL) "
    "SELECT day FROM d WHERE EXISTS (SELECT 1 FROM days x WHERE x.day = d.day AND x.earliest <= ?)"
)
_DATED_SQL = "SELECT kind, doc FROM facts WHERE id IN (SELECT fact_id FROM days WHERE day = ?) ORDER BY id"
INSERT_DAYS_SQL = "INSERT INTO days (fact_id, day, earliest) VALUES (?, ?, ?)"


def days_of(fact_id: int, fact: Fact) -> list[tuple[int, int, str]]:
    """The ``days`` rows of a fact: each day of the year it is dated on (month * 100 + day), with the earliest date
    on that day."""
    if isinstance(fact, Release):
        dates = [fact.date]
    elif isinstance(fact, Stunt):
        dates = [date for date, _ in stunt_dates(fact)]
    else:
        return []
    earliest: dict[int, dt.date] = {}
    for date in sorted(dates):
        earliest.setdefault(date.month * 100 + date.day, date)
    return [(fact_id, day, date.isoformat()) for day, date in earliest.items()]


class Days(Core):
    """Dated facts by day of the year."""

    async def dated(self, month: int, day: int) -> tuple[list[Release], list[Stunt]]:
        facts = [fact_of(kind, doc) for kind, doc in await self.db.fetch(_DATED_SQL, (month * 100 + day,))]
        return [f for f in facts if isinstance(f, Release)], [f for f in facts if isinstance(f, Stunt)]

    async def days(self, until: dt.date) -> set[tuple[int, int]]:
        return {divmod(day, 100) for (day,) in await self.db.fetch(_DAYS_SQL, (until.isoformat(),))}

    async def read_days(self) -> None:
        """Replace the rows without a day (the dated facts stored before the table was, see its migration) by the
        facts' days; nothing to do after the first open."""
        if await self.db.fetch_one("SELECT 1 FROM days WHERE day IS NULL LIMIT 1") is None:
            return
        async with self._transaction() as tx:  # read again inside: another process may have done it meanwhile
            rows = await tx.fetch(
                "SELECT f.id, f.kind, f.doc FROM days d JOIN facts f ON f.id = d.fact_id WHERE d.day IS NULL"
            )
            await tx.execute("DELETE FROM days WHERE day IS NULL")
            days = [row for fact_id, kind, doc in rows for row in days_of(fact_id, fact_of(kind, doc))]
            await tx.execute_many(INSERT_DAYS_SQL, days)
