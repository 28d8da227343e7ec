"""Snooze until a date: the task comes back at 09:00 that day, in the person's time zone."""

from __future__ import annotations

from ... import ids
from ...delivery import redraw
from ...deps import Deps
from ...forms import read_date
from ...screens import Origin
from ..actions.task_buttons import at_wake, snooze


def handle_snooze_date(ack, body: dict, view: dict, deps: Deps) -> None:
    user = body["user"]["id"]
    origin, extra = Origin.loads(view.get("private_metadata", ""))
    task_id = extra.get("task_id")
    now = deps.now_for(user)
    day = read_date(view, ids.BLOCK_SNOOZE_DATE, ids.INPUT_SNOOZE_DATE)
    if day is None or at_wake(day, now) <= now:
        ack(response_action="errors", errors={ids.BLOCK_SNOOZE_DATE: "Pick a day in the future: the task wakes at 09:00 your time."})
        return
    ack()
    if isinstance(task_id, int):
        deps.background.submit(redraw, deps, user, origin, snooze(deps, task_id, user, at_wake(day, now), now))
