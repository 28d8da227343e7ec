"""When meetings happen: weekly, RRULE and ICS occurrences in the meeting's own zone, across DST."""

from __future__ import annotations

import logging

import threading
from datetime import datetime, time, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.calendars import Calendars, CalendarUnavailable
from bot.meetings import Meeting
from bot.recurrence import next_occurrence, occurrences
from bot.settings import ConfigError, load_config, parse_config

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
UTC = timezone.utc


def meeting(**kw) -> Meeting:
    return Meeting(**{"id": "m", "name": "M", "channel": "C0TEAM", "timezone": "Europe/Berlin", **kw})


def test_a_weekly_berlin_meeting_stays_at_0930_across_the_march_change():
    """Europe/Berlin springs forward on Sunday 29 March 2026: 09:30 stays 09:30, the UTC hour moves."""
    m = meeting(days=(0,), time=time(9, 30))
    found = occurrences(m, datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 7, tzinfo=UTC))
    assert [(o.start.date().isoformat(), f"{o.start:%H:%M}") for o in found] == [
        ("2026-03-23", "09:30"), ("2026-03-30", "09:30"), ("2026-04-06", "09:30")]
    assert [o.start.astimezone(UTC).hour for o in found] == [8, 7, 7]


def test_an_rrule_in_new_york_keeps_its_local_time_in_november():
    """America/New_York falls back on Sunday 1 November 2026."""
    m = meeting(timezone="America/New_York", rrule="FREQ=WEEKLY;BYDAY=TU,TH", time=time(9, 30))
    found = occurrences(m, datetime(2026, 10, 27, tzinfo=UTC), datetime(2026, 11, 6, tzinfo=UTC))
    assert [f"{o.start:%a %d %H:%M}" for o in found] == ["Tue 27 09:30", "Thu 29 09:30", "Tue 03 09:30",
                                                          "Thu 05 09:30"]
    assert [o.start.astimezone(UTC).hour for o in found] == [13, 13, 14, 14]


def test_an_rrule_with_an_interval_counts_weeks_from_its_start_date():
    m = meeting(rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", time=time(10, 0), starts=datetime(2026, 3, 2).date())
    found = occurrences(m, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert [o.start.day for o in found] == [2, 16, 30]


def test_next_occurrence_is_strictly_after_now():
    m = meeting(days=(0, 3), time=time(10, 0))
    nxt = next_occurrence(m, datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN))
    assert nxt.start == datetime(2026, 3, 5, 10, 0, tzinfo=BERLIN)


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Headwork tests//EN
BEGIN:VEVENT
UID:standup@example.com
DTSTART;TZID=Europe/Berlin:20260302T093000
DTEND;TZID=Europe/Berlin:20260302T100000
RRULE:FREQ=WEEKLY;BYDAY=MO
EXDATE;TZID=Europe/Berlin:20260316T093000
SUMMARY:Team standup
END:VEVENT
BEGIN:VEVENT
UID:standup@example.com
RECURRENCE-ID;TZID=Europe/Berlin:20260309T093000
DTSTART;TZID=Europe/Berlin:20260310T140000
DTEND;TZID=Europe/Berlin:20260310T143000
SUMMARY:Team standup (moved)
END:VEVENT
BEGIN:VEVENT
UID:standup@example.com
RECURRENCE-ID;TZID=Europe/Berlin:20260323T093000
DTSTART;TZID=Europe/Berlin:20260323T093000
STATUS:CANCELLED
SUMMARY:Team standup
END:VEVENT
END:VCALENDAR
"""


def test_ics_moved_and_cancelled_occurrences_are_respected(tmp_path):
    path = tmp_path / "standup.ics"
    path.write_text(ICS.replace("\n", "\r\n"))
    m = meeting(ics=str(path))
    cal = Calendars().get(str(path), datetime(2026, 3, 1, tzinfo=UTC))
    found = occurrences(m, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC), cal)
    assert [f"{o.start:%a %d %b %H:%M}" for o in found] == [
        "Mon 02 Mar 09:30",
        "Tue 10 Mar 14:00",   # moved from Monday 9 March
        # 16 March: EXDATE; 23 March: STATUS:CANCELLED
        "Mon 30 Mar 09:30",   # after the DST change, still 09:30
    ]
    moved = found[1]
    assert moved.moved and moved.key == datetime(2026, 3, 9, 9, 30, tzinfo=BERLIN)  # keeps its original key


class _Feed(BaseHTTPRequestHandler):
    body = ICS.encode()
    hits = 0
    down = False

    def do_GET(self):  # noqa: N802
        type(self).hits += 1
        if type(self).down:
            self.send_response(503)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def feed():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    _Feed.hits, _Feed.down = 0, False
    yield f"http://127.0.0.1:{server.server_address[1]}/standup.ics?token=secret"
    server.shutdown()
    server.server_close()


def test_an_ics_feed_is_fetched_over_http_and_cached(feed):
    cals = Calendars()
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    cal = cals.get(feed, t0)
    assert len(occurrences(meeting(ics=feed), t0, datetime(2026, 3, 8, tzinfo=UTC), cal)) == 1
    cals.get(feed, t0.replace(minute=10))
    assert _Feed.hits == 1  # fresh for 15 minutes
    cals.get(feed, t0.replace(minute=20))
    assert _Feed.hits == 2


def test_an_unreachable_feed_keeps_the_last_good_copy_and_never_shows_its_token(feed, caplog):
    cals = Calendars()
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    good = cals.get(feed, t0)
    dead = "http://127.0.0.1:9/standup.ics?token=secret"
    with pytest.raises(CalendarUnavailable) as info:
        cals.get(dead, t0)
    assert "secret" not in str(info.value)
    cals._cache[dead] = cals._cache[feed]
    assert cals.get(dead, t0.replace(hour=2)) is good
    assert "secret" not in caplog.text


def test_a_feed_down_for_two_hours_is_tried_every_15_minutes_and_warned_about_once(feed, caplog):
    read_at = datetime(2026, 3, 2, 6, 45, tzinfo=UTC)
    clock = [read_at]
    cals = Calendars(clock=lambda: clock[0])
    # the caller's `now` may be the start of its look-back window (12 hours earlier): the copy's time is the clock's
    good = cals.get(feed, read_at - timedelta(hours=12))
    _Feed.down = True
    with caplog.at_level(logging.INFO, logger="headwork.calendars"):
        for minute in range(1, 121):
            clock[0] = read_at + timedelta(minutes=minute)
            assert cals.get(feed, clock[0] - timedelta(hours=12)) is good
        assert _Feed.hits <= 1 + 8  # the first read, then once a quarter hour (was every minute)
        _Feed.down = False
        clock[0] += timedelta(minutes=15)
        cals.get(feed, clock[0] - timedelta(hours=12))
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "using the copy read at 2026-03-02T06:45" in warnings[0]
    assert "read again" in caplog.text and "secret" not in caplog.text


def test_a_feed_never_read_is_tried_every_minute_at_first_then_less_often(feed):
    _Feed.down = True
    cals = Calendars()
    t0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    for minute in range(60):
        with pytest.raises(CalendarUnavailable):
            cals.get(feed, t0 + timedelta(minutes=minute))
    assert 5 <= _Feed.hits <= 12  # every minute for 5 minutes, then backing off to every 15


@pytest.mark.parametrize("entry, says", [
    ({"days": ["monday"]}, "meetings[0]: weekly `days` need a `time`"),  # without pydantic's "Value error, "
    ({"days": ["monday"], "time": "10:00", "rrule": "FREQ=DAILY"}, "exactly one recurrence"),
    ({"rrule": "FREQ=SOMETIMES", "time": "10:00"}, "not an iCalendar RRULE"),
    ({"days": ["funday"], "time": "10:00"}, "meetings[0].days[0]"),
    ({"days": ["monday"], "time": "10:00", "timezone": "Mars/Olympus"}, "meetings[0].timezone"),
    ({"days": ["monday"], "time": "10:00", "channel": "general"},
     "meetings[0].channel: 'general' is not a Slack channel id (like C0123ABCD"),
    ({"days": ["monday"], "time": "10:00", "owner": "bob"}, "meetings[0].owner: 'bob' is not a Slack user id"),
    ({"days": ["monday"], "time": "10:00", "id": "CS Weekly"}, "meetings[0].id: 'CS Weekly' is not a meeting id"),
    ({"ics": "ftp://example.com/x.ics"}, "only http:// and https://"),
    ({"days": ["monday"], "time": "10:00", "ics_match": "Standup"}, "meetings[0]: `ics_match` picks"),
    ({"ics": "team.ics", "ics_match": "  "}, "meetings[0].ics_match: give the words"),
    ({"days": ["monday"], "time": "10:00", "attendees": [], "project": None}, "give a scope"),
    ({"days": ["monday"], "time": "10:00", "lead_minutes": 0}, "meetings[0].lead_minutes"),
])
def test_invalid_meetings_are_refused_with_file_and_field(entry, says):
    base = {"id": "weekly", "name": "Weekly", "channel": "C0TEAM", "attendees": ["U0ANA01"]}
    with pytest.raises(ConfigError) as info:
        parse_config({"meetings": [{**base, **entry}]}, Path("conf/headwork.yml"))
    assert str(info.value).startswith("conf/headwork.yml: meetings[0]")
    assert says in str(info.value)


def test_duplicate_meeting_ids_are_refused(tmp_path):
    path = tmp_path / "headwork.yml"
    path.write_text("meetings:\n"
                    "  - {id: weekly, name: A, channel: C0TEAM, days: [monday], time: '10:00', project: X}\n"
                    "  - {id: weekly, name: B, channel: C0TEAM, days: [friday], time: '10:00', project: X}\n")
    with pytest.raises(ConfigError, match="two meetings have the id 'weekly'"):
        load_config(path)


def test_a_valid_meeting_gets_the_defaults():
    config = parse_config({"meetings": [{"id": "weekly", "name": "Weekly", "channel": "C0TEAM",
                                         "days": ["monday"], "time": "10:00", "project": "Onboarding"}]},
                          Path("headwork.yml"))
    m = config.meetings[0]
    assert (m.lead_minutes, m.max_items, m.timezone) == (30, 7, None)
