"""/task <title>: a task for yourself, scored at once. `/task` alone opens the form."""

from __future__ import annotations

from ...blocks.tasks import build_task_added, build_task_modal
from ...deps import Deps
from ...tasks_service import NewTask, create_task


def handle_task(ack, command: dict, deps: Deps, client) -> None:
    user = command["user_id"]
    title = (command.get("text") or "").strip()
    if not title or title.lower() == "help":
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=build_task_modal(owner=user))
        return
    now = deps.now_for(user)
    task_id = create_task(deps, NewTask(title=title, owner=user, created_by=user), now)
    rank = deps.store.rank_of(task_id, now)
    score = deps.store.score_of(task_id)
    ack(response_type="ephemeral", text=f"Added: {title}", blocks=build_task_added(
        deps.store.get_task(task_id), rank, score["total"] if score else 0.0))
    deps.background.submit(_refresh_home, deps, user)


def _refresh_home(deps: Deps, user: str) -> None:
    from ..events.app_home import publish_home

    publish_home(deps, user)
