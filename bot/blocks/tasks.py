"""The task form (create from /task, a message or Home; edit from Home) and its confirmations."""

from __future__ import annotations

import json
from datetime import date, datetime

from scoring.tasks import Task

from .. import ids
from ..forms import ESTIMATE_MAX_HOURS, ESTIMATE_MIN_HOURS
from ..textview import format_due
from .common import PRIVATE_METADATA_MAX, button, context, link, modal, section


def build_task_modal(owner: str, title: str = "", due: date | None = None, estimate: float | None = None,
                     metadata: dict | None = None, editing: bool = False, owner_editable: bool = True) -> dict:
    """The task form: new (owner, due date, estimate), or an edit; an edit changes the owner only
    when Headwork owns the assignment (`owner_editable`: a Slack task, not one a sync would undo)."""
    title_el = {"type": "plain_text_input", "action_id": ids.INPUT_TASK_TITLE, "max_length": 300,
                "multiline": False}
    if title:
        title_el["initial_value"] = title[:300]
    due_el = {"type": "datepicker", "action_id": ids.INPUT_TASK_DUE}
    if due:
        due_el["initial_date"] = due.isoformat()
    est_el = {"type": "number_input", "action_id": ids.INPUT_TASK_ESTIMATE, "is_decimal_allowed": True}
    if estimate is None or ESTIMATE_MIN_HOURS <= estimate <= ESTIMATE_MAX_HOURS:
        # Slack refuses to open a form whose initial value lies outside its bounds: an imported 600 h
        # has none then, and is accepted back unchanged (`read_task_form`'s kept_estimate)
        est_el.update(min_value=f"{ESTIMATE_MIN_HOURS:g}", max_value=f"{ESTIMATE_MAX_HOURS:g}")
    if estimate is not None:
        est_el["initial_value"] = f"{estimate:g}"
    blocks = [
        {"type": "input", "block_id": ids.BLOCK_TASK_TITLE, "label": {"type": "plain_text", "text": "Task"},
         "element": title_el},
    ]
    if not editing or owner_editable:
        blocks.append({"type": "input", "block_id": ids.BLOCK_TASK_OWNER, "label": {"type": "plain_text", "text": "Owner"},
                       "element": {"type": "users_select", "action_id": ids.INPUT_TASK_OWNER, "initial_user": owner}})
    blocks += [
        {"type": "input", "block_id": ids.BLOCK_TASK_DUE, "optional": True,
         "label": {"type": "plain_text", "text": "Due date"}, "element": due_el},
        {"type": "input", "block_id": ids.BLOCK_TASK_ESTIMATE, "optional": True,
         "label": {"type": "plain_text", "text": "Your estimate (hours)"}, "element": est_el,
         "hint": {"type": "plain_text", "text": "Two hours or less makes it a quick win. Only people estimate here."}},
    ]
    if metadata and metadata.get("url"):
        what = "its source" if editing else "the original message"
        blocks.append(context(f"Links back to {link(metadata['url'], what)}"))
    return modal(ids.VIEW_TASK_EDIT if editing else ids.VIEW_MAKE_TASK, "Edit task" if editing else "New task",
                 blocks, submit="Save" if editing else "Add task", private_metadata=fit_metadata(metadata or {}))


def fit_metadata(metadata: dict, limit: int = PRIVATE_METADATA_MAX) -> str:
    """JSON within Slack's 3,000-character private_metadata, shortening the notes (the only long
    field) rather than cutting the JSON itself."""
    data = dict(metadata)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    notes = data.get("notes") or ""
    keep = len(notes)
    while len(text) > limit and keep > 0:
        keep = max(0, keep - (len(text) - limit) - 1)
        data["notes"] = notes[:keep].rstrip() + CUT if keep else ""
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text


CUT = " … (cut here: the whole message is at its link)"  # a long message's notes, shortened to fit


def _placement(task: Task, rank: int | None, viewer: str) -> str:
    whose = "your list" if task.assignee_id == viewer else f"<@{task.assignee_id}>'s list"
    return f"#{rank} in {whose}" if rank else f"not ranked in {whose} yet"


def build_task_added(task: Task, rank: int | None, total: float, viewer: str, now: datetime) -> list[dict]:
    """The ephemeral answer to `/task <title>`: the task, its due date as the viewer's day (the
    line may have set one), its score and rank; Edit puts right a due date read wrongly."""
    details = f", due {format_due(task, now)}" if task.due is not None else ""
    if task.estimate_hours is not None and task.estimate_source == "human":
        details += f", about {task.estimate_hours:g} h"
    told = "" if task.assignee_id == viewer else " They get a message from me."
    placement = _placement(task, rank, viewer)
    return [section(f"Added {link(task.url, task.title)}{details} — *{total:g} pts*, {placement}.{told}"),
            {"type": "actions", "block_id": f"added:{task.id}",
             "elements": [button("Why?", ids.ACTION_WHY, str(task.id)), button("Edit", ids.ACTION_EDIT, str(task.id))]}]


def build_task_saved_modal(task: Task, rank: int | None, total: float, viewer: str, edited: bool = False) -> dict:
    """What a submitted task modal turns into: the task, its score and where it ranks."""
    verb = "Saved" if edited else "Added"
    return modal(ids.VIEW_TASK_ADDED, "Task saved" if edited else "Task added", [
        section(f"{verb} {link(task.url, task.title)} — *{total:g} pts*, {_placement(task, rank, viewer)}."),
        context("Scores update whenever a task changes. Open Headwork's *Home* tab to see your list."),
    ], close="Done")
