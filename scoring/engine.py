"""The scoring engine: a pure function of (task, bands, model, now) -> total and terms.

Every term is rounded to hundredths of a point *before* it is added, and the total is the
sum of those rounded terms in integer centipoints, so the terms a person sees always add
up to the total they see, in any order, on any machine.

The time-dependent terms (due date, age) have one definition, `clock_cp`, a closure the
hourly rescore of a million tasks calls directly (no `Term` objects); `age_bands` and
`due_plateau` tell SQLite, exactly, which tasks' clock-driven points cannot have moved.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from .model import Signal, ValueModel
from .tasks import Task

DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Term:
    """One line of a score's explanation."""

    id: str  # band or signal id
    kind: str  # "band" | "bump" | "signal"
    points: float
    reason: str

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "points": self.points, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Score:
    total: float
    terms: tuple[Term, ...]

    @property
    def top_terms(self) -> tuple[Term, ...]:
        """The terms that put the task where it is, strongest first (for one-line summaries)."""
        return tuple(sorted((t for t in self.terms if t.points > 0), key=lambda t: (-t.points, t.id)))

    def to_dict(self) -> dict:
        return {"total": self.total, "terms": [t.to_dict() for t in self.terms]}


def cp(points: float) -> int:
    """Points to integer centipoints (the unit all sums are done in)."""
    return int(round(points * 100))


# --- time-dependent terms: one definition, shared with the bulk rescore ------------------

def _due_curve(signal: Signal) -> tuple[float, float, float]:
    curve = signal.curve
    return (curve.ramp_days, curve.overdue_days, curve.floor) if curve else (14.0, 7.0, 0.2)


def clock_cp(due: Signal | None, age: Signal | None, now_ts: float) -> Callable[[float | None, float | None], int]:
    """The centipoints of the two terms that move with the clock alone, as one function of
    (due_ts, created_ts) at `now_ts`: their only definition. `due_cp`, `age_cp`, full scoring
    and the hourly rescore of a million tasks all call what it returns, so a task's clock-driven
    points are the same to the bit whichever path computed them. The constants are bound once,
    so a call is arithmetic only.

    Due date (Taskwarrior's ramp): `floor` of the weight until `ramp_days` before the due date,
    all of it once `overdue_days` late, linear between; never lower as the date approaches.
    Age: linear from nothing to the whole weight at `full_after_days`."""
    has_due, has_age = due is not None, age is not None
    ramp, late, floor = _due_curve(due) if has_due else (14.0, 7.0, 0.2)
    slope = (1.0 - floor) / (ramp + late)
    due_weight = due.weight if has_due else 0.0
    age_weight = age.weight if has_age else 0.0
    full = age.full_after_days * DAY if has_age else DAY

    def points(due_ts: float | None, created_ts: float | None) -> int:
        # round() of a float is already an int: this is cp(weight * factor), call for call cheaper
        if due_ts is None or not has_due:
            d = 0
        else:
            days_left = (due_ts - now_ts) / DAY
            if days_left >= ramp:
                d = round(due_weight * floor * 100)
            elif -days_left >= late:
                d = round(due_weight * 1.0 * 100)
            else:
                d = round(due_weight * (floor + slope * (ramp - days_left)) * 100)
        if created_ts is None or not has_age:
            return d
        span = now_ts - created_ts
        if span <= 0:
            return d
        share = span / full
        return d + round(age_weight * (share if share < 1.0 else 1.0) * 100)

    return points


def due_cp(signal: Signal | None, due_ts: float | None, now_ts: float) -> int:
    return clock_cp(signal, None, now_ts)(due_ts, None)


def age_cp(signal: Signal | None, created_ts: float | None, now_ts: float) -> int:
    return clock_cp(None, signal, now_ts)(None, created_ts)


MAX_AGE_BANDS = 20_000  # beyond this many distinct age values (a huge age weight), skip the shortcut
FAR_PAST, FAR_FUTURE = -1e300, 1e300


def _first_at_most(points: Callable[[float], int], k: int, lo: float, hi: float) -> float:
    """The first float in (lo, hi] where the non-increasing `points` is <= k, given
    points(lo) > k >= points(hi): bisection down to adjacent floats, so exact."""
    while True:
        mid = lo + (hi - lo) / 2
        if mid <= lo or mid >= hi:
            return hi
        if points(mid) <= k:
            hi = mid
        else:
            lo = mid


def age_bands(age: Signal | None, now_ts: float) -> list[tuple[int, float, float]] | None:
    """For each value the age term can have at `now_ts`, the creation times that give exactly
    it: (centipoints, first, last) with `first <= created_ts <= last`, covering every float.

    Found by bisection on `clock_cp` itself, so they are exact for that definition, not a copy
    of it: the age term never falls as a task gets older (its weight is never negative), so
    each value is one interval. The hourly rescore hands them to SQLite to pass over tasks
    whose age term has not moved. None when the age weight gives more than MAX_AGE_BANDS values."""
    if age is None:
        return [(0, FAR_PAST, FAR_FUTURE)]
    clock = clock_cp(None, age, now_ts)
    points = lambda created_ts: clock(None, created_ts)  # noqa: E731
    old = now_ts - age.full_after_days * DAY * 2 - DAY  # old enough for the whole weight
    top = points(old)
    if top > MAX_AGE_BANDS:
        return None
    bound = [_first_at_most(points, k, old, now_ts) for k in range(top)]  # value(now_ts) is 0
    bands = [(0, bound[0] if top else FAR_PAST, FAR_FUTURE)]
    for k in range(1, top + 1):
        first = bound[k] if k < top else FAR_PAST
        last = math.nextafter(bound[k - 1], -math.inf)
        if first <= last:
            bands.append((k, first, last))
    return bands


def due_plateau(due: Signal | None, now_ts: float) -> tuple[float, int]:
    """(first, centipoints): every due date at or after `first` gives exactly these points at
    `now_ts` — the ramp's floor, where most due dates sit. Exact for `clock_cp` by the same
    bisection: the due term never falls as the due date comes closer."""
    if due is None:
        return FAR_PAST, 0
    clock = clock_cp(due, None, now_ts)
    points = lambda due_ts: clock(due_ts, None)  # noqa: E731
    ramp, late, _ = _due_curve(due)
    far = now_ts + (ramp + 1) * DAY
    floor_cp = points(far)
    overdue = now_ts - (ramp + late + 1) * DAY
    if points(overdue) <= floor_cp:  # a flat curve (floor 1, or no weight): every date gives the floor
        return FAR_PAST, floor_cp
    return _first_at_most(points, floor_cp, overdue, far), floor_cp


# --- reasons ---------------------------------------------------------------------------

def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def due_reason(due: datetime, all_day: bool, now: datetime) -> str:
    """'due tomorrow', 'overdue by 3 days' ... in the time zone of `now` (the viewer's)."""
    local_due = due.astimezone(now.tzinfo)
    days = (local_due.date() - now.date()).days
    at = "" if all_day else f" at {local_due:%H:%M}"
    if days < 0:
        return f"overdue by {_plural(-days, 'day')}"
    if days == 0:
        return f"overdue since {local_due:%H:%M}" if (not all_day and local_due < now) else f"due today{at}"
    if days == 1:
        return f"due tomorrow{at}"
    if days < 7:
        return f"due {local_due:%A}{at}"
    return f"due in {days} days"


# --- the engine ------------------------------------------------------------------------

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
                              f"also {band.name.lower()} (+{share:.0%} of {band.points:g})"))
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
