"""The task record every part of Headwork shares, and the content hash that says it changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from .frozen import fast_init

OPEN_STATUSES = ("open", "in_progress", "waiting", "blocked")
CLOSED_STATUSES = ("done", "cancelled")
STATUSES = OPEN_STATUSES + CLOSED_STATUSES
ESTIMATE_SOURCES = ("human", "ai")
# An all-day due date is stored as this time of its day, in the zone it was set in (the owner's
# for a Slack task, the organisation's for an import): `all_day_date` reads the day back from it.
END_OF_DAY = time(23, 59)


@fast_init  # an import builds one a row, a store read one a task: scoring/frozen.py
@dataclass(frozen=True, slots=True)
class Task:
    """One unit of work. Times are timezone-aware; `due_all_day` means only the date matters."""

    title: str
    source: str = "slack"
    external_id: str = ""
    id: int | None = None
    notes: str = ""
    url: str = ""
    assignee_id: str | None = None
    assignee_email: str | None = None
    project: str = ""
    tags: tuple[str, ...] = ()
    status: str = "open"
    due: datetime | None = None
    due_all_day: bool = False
    estimate_hours: float | None = None
    estimate_source: str | None = None  # "human" or "ai": only a human estimate makes a quick win
    blocking: int = 0  # how many other tasks wait on this one
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def with_(self, **changes) -> "Task":
        return replace(self, **changes)

    @property
    def content_hash(self) -> str:
        """What a categorizer reads. Owner and dates are left out on purpose: moving a
        due date must not cost tokens; rewording the task or starting it must."""
        parts = [self.title.strip(), self.notes.strip(), self.project.strip(), ",".join(sorted(self.tags)), self.status]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


_END_OF_DAY_MINUTES = END_OF_DAY.hour * 60 + END_OF_DAY.minute


def all_day_date(due: datetime, near: tzinfo | None = None) -> date:
    """The calendar day of an all-day due date, the same for everyone who reads it.

    An all-day due is stored as 23:59 of its day where it was set (the owner's zone for a Slack
    task, the organisation's for an import), so read in a zone east of that one it would show the
    next day. The zone it was set in is the one where that instant is 23:59: its offset is known
    to the minute, up to a whole day, and of the offsets that exist (UTC-12 to UTC+14) the one
    nearest `near`'s at that instant (the reader's zone; else UTC) is taken. The two can only be
    confused between zones 24 hours apart (Samoa and New Zealand in summer, say), where `near`
    decides."""
    utc = due.astimezone(timezone.utc)
    east = (_END_OF_DAY_MINUTES - utc.hour * 60 - utc.minute) % 1440  # minutes east of UTC, mod a day
    reader = 0.0
    if near is not None:
        offset = due.astimezone(near).utcoffset()
        reader = offset.total_seconds() / 60 if offset is not None else 0.0
    best = min((o for o in (east, east - 1440) if -720 <= o <= 840), key=lambda o: (abs(o - reader), -o))
    return (utc + timedelta(minutes=best)).date()


def due_date(due: datetime, all_day: bool, tz: tzinfo) -> date:
    """The calendar day a due date is read as in `tz`: an all-day one its own day
    (`all_day_date`), a timed one the day it falls on there."""
    return all_day_date(due, tz) if all_day else due.astimezone(tz).date()
