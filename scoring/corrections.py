"""A person corrects a band: stored as *human*, never overwritten by a categorizer, the task
rescored at once, and the correction given to Claude as an example on later calls.

One service for every door: `headwork bands set` and the Slack "Why?" modal both call
`correct_band`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .model import ValueModel
from .rescore import rescore_tasks
from .store import TaskStore


class CorrectionError(ValueError):
    """The correction names a task or band that does not exist; the message says which."""


@dataclass(frozen=True)
class Correction:
    task_id: int
    band_id: str
    applies: bool | None  # None: the person's word was withdrawn, the categorizer's counts again
    bands: frozenset[str]  # the bands that apply now
    judged_by: str  # e.g. 'ai+human'
    total_before: float | None
    total_after: float | None


def correct_band(store: TaskStore, model: ValueModel, task_id: int, band_id: str, applies: bool | None,
                 user_id: str | None, now: datetime) -> Correction:
    """Say band `band_id` does (True) or does not (False) apply to a task, or withdraw what a
    person said (None). Rescores the task before returning."""
    if store.get_task(task_id) is None:
        raise CorrectionError(f"no task with id {task_id}")
    if band_id not in model.band_ids:
        known = ", ".join(b.id for b in model.bands)
        raise CorrectionError(f"'{band_id}' is not a band of the value model (bands: {known})")
    before = store.score_of(task_id)
    if applies is None:
        store.clear_human_band(task_id, band_id)
    else:
        store.set_human_band(task_id, band_id, applies, user_id, now)
    rescore_tasks(store, [task_id], model, now)
    after = store.score_of(task_id)
    bands, judged_by = store.effective_bands(task_id)
    return Correction(task_id, band_id, applies, bands, judged_by, before["total"] if before else None,
                      after["total"] if after else None)
