"""*Give to…* on a task nobody owns (an admin's App Home, or a manager's for what their team left):
the task is given before the ack, the giver's Home redrawn with what happened, and the new owner
told (`tasks_service.hand_over`)."""

from __future__ import annotations

from ...blocks.unowned import task_id_of
from ...delivery import publish_home
from ...deps import Deps
from ...tasks_service import NOBODY, give_unowned, hand_over
from .task_buttons import STALE


def handle_give_task(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    task_id, owner = task_id_of(action.get("block_id")), action.get("selected_user")
    if task_id is None or not isinstance(owner, str) or not owner:
        notice = STALE
    else:
        now = deps.now_for(user)
        task, notice = give_unowned(deps, task_id, owner, user, now)
        if task is not None and owner != user:  # given to themselves: the Home redrawn below shows it
            deps.background.submit(hand_over, deps, task.id, user, now, back_to=NOBODY)
    deps.background.submit(publish_home, deps, user, notice)
