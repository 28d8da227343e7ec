# The engine's per-task scoring as it was before `Scorer` (scoring/engine.py at commit e340e60),
# kept verbatim as the oracle for tests/test_engine_fast.py: a Scorer, reused across many tasks
# with its memos, must give exactly these scores. Change both together.
# flake8: noqa
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from scoring.engine import DAY, Score, Term, _plural, age_cp, cp, due_cp, due_reason
from scoring.model import ValueModel
from scoring.tasks import Task


def band_terms(band_ids: Iterable[str], model: ValueModel) -> list[Term]:
    """The strongest band counts fully; each further band adds `compound_share` of its points."""
    bands = sorted((model.band(b) for b in set(band_ids) if b in model.band_ids), key=lambda b: (-b.points, b.id))
    terms: list[Term] = []
    for i, band in enumerate(bands):
        if i == 0:
            terms.append(Term(band.id, "band", cp(band.points) / 100, band.name.lower()))
        else:
            share = model.compound_share
            terms.append(Term(band.id, "bump", cp(band.points * share) / 100,
                              f"also {band.name.lower()} (+{round(share * 100, 4):g}% of {band.points:g})"))
    return terms


def static_terms(task: Task, band_ids: Iterable[str], model: ValueModel) -> list[Term]:
    """Every term that does not move with the clock."""
    terms = band_terms(band_ids, model)
    for signal in model.signals:
        kind = signal.kind
        if kind == "blocking" and task.blocking > 0:
            n = min(task.blocking, signal.per_task_cap)
            terms.append(Term(signal.id, "signal", cp(signal.weight * n) / 100, f"blocking {_plural(task.blocking, 'task')}"))
        elif kind == "in_progress" and task.status == "in_progress":
            terms.append(Term(signal.id, "signal", cp(signal.weight) / 100, "in progress"))
        elif kind == "waiting" and task.status in ("waiting", "blocked"):
            reason = "blocked" if task.status == "blocked" else "waiting on someone else"
            terms.append(Term(signal.id, "signal", cp(signal.weight) / 100, reason))
        elif (kind == "quick_win" and task.estimate_source == "human" and task.estimate_hours is not None
              and 0 < task.estimate_hours <= signal.max_hours):
            terms.append(Term(signal.id, "signal", cp(signal.weight) / 100,
                              f"quick win: about {task.estimate_hours:g} h (a person's estimate)"))
    return [t for t in terms if cp(t.points) != 0]


def time_terms(task: Task, model: ValueModel, now: datetime) -> list[Term]:
    now_ts = now.timestamp()
    terms: list[Term] = []
    due_signal, age_signal = model.signal("due"), model.signal("age")
    if task.due is not None and due_signal is not None:
        points = due_cp(due_signal, task.due.timestamp(), now_ts)
        terms.append(Term(due_signal.id, "signal", points / 100, due_reason(task.due, task.due_all_day, now)))
    if task.created_at is not None and age_signal is not None:
        points = age_cp(age_signal, task.created_at.timestamp(), now_ts)
        days = int(max(0.0, (now_ts - task.created_at.timestamp()) / DAY))
        terms.append(Term(age_signal.id, "signal", points / 100, f"open for {_plural(days, 'day')}"))
    return [t for t in terms if cp(t.points) != 0]


def score_task(task: Task, band_ids: Iterable[str], model: ValueModel, now: datetime) -> Score:
    """Score one task. Pure and deterministic: same arguments, same Score."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    terms = static_terms(task, band_ids, model) + time_terms(task, model, now)
    order = {"band": 0, "bump": 1, "signal": 2}
    terms.sort(key=lambda t: (order[t.kind], -t.points, t.id))
    return Score(sum(cp(t.points) for t in terms) / 100, tuple(terms))
