"""Buttons that open a modal: Why? (every term of the score, and band corrections), Edit and
Add a task (App Home). The modal opens right after the ack; Slack allows 3 s per trigger."""

from __future__ import annotations

from scoring.actions import can_act
from scoring.tasks import due_date

from ... import ids
from ...blocks.common import modal, section
from ...blocks.tasks import build_task_modal
from ...delivery import open_modal
from ...deps import Deps
from ...screens import Origin, why_view
from ...tasks_service import owner_editable
from .task_buttons import task_id_of


def _gone(text: str) -> dict:
    return modal(ids.VIEW_NOTICE, "Headwork", [section(text)])


def handle_why(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    task_id = task_id_of(action.get("value"))
    view = None
    if task_id is not None:
        view = why_view(deps, user, task_id, deps.now_for(user), Origin.of_action(body, action))
    deps.background.submit(open_modal, deps, body["trigger_id"],
                           view or _gone("That task is gone, or it is not yours to see. Press *Refresh*."))


def handle_edit(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    task_id = task_id_of(action.get("value"))
    task = deps.store.get_task(task_id) if task_id is not None else None
    if task is None or not can_act(task, user, deps.is_admin(user)):
        view = _gone("Only the task's owner or an admin can edit it, and it must still exist.")
    else:
        tz = deps.directory.tz_for(task.assignee_id or user)
        due = due_date(task.due, task.due_all_day, tz) if task.due else None
        estimate = task.estimate_hours if task.estimate_source == "human" else None
        view = build_task_modal(owner=task.assignee_id or user, title=task.title, due=due, estimate=estimate,
                                metadata={"task_id": task.id, "url": task.url, "estimate": estimate}, editing=True,
                                owner_editable=owner_editable(task))
    deps.background.submit(open_modal, deps, body["trigger_id"], view)


def handle_add_task(ack, body: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    deps.background.submit(open_modal, deps, body["trigger_id"], build_task_modal(owner=user))
