"""A task enters Headwork: stored, judged at once by the offline rules if no categorizer
has seen it yet, and scored before the caller returns. When Claude is the categorizer the
rules' verdict is provisional: the task stays queued and Claude's verdict replaces it on the
next categorization pass. No caller ever waits on the AI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .categorize import categorized_key
from .model import ValueModel
from .rescore import rescore_tasks
from .rules import RulesCategorizer
from .store import TaskStore
from .tasks import Task


def judge_new(store: TaskStore, model: ValueModel, task_ids: Sequence[int], now: datetime,
              provisional: bool = False) -> int:
    """Rules verdict for tasks never judged; returns how many were judged."""
    fresh = store.never_judged(task_ids)
    if not fresh:
        return 0
    tasks = store.get_tasks(fresh)
    verdicts = RulesCategorizer().categorize(list(tasks.values()), model)
    for task_id, task in tasks.items():
        store.replace_machine_judgements(task_id, "rules", verdicts.get(task_id, []), categorized_key(task, model),
                                         now, final=not provisional)
    return len(tasks)


def add_task(store: TaskStore, model: ValueModel, task: Task, now: datetime, provisional: bool = False) -> tuple[int, str]:
    """Store (upsert) one task, judge it if new, and score it. Returns (id, outcome)."""
    task_id, outcome = store.upsert_task(task, now)
    if outcome != "unchanged":
        judge_new(store, model, [task_id], now, provisional)
        rescore_tasks(store, [task_id], model, now)
    return task_id, outcome
