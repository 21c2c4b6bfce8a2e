"""Dates of the billing cycle: periods (`YYYY-MM`), due dates and business days. Pure functions."""

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

# A billing month of this century: `0000-01` would name a month no date can hold (a 500 the fuzzer
# found), and no school bills outside these years.
PERIOD_PATTERN = r"^(20\d{2})-(0[1-9]|1[0-2])$"
_PERIOD = re.compile(PERIOD_PATTERN)


@dataclass(frozen=True, order=True)
class Period:
    """A billing month. Orders and compares like the months it names."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Period":
        """`2026-12` → Period(2026, 12); anything else is a ValueError."""
        match = _PERIOD.match(text or "")
        if match is None:
            raise ValueError(f"not a period (YYYY-MM): {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> "Period":
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def day(self, day_of_month: int) -> date:
        """That day of this month; a day past the month's end is its last day (31 → Feb 28)."""
        return date(self.year, self.month, min(day_of_month, self.last_day.day))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def next_business_day(day: date, holidays: Iterable[date] = ()) -> date:
    """The day itself when it is a weekday and no listed holiday; otherwise the next such day."""
    holidays = frozenset(holidays)
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def school_year_periods(starts_on: date, ends_on: date) -> list[Period]:
    """Every month the school year touches, in order."""
    periods = []
    current = Period.of(starts_on)
    last = Period.of(ends_on)
    while current <= last:
        periods.append(current)
        current = Period(current.year + current.month // 12, current.month % 12 + 1)
    return periods
