"""Snooze until a date: the task comes back at 09:00 that day, in its owner's time zone."""

from __future__ import annotations

from ... import ids
from ...delivery import redraw
from ...deps import Deps
from ...forms import read_date
from ...screens import Origin
from ..actions.task_buttons import at_wake, owner_now, snooze


def handle_snooze_date(ack, body: dict, view: dict, deps: Deps) -> None:
    user = body["user"]["id"]
    origin, extra = Origin.loads(view.get("private_metadata", ""))
    task_id = extra.get("task_id")
    now = owner_now(deps, task_id if isinstance(task_id, int) else None, user)
    day = read_date(view, ids.BLOCK_SNOOZE_DATE, ids.INPUT_SNOOZE_DATE)
    if day is None or at_wake(day, now) <= now:
        whose = "your" if now.tzinfo == deps.now_for(user).tzinfo else "its owner's"
        ack(response_action="errors", errors={ids.BLOCK_SNOOZE_DATE: f"Pick a day in the future: the task wakes at 09:00 {whose} time."})
        return
    ack()
    if isinstance(task_id, int):
        deps.background.submit(redraw, deps, user, origin, snooze(deps, task_id, user, at_wake(day, now), now))
