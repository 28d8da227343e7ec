"""The workslop tally on a known ledger, checked against figures computed by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.store_workslop import WorkslopLedger
from bot.workslop.tally import (RESEARCH_MINUTES, is_private, previous_weeks, tally_rows, tally_weeks,
                                week_bounds, week_of)

BERLIN = ZoneInfo("Europe/Berlin")
MON = datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN)  # week 2026-W10


def flag(ledger, who, item, channel="C0PUBLIC", private=False, at=MON, minutes=None, reason=None, author="U0BOT1"):
    flag_id, new = ledger.record(flagger=who, item=item, channel=channel, author=author, source="reaction",
                                 now=at, channel_private=private)
    if minutes is not None:
        ledger.rate(flag_id, who, at, minutes=minutes, reason=reason)
    return flag_id


@pytest.fixture
def ledger(store):
    return WorkslopLedger(store)


def tally(ledger, week="2026-W10", k=3, rate=90.0):
    start, end = week_bounds(week, BERLIN)
    return tally_rows(ledger.rows_between(start, end), week, start, end, hourly_rate=rate, k=k)


def test_a_hand_computed_week(ledger):
    # five people, six flags; four rated: 30, 60, 90, 120 minutes -> median 75 for the two unrated
    flag(ledger, "U1", "msg:C0PUBLIC:1", minutes=30, reason="missing_context")
    flag(ledger, "U2", "msg:C0PUBLIC:1", minutes=60, reason="missing_context")
    flag(ledger, "U3", "msg:C0PUBLIC:2", minutes=90, reason="wrong_facts")
    flag(ledger, "U4", "msg:C0SALES:3", channel="C0SALES", minutes=120, reason="padded")
    flag(ledger, "U5", "msg:C0SALES:4", channel="C0SALES")
    flag(ledger, "U5", "msg:D0DM:5", channel="D0DM", private=True)
    week = tally(ledger)
    assert (week.flags, week.people, week.rated, week.unrated) == (6, 5, 4, 2)
    assert week.rated_hours == pytest.approx(300 / 60)
    assert week.minutes_per_unrated == 75 and week.estimated_hours == pytest.approx(150 / 60)
    assert week.hours == pytest.approx(7.5) and week.cost == 675.0  # 7.5 h at 90/h
    assert week.by_reason == {"missing_context": 2, "wrong_facts": 1, "padded": 1}
    # C0PUBLIC: 3 distinct flaggers -> shown; C0SALES: 2 -> hidden; the DM never
    assert week.by_channel == {"C0PUBLIC": 3}


def test_with_nothing_rated_the_research_average_is_used(ledger):
    for who in ("U1", "U2", "U3"):
        flag(ledger, who, f"msg:C0PUBLIC:{who}")
    week = tally(ledger)
    assert week.minutes_per_unrated == RESEARCH_MINUTES == 116
    assert week.hours == pytest.approx(3 * 116 / 60)
    assert "research average" in week.estimate_basis


def test_fewer_than_k_people_withholds_every_breakdown(ledger):
    flag(ledger, "U1", "msg:C0PUBLIC:1", minutes=30, reason="padded")
    flag(ledger, "U2", "msg:C0PUBLIC:2", minutes=30, reason="padded")
    week = tally(ledger)
    assert week.details_withheld and week.by_reason == {} and week.by_channel == {}
    assert week.flags == 2 and week.hours == 1.0  # totals still count
    assert tally(ledger, k=2).by_channel == {"C0PUBLIC": 2}


@pytest.mark.parametrize("channel, private, named", [
    ("C0PUBLIC", False, True), ("C0SECRET", True, False), ("C0UNKNOWN", None, False),
    ("D0DM", False, False), ("G0MPIM", False, False), (None, False, False)])
def test_only_known_public_channels_can_be_named(channel, private, named):
    assert is_private(channel, private) is not named


def test_one_flag_per_person_per_item_and_retraction(ledger):
    first, new = ledger.record(flagger="U1", item="msg:C1:1", channel="C1", author="U9", source="reaction", now=MON)
    again, new_again = ledger.record(flagger="U1", item="msg:C1:1", channel="C1", author="U9", source="reaction",
                                     now=MON)
    assert new and not new_again and first == again
    assert ledger.retract("U1", "msg:C1:1") == first and ledger.get(first) is None
    assert ledger.retract("U1", "msg:C1:1") is None


def test_only_the_flagger_rates_or_undoes(ledger):
    flag_id = flag(ledger, "U1", "msg:C1:1")
    assert not ledger.rate(flag_id, "U2", MON, minutes=60)
    assert not ledger.undo(flag_id, "U2") and ledger.get(flag_id) is not None
    assert ledger.rate(flag_id, "U1", MON, minutes=60, reason="padded") and ledger.get(flag_id).minutes == 60
    assert ledger.undo(flag_id, "U1") and ledger.get(flag_id) is None


def test_forget_deletes_a_flaggers_flags_and_unnames_an_author(ledger):
    flag(ledger, "U1", "msg:C1:1", author="U7")
    flag(ledger, "U7", "msg:C1:2", author="U2")
    flag(ledger, "U3", "msg:C1:3", author="U1")
    assert ledger.forget("U1") == {"flags_deleted": 1, "authored_unnamed": 1}
    assert ledger.find("U3", "msg:C1:3").author is None and ledger.find("U1", "msg:C1:1") is None


def test_weeks_are_local_and_dst_correct():
    start, end = week_bounds("2026-W13", BERLIN)  # clocks go forward on Sunday 29 March
    assert end.timestamp() - start.timestamp() == timedelta(hours=167).total_seconds()
    assert week_of(datetime(2026, 3, 29, 22, 30, tzinfo=ZoneInfo("UTC")), BERLIN) == "2026-W14"  # Monday 00:30
    assert previous_weeks("2026-W02", 4) == ["2025-W51", "2025-W52", "2026-W01", "2026-W02"]


def test_tally_weeks_buckets_in_one_pass(ledger):
    for n, days in enumerate((0, 1, 7, 8, 9, 21)):
        flag(ledger, f"U{n}", f"msg:C1:{n}", at=MON + timedelta(days=days), minutes=60)
    weeks = previous_weeks("2026-W13", 4)  # W10..W13
    start, end = week_bounds(weeks[0], BERLIN)[0], week_bounds(weeks[-1], BERLIN)[1]
    out = tally_weeks(ledger.rows_between(start, end), weeks, BERLIN, hourly_rate=100)
    assert [w.flags for w in out] == [2, 3, 0, 1]
    assert [w.cost for w in out] == [200.0, 300.0, 0.0, 100.0]
