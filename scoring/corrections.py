"""A person corrects a band: stored as *human*, never overwritten by a categorizer, the task
rescored at once, and the correction given to Claude as an example on later calls.

One service per door: `headwork bands set` calls `correct_band` (one band), the Slack "Why?"
modal's "Save bands" calls `save_bands` (the ticked set, compared with what the modal showed).
Only bands of the value model count: a person's word about a band the model no longer has is
ignored, never blocks a save, and can still be withdrawn (`correct_band(..., applies=None)`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .model import ValueModel
from .rescore import rescore_tasks
from .store import NO_BAND, Judgement, TaskStore


class CorrectionError(ValueError):
    """The correction names a task or band that does not exist; the message says which."""


@dataclass(frozen=True)
class Correction:
    task_id: int
    band_id: str
    applies: bool | None  # None: the person's word was withdrawn, the categorizer's counts again
    bands: frozenset[str]  # the bands that apply now (bands of the value model only)
    judged_by: str  # e.g. 'ai+human'
    total_before: float | None
    total_after: float | None


def human_words(store: TaskStore, task_id: int) -> dict[str, bool]:
    """{band_id: applies} for what people said about a task's bands (any band, in the model or not)."""
    return {j.band_id: bool(j.applies) for j in store.judgements(task_id) if j.judge == "human"}


def no_band_verdict(store: TaskStore, task_id: int) -> Judgement | None:
    """A categorizer's verdict that no band applies to the task (its confidence and reason), if
    that is its current verdict; None when it found bands, or never judged."""
    return no_band_of(store.judgements(task_id))


def no_band_of(judgements: Iterable[Judgement]) -> Judgement | None:
    """`no_band_verdict` among a task's judgements already read."""
    return next((j for j in judgements if j.band_id == NO_BAND and j.judge != "human"), None)


def bands_in_model(store: TaskStore, model: ValueModel, task_id: int) -> tuple[frozenset[str], str]:
    """The bands that apply to a task and who judged them ('ai+human'), leaving out bands the model
    no longer has: a person's word about only such bands makes no 'human' in the label."""
    return store.effective_bands(task_id, model.band_ids)


def correct_band(store: TaskStore, model: ValueModel, task_id: int, band_id: str, applies: bool | None,
                 user_id: str | None, now: datetime) -> Correction:
    """Say band `band_id` does (True) or does not (False) apply to a task, or withdraw what a
    person said (None; allowed for a band the model no longer has). Rescores the task before returning."""
    if store.get_task(task_id) is None:
        raise CorrectionError(f"no task with id {task_id}")
    if band_id not in model.band_ids and not (applies is None and band_id in human_words(store, task_id)):
        known = ", ".join(b.id for b in model.bands)
        raise CorrectionError(f"'{band_id}' is not a band of the value model (bands: {known})")
    before = store.score_of(task_id)
    if applies is None:
        store.clear_human_band(task_id, band_id)
    else:
        store.set_human_band(task_id, band_id, applies, user_id, now)
    rescore_tasks(store, [task_id], model, now)
    after = store.score_of(task_id)
    bands, judged_by = bands_in_model(store, model, task_id)
    return Correction(task_id, band_id, applies, bands, judged_by, before["total"] if before else None,
                      after["total"] if after else None)


@dataclass(frozen=True)
class BandsSaved:
    changed: list[tuple[str, bool]]  # bands the person ticked (True) or unticked (False)
    confirmed: list[str]  # bands they saw ticked and left ticked: their word from now on

    def __bool__(self) -> bool:
        return bool(self.changed or self.confirmed)


def save_bands(store: TaskStore, model: ValueModel, task_id: int, chosen: Iterable[str],
               shown: Iterable[str] | None, user_id: str | None, now: datetime) -> BandsSaved:
    """The bands a person saved for a task (`chosen`), against those the form showed ticked
    (`shown`; None when unknown: the bands that apply now).

    What they changed is their word; so is every band they saw ticked and left ticked, since
    the form promises that what they save is kept. A band they saw unticked and left so stays
    the categorizer's to decide — as does one a categorizer added while the form was open.
    Bands outside the value model are ignored. Rescores the task once."""
    known = model.band_ids
    chosen = set(chosen) & known
    shown = set(shown) & known if shown is not None else set(bands_in_model(store, model, task_id)[0])
    said = human_words(store, task_id)
    changed = sorted((b, True) for b in chosen - shown) + sorted((b, False) for b in shown - chosen)
    confirmed = sorted(b for b in chosen & shown if said.get(b) is not True)
    writes = [(b, on) for b, on in changed if said.get(b) is not on] + [(b, True) for b in confirmed]
    for band_id, applies in writes:
        store.set_human_band(task_id, band_id, applies, user_id, now)
    if writes:
        rescore_tasks(store, [task_id], model, now)
    return BandsSaved(changed, confirmed)
