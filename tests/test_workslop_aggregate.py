"""The tally aggregated in SQLite (`tally_ledger`) gives exactly the figures of the pure
`tally_weeks` over the ledger's rows — across DST changes, at week edges, in several zones."""

from __future__ import annotations

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.store_workslop import WorkslopLedger
from bot.workslop.tally import REASONS, previous_weeks, tally_ledger, tally_weeks, week_bounds


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"])
def test_the_sql_aggregate_matches_the_pure_tally(store, zone):
    tz = ZoneInfo(zone)
    ledger = WorkslopLedger(store)
    rnd = random.Random(zone)
    weeks = previous_weeks("2026-W15", 12)  # spans the March/April DST changes on both hemispheres
    start, end = week_bounds(weeks[0], tz)[0], week_bounds(weeks[-1], tz)[1]
    people = [f"U{i:03d}" for i in range(7)]
    channels = [("C0PUBLIC", False), ("C0OTHER", False), ("C0SECRET", True), ("C0UNKNOWN", None), ("D0DM", True)]
    moments = [start + (end - start) * rnd.random() for _ in range(600)]
    for week in weeks:  # the very edges of every week, in local time
        edge = week_bounds(week, tz)[0]
        moments += [edge, edge - timedelta(seconds=1), edge + timedelta(seconds=1)]
    moments += [start - timedelta(seconds=1), end]  # just outside: never counted
    for n, moment in enumerate(moments):
        channel, private = rnd.choice(channels)
        who = rnd.choice(people)
        flag_id, _ = ledger.record(flagger=who, item=f"msg:{channel}:{n}", channel=channel, author="U999",
                                   source="reaction", now=moment, channel_private=private)
        if rnd.random() < 0.6:
            ledger.rate(flag_id, who, moment, minutes=rnd.choice([15, 30, 60, 120, 240, 45]),
                        reason=rnd.choice([*REASONS, None]))
    pure = tally_weeks(ledger.rows_between(start, end), weeks, tz, hourly_rate=80.0, k=3)
    fast = tally_ledger(ledger, weeks, tz, hourly_rate=80.0, k=3)
    assert [w.to_dict() for w in fast] == [w.to_dict() for w in pure]
    cached = tally_ledger(ledger, weeks, tz, now=end, hourly_rate=80.0, k=3)  # fills the cache
    assert [w.to_dict() for w in tally_ledger(ledger, weeks, tz, now=end, hourly_rate=80.0, k=3)] == \
        [w.to_dict() for w in cached] == [w.to_dict() for w in pure]
    assert sum(w.flags for w in fast) == sum(start <= m < end for m in moments) == len(moments) - 3
    assert any(w.by_channel for w in fast) and any(w.by_reason for w in fast)  # the comparison compared something


def test_a_cached_week_follows_every_change_to_its_flags(store):
    tz = ZoneInfo("Europe/Berlin")
    ledger = WorkslopLedger(store)
    start, end = week_bounds("2026-W10", tz)
    later = end + timedelta(days=30)
    at = start + timedelta(days=2)

    def week():
        [cached] = tally_ledger(ledger, ["2026-W10"], tz, now=later, hourly_rate=60.0, k=1)
        [pure] = tally_weeks(ledger.rows_between(start, end), ["2026-W10"], tz, hourly_rate=60.0, k=1)
        assert cached.to_dict() == pure.to_dict()
        return cached

    a, _ = ledger.record(flagger="U1", item="msg:C1:1", channel="C1", author="U9", source="reaction", now=at)
    b, _ = ledger.record(flagger="U2", item="msg:C1:2", channel="C1", author="U9", source="reaction", now=at)
    assert week().flags == 2
    ledger.rate(a, "U1", later, minutes=30, reason="padded")
    assert week().rated == 1
    ledger.set_channel_privacy("C1", False, later)
    assert week().by_channel == {"C1": 2}
    ledger.undo(b, "U2")
    assert week().flags == 1
    ledger.retract("U1", "msg:C1:1")
    assert week().flags == 0
    ledger.record(flagger="U3", item="msg:C1:3", channel="C1", author="U9", source="shortcut", now=at)
    ledger.forget("U3")
    assert week().flags == 0
