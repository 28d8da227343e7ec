"""The scoring engine: the properties a person relies on when they read a ranking."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import FAR_FUTURE, FAR_PAST, age_bands, clock_cp, cp, due_plateau, score_task
from scoring.model import load_model
from scoring.tasks import OPEN_STATUSES, Task

MODEL = load_model(None)
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)  # @given tests cannot take function-scoped fixtures
BAND_IDS = sorted(MODEL.band_ids)
POINTS = {b.id: b.points for b in MODEL.bands}
SHARE = MODEL.compound_share
DAY = timedelta(days=1)

examples = settings(max_examples=150, deadline=None)
days = st.floats(min_value=-120, max_value=120, allow_nan=False, allow_infinity=False)


@st.composite
def tasks(draw) -> Task:
    estimate = draw(st.none() | st.sampled_from([0.25, 0.5, 1.0, 2.0, 2.5, 8.0]))
    due = draw(st.none() | days.map(lambda d: NOW + d * DAY))
    return Task(
        title="Something to do", id=draw(st.integers(1, 10**6)), status=draw(st.sampled_from(OPEN_STATUSES)),
        due=due, due_all_day=draw(st.booleans()), estimate_hours=estimate,
        estimate_source=draw(st.sampled_from(["human", "ai", None])) if estimate is not None else None,
        blocking=draw(st.integers(0, 6)),
        created_at=draw(st.none() | st.floats(0, 800).map(lambda d: NOW - d * DAY)),
    )


band_sets = st.frozensets(st.sampled_from(BAND_IDS), max_size=len(BAND_IDS))


def total(task: Task, bands, now: datetime = NOW) -> float:
    return score_task(task, bands, MODEL, now).total


@examples
@given(tasks(), band_sets, st.sampled_from(BAND_IDS))
def test_adding_a_band_never_lowers_a_score(task, bands, extra):
    assert total(task, bands | {extra}) >= total(task, bands)


@examples
@given(tasks(), band_sets, days, days)
def test_an_earlier_due_date_never_lowers_a_score(task, bands, a, b):
    sooner, later = sorted((a, b))
    assert total(task.with_(due=NOW + sooner * DAY), bands) >= total(task.with_(due=NOW + later * DAY), bands)


@examples
@given(tasks(), band_sets, st.randoms(use_true_random=False))
def test_same_input_same_output_whatever_the_order_of_the_bands(task, bands, rnd):
    shuffled = list(bands) * 2  # duplicates and order must not matter
    rnd.shuffle(shuffled)
    first = score_task(task, bands, MODEL, NOW)
    assert score_task(task, shuffled, MODEL, NOW) == first
    assert score_task(task, sorted(bands), MODEL, NOW) == first


@examples
@given(tasks(), band_sets)
def test_terms_always_add_up_to_the_total(task, bands):
    score = score_task(task, bands, MODEL, NOW)
    assert sum(cp(t.points) for t in score.terms) == cp(score.total)
    assert round(sum(t.points for t in score.terms), 2) == score.total
    assert all(t.points != 0 for t in score.terms)  # nothing shown that adds nothing


@examples
@given(band_sets)
def test_the_strongest_band_counts_fully_and_each_further_band_adds_its_share(bands):
    bare = Task(title="No signals at all", id=1)  # no due date, no age, open, no estimate
    ranked = sorted(bands, key=lambda b: -POINTS[b])
    expected = sum(POINTS[b] if i == 0 else SHARE * POINTS[b] for i, b in enumerate(ranked))
    score = score_task(bare, bands, MODEL, NOW)
    assert score.total == pytest.approx(expected, abs=0.005)
    if bands:
        assert [t.id for t in score.terms if t.kind == "band"] == [ranked[0]]
        assert sorted(t.id for t in score.terms if t.kind == "bump") == sorted(ranked[1:])


@pytest.mark.parametrize("bands, expected", [
    (set(), 0),
    ({"customer_onboarding"}, 200),
    ({"customer_onboarding", "nearly_done"}, 200 + 0.25 * 140),
    ({"nearly_done", "customer_onboarding", "risk"}, 200 + 0.25 * 140 + 0.25 * 60),
    ({"revenue", "risk"}, 70 + 0.25 * 60),
    ({"customer_onboarding", "not_a_band_in_this_model"}, 200),
])
def test_compounding_in_numbers(bands, expected):
    assert total(Task(title="t", id=1), bands) == expected


@examples
@given(tasks(), band_sets, st.floats(min_value=0.01, max_value=40))
def test_an_ai_estimate_never_makes_a_quick_win(task, bands, hours):
    by_ai = task.with_(estimate_hours=hours, estimate_source="ai")
    score = score_task(by_ai, bands, MODEL, NOW)
    assert "quick_win" not in {t.id for t in score.terms}
    assert score == score_task(task.with_(estimate_hours=None, estimate_source=None), bands, MODEL, NOW)


@pytest.mark.parametrize("hours, source, quick", [
    (0.5, "human", True), (2.0, "human", True), (2.5, "human", False), (0.5, "ai", False), (None, None, False),
])
def test_only_a_persons_small_estimate_is_a_quick_win(hours, source, quick):
    score = score_task(Task(title="t", id=1, estimate_hours=hours, estimate_source=source), (), MODEL, NOW)
    assert (score.total == 30) is quick
    assert any(t.id == "quick_win" for t in score.terms) is quick


@pytest.mark.parametrize("days_left, points", [
    (30, 12.0), (14, 12.0),  # 20% of 60 from two weeks out
    (0, 44.0),  # on the ramp: 0.2 + 0.8 * 14/21
    (-7, 60.0), (-30, 60.0),  # full weight from a week overdue
])
def test_the_due_ramp_follows_taskwarrior(days_left, points):
    score = score_task(Task(title="t", id=1, due=NOW + days_left * DAY), (), MODEL, NOW)
    assert score.total == points


@pytest.mark.parametrize("fields, expected", [
    ({"status": "in_progress"}, 25), ({"status": "waiting"}, -40), ({"status": "blocked"}, -40),
    ({"blocking": 2}, 30), ({"blocking": 10}, 45),  # counted up to three
    ({"created_at": NOW - 365 * DAY}, 10), ({"created_at": NOW - 900 * DAY}, 10), ({"created_at": NOW}, 0),
])
def test_signals_in_numbers(fields, expected):
    assert total(Task(title="t", id=1, **fields), ()) == expected


def test_a_waiting_task_ranks_below_the_same_task_when_it_can_move():
    task = Task(title="t", id=1, due=NOW + 3 * DAY)
    assert total(task.with_(status="waiting"), {"revenue"}) < total(task, {"revenue"})


@pytest.mark.parametrize("tz, due, all_day, reason", [
    ("Europe/Berlin", datetime(2026, 3, 3, 23, 59, tzinfo=BERLIN), True, "due tomorrow"),
    ("Europe/Berlin", datetime(2026, 3, 2, 17, 0, tzinfo=BERLIN), False, "due today at 17:00"),
    ("Europe/Berlin", datetime(2026, 3, 2, 8, 0, tzinfo=BERLIN), False, "overdue since 08:00"),
    ("Europe/Berlin", datetime(2026, 2, 27, 23, 59, tzinfo=BERLIN), True, "overdue by 3 days"),
    # the same moment seen from Los Angeles (Monday 00:00 there) and Tokyo (Monday 17:00)
    ("America/Los_Angeles", datetime(2026, 3, 2, 17, 0, tzinfo=BERLIN), False, "due today at 08:00"),
    ("America/Los_Angeles", datetime(2026, 3, 4, 17, 0, tzinfo=BERLIN), False, "due Wednesday at 08:00"),
    ("Asia/Tokyo", datetime(2026, 3, 2, 17, 0, tzinfo=BERLIN), False, "due tomorrow at 01:00"),
    ("Europe/Berlin", datetime(2026, 3, 20, 12, 0, tzinfo=BERLIN), True, "due in 18 days"),
])
def test_due_reasons_are_in_the_viewers_time_zone(tz, due, all_day, reason):
    viewer_now = NOW.astimezone(ZoneInfo(tz))
    score = score_task(Task(title="t", id=1, due=due, due_all_day=all_day), (), MODEL, viewer_now)
    assert [t.reason for t in score.terms if t.id == "due"] == [reason]
    # where you are changes the words, never the points
    assert score.total == total(Task(title="t", id=1, due=due, due_all_day=all_day), ())


def test_now_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        score_task(Task(title="t", id=1), (), MODEL, datetime(2026, 3, 2, 9, 0))


# --- the shortcuts the hourly rescore hands to SQLite: exact for clock_cp, never a copy of it ---

NOW_TS = NOW.timestamp()
AGE_POINTS = clock_cp(None, MODEL.signal("age"), NOW_TS)
DUE_POINTS = clock_cp(MODEL.signal("due"), None, NOW_TS)
AGE_BANDS = age_bands(MODEL.signal("age"), NOW_TS)


def test_the_age_bands_cover_every_creation_time_once_with_exact_edges():
    assert AGE_BANDS[0][2] == FAR_FUTURE and min(first for _, first, _ in AGE_BANDS) == FAR_PAST
    assert [cp_ for cp_, _, _ in AGE_BANDS] == list(range(1001))  # 0 .. 10 points, every centipoint
    for value, first, last in AGE_BANDS:
        for inside in (first, last):
            if abs(inside) < FAR_FUTURE:
                assert AGE_POINTS(None, inside) == value
        if first > FAR_PAST:
            assert AGE_POINTS(None, math.nextafter(first, -math.inf)) == value + 1  # older: one more
    edges = sorted((first, last) for _, first, last in AGE_BANDS)
    assert all(math.nextafter(a[1], math.inf) == b[0] for a, b in zip(edges, edges[1:]))  # no gap, no overlap


@examples
@given(st.floats(min_value=NOW_TS - 900 * 86_400, max_value=NOW_TS + 86_400))
def test_a_creation_time_falls_in_the_band_of_its_own_age_points(created_ts):
    (value,) = [v for v, first, last in AGE_BANDS if first <= created_ts <= last]
    assert value == AGE_POINTS(None, created_ts)


@examples
@given(st.floats(min_value=NOW_TS - 60 * 86_400, max_value=NOW_TS + 90 * 86_400))
def test_every_due_date_from_the_plateau_on_gets_the_floor_and_none_before(due_ts):
    first, floor_cp = due_plateau(MODEL.signal("due"), NOW_TS)
    assert floor_cp == 1200  # 20% of 60 points
    assert (DUE_POINTS(due_ts, None) == floor_cp) is (due_ts >= first)


def test_no_age_signal_or_due_signal_means_nothing_moves():
    assert age_bands(None, NOW_TS) == [(0, FAR_PAST, FAR_FUTURE)]
    assert due_plateau(None, NOW_TS) == (FAR_PAST, 0)
