"""When a meeting happens: its occurrences between two instants, DST-correct.

Every rule is evaluated in wall-clock time in the meeting's own zone and only then given that
zone (`datetime.combine(day, time, tz)`), so 09:30 in Berlin stays 09:30 across the March change
— the UTC instant moves, the meeting does not. A wall time that does not exist on a spring-
forward day (02:30) is read as the instant just after the gap; an ambiguous one (autumn) as its
first occurrence (fold=0), as calendars do.

An occurrence has a `key` — its original start in UTC — that names it for ever: a calendar that
moves one occurrence (RECURRENCE-ID) keeps the key, so an agenda already posted for it is not
posted again at the new time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .meetings import SERIES_ANCHOR, Meeting


@dataclass(frozen=True)
class Occurrence:
    key: datetime    # the original start, UTC: what the agenda's idempotency key is made of
    start: datetime  # when it actually starts, in the meeting's zone
    moved: bool = False

    @property
    def key_iso(self) -> str:
        return self.key.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def wall(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`day` at `at` in `tz`, normalised so a time inside a DST gap becomes a real instant."""
    return datetime.combine(day, at, tz).astimezone(timezone.utc).astimezone(tz)


def occurrences(meeting: Meeting, start: datetime, end: datetime, calendar=None) -> list[Occurrence]:
    """Occurrences whose start lies in [start, end), sorted. `calendar` is the parsed ICS
    (`icalendar.Calendar`) for an `ics` meeting; the others compute from their rule."""
    tz = meeting.tz
    if meeting.ics:
        found = _from_calendar(calendar, tz, start, end, meeting.ics_match) if calendar is not None else []
    elif meeting.rrule:
        found = _from_rrule(meeting, tz, start, end)
    else:
        found = _weekly(meeting, tz, start, end)
    return sorted((o for o in found if start <= o.start < end), key=lambda o: (o.start, o.key))


def next_occurrence(meeting: Meeting, after: datetime, calendar=None, horizon_days: int = 400) -> Occurrence | None:
    """The first occurrence starting after `after` (looked for up to `horizon_days` ahead)."""
    window = timedelta(days=14)
    lo = after
    while lo < after + timedelta(days=horizon_days):
        found = [o for o in occurrences(meeting, lo, lo + window, calendar) if o.start > after]
        if found:
            return found[0]
        lo += window
    return None


def occurrence_on(meeting: Meeting, day: date, calendar=None) -> Occurrence | None:
    """The meeting's (first) occurrence on `day`, a day in the meeting's own zone."""
    tz = meeting.tz
    midnight = datetime.combine(day, time(0, 0), tz)
    found = [o for o in occurrences(meeting, midnight, midnight + timedelta(days=1, hours=1), calendar)
             if o.start.astimezone(tz).date() == day]
    return found[0] if found else None


def _weekly(meeting: Meeting, tz: ZoneInfo, start: datetime, end: datetime) -> list[Occurrence]:
    if meeting.time is None or not meeting.days:
        return []
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    out = []
    while day <= last:
        if meeting.meets_on(day):
            at = wall(day, meeting.time, tz)
            out.append(Occurrence(at.astimezone(timezone.utc), at))
        day += timedelta(days=1)
    return out


def _from_rrule(meeting: Meeting, tz: ZoneInfo, start: datetime, end: datetime) -> list[Occurrence]:
    from dateutil.rrule import rrulestr

    at = meeting.time or time(0, 0)
    # naive wall-clock times: the rule counts days and hours as people do, the zone comes after
    dtstart = datetime.combine(meeting.starts or SERIES_ANCHOR, at)  # no `starts`: counted from there too
    rule = rrulestr(meeting.rrule, dtstart=dtstart, ignoretz=True)
    lo = start.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    hi = end.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    out = []
    for naive in rule.between(lo, hi, inc=True):
        local = wall(naive.date(), naive.time(), tz)
        out.append(Occurrence(local.astimezone(timezone.utc), local))
    return out


def _as_local(value, tz: ZoneInfo) -> datetime | None:
    """An ICS DTSTART/RECURRENCE-ID as an aware datetime; floating times are the meeting's zone;
    all-day dates are not meetings with a start time, so they are left out."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return wall(value.date(), value.time(), tz)
        return value.astimezone(tz)
    return None


def _named(event, words: str) -> bool:
    return words.casefold() in str(event.get("SUMMARY", "")).casefold()


def _from_calendar(calendar, tz: ZoneInfo, start: datetime, end: datetime, match: str | None = None) -> list[Occurrence]:
    """The calendar's timed events in the window; with `match`, only those whose title contains it
    (ignoring case) and the other occurrences of their series (the same UID): one occurrence
    renamed ("Standup -- moved for the offsite") is still the meeting."""
    import recurring_ical_events

    series = None
    if match is not None:
        series = {str(e.get("UID")) for e in calendar.walk("VEVENT") if e.get("UID") is not None and _named(e, match)}
    # a day either side so an event's own zone can never push one just out of the window
    events = recurring_ical_events.of(calendar).between(start - timedelta(days=1), end + timedelta(days=1))
    out = []
    for event in events:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if series is not None and str(event.get("UID")) not in series and not _named(event, match):
            continue
        begins = _as_local(event.decoded("DTSTART"), tz)
        if begins is None:
            continue
        original = event.get("RECURRENCE-ID")
        key = _as_local(original.dt, tz) if original is not None else None
        key = key or begins
        out.append(Occurrence(key.astimezone(timezone.utc), begins, moved=key != begins))
    return out
