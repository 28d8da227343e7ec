"""Turning bands into stored scores: one task at once, or everything in one pass.

Two speeds, one arithmetic (`scoring.engine`):
- `rescore_task(s)` — a task changed: recompute every term and write it (milliseconds).
- `rescore_all` — the hourly job: only the due-date and age terms move with the clock, so
  it compares each open task's stored clock-driven points with the engine's `clock_cp` at
  `now` and writes only the totals that changed. SQLite itself passes over the tasks whose
  dates provably still give their stored points (`engine.age_bands`, `engine.due_plateau`,
  both exact for `clock_cp`), so Python looks at about one task in five. When the value
  model changed, or a task has never been scored, it falls back to `recompute_all`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .engine import Scorer, Term, age_bands, clock_cp, cp, due_plateau
from .model import ValueModel
from .store import TaskStore
from .tasks import Task

FINGERPRINT_KEY = "scores.model_fingerprint"
LAST_RESCORE_KEY = "scores.last_rescore_at"


@dataclass
class RescoreStats:
    scanned: int = 0
    written: int = 0
    seconds: float = 0.0
    full: bool = False

    def to_dict(self) -> dict:
        return {"scanned": self.scanned, "written": self.written, "seconds": round(self.seconds, 3),
                "full": self.full}


def rescore_tasks(store: TaskStore, task_ids: Iterable[int], model: ValueModel, now: datetime) -> int:
    """Recompute every term of these tasks and store them. Returns how many were written."""
    ids = list(task_ids)
    tasks = store.get_tasks(ids)
    bands = store.effective_bands_many(list(tasks), model.band_ids)
    scorer = Scorer(model, now)
    store.write_scores([(task_id, *computed(task, *bands[task_id], scorer)) for task_id, task in tasks.items()],
                       model.fingerprint, now)
    return len(tasks)


def fresh_score(task: Task, band_ids: frozenset[str], judged_by: str, model: ValueModel, now: datetime) -> tuple:
    """`computed` for a task the caller has in memory exactly as stored, with its bands: an
    import's new tasks are scored this way without being read back (in its worker processes,
    too). One scorer serves every call with the same model and `now` objects."""
    return computed(task, band_ids, judged_by, _scorer_for(model, now))


def rescore_task(store: TaskStore, task_id: int, model: ValueModel, now: datetime) -> None:
    rescore_tasks(store, [task_id], model, now)


def computed(task: Task, band_ids, judged_by: str, scorer: Scorer) -> tuple:
    """What `TaskStore.write_scores` stores for one task, after its id: the owner, whether it is
    open, the total, the part of the total that does not move with the clock (the hourly pass adds
    the clock's part to it), every term, who judged its bands, and the task's due and creation
    timestamps."""
    score, clock, due_ts, created_ts = scorer.parts(task, band_ids)
    total = cp(score.total)
    # The total is the sum of the rounded terms, so the static part is exactly the rest; `clock`
    # is what `clock_cp` gives for the task's dates (the same closures).
    return (task.assignee_id, int(task.is_open), total, total - clock, terms_json(score.terms), judged_by, due_ts,
            created_ts)


_LAST_SCORER: tuple | None = None  # (model, now, scorer) of the last fresh_score


def _scorer_for(model: ValueModel, now: datetime) -> Scorer:
    """One scorer for all the batches of an import (the same model and `now` objects), so that its
    memos and the term objects they hold -- and so `terms_json`'s fragments -- carry over. Read
    and replaced as one tuple: another thread's import never hands this one its scorer."""
    global _LAST_SCORER
    last = _LAST_SCORER
    if last is None or last[0] is not model or last[1] is not now:
        last = _LAST_SCORER = (model, now, Scorer(model, now))
    return last[2]


_TERM_JSON: dict[int, tuple[Term, str]] = {}
_encode = json.JSONEncoder(separators=(",", ":")).encode


def terms_json(terms: Iterable[Term]) -> str:
    """`json.dumps([t.to_dict() for t in terms], separators=(",", ":"))`, character for character,
    from one cached fragment per term object: encoding the list afresh was ~10 us a task, and the
    scorer hands out the same few hundred term objects for a whole batch (each band's, "due in 12
    days", "open for 40 days"). Keyed by identity -- cheaper than hashing a Term -- and safe: the
    entry holds the term, so its id cannot be reused while the entry exists."""
    parts = []
    for term in terms:
        entry = _TERM_JSON.get(id(term))
        if entry is None or entry[0] is not term:
            if len(_TERM_JSON) >= 4096:
                _TERM_JSON.clear()  # bounded: a long-running process scores ever new due dates
            entry = _TERM_JSON[id(term)] = (term, _encode(term.to_dict()))
        parts.append(entry[1])
    return "[" + ",".join(parts) + "]"


def recompute_all(store: TaskStore, model: ValueModel, now: datetime, batch: int = 2000) -> RescoreStats:
    """Every term of every task, from scratch (after a model change, or for a new database)."""
    started = time.perf_counter()
    stats = RescoreStats(full=True)
    fingerprint = model.fingerprint
    scorer = Scorer(model, now)
    pending: list = []

    def flush() -> None:
        bands = store.effective_bands_many([t.id for t in pending], model.band_ids)
        store.write_scores([(task.id, *computed(task, *bands[task.id], scorer)) for task in pending],
                           fingerprint, now)
        stats.written += len(pending)
        pending.clear()

    for task in store.iter_tasks(batch=batch):
        stats.scanned += 1
        pending.append(task)
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    store.set_meta(FINGERPRINT_KEY, fingerprint)
    store.set_meta(LAST_RESCORE_KEY, now.isoformat())
    stats.seconds = time.perf_counter() - started
    return stats


def rescore_all(store: TaskStore, model: ValueModel, now: datetime, write_every: int = 250_000) -> RescoreStats:
    """The hourly pass: move every open task's clock-driven terms to `now`, write what changed.

    Per task that SQLite cannot rule out: one call of the engine's `clock_cp` and one integer
    comparison with the stored total's clock-driven part. The changed totals are written at
    the end in one transaction (one per `write_every`, to bound memory), so the write lock is
    held only for the writing. Totals are bit for bit those of `recompute_all`."""
    started = time.perf_counter()
    tasks, scored, active = store.score_counts()
    if store.get_meta(FINGERPRINT_KEY) != model.fingerprint or tasks > scored:
        return recompute_all(store, model, now)
    stats = RescoreStats(scanned=active)
    clock = _clock(model, now)
    updates: list[tuple[int, int]] = []
    with store.large_cache():
        # rows: (task_id, due_ts, created_ts, the stored total's clock-driven centipoints)
        for rows in store.iter_clock_rows(age_bands(model.signal("age"), now.timestamp()),
                                          due_plateau(model.signal("due"), now.timestamp())):
            updates += [(moved, r[0]) for r in rows if (moved := clock(r[1], r[2])) != r[3]]
            if len(updates) >= write_every:
                stats.written += _write(store, updates, now)
        stats.written += _write(store, updates, now)
    store.set_meta(LAST_RESCORE_KEY, now.isoformat())
    stats.seconds = time.perf_counter() - started
    return stats


def _write(store: TaskStore, updates: list[tuple[int, int]], now: datetime) -> int:
    """Write and empty `updates`; returns how many there were."""
    if updates:
        store.write_clock_cp(updates, now)
    written = len(updates)
    updates.clear()
    return written


def _clock(model: ValueModel, now: datetime):
    return clock_cp(model.signal("due"), model.signal("age"), now.timestamp())
