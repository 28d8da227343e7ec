"""The task form (create from /task, a message or Home; edit from Home) and its confirmations."""

from __future__ import annotations

import json
from datetime import date

from scoring.tasks import Task

from .. import ids
from .common import button, context, link, modal, section


def build_task_modal(owner: str, title: str = "", due: date | None = None, estimate: float | None = None,
                     metadata: dict | None = None, editing: bool = False) -> dict:
    title_el = {"type": "plain_text_input", "action_id": ids.INPUT_TASK_TITLE, "max_length": 300,
                "multiline": False}
    if title:
        title_el["initial_value"] = title[:300]
    due_el = {"type": "datepicker", "action_id": ids.INPUT_TASK_DUE}
    if due:
        due_el["initial_date"] = due.isoformat()
    est_el = {"type": "number_input", "action_id": ids.INPUT_TASK_ESTIMATE, "is_decimal_allowed": True,
              "min_value": "0.25", "max_value": "400"}
    if estimate is not None:
        est_el["initial_value"] = f"{estimate:g}"
    blocks = [
        {"type": "input", "block_id": ids.BLOCK_TASK_TITLE, "label": {"type": "plain_text", "text": "Task"},
         "element": title_el},
    ]
    if not editing:
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
        blocks.append(context(f"Links back to {link(metadata['url'], 'the original message')}"))
    return modal(ids.VIEW_TASK_EDIT if editing else ids.VIEW_MAKE_TASK, "Edit task" if editing else "New task",
                 blocks, submit="Save" if editing else "Add task", private_metadata=json.dumps(metadata or {}))


def build_task_added(task: Task, rank: int | None, total: float) -> list[dict]:
    where = f"#{rank} in your list" if rank else "not in your list (it has another owner)"
    return [section(f"Added {link(task.url, task.title)} — *{total:g} pts*, {where}."),
            {"type": "actions", "block_id": f"added_{task.id}",
             "elements": [button("Why?", ids.ACTION_WHY, str(task.id))]}]
