"""Judging which value bands apply: the categorizer interface and the pending-task pass.

A task is judged again only when its content hash or the value model changes (its
`categorized_key`), so unchanged tasks never cost tokens. Human corrections live beside
machine judgements and always win (see `store.resolve_bands`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .model import ValueModel
from .rescore import rescore_tasks
from .store import Judgement, TaskStore
from .tasks import Task


class Categorizer(Protocol):
    judge: str  # 'ai' | 'rules': stored with each judgement and shown to people
    name: str

    def categorize(self, tasks: Sequence[Task], model: ValueModel,
                   examples: Sequence[tuple[Task, str, bool]] = ()) -> dict[int, list[Judgement]]:
        """Band judgements per task id. A task missing from the answer was not judged."""


def categorized_key(task: Task, model: ValueModel) -> str:
    return f"{task.content_hash}:{model.fingerprint}"


@dataclass
class CategorizeStats:
    judged: int = 0
    pending_left: int = 0

    def to_dict(self) -> dict:
        return {"judged": self.judged, "pending_left": self.pending_left}


def categorize_pending(store: TaskStore, categorizer: Categorizer, model: ValueModel, now: datetime,
                       limit: int = 10_000, batch: int = 50) -> CategorizeStats:
    """Judge every task waiting for it (up to `limit`), then rescore those tasks at once."""
    stats = CategorizeStats()
    examples = store.recent_corrections()
    while stats.judged < limit:
        tasks = store.pending_categorization(min(batch, limit - stats.judged), now)
        if not tasks:
            break
        verdicts = categorizer.categorize(tasks, model, examples)
        judged = [t for t in tasks if t.id in verdicts]
        for task in judged:
            store.replace_machine_judgements(task.id, categorizer.judge, verdicts[task.id],
                                             categorized_key(task, model), now)
        rescore_tasks(store, [t.id for t in judged], model, now)
        stats.judged += len(judged)
        if len(judged) < len(tasks):
            break  # the rest stay pending for the next pass
    stats.pending_left = store.pending_count()
    return stats
