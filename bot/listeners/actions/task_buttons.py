"""Done, Snooze and Not mine on a task card (in /top5 or App Home): the change is stored and
rescored before the ack; the list it came from is redrawn right after."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone

from scoring.actions import NotAllowed, complete_task, disown_task, snooze_task
from scoring.tasks import Task

from ... import ids
from ...blocks.common import esc
from ...blocks.why import build_snooze_date_modal
from ...delivery import open_modal, publish_home, redraw
from ...deps import Deps
from ...screens import Origin

log = logging.getLogger("headwork.actions")

WAKE_AT = time(9, 0)  # a snoozed task comes back at 09:00 in its owner's own time zone


def task_id_of(value: str | None) -> int | None:
    """'123' or 'tomorrow:123' -> 123; anything else -> None (a forged or stale payload)."""
    tail = str(value or "").rsplit(":", 1)[-1]
    return int(tail) if tail.isdecimal() else None


def wake_time(choice: str, local_now: datetime) -> datetime:
    """09:00 local tomorrow, or next Monday (a week from today when today is Monday), DST-correct."""
    today = local_now.date()
    day = today + timedelta(days=1) if choice == ids.SNOOZE_TOMORROW else today + timedelta(days=7 - today.weekday())
    return at_wake(day, local_now)


def at_wake(day: date, local_now: datetime) -> datetime:
    return datetime.combine(day, WAKE_AT, local_now.tzinfo)


STALE = "That button is out of date — press Refresh."


def _change(body: dict, action: dict, deps: Deps, change: Callable[..., Task], says: Callable[[Task], str],
            tells: Callable[[Task, str], str] | None = None) -> Task | None:
    """Apply one change to the task on the button (stored and rescored before the ack returns),
    then redraw where it was pressed with a line saying what happened — or, politely, why not.
    `tells`: what the owner hears when someone else (an admin, on their list) made the change."""
    user = body["user"]["id"]
    task_id = task_id_of(action.get("value"))
    task = None
    try:
        if task_id is None:
            raise NotAllowed(STALE)
        task = change(deps.store, deps.model, task_id, user, deps.now_for(user), is_admin=deps.is_admin(user))
        notice = says(task)
        if tells is not None:
            tell_owner(deps, task, user, str(action.get("action_id")), tells(task, user), deps.clock())
    except NotAllowed as exc:
        notice = str(exc)
    deps.background.submit(redraw, deps, user, Origin.of_action(body, action), notice)
    return task


def tell_owner(deps: Deps, task: Task, user: str, change: str, text: str, now: datetime) -> None:
    """A task changed by someone other than its owner (an admin on `/top5 @someone`): the owner is
    told who did what, once, by DM, and their Home is brought up to date."""
    owner = task.assignee_id
    if owner is None or owner == user:
        return
    deps.outbox.send(f"task-changed:{task.id}:{owner}:{change}:{now.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}",
                     "chat.postMessage", {"channel": owner, "text": text})
    deps.background.submit(publish_home, deps, owner)


def handle_done(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    task = _change(body, action, deps, complete_task, lambda t: f"✓ Done: *{esc(t.title[:200])}*. Nice work.",
                   lambda t, user: f"<@{user}> marked *{esc(t.title[:200])}* done in Headwork.")
    if task is not None and deps.complete_upstream is not None:
        deps.background.submit(deps.complete_upstream, task, task.completed_at)


def handle_snooze(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    value = (action.get("selected_option") or {}).get("value", "")
    choice, task_id = value.split(":", 1)[0], task_id_of(value)
    origin = Origin.of_action(body, action)
    now = owner_now(deps, task_id, user)
    if task_id is None or choice not in (ids.SNOOZE_TOMORROW, ids.SNOOZE_NEXT_WEEK, ids.SNOOZE_PICK_DATE):
        deps.background.submit(redraw, deps, user, origin, STALE)
        return
    if choice == ids.SNOOZE_PICK_DATE:
        tomorrow = (now.date() + timedelta(days=1)).isoformat()
        view = build_snooze_date_modal(tomorrow, origin.dumps(task_id=task_id))
        deps.background.submit(open_modal, deps, body["trigger_id"], view)
        return
    deps.background.submit(redraw, deps, user, origin, snooze(deps, task_id, user, wake_time(choice, now), now))


def owner_now(deps: Deps, task_id: int | None, user: str) -> datetime:
    """Now on the calendar of the task's owner, whose 09:00 a snooze wakes it at (an admin snoozing
    someone else's task from `/top5 @someone`: theirs, not the admin's); the presser's when it has none."""
    task = deps.store.get_task(task_id) if task_id is not None else None
    return deps.now_for(task.assignee_id if task is not None and task.assignee_id else user)


def snooze(deps: Deps, task_id: int, user: str, until: datetime, now: datetime) -> str:
    """Snooze and say so, or say politely why not."""
    try:
        task = snooze_task(deps.store, deps.model, task_id, user, until, now, is_admin=deps.is_admin(user))
    except NotAllowed as exc:
        return str(exc)
    whose = f" <@{task.assignee_id}>'s time" if task.assignee_id not in (None, user) else ""
    tell_owner(deps, task, user, ids.ACTION_SNOOZE, f"<@{user}> snoozed *{esc(task.title[:200])}* until {until:%a %d %b, %H:%M} "
                                 "(your time): it is back on your list then.", now)
    return f"💤 Snoozed *{esc(task.title[:200])}* until {until:%a %d %b, %H:%M}{whose}."


def handle_not_mine(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]

    def says(task: Task) -> str:  # the task as it was: an admin may press it on someone else's list
        whose = "your list" if task.assignee_id in (None, user) else f"<@{task.assignee_id}>'s list"
        return f"Handed back: *{esc(task.title[:200])}*. It is off {whose}; admins see it as unowned."

    _change(body, action, deps, disown_task, says,
            lambda t, user: f"<@{user}> took *{esc(t.title[:200])}* off your Headwork list: it is with the admins "
                            "as a task nobody owns now. If it is yours after all, ask them to give it back.")
