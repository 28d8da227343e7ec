"""Reading the dates task tools write into their exports.

Every parser takes the organisation's time zone: a date or time without a zone means the
organisation's local time. A date-only due date means "some time that day", so it becomes
23:59 that day in the organisation's zone and the task is marked `due_all_day` (the same
convention as the demo organisation and Slack-native tasks).

Besides each tool's own format, a date written day first with dots ("25.11.2025", "1.12.25
14:03") is read: that is how a spreadsheet in a European locale saves an export again. A
date with slashes ("11/21/2025 15:04", as a US spreadsheet saves it; "21/11/2025" in the UK)
is read in the order the import was given (`SLASH_ORDERS`: the file's own dates usually say
which, `slash_orders_shown`), and never guessed: "12/1/2025" is a different day in the US and the
UK, so without an order it is refused with what to do.

Each parser raises `DateError` with a short message naming what it expected; the caller
turns that into a rejected row. Results are cached: an export repeats the same few hundred
dates across thousands of rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from ..tasks import END_OF_DAY

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
# Jira's export: "21/Nov/25 3:04 PM", "21/Nov/25 15:04", "21/Nov/2025", "21/Nov/25 12:00 AM"
_JIRA = re.compile(r"^(\d{1,2})/([A-Za-z]{3})/(\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")


# A spreadsheet re-saving an export in a European locale writes its dates day first with dots:
# "01.12.2025", "1.12.25 14:03". Dots are never month first, unlike slashes ("12/1/2025" is
# December 1st in the US and January 12th in the UK), which are not guessed.
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


# As a spreadsheet writes a date cell: "11/21/2025", "11/21/25 15:04", "11/21/2025 3:04 PM"
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")
SLASH_ORDERS = {"mdy": "month first", "dmy": "day first"}  # --dates mdy: 11/21/2025, as in the US; dmy: 21/11/2025


class DateError(ValueError):
    """A date cell that cannot be read; the message says what was expected."""


def _aware(dt: datetime, tz: ZoneInfo) -> datetime:
    return dt.replace(tzinfo=tz) if dt.tzinfo is None else dt


def _iso(text: str, tz: ZoneInfo) -> tuple[datetime, bool]:
    """(moment, date_only) from ISO 8601: '2025-11-21', '2025-11-21T15:04:05.000Z', '2025-11-21 15:04'."""
    if len(text) <= 10:  # a date alone: '2025-11-21' (or the basic form '20251121')
        return datetime.combine(date.fromisoformat(text), time(0, 0), tz), True
    return _aware(datetime.fromisoformat(text), tz), False


def _full_year(year: str) -> int:
    """'25' -> 2025; a four-digit year as it is."""
    return int(year) + (2000 if len(year) == 2 else 0)


def _moment(text: str, tz: ZoneInfo, year: str, month: int | str, day: str, hour: str | None, minute: str | None,
            second: str | None, ampm: str | None = None) -> tuple[datetime, bool]:
    """(moment, date_only) from a date's parts as matched; the hour is on a 12-hour clock when
    `ampm` is given. ValueError when there is no such day (31.02.) or hour (13 PM)."""
    if hour is None:
        return datetime(_full_year(year), int(month), int(day), tzinfo=tz), True
    h = int(hour)
    if ampm:
        if not 1 <= h <= 12:
            raise ValueError(text)
        h = h % 12 + (12 if ampm.lower() == "pm" else 0)
    return datetime(_full_year(year), int(month), int(day), h, int(minute), int(second or 0), tzinfo=tz), False


def _jira(text: str, tz: ZoneInfo) -> tuple[datetime, bool]:
    m = _JIRA.match(text)
    if not m:
        raise ValueError(text)
    day, mon, year, hour, minute, second, ampm = m.groups()
    month = _MONTHS.get(mon.lower())
    if month is None:
        raise ValueError(text)
    return _moment(text, tz, year, month, day, hour, minute, second, ampm)


def _dotted(text: str, tz: ZoneInfo) -> tuple[datetime, bool]:
    m = _DOTTED.match(text)
    if not m:
        raise ValueError(text)
    day, month, year, hour, minute, second = m.groups()
    return _moment(text, tz, year, month, day, hour, minute, second)


def _slashed(text: str, tz: ZoneInfo, order: str) -> tuple[datetime, bool]:
    m = _SLASHED.match(text)
    if not m:
        raise ValueError(text)
    first, second, year, hour, minute, seconds, ampm = m.groups()
    month, day = (first, second) if order == "mdy" else (second, first)
    return _moment(text, tz, year, month, day, hour, minute, seconds, ampm)


def _only_order(m: re.Match) -> str | None:
    """The one order a slashed date can be read in: a first number over 12 can only be a day
    ("21/11/2025": dmy), a second one over 12 only a day too ("11/21/2025": mdy), if that day
    exists. None when it reads either way ("12/1/2025") or neither ("2/31/2025")."""
    first, second = int(m.group(1)), int(m.group(2))
    order = "dmy" if first > 12 >= second else "mdy" if second > 12 >= first else None
    if order is not None:
        month, day = (first, second) if order == "mdy" else (second, first)
        try:
            date(_full_year(m.group(3)), month, day)
        except ValueError:
            return None
    return order


def slash_orders_shown(cells: Iterable[tuple[int, str]]) -> dict[str, tuple[int, str]]:
    """{order: (line, date) of the first cell that can only be read in that order} among some
    (line, cell) pairs of a file -- the cells that are a date and nothing else: a note's "see
    25/12" is no evidence. One key: the file's order; none, or both (the dates disagree): none."""
    shown: dict[str, tuple[int, str]] = {}
    for line, cell in cells:
        m = _SLASHED.match(cell.strip()) if "/" in cell else None
        order = _only_order(m) if m is not None else None
        if order is not None and order not in shown:
            shown[order] = (line, cell.strip())
    return shown


_STYLES = {
    "iso": ((_iso, _dotted), "a date like 2025-11-21, 2025-11-21T15:04:05Z or 21.11.2025"),
    "jira": ((_jira, _iso, _dotted), "a date like 21/Nov/25 3:04 PM, 21/Nov/25, 2025-11-21 or 21.11.2025"),
}


@lru_cache(maxsize=8192)
def parse_moment(text: str, tz: ZoneInfo, style: str = "iso", slashes: str | None = None) -> tuple[datetime, bool]:
    """(aware datetime, date_only) for one cell, in one of the supported styles; a date with
    slashes in the order `slashes` (a key of `SLASH_ORDERS`), refused without one."""
    parsers, expected = _STYLES[style]
    for parse in parsers:
        try:
            return parse(text, tz)
        except ValueError:
            continue
    m = _SLASHED.match(text)
    if m:
        only = _only_order(m) if slashes is None else None
        if only is not None:
            raise DateError(f"'{text}' can only be {SLASH_ORDERS[only]}, but the start of the file does not show "
                            f"one order for dates with slashes: import again with --dates {only}")
        if slashes is None:
            raise DateError(f"'{text}' could be month or day first: import again with --dates mdy "
                            "(11/21/2025, as in the US) or --dates dmy (21/11/2025)")
        try:
            return _slashed(text, tz, slashes)
        except ValueError:
            raise DateError(f"'{text}' is no date when read {SLASH_ORDERS[slashes]} (--dates {slashes})") from None
    raise DateError(f"'{text}' is not {expected}")


def parse_when(text: str, tz: ZoneInfo, style: str = "iso", slashes: str | None = None) -> datetime | None:
    """A timestamp cell (Created, Updated, Completed ...): empty means None."""
    text = text.strip()
    return parse_moment(text, tz, style, slashes)[0] if text else None


@lru_cache(maxsize=8192)  # pure; an export repeats its due dates (a bad one raises each time: not cached)
def parse_due(text: str, tz: ZoneInfo, style: str = "iso", date_field: bool = False,
              slashes: str | None = None) -> tuple[datetime | None, bool]:
    """(due, all_day). A date (or a date field such as Jira's, whatever time it shows) is due
    at the end of that day in the organisation's zone."""
    text = text.strip()
    if not text:
        return None, False
    moment, date_only = parse_moment(text, tz, style, slashes)
    if date_only or date_field:
        local = moment.astimezone(tz) if not date_only else moment
        return datetime.combine(local.date(), END_OF_DAY, tz), True
    return moment, False
