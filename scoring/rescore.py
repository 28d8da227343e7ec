"""Turning bands into stored scores: one task at once, or everything in one pass.

Two speeds, one arithmetic (`scoring.engine`):
- `rescore_task(s)` — a task changed: recompute every term and write it (milliseconds).
- `rescore_all` — the hourly job: only the due-date and age terms move with the clock, so
  it reads (static points, due, created) per task, recomputes those two terms with the
  engine's own functions, and writes only the scores whose total changed. When the value
  model itself changed, it falls back to `recompute_all`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .engine import age_cp, cp, due_cp, score_task, static_cp, time_cp
from .model import ValueModel
from .store import TaskStore

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
    bands = store.effective_bands_many(list(tasks))
    fingerprint = model.fingerprint
    with store.transaction():
        for task_id, task in tasks.items():
            band_ids, judged_by = bands[task_id]
            _write(store, task, band_ids, judged_by, model, fingerprint, now)
    return len(tasks)


def rescore_task(store: TaskStore, task_id: int, model: ValueModel, now: datetime) -> None:
    rescore_tasks(store, [task_id], model, now)


def _write(store, task, band_ids, judged_by, model, fingerprint, now) -> None:
    score = score_task(task, band_ids, model, now)
    due_points, age_points = time_cp(model, task.due.timestamp() if task.due else None,
                                     task.created_at.timestamp() if task.created_at else None, now.timestamp())
    store.write_score(task, cp(score.total), static_cp(task, band_ids, model), due_points, age_points,
                      [t.to_dict() for t in score.terms], judged_by, fingerprint, now)


def recompute_all(store: TaskStore, model: ValueModel, now: datetime, batch: int = 2000) -> RescoreStats:
    """Every term of every task, from scratch (after a model change, or for a new database)."""
    started = time.perf_counter()
    stats = RescoreStats(full=True)
    fingerprint = model.fingerprint
    pending: list = []

    def flush() -> None:
        ids = [t.id for t in pending]
        bands = store.effective_bands_many(ids)
        with store.transaction():
            for task in pending:
                band_ids, judged_by = bands[task.id]
                _write(store, task, band_ids, judged_by, model, fingerprint, now)
        stats.written += len(pending)
        pending.clear()

    for task in store.iter_tasks():
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


def rescore_all(store: TaskStore, model: ValueModel, now: datetime) -> RescoreStats:
    """The hourly pass: move every open task's clock-driven terms to `now`, write what changed."""
    if store.get_meta(FINGERPRINT_KEY) != model.fingerprint or store.unscored_task_ids():
        return recompute_all(store, model, now)
    started = time.perf_counter()
    stats = RescoreStats()
    now_ts = now.timestamp()
    due, age = model.signal("due"), model.signal("age")
    for rows in store.iter_score_tuples():
        updates = []
        for task_id, static, due_ts, created_ts, old_cp in rows:
            d = due_cp(due, due_ts, now_ts)
            a = age_cp(age, created_ts, now_ts)
            if static + d + a != old_cp:
                updates.append(((static + d + a) / 100, d, a, task_id))
        stats.scanned += len(rows)
        if updates:
            store.write_time_terms(updates, now)
            stats.written += len(updates)
    store.set_meta(LAST_RESCORE_KEY, now.isoformat())
    stats.seconds = time.perf_counter() - started
    return stats
