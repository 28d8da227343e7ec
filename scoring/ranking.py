"""A person's ranking, ready to show: the stored order, each score explained at `now`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .engine import Score, Scorer, score_task
from .model import ValueModel
from .store import TaskStore
from .tasks import Task


@dataclass(frozen=True)
class RankedTask:
    rank: int
    task: Task
    score: Score
    judged_by: str
    bands: frozenset[str]

    def to_dict(self) -> dict:
        t = self.task
        return {
            "rank": self.rank, "task_id": t.id, "title": t.title, "url": t.url, "source": t.source,
            "external_id": t.external_id, "status": t.status, "due": t.due.isoformat() if t.due else None,
            "total": self.score.total, "terms": [term.to_dict() for term in self.score.terms],
            "bands": sorted(self.bands), "judged_by": self.judged_by,
        }


def top_for(store: TaskStore, model: ValueModel, assignee_id: str, n: int, now: datetime) -> list[RankedTask]:
    """The n highest-scoring open tasks of one person (the index walk), explained at `now`
    in `now`'s time zone (pass the viewer's)."""
    return _explained(store, model, store.top_tasks(assignee_id, n, now), now)


def top_unowned(store: TaskStore, model: ValueModel, n: int, now: datetime,
                taken_from: list[str] | None = None) -> list[RankedTask]:
    """The n highest-scoring open tasks nobody owns (with `taken_from`: that these people handed
    back or left behind), explained at `now`."""
    return _explained(store, model, store.top_unowned(n, now, taken_from), now)


def _explained(store: TaskStore, model: ValueModel, ranked: list, now: datetime) -> list[RankedTask]:
    bands = store.effective_bands_many([r.task.id for r in ranked], model.band_ids)
    scorer = Scorer(model, now)  # what depends on the model alone, worked out once for the list
    out = []
    for i, r in enumerate(ranked, start=1):
        band_ids, judged_by = bands[r.task.id]
        out.append(RankedTask(i, r.task, scorer.score(r.task, band_ids), judged_by, band_ids))
    return out


def explain(store: TaskStore, model: ValueModel, task_id: int, now: datetime) -> RankedTask | None:
    """Every term of one task's score (the 'Why?' view)."""
    task = store.get_task(task_id)
    if task is None:
        return None
    band_ids, judged_by = store.effective_bands(task_id, model.band_ids)
    return RankedTask(store.rank_of(task_id, now) or 0, task, score_task(task, band_ids, model, now), judged_by, band_ids)
