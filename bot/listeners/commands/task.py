"""/task <title>: a task for yourself, scored at once; a due date the line ends with ("by Friday",
"tomorrow") is read on the person's own calendar, and a line that starts with a mention gives the
task to that person (`bot.quick_add`). `/task` alone opens the form."""

from __future__ import annotations

from ...blocks.common import esc
from ...blocks.tasks import build_task_added, build_task_modal
from ...delivery import open_modal, publish_home, respond_to
from ...deps import Deps
from ...quick_add import read_quick_add
from ...slack_text import plain_text
from ...tasks_service import NewTask, create_task, edit_task, fit_title, hand_over, owner_problem

HELP = ("*`/task`* — add a task to Headwork\n"
        "`/task Write the launch email` — a task for yourself, scored and ranked at once\n"
        "`/task Send Brightline the contract by Friday` — with a due date: end the line with _today_, "
        "_tomorrow_, _EOW_, _next week_, _in 3 days_, or _by_/_on_/_due_ and a weekday or a date (_by 4 Dec_, "
        "_on 2026-12-04_)\n"
        "`/task @priya Review the renewal deck` — a task for someone else; they get a message\n"
        "`/task Reply to Kestrel (30m)` — with your estimate (_(1.5 h)_, _~2h_): two hours or less is a quick win\n"
        "`/task` — the full form: owner, due date, your estimate in hours\n"
        "On any message: *⋯ More actions → Make this a task*")


def handle_task(ack, command: dict, deps: Deps) -> None:
    user = command["user_id"]
    title = " ".join((command.get("text") or "").split())
    if title.lower() in ("help", "?", "-h", "--help"):
        ack(response_type="ephemeral", text=HELP)
        return
    if not title:
        ack()
        deps.background.submit(open_modal, deps, command["trigger_id"], build_task_modal(owner=user))
        return
    now = deps.now_for(user)
    title_typed = title
    line = read_quick_add(title, now.date(), deps.directory.name_for)
    owner = line.owner or user
    problem = owner_problem(deps, owner, user)
    if problem:  # nothing is added; what was typed comes back, to correct and send again
        typed = plain_text(title, deps.directory.name_for)
        ack(response_type="ephemeral", text=f"Not added: {esc(problem)}\nWhat you typed: `/task {esc(typed)}`")
        return
    title = fit_title(line.title)
    notes = line.title if title != line.title else ""  # nothing typed is lost: the whole line goes to the notes
    # "tomorrow" is the day after the typist's today; like a date picked in the form, that day
    # ends at 23:59 where the owner is, and is shown as the owner's date
    task_id = create_task(deps, NewTask(title=title, owner=owner, created_by=user, due=line.due, notes=notes,
                                        estimate_hours=line.estimate_hours), now)
    task = deps.store.get_task(task_id)
    score = deps.store.score_of(task_id)
    ack(response_type="ephemeral", text=f"Added: {title}", blocks=build_task_added(
        task, deps.store.rank_of(task_id, now), score["total"] if score else 0.0, user,
        now if owner == user else deps.now_for(owner)))
    deps.background.submit(publish_home, deps, user)
    url = command.get("response_url")
    if line.due is not None and not deps.directory.is_fresh(user, now):
        deps.background.submit(_learn_time_zone, deps, user, title_typed, task, now, url)
    if owner != user:
        deps.background.submit(hand_over, deps, task_id, user, now, reply=lambda text: respond_to(
            url, {"response_type": "ephemeral", "replace_original": False, "text": text}))


def _learn_time_zone(deps: Deps, user: str, typed: str, task, read_at, url: str | None) -> None:
    """First contact: the due date was read on the organisation's calendar until Slack said the
    person's zone. When that zone makes it another day ("EOD" typed at 22:30 in Los Angeles is
    still today there), or another end of day for their own task, it is put right and the answer
    redrawn, unless the task was changed meanwhile."""
    tz = deps.directory.refresh(user, deps.clock())
    if tz is None or str(tz) == str(read_at.tzinfo):
        return
    now = deps.clock().astimezone(tz)
    line = read_quick_add(typed, now.date(), deps.directory.name_for)
    current = deps.store.get_task(task.id)
    if current is None or current.due != task.due or current.updated_at != task.updated_at or line.due is None:
        return
    if current.assignee_id != user and line.due == read_quick_add(typed, read_at.date(), deps.directory.name_for).due:
        return  # someone else's task: its day ends where they are, which did not change
    updated = edit_task(deps, task.id, deps.clock(), title=current.title, due=line.due,
                        estimate_hours=current.estimate_hours if current.estimate_source == "human" else None)
    score = deps.store.score_of(task.id)
    owner_now = now if updated.assignee_id == user else deps.now_for(updated.assignee_id)
    respond_to(url, {"response_type": "ephemeral", "replace_original": True, "text": f"Added: {updated.title}",
                     "blocks": build_task_added(updated, deps.store.rank_of(task.id, now),
                                                score["total"] if score else 0.0, user, owner_now)})
    deps.background.submit(publish_home, deps, user)
