"""An all-day due date is one calendar day, wherever it is read (scoring.tasks.all_day_date)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from scoring.tasks import all_day_date

ZONES = ["Europe/London", "Europe/Berlin", "America/Los_Angeles", "America/New_York", "Asia/Kolkata",
         "Asia/Kathmandu", "Australia/Sydney", "Africa/Lagos", "America/Sao_Paulo", "Asia/Tokyo"]
DAYS = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 7, 4), date(2026, 10, 25), date(2026, 11, 1),
        date(2026, 12, 31)]  # DST changes in the US and Europe among them


@pytest.mark.parametrize("zone", ZONES)
def test_the_day_it_was_set_on_is_the_day_read_in_any_zone(zone):
    for day in DAYS:
        due = datetime(day.year, day.month, day.day, 23, 59, tzinfo=ZoneInfo(zone))
        for reader in ZONES:
            assert all_day_date(due, ZoneInfo(reader)) == day, (zone, reader, day)
        assert all_day_date(due) == day


def test_zones_a_day_apart_are_told_apart_by_the_reader_nearby():
    auckland = datetime(2026, 12, 1, 23, 59, tzinfo=ZoneInfo("Pacific/Auckland"))  # +13: Samoa's -11 too
    assert all_day_date(auckland, ZoneInfo("Pacific/Auckland")) == date(2026, 12, 1)
    assert all_day_date(auckland, ZoneInfo("Australia/Sydney")) == date(2026, 12, 1)
    honolulu = datetime(2026, 12, 1, 23, 59, tzinfo=ZoneInfo("Pacific/Honolulu"))  # -10: Kiribati's +14 too
    assert all_day_date(honolulu, ZoneInfo("America/Los_Angeles")) == date(2026, 12, 1)


def test_the_reason_names_the_owners_day_and_is_never_overdue_before_the_deadline():
    from scoring.engine import due_reason

    berlin = ZoneInfo("Europe/Berlin")
    friday_in_la = datetime(2026, 3, 6, 23, 59, tzinfo=ZoneInfo("America/Los_Angeles"))  # Sat 08:59 in Berlin
    assert due_reason(friday_in_la, True, datetime(2026, 3, 2, 9, 0, tzinfo=berlin)) == "due Friday"
    assert due_reason(friday_in_la, True, datetime(2026, 3, 7, 1, 0, tzinfo=berlin)) == "due today"
    assert due_reason(friday_in_la, True, datetime(2026, 3, 7, 10, 0, tzinfo=berlin)) == "overdue by 1 day"
