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
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from .model import Signal, ValueModel, share_text
from .tasks import Task, due_date

DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Term:
    """One line of a score's explanation."""

    id: str  # band or signal id
    kind: str  # "band" | "bump" | "signal"
    points: float
    reason: str

    @property
    def text(self) -> str:
        """The term as a one-line summary names it: "due Friday (+37.15)", "blocked (-40)"."""
        return f"{self.reason} ({self.points:+g})"

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

    def summary_terms(self, count: int) -> tuple[Term, ...]:
        """What a one-line summary shows: the `count` strongest terms for the task, then every
        term against it ("waiting on someone else"), largest first. Without those the line's
        numbers would add up to more than the total, and a waiting task would not say why it
        sits lower."""
        against = sorted((t for t in self.terms if t.points < 0), key=lambda t: (t.points, t.id))
        return self.top_terms[:count] + tuple(against)

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
    """'due tomorrow', 'overdue by 3 days' ... in the time zone of `now` (the viewer's); an all-day
    due date counts as its own calendar day there (`all_day_date`: the owner's day, not the next)."""
    local_due = due.astimezone(now.tzinfo)
    day = due_date(due, all_day, now.tzinfo)
    days = (day - now.date()).days
    if days < 0 and due > now:
        days = 0  # the owner's day, west of here, has not ended yet: not overdue
    at = "" if all_day else f" at {local_due:%H:%M}"
    if days < 0:
        return f"overdue by {_plural(-days, 'day')}"
    if days == 0:
        return f"overdue since {local_due:%H:%M}" if (not all_day and local_due < now) else f"due today{at}"
    if days == 1:
        return f"due tomorrow{at}"
    if days < 7:
        return f"due {day:%A}{at}"
    return f"due in {days} days"


# --- the engine ------------------------------------------------------------------------

_KIND_ORDER = {"band": 0, "bump": 1, "signal": 2}


class Scorer:
    """`score_task` at one (model, now), for as many tasks as the caller has: the model's bands
    and signals, the clock closures and every term that depends on the model alone are looked
    up once, not once per task (an import scores 2,000 tasks a batch). `score_task` is
    `Scorer(model, now).score`, so this is the one definition of the arithmetic. `now=None`
    gives a scorer for the static terms only.

    Within one scorer, the static terms are remembered per distinct (bands, status, blocking,
    estimate) and the due and age terms per distinct due moment and creation moment: they are
    pure functions of those (and of the model and `now`, fixed here), and a batch of tasks has
    few distinct values of each. The memos are bounded (a pass over a million tasks uses one scorer)."""

    __slots__ = ("model", "now", "_now_ts", "_bands", "_share", "_signals", "_due", "_age", "_due_points",
                 "_age_points", "_fixed", "_static", "_due_terms", "_age_terms")

    MEMO = 4096  # entries per memo before it starts again: an import has a few hundred distinct dates

    def __init__(self, model: ValueModel, now: datetime | None):
        self.model, self.now = model, now
        self._share, self._bands, self._signals, self._fixed, self._due, self._age = _model_parts(model)
        self._static: dict[tuple, tuple[tuple[Term, ...], int]] = {}
        self._due_terms: dict[tuple[float, bool], tuple[Term | None, int]] = {}
        self._age_terms: dict[float, tuple[Term | None, int]] = {}
        if now is not None:
            self._now_ts = now.timestamp()
            self._due_points = clock_cp(self._due, None, self._now_ts)
            self._age_points = clock_cp(None, self._age, self._now_ts)

    def band_terms(self, band_ids: Iterable[str]) -> list[Term]:
        """The strongest band counts fully; each further band adds `compound_share` of its points."""
        known = self._bands
        bands = sorted((known[b] for b in set(band_ids) if b in known), key=lambda e: (-e[0].points, e[0].id))
        return [entry[1] if i == 0 else entry[2] for i, entry in enumerate(bands)]

    def static_terms(self, task: Task, band_ids: Iterable[str]) -> list[Term]:
        """Every term that does not move with the clock."""
        terms = self.band_terms(band_ids)
        status = task.status
        for signal in self._signals:
            kind = signal.kind
            if kind == "blocking" and task.blocking > 0:
                n = min(task.blocking, signal.per_task_cap)
                terms.append(Term(signal.id, "signal", cp(signal.weight * n) / 100,
                                  f"blocking {_plural(task.blocking, 'task')}"))
            elif kind == "in_progress" and status == "in_progress":
                terms.append(self._fixed["in_progress"])
            elif kind == "waiting" and status in ("waiting", "blocked"):
                terms.append(self._fixed[status])
            elif (kind == "quick_win" and task.estimate_source == "human" and task.estimate_hours is not None
                  and 0 < task.estimate_hours <= signal.max_hours):
                terms.append(Term(signal.id, "signal", cp(signal.weight) / 100,
                                  f"quick win: about {task.estimate_hours:g} h (a person's estimate)"))
        return [t for t in terms if t is not None and cp(t.points) != 0]

    # Memo keys for a datetime: (dt, fold, tzinfo). Equal keys are the same wall time, fold and zone,
    # or (different zone objects) the same instant: the same moment, so the same timestamp and terms.

    def _due_term(self, due: datetime, all_day: bool) -> tuple[tuple | None, int, float]:
        """((sort key, the due term) or None when it is worth 0, its centipoints, the due timestamp)."""
        key = (due, due.fold, due.tzinfo, all_day)
        memo = self._due_terms.get(key)
        if memo is None:
            due_ts = due.timestamp()
            points = self._due_points(due_ts, None)
            term = Term(self._due.id, "signal", points / 100, due_reason(due, all_day, self.now)) if points else None
            if len(self._due_terms) >= self.MEMO:
                self._due_terms.clear()
            memo = self._due_terms[key] = (_keyed(term), points, due_ts)
        return memo

    def _age_term(self, created: datetime) -> tuple[tuple | None, int, float]:
        key = (created, created.fold, created.tzinfo)
        memo = self._age_terms.get(key)
        if memo is None:
            created_ts = created.timestamp()
            points = self._age_points(None, created_ts)
            term = None
            if points:
                days = int(max(0.0, (self._now_ts - created_ts) / DAY))
                term = Term(self._age.id, "signal", points / 100, f"open for {_plural(days, 'day')}")
            if len(self._age_terms) >= self.MEMO:
                self._age_terms.clear()
            memo = self._age_terms[key] = (_keyed(term), points, created_ts)
        return memo

    def time_terms(self, task: Task) -> list[Term]:
        terms: list[Term] = []
        if task.due is not None and self._due is not None:
            keyed = self._due_term(task.due, task.due_all_day)[0]
            if keyed is not None:
                terms.append(keyed[1])
        if task.created_at is not None and self._age is not None:
            keyed = self._age_term(task.created_at)[0]
            if keyed is not None:
                terms.append(keyed[1])
        return terms

    def parts(self, task: Task, band_ids: Iterable[str]) -> tuple[Score, int, float | None, float | None]:
        """(the score, the centipoints of its clock-driven part, the due and creation timestamps).
        The clock-driven part is what `clock_cp` gives for the task's dates: the due and age
        terms' centipoints, from the same closures."""
        bands = band_ids if isinstance(band_ids, frozenset) else frozenset(band_ids)
        blocking, hours = task.blocking, task.estimate_hours
        # types too: True == 1 but prints "True"; the key holds everything static_terms reads
        key = (bands, task.status, blocking, type(blocking), task.estimate_source, hours, type(hours))
        static = self._static.get(key)
        if static is None:
            terms = self.static_terms(task, bands)
            if len(self._static) >= self.MEMO:
                self._static.clear()
            static = self._static[key] = (sorted(_keyed(t) for t in terms), sum(cp(t.points) for t in terms))
        keyed = static[0].copy()
        clock = 0
        due_ts = created_ts = None
        if task.due is not None:
            if self._due is not None:
                term, points, due_ts = self._due_term(task.due, task.due_all_day)
                if term is not None:
                    keyed.append(term)
                clock += points
            else:
                due_ts = task.due.timestamp()
        if task.created_at is not None:
            if self._age is not None:
                term, points, created_ts = self._age_term(task.created_at)
                if term is not None:
                    keyed.append(term)
                clock += points
            else:
                created_ts = task.created_at.timestamp()
        # ids are unique across bands and signals, so this order is total (the terms themselves are
        # never compared) and insertion order never shows
        keyed.sort()
        # each term's centipoints are exact integers (cp of points/100 is the integer it came from)
        return Score((static[1] + clock) / 100, tuple(t for _, t in keyed)), clock, due_ts, created_ts

    def score_and_clock(self, task: Task, band_ids: Iterable[str]) -> tuple[Score, int]:
        score, clock, _, _ = self.parts(task, band_ids)
        return score, clock

    def score(self, task: Task, band_ids: Iterable[str]) -> Score:
        return self.parts(task, band_ids)[0]


def _keyed(term: Term | None) -> tuple | None:
    """(sort key, term): the order of a score's terms is by kind, strongest first, then id."""
    return None if term is None else (_term_order(term), term)


def _term_order(t: Term) -> tuple:
    return (_KIND_ORDER[t.kind], -t.points, t.id)


def band_terms(band_ids: Iterable[str], model: ValueModel) -> list[Term]:
    """The strongest band counts fully; each further band adds `compound_share` of its points."""
    return Scorer(model, None).band_terms(band_ids)


def static_terms(task: Task, band_ids: Iterable[str], model: ValueModel) -> list[Term]:
    """Every term that does not move with the clock."""
    return Scorer(model, None).static_terms(task, band_ids)


def time_terms(task: Task, model: ValueModel, now: datetime) -> list[Term]:
    return Scorer(model, now).time_terms(task)



def _model_parts(model: ValueModel) -> tuple:
    """What a Scorer needs from the model alone, worked out once per model instance (a /top5 builds
    a scorer per request). Kept like `ValueModel.fingerprint`: by id, checked through a weak
    reference, which is correct because a ValueModel is frozen all the way down."""
    entry = _PARTS.get(id(model))
    if entry is not None and entry[0]() is model:
        return entry[1]
    share = model.compound_share
    # band id -> (the band, its term as the strongest band, its term as a further band); ids are unique
    bands = {}
    for band in model.bands:
        bands.setdefault(band.id, (
            band,
            Term(band.id, "band", cp(band.points) / 100, band.name.lower()),
            Term(band.id, "bump", cp(band.points * share) / 100,
                 f"also {band.name.lower()} (+{share_text(share)} of {band.points:g})")))
    signals = model.signals
    # the terms that depend on the signal alone: (kind, status) -> term, or None when worth 0
    fixed: dict[str, Term | None] = {}
    for signal in model.signals:
        if signal.kind == "in_progress":
            term = Term(signal.id, "signal", cp(signal.weight) / 100, "in progress")
            fixed["in_progress"] = term if cp(term.points) != 0 else None
        elif signal.kind == "waiting":
            for status, reason in (("waiting", "waiting on someone else"), ("blocked", "blocked")):
                term = Term(signal.id, "signal", cp(signal.weight) / 100, reason)
                fixed[status] = term if cp(term.points) != 0 else None
    parts = (share, bands, signals, fixed, model.signal("due"), model.signal("age"))
    key = id(model)
    _PARTS[key] = (weakref.ref(model, lambda _, key=key: _PARTS.pop(key, None)), parts)
    return parts


_PARTS: dict[int, tuple[weakref.ref, tuple]] = {}


def score_task(task: Task, band_ids: Iterable[str], model: ValueModel, now: datetime) -> Score:
    """Score one task. Pure and deterministic: same arguments, same Score."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return Scorer(model, now).score(task, band_ids)
