"""The hourly rescore: only what changed is written, and the totals are exactly a full recompute's."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import score_task
from scoring.model import load_model, parse_model
from scoring.rescore import recompute_all, rescore_all
from scoring.store import Judgement, TaskStore
from scoring.tasks import STATUSES, Task

MODEL = load_model(None)
BAND_IDS = sorted(MODEL.band_ids)


def _variant(due: dict, age: dict):
    data = MODEL.model_dump(mode="json")
    for signal in data["signals"]:
        signal.update({"due": due, "age": age}.get(signal["kind"], {}))
    return parse_model(data)


MODELS = [
    MODEL,
    # odd weights and a short, steep due ramp with no overdue plateau; age full after ten days
    _variant({"weight": 17.77, "curve": {"ramp_days": 3.5, "overdue_days": 0, "floor": 0.37}},
             {"weight": 33.3, "full_after_days": 10}),
    # a flat due curve and no age weight: nothing moves with the clock
    _variant({"curve": {"ramp_days": 14, "overdue_days": 7, "floor": 1.0}}, {"weight": 0}),
]
T0 = datetime(2026, 3, 2, 8, 0, 17, tzinfo=timezone.utc)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def fill(store: TaskStore, specs: list[dict], now: datetime) -> list[int]:
    ids = []
    for n, spec in enumerate(specs):
        bands = spec.pop("bands", ())
        task_id, _ = store.upsert_task(Task(title=f"task {n}", source="test", external_id=str(n),
                                            assignee_id=f"U0PERSON{n % 3}", updated_at=now, **spec), now)
        store.replace_machine_judgements(task_id, "rules", [Judgement(b, "rules") for b in bands], "k", now)
        ids.append(task_id)
    return ids


def totals(store: TaskStore, ids) -> dict[int, float]:
    return {i: store.score_of(i)["total"] for i in ids}


@st.composite
def task_specs(draw) -> dict:
    seconds = st.floats(min_value=-60 * 86_400, max_value=90 * 86_400, allow_nan=False)
    estimate = draw(st.none() | st.sampled_from([0.5, 2.0, 5.0]))
    return {
        "status": draw(st.sampled_from(STATUSES)),
        "due": draw(st.none() | seconds.map(lambda s: T0 + timedelta(seconds=s))),
        "created_at": draw(st.floats(min_value=0, max_value=500 * 86_400).map(lambda s: T0 - timedelta(seconds=s))),
        "blocking": draw(st.integers(0, 4)),
        "estimate_hours": estimate,
        "estimate_source": draw(st.sampled_from(["human", "ai"])) if estimate else None,
        "bands": draw(st.lists(st.sampled_from(BAND_IDS), max_size=3, unique=True)),
    }


@settings(max_examples=40, deadline=None)
@given(st.lists(task_specs(), min_size=1, max_size=25),
       st.lists(st.floats(min_value=1, max_value=90 * 24 * 3600), min_size=1, max_size=3),
       st.sampled_from(MODELS))
def test_the_hourly_rescore_gives_exactly_the_totals_of_a_full_recompute(specs, steps, model):
    with tempfile.TemporaryDirectory() as tmp:
        store = TaskStore(Path(tmp) / "h.db")
        ids = fill(store, specs, T0)
        recompute_all(store, model, T0)
        at = T0
        for seconds in steps:  # one or more passes, at growing times
            at = at + timedelta(seconds=seconds)
            before = totals(store, ids)
            stats = rescore_all(store, model, at)
            assert not stats.full
            hourly = totals(store, ids)
            assert stats.written == sum(1 for i in ids if hourly[i] != before[i])  # only what changed
        tasks, bands = store.get_tasks(ids), store.effective_bands_many(ids)
        ranked = [i for i in ids if tasks[i].is_open]  # closed tasks keep the total they were closed with
        for i in ranked:
            assert hourly[i] == score_task(tasks[i], bands[i][0], model, at).total
        recompute_all(store, model, at)
        assert totals(store, ranked) == {i: hourly[i] for i in ranked}
        store.close()


def test_nothing_is_written_when_nothing_moved(store, now):
    fill(store, [{"due": now + 3 * DAY, "created_at": now - 30 * DAY}, {"created_at": now - 2 * DAY}], now)
    recompute_all(store, MODEL, now)
    stats = rescore_all(store, MODEL, now)
    assert (stats.full, stats.scanned, stats.written) == (False, 2, 0)


def test_only_the_changed_scores_get_a_new_timestamp(store, now):
    ids = fill(store, [
        {"due": now + 3 * DAY, "bands": ["revenue"]},  # on the due ramp: moves every hour
        {"created_at": now - 900 * DAY, "bands": ["risk"]},  # nothing left to move: no due date, full age
    ], now)
    recompute_all(store, MODEL, now)
    stats = rescore_all(store, MODEL, now + HOUR)
    assert stats.written == 1
    assert store.score_of(ids[0])["scored_at"] != store.score_of(ids[1])["scored_at"]
    assert store.score_of(ids[0])["total"] > 70 + 12


def test_a_changed_value_model_recomputes_everything(store, now):
    ids = fill(store, [{"bands": ["customer_onboarding"]}, {"bands": ["risk"]}], now)
    recompute_all(store, MODEL, now)
    data = MODEL.model_dump(mode="json")
    data["bands"][0]["points"] = 300
    richer = parse_model(data)
    stats = rescore_all(store, richer, now + HOUR)
    assert stats.full and stats.written == 2
    assert totals(store, ids) == {ids[0]: 300, ids[1]: 60}


def test_a_task_never_scored_makes_the_pass_a_full_one(store, now):
    fill(store, [{"bands": ["risk"]}], now)
    recompute_all(store, MODEL, now)
    (new,) = fill(store, [{"bands": ["revenue"]}, {"bands": ["revenue"]}], now)[1:]  # the first is unchanged
    stats = rescore_all(store, MODEL, now + HOUR)
    assert stats.full
    assert store.score_of(new)["total"] == 70


def test_closed_tasks_leave_the_ranking_and_the_hourly_pass(store, now):
    open_id, done_id = fill(store, [{"due": now + DAY}, {"due": now + DAY, "status": "done"}], now)
    recompute_all(store, MODEL, now)
    assert store.score_of(done_id)["active"] is False
    assert rescore_all(store, MODEL, now + HOUR).scanned == 1
    assert [i for i, _ in store.top_ids("U0PERSON0", 5, now.timestamp())] == [open_id]
