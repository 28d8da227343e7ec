"""What a person can do to a task from Slack or the CLI. Each change is rescored at once."""

from __future__ import annotations

from datetime import datetime

from .model import ValueModel
from .rescore import rescore_tasks
from .store import TaskStore
from .tasks import Task


class NotAllowed(Exception):
    """The person may not change this task; the message says why, politely."""


def can_act(task: Task, user_id: str, is_admin: bool) -> bool:
    return is_admin or task.assignee_id == user_id


def _load(store: TaskStore, task_id: int, user_id: str, is_admin: bool) -> Task:
    task = store.get_task(task_id)
    if task is None:
        raise NotAllowed("That task no longer exists.")
    if not can_act(task, user_id, is_admin):
        raise NotAllowed("Only the task's owner or an admin can change it.")
    return task


def complete_task(store: TaskStore, model: ValueModel, task_id: int, user_id: str, now: datetime,
                  is_admin: bool = False) -> Task:
    """Mark done, remembering its rank and score at that moment (for the weekly digest)."""
    task = _load(store, task_id, user_id, is_admin)
    if not task.is_open:
        return task
    with store.transaction():
        store.record_completion(task_id, user_id, now)
        store.update_task(task_id, now, status="done", completed_at=now)
    rescore_tasks(store, [task_id], model, now)
    return store.get_task(task_id)


def snooze_task(store: TaskStore, model: ValueModel, task_id: int, user_id: str, until: datetime, now: datetime,
                is_admin: bool = False) -> Task:
    task = _load(store, task_id, user_id, is_admin)
    if until <= now:
        raise NotAllowed("Pick a time in the future to snooze until.")
    store.snooze(task_id, until)
    rescore_tasks(store, [task_id], model, now)
    return task


def disown_task(store: TaskStore, model: ValueModel, task_id: int, user_id: str, now: datetime,
                is_admin: bool = False) -> Task:
    task = _load(store, task_id, user_id, is_admin)
    # taken from its owner (an admin may press it on someone's list): never given back to them by
    # email, and their manager sees it under *Tasks your team left*
    store.disown(task_id, task.assignee_id or user_id)
    rescore_tasks(store, [task_id], model, now)
    return task
