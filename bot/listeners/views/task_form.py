"""The task modal, submitted: a new task (from /task, Home or "Make this a task") or an edit.
The task is stored, judged and scored before the ack, and the modal turns into a
confirmation that says where it ranks."""

from __future__ import annotations

import json
import logging

from scoring.actions import can_act

from ... import ids
from ...blocks.tasks import build_task_saved_modal
from ...delivery import publish_home
from ...deps import Deps
from ...forms import read_task_form
from ...tasks_service import NewTask, create_task, edit_task, hand_over, owner_editable, owner_problem

log = logging.getLogger("headwork.tasks")


def _metadata(view: dict) -> dict:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def handle_make_task(ack, body: dict, view: dict, deps: Deps) -> None:
    user = body["user"]["id"]
    now = deps.now_for(user)
    form = read_task_form(view, now.date())
    if not form.errors and (problem := owner_problem(deps, form.owner, user)):
        form.errors[ids.BLOCK_TASK_OWNER] = problem
    if form.errors:
        ack(response_action="errors", errors=form.errors)
        return
    meta = _metadata(view)
    task_id = create_task(deps, NewTask(
        title=form.title, owner=form.owner, created_by=user, due=form.due, estimate_hours=form.estimate_hours,
        url=str(meta.get("url") or ""), notes=str(meta.get("notes") or ""),
        external_id=meta.get("external_id")), now)
    task = deps.store.get_task(task_id)
    score = deps.store.score_of(task_id)
    ack(response_action="update", view=build_task_saved_modal(
        task, deps.store.rank_of(task_id, now), score["total"] if score else 0.0, user))
    deps.background.submit(publish_home, deps, user)
    if form.owner != user:
        deps.background.submit(hand_over, deps, task_id, user, now)


def handle_edit_task(ack, body: dict, view: dict, deps: Deps) -> None:
    user = body["user"]["id"]
    now = deps.now_for(user)
    meta = _metadata(view)
    task = deps.store.get_task(meta["task_id"]) if isinstance(meta.get("task_id"), int) else None
    kept = meta.get("estimate")  # the estimate the form was opened with
    form = read_task_form(view, now.date(), editing=True,
                          kept_estimate=float(kept) if isinstance(kept, (int, float)) else None)
    if task is None or not can_act(task, user, deps.is_admin(user)):
        first = next(iter(form.errors), None) or ids.BLOCK_TASK_TITLE
        ack(response_action="errors", errors={first: "This task is gone, or no longer yours to edit."})
        return
    if form.errors:
        ack(response_action="errors", errors=form.errors)
        return
    before = task.assignee_id
    handed = form.owner is not None and form.owner != before and owner_editable(task)
    if handed and (problem := owner_problem(deps, form.owner, user)):
        ack(response_action="errors", errors={ids.BLOCK_TASK_OWNER: problem})
        return
    task = edit_task(deps, task.id, now, title=form.title, due=form.due, estimate_hours=form.estimate_hours,
                     owner=form.owner if handed else None, read_in=before or user)  # whose day the form showed
    score = deps.store.score_of(task.id)
    ack(response_action="update", view=build_task_saved_modal(
        task, deps.store.rank_of(task.id, now), score["total"] if score else 0.0, user, edited=True))
    deps.background.submit(publish_home, deps, user)
    if handed:
        if before and before != user:
            deps.background.submit(publish_home, deps, before)  # it left their list
        if task.assignee_id != user:
            deps.background.submit(hand_over, deps, task.id, user, now, back_to=before)
