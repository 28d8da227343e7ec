"""Reading what people typed into Headwork's modals (`view.state.values`), with the errors
Slack shows next to the field (`response_action: errors`) when something is off."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from . import ids

ESTIMATE_MIN_HOURS, ESTIMATE_MAX_HOURS = 0.25, 400.0  # what a person types; an import may bring more


@dataclass
class TaskForm:
    title: str = ""
    owner: str | None = None
    due: date | None = None
    estimate_hours: float | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _value(values: dict, block: str, action: str) -> dict:
    got = (values.get(block) or {}).get(action)
    return got if isinstance(got, dict) else {}


def read_task_form(view: dict, today: date, editing: bool = False, kept_estimate: float | None = None) -> TaskForm:
    values = ((view.get("state") or {}).get("values")) or {}
    form = TaskForm()
    form.title = " ".join(str(_value(values, ids.BLOCK_TASK_TITLE, ids.INPUT_TASK_TITLE).get("value") or "").split())
    if not form.title:
        form.errors[ids.BLOCK_TASK_TITLE] = "Give the task a title."
    if not editing or ids.BLOCK_TASK_OWNER in values:  # an edit of a task whose owner may change
        form.owner = _value(values, ids.BLOCK_TASK_OWNER, ids.INPUT_TASK_OWNER).get("selected_user")
        if not form.owner:
            form.errors[ids.BLOCK_TASK_OWNER] = "Choose who owns this task."
    picked = _value(values, ids.BLOCK_TASK_DUE, ids.INPUT_TASK_DUE).get("selected_date")
    if picked:
        try:
            form.due = date.fromisoformat(picked)
        except ValueError:
            form.errors[ids.BLOCK_TASK_DUE] = "That is not a date Headwork understands."
    raw = _value(values, ids.BLOCK_TASK_ESTIMATE, ids.INPUT_TASK_ESTIMATE).get("value")
    if raw not in (None, ""):
        try:
            hours = float(raw)
        except (TypeError, ValueError):
            hours = math.nan
        if not (0 < hours <= ESTIMATE_MAX_HOURS) and hours != kept_estimate:  # an import's 600 h, left as it was
            form.errors[ids.BLOCK_TASK_ESTIMATE] = f"An estimate is between {ESTIMATE_MIN_HOURS:g} and {ESTIMATE_MAX_HOURS:g} hours."
        else:
            form.estimate_hours = hours
    return form


def read_date(view: dict, block: str, action: str) -> date | None:
    values = ((view.get("state") or {}).get("values")) or {}
    picked = _value(values, block, action).get("selected_date")
    try:
        return date.fromisoformat(picked) if picked else None
    except ValueError:
        return None


def read_selected(view: dict, block: str, action: str) -> set[str]:
    """The values picked in a checkboxes or multi-select element."""
    values = ((view.get("state") or {}).get("values")) or {}
    return {str(o.get("value")) for o in _value(values, block, action).get("selected_options") or []
            if isinstance(o, dict) and o.get("value")}
