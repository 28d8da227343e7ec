"""Meetings: the series whose agendas Headwork posts, from headwork.yml or made in Slack.

A config meeting (`meetings:` in headwork.yml) is read-only from Slack: an admin changes the
file. A meeting made with `/agenda setup` lives in the database (`bot.store_agenda`) and may be
edited or removed by an admin or by its owner (whoever set it up). Both become the same
`Meeting`, so the scheduler, the preview and the post never care where one came from.

Ids: a config meeting keeps its `id` (lowercase, no dots); a Slack one is `slack.<n>` — the dot
cannot appear in a config id, so the two never collide and outbox keys stay unique.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from .settings import WEEKDAYS, MeetingConfig, Settings

SLACK_PREFIX = "slack."
# A series with no first date counts its weeks from here (a Monday): "every other week" and
# FREQ=WEEKLY;INTERVAL=2 need some anchor, and a fixed one keeps every process and every restart
# agreeing on which weeks are "on".
SERIES_ANCHOR = date(2024, 1, 1)


@dataclass(frozen=True)
class Meeting:
    id: str
    name: str
    channel: str
    timezone: str
    lead_minutes: int = 30
    days: tuple[int, ...] = ()  # Monday = 0
    time: clock_time | None = None
    rrule: str | None = None
    starts: date | None = None
    ics: str | None = None
    ics_match: str | None = None  # only the calendar's events named with it (and their series)
    attendees: tuple[str, ...] = ()
    project: str | None = None
    tags: tuple[str, ...] = ()
    max_items: int = 7
    owner: str | None = None
    from_config: bool = True
    every_weeks: int = 1  # weekly days: every week, or every 2nd, 3rd, 4th -- counted from `starts`' week

    @property
    def anchor(self) -> date:
        """The Monday of the week the series counts from: `starts`' week, else a fixed Monday (so
        that every process agrees which weeks are on)."""
        first = self.starts or SERIES_ANCHOR
        return first - timedelta(days=first.weekday())

    def meets_on(self, day: date) -> bool:
        """Whether a days-of-the-week meeting meets on `day`: one of its days, not before its first
        meeting, and in one of its weeks (every week, or every 2nd, 3rd ... from `starts`' week)."""
        if day.weekday() not in self.days or (self.starts is not None and day < self.starts):
            return False
        if self.every_weeks <= 1:
            return True
        weeks = ((day - timedelta(days=day.weekday())) - self.anchor).days // 7
        return weeks >= 0 and weeks % self.every_weeks == 0

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def lead(self) -> timedelta:
        return timedelta(minutes=self.lead_minutes)

    @property
    def db_id(self) -> int | None:
        return int(self.id[len(SLACK_PREFIX):]) if self.id.startswith(SLACK_PREFIX) else None

    def may_edit(self, user_id: str, is_admin: bool) -> bool:
        """Admins and the meeting's owner, and only for meetings made in Slack."""
        return not self.from_config and self.may_skip(user_id, is_admin)

    def may_skip(self, user_id: str, is_admin: bool) -> bool:
        """Admins and the meeting's owner, wherever the meeting was defined (skipping one agenda
        changes no definition)."""
        return is_admin or (self.owner is not None and user_id == self.owner)

    def recurrence_text(self) -> str:
        if self.ics:
            return f"from a calendar: events named “{self.ics_match}”" if self.ics_match else "from a calendar"
        if self.rrule:
            return f"RRULE {self.rrule}" + (f" at {self.time:%H:%M}" if self.time else "")
        names = ", ".join(WEEKDAYS[d].capitalize()[:3] for d in self.days)
        if self.every_weeks > 1:
            weeks = "every other week" if self.every_weeks == 2 else f"every {self.every_weeks} weeks"
            since = f", from the week of {self.starts:%d %b %Y}" if self.starts else ""
            return f"{weeks} on {names} at {self.time:%H:%M}{since}" if self.time else weeks
        return f"every {names} at {self.time:%H:%M}" if self.time else "weekly"

    def scope_text(self) -> str:
        parts = []
        if self.attendees:
            parts.append(f"{len(self.attendees)} attendee{'s' if len(self.attendees) != 1 else ''}")
        if self.project:
            parts.append(f"project {self.project}")
        if self.tags:
            parts.append("tags " + ", ".join(self.tags))
        return " · ".join(parts) or "no scope"


def from_config(cfg: MeetingConfig, org_tz: str) -> Meeting:
    return Meeting(id=cfg.id, name=cfg.name, channel=cfg.channel, timezone=cfg.timezone or org_tz,
                   lead_minutes=cfg.lead_minutes, days=tuple(sorted({WEEKDAYS.index(d) for d in cfg.days})),
                   time=cfg.time, rrule=cfg.rrule, starts=cfg.starts, ics=cfg.ics, ics_match=cfg.ics_match,
                   attendees=tuple(dict.fromkeys(cfg.attendees)), project=cfg.project or None,
                   tags=tuple(cfg.tags), max_items=cfg.max_items, owner=cfg.owner, from_config=True)


def all_meetings(settings: Settings, agenda_store) -> list[Meeting]:
    """Config meetings first (in file order), then those made in Slack (oldest first)."""
    org_tz = settings.org.timezone
    return [from_config(m, org_tz) for m in settings.config.meetings] + agenda_store.meetings()


def find_meeting(settings: Settings, agenda_store, meeting_id: str) -> Meeting | None:
    return next((m for m in all_meetings(settings, agenda_store) if m.id == meeting_id), None)
