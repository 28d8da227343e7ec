"""Done, Snooze and Not mine on a task card (in /top5 or App Home): the change is stored and
rescored before the ack; the list it came from is redrawn right after."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from scoring.actions import NotAllowed, complete_task, disown_task, snooze_task

from ... import ids
from ...blocks.common import esc
from ...blocks.why import build_snooze_date_modal
from ...delivery import open_modal, redraw
from ...deps import Deps
from ...screens import Origin

log = logging.getLogger("headwork.actions")

WAKE_AT = time(9, 0)  # a snoozed task comes back at 09:00 in its owner's own time zone


def task_id_of(value: str | None) -> int | None:
    """'123' or 'tomorrow:123' -> 123; anything else -> None (a forged or stale payload)."""
    tail = str(value or "").rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def wake_time(choice: str, local_now: datetime) -> datetime:
    """09:00 local tomorrow, or next Monday (a week from today when today is Monday), DST-correct."""
    today = local_now.date()
    day = today + timedelta(days=1) if choice == ids.SNOOZE_TOMORROW else today + timedelta(days=7 - today.weekday())
    return at_wake(day, local_now)


def at_wake(day: date, local_now: datetime) -> datetime:
    return datetime.combine(day, WAKE_AT, local_now.tzinfo)


def handle_done(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    task_id = task_id_of(action.get("value"))
    now = deps.now_for(user)
    try:
        if task_id is None:
            raise NotAllowed("That button is out of date — press Refresh.")
        task = complete_task(deps.store, deps.model, task_id, user, now, is_admin=deps.is_admin(user))
        notice = f"✓ Done: *{esc(task.title[:200])}*. Nice work."
        if deps.complete_upstream is not None:
            deps.background.submit(deps.complete_upstream, task, now)
    except NotAllowed as exc:
        notice = str(exc)
    deps.background.submit(redraw, deps, user, Origin.of_action(body, action), notice)


def handle_snooze(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    value = (action.get("selected_option") or {}).get("value", "")
    choice, task_id = value.split(":", 1)[0], task_id_of(value)
    origin = Origin.of_action(body, action)
    now = deps.now_for(user)
    if task_id is None or choice not in (ids.SNOOZE_TOMORROW, ids.SNOOZE_NEXT_WEEK, ids.SNOOZE_PICK_DATE):
        deps.background.submit(redraw, deps, user, origin, "That menu is out of date — press Refresh.")
        return
    if choice == ids.SNOOZE_PICK_DATE:
        tomorrow = (now.date() + timedelta(days=1)).isoformat()
        view = build_snooze_date_modal(tomorrow, origin.dumps(task_id=task_id))
        deps.background.submit(open_modal, deps, body["trigger_id"], view)
        return
    deps.background.submit(redraw, deps, user, origin, snooze(deps, task_id, user, wake_time(choice, now), now))


def snooze(deps: Deps, task_id: int, user: str, until: datetime, now: datetime) -> str:
    """Snooze and say so, or say politely why not."""
    try:
        task = snooze_task(deps.store, deps.model, task_id, user, until, now, is_admin=deps.is_admin(user))
    except NotAllowed as exc:
        return str(exc)
    return f"💤 Snoozed *{esc(task.title[:200])}* until {until:%a %d %b, %H:%M}."


def handle_not_mine(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    task_id = task_id_of(action.get("value"))
    now = deps.now_for(user)
    try:
        if task_id is None:
            raise NotAllowed("That button is out of date — press Refresh.")
        task = disown_task(deps.store, deps.model, task_id, user, now, is_admin=deps.is_admin(user))
        notice = f"Handed back: *{esc(task.title[:200])}*. It is off your list; admins see it as unowned."
    except NotAllowed as exc:
        notice = str(exc)
    deps.background.submit(redraw, deps, user, Origin.of_action(body, action), notice)
