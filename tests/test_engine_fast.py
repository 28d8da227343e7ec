"""One `Scorer` scores a whole batch, remembering the terms it has already worked out: its scores
must be exactly the original per-task engine's (tests/engine_reference.py), task after task, and
its clock-driven part exactly `clock_cp`'s."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import Scorer, clock_cp, cp
from scoring.model import load_model, parse_model
from scoring.rescore import terms_json
from scoring.tasks import STATUSES, Task
from tests import engine_reference as reference

MODEL = load_model(None)
BERLIN, TOKYO = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)  # the night the clocks go forward


def _variant(**changes):
    data = MODEL.model_dump(mode="json")
    for signal in data["signals"]:
        signal.update(changes.get(signal["kind"], {}))
    data["signals"] = [s for s in data["signals"] if s["kind"] not in changes.get("drop", ())]
    data["compound_share"] = changes.get("share", data["compound_share"])
    return parse_model(data)


MODELS = [
    MODEL,
    _variant(due={"weight": 17.77, "curve": {"ramp_days": 3.5, "overdue_days": 0, "floor": 0.37}},
             age={"weight": 33.3, "full_after_days": 10}, blocking={"weight": 0.005}, share=0.333),
    _variant(drop=("due", "age", "waiting")),
    _variant(in_progress={"weight": 0}, quick_win={"weight": 0.004}),  # terms worth 0 are dropped
]
BAND_IDS = sorted(MODEL.band_ids) + ["not_a_band"]
# few distinct values, as in an import, so that the memos are hit (and some not)
MOMENTS = [NOW + timedelta(days=d, hours=h, microseconds=u)
           for d in (-40, -3, 0, 1, 2, 6, 13, 14, 15, 90) for h in (0, 7) for u in (0, 250)]
ZONES = [BERLIN, TOKYO, timezone.utc, timezone(timedelta(hours=-5, minutes=-30))]


def task(rnd) -> Task:
    def moment():
        return rnd.choice(MOMENTS).astimezone(rnd.choice(ZONES)) if rnd.random() < 0.8 else None

    hours = rnd.choice([None, 0.5, 2, 2.0, 2.5, -1.0])
    return Task(title="t", status=rnd.choice(STATUSES), blocking=rnd.choice([0, 0, 1, 2, 5, True]), due=moment(),
                due_all_day=rnd.choice([True, False]), created_at=moment(), estimate_hours=hours,
                estimate_source=rnd.choice(["human", "ai", None]) if hours is not None else None)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(MODELS), st.sampled_from([NOW, NOW.astimezone(TOKYO)]))
def test_a_scorer_reused_for_a_batch_gives_the_original_scores(seed, model, now):
    rnd = random.Random(seed)
    scorer = Scorer(model, now)
    clock = clock_cp(model.signal("due"), model.signal("age"), now.timestamp())
    for _ in range(200):
        t = task(rnd)
        bands = rnd.sample(BAND_IDS, rnd.randint(0, 3))
        expected = reference.score_task(t, bands, model, now)
        score, clock_part, due_ts, created_ts = scorer.parts(t, bands if rnd.random() < 0.5 else frozenset(bands))
        assert score == expected
        assert [term.to_dict() for term in score.terms] == [term.to_dict() for term in expected.terms]
        assert due_ts == (t.due.timestamp() if t.due else None)
        assert created_ts == (t.created_at.timestamp() if t.created_at else None)
        assert clock_part == clock(due_ts, created_ts)
        assert cp(score.total) - clock_part == cp(score.total) - clock(due_ts, created_ts)


def test_the_memos_start_again_when_full():
    small = type("SmallScorer", (Scorer,), {"MEMO": 3, "__slots__": ()})(MODEL, NOW)
    rnd = random.Random(5)
    for _ in range(100):
        t = task(rnd)
        assert small.score(t, ["risk"]) == reference.score_task(t, ["risk"], MODEL, NOW)
    assert len(small._due_terms) <= 3 and len(small._age_terms) <= 3 and len(small._static) <= 3


def test_terms_json_is_the_compact_json_of_the_term_dicts():
    import json

    rnd = random.Random(9)
    scorer = Scorer(MODEL, NOW)
    for _ in range(300):
        terms = scorer.score(task(rnd), rnd.sample(BAND_IDS, 2)).terms
        assert terms_json(terms) == json.dumps([t.to_dict() for t in terms], separators=(",", ":"))
