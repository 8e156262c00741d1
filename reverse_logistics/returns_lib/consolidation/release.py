"""When a hub lets a consolidation leave: a calendar (every N days, weekly or monthly on a weekday) and
thresholds (weight, volume, value or count reached), whichever comes first.

``next_release(day)`` is the first calendar departure on or after ``day`` (a load arriving that day can leave
that day). ``threshold_reached(weight, volume, value, count)`` names the first threshold reached, if any.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

EVERY_N_DAYS = "every_n_days"
WEEKLY = "weekly"
MONTHLY = "monthly"
KINDS = (EVERY_N_DAYS, WEEKLY, MONTHLY)

# Threshold codes, in the order they are checked (also the consolidation's release trigger).
CALENDAR = "calendar"
BY_WEIGHT = "weight"
BY_VOLUME = "volume"
BY_VALUE = "value"
BY_COUNT = "count"
BY_CAPACITY = "capacity"  # the next return did not fit: the load left full


@dataclass(frozen=True)
class ReleaseRule:
    kind: str = WEEKLY
    every_days: int = 7  # EVERY_N_DAYS
    anchor: datetime.date = datetime.date(2024, 1, 1)  # EVERY_N_DAYS: a departure day
    weekday: int = 0  # WEEKLY, MONTHLY: Monday 0 .. Sunday 6
    week_of_month: int = 1  # MONTHLY: 1..4, or -1 for the last such weekday of the month
    weight_kg: float | None = None
    volume_m3: float | None = None
    value: Decimal | None = None
    count: int | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"release kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.kind == EVERY_N_DAYS and self.every_days < 1:
            raise ValueError("every_days must be at least 1")
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
        if self.week_of_month not in (1, 2, 3, 4, -1):
            raise ValueError("week_of_month is 1 to 4, or -1 for the last")

    def next_release(self, day: datetime.date) -> datetime.date:
        if self.kind == EVERY_N_DAYS:
            offset = (day - self.anchor).days % self.every_days
            return day if offset == 0 else day + datetime.timedelta(days=self.every_days - offset)
        if self.kind == WEEKLY:
            return day + datetime.timedelta(days=(self.weekday - day.weekday()) % 7)
        candidate = self._monthly(day.year, day.month)
        if candidate < day:
            year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
            candidate = self._monthly(year, month)
        return candidate

    def _monthly(self, year: int, month: int) -> datetime.date:
        days = [week[self.weekday] for week in calendar.monthcalendar(year, month) if week[self.weekday]]
        index = -1 if self.week_of_month == -1 else self.week_of_month - 1
        return datetime.date(year, month, days[index])

    def threshold_reached(self, weight_kg: float, volume_m3: float, value: Decimal, count: int) -> str | None:
        if self.weight_kg is not None and weight_kg >= self.weight_kg:
            return BY_WEIGHT
        if self.volume_m3 is not None and volume_m3 >= self.volume_m3:
            return BY_VOLUME
        if self.value is not None and value >= self.value:
            return BY_VALUE
        if self.count is not None and count >= self.count:
            return BY_COUNT
        return None
