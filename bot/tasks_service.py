"""Creating and editing Slack-native tasks (from /task, the message shortcut, App Home)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from scoring.intake import add_task
from scoring.rescore import rescore_tasks
from scoring.tasks import END_OF_DAY, Task, due_date

from .blocks.common import esc
from .delivery import publish_home
from .deps import Deps
from .store_people import PersonRecord
from .textview import format_due

TITLE_MAX = 300


@dataclass(frozen=True)
class NewTask:
    title: str
    owner: str
    created_by: str
    due: date | None = None
    estimate_hours: float | None = None
    url: str = ""
    notes: str = ""
    external_id: str | None = None


def fit_title(text: str) -> str:
    """A title of at most TITLE_MAX characters: a longer text is cut at a word, with "…"."""
    if len(text) <= TITLE_MAX:
        return text
    cut = text[:TITLE_MAX - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, END_OF_DAY, tz)


def create_task(deps: Deps, new: NewTask, now: datetime) -> int:
    """Store, judge (rules now; Claude later if configured) and score a new task at once."""
    tz = deps.directory.tz_for(new.owner)
    task = Task(
        title=new.title.strip()[:TITLE_MAX], source="slack", external_id=new.external_id or uuid.uuid4().hex,
        notes=new.notes, url=new.url, assignee_id=new.owner,
        due=end_of_day(new.due, tz) if new.due else None, due_all_day=new.due is not None,
        estimate_hours=new.estimate_hours, estimate_source="human" if new.estimate_hours is not None else None,
        created_at=now, updated_at=now, extra={"created_by": new.created_by},
    )
    provisional = deps.settings.env.anthropic_api_key is not None
    task_id, _ = add_task(deps.store, deps.model, task, now, provisional=provisional)
    return task_id


def owner_editable(task: Task) -> bool:
    """Whether Headwork may hand this task to someone else: a Slack task, yes; one from Asana, Jira
    or Linear keeps the owner its tool gives it (the next sync or import would undo a change)."""
    return task.source == "slack"


def owner_problem(deps: Deps, owner: str, giver: str) -> str | None:
    """Why `owner` cannot be given a task, as far as the app already knows (before an ack, Slack is
    never asked): an app (a bot user) or a deactivated account would never do it, and the DM telling
    them would go nowhere. `hand_over` asks Slack after the ack about someone not seen lately."""
    person = deps.directory.person(owner) if owner != giver else None
    return _problem(person)


def _problem(person: PersonRecord | None) -> str | None:
    if person is None:
        return None
    name = person.name or f"<@{person.slack_id}>"
    if person.is_bot:
        return f"{name} is an app, not a person: give the task to someone who will do it."
    if person.deleted:
        return f"{name}'s account is deactivated: give the task to someone still here."
    return None


NOBODY = ""  # `hand_over(back_to=NOBODY)`: a task given from the unowned list goes back there


def hand_over(deps: Deps, task_id: int, giver: str, now: datetime, back_to: str | None = None,
              reply: Callable[[str], bool] | None = None) -> None:
    """After the ack of a task given to someone else: Slack is asked who they are if the app has not
    seen them lately. A person is told (`tell_new_owner`). An app or a deactivated account is not:
    the task goes back to `back_to` (its owner before an edit; the giver for a new task; NOBODY for
    one given from the unowned list) and the giver hears why, through `reply` (the slash command's
    response_url) or else a DM."""
    task = deps.store.get_task(task_id)
    if task is None or task.assignee_id in (None, giver):
        return
    owner = task.assignee_id
    if not deps.directory.is_fresh(owner, now):
        deps.directory.refresh(owner, now)
    problem = _problem(deps.directory.person(owner))
    if problem is None:
        tell_new_owner(deps, task, giver)
        return
    if back_to == NOBODY:
        deps.store.unassign(task.id)  # still handed back (or left behind) by whoever it was before
        whose = "*Tasks nobody owns*" if deps.is_admin(giver) else "*Tasks your team left*"
        how = "give it to someone else there, on your Home tab"
        back_to = giver
    else:
        back_to = back_to or giver
        task = reassign(deps, task, back_to, now, read_in=owner)
        whose = "your list" if back_to == giver else f"<@{back_to}>'s list"
        how = "*Edit* it to give it to someone else"
    text = f"{esc(problem)} So *{esc(task.title[:TITLE_MAX])}* stays in {whose}: {how}."
    if reply is None or not reply(text):
        deps.outbox.send(f"task-owner-refused:{task.id}:{owner}", "chat.postMessage", {"channel": giver, "text": text})
    for user in {giver, back_to}:
        deps.background.submit(publish_home, deps, user)


def tell_new_owner(deps: Deps, task: Task, giver: str) -> None:
    """A DM to the person someone else gave a task (once per task and person, through the outbox),
    and their Home brought up to date."""
    due = f", due {format_due(task, deps.now_for(task.assignee_id))}" if task.due is not None else ""
    deps.outbox.send(f"task-assigned:{task.id}:{task.assignee_id}", "chat.postMessage", {
        "channel": task.assignee_id,
        "text": f"<@{giver}> gave you a task in Headwork: {esc(task.title[:TITLE_MAX])}{due}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text":
                    f"<@{giver}> gave you a task: *{esc(task.title[:TITLE_MAX])}*{due}. It is in your `/top5` list "
                    "now, ranked by its score."}}]})
    deps.background.submit(publish_home, deps, task.assignee_id)


def reassign(deps: Deps, task: Task, owner: str, now: datetime, read_in: str) -> Task:
    """The task, otherwise unchanged, given to `owner`: an all-day due date keeps its calendar day
    (as `read_in`'s calendar reads it), now on the new owner's calendar (`edit_task`)."""
    due = due_date(task.due, task.due_all_day, deps.directory.tz_for(read_in)) if task.due is not None else None
    return edit_task(deps, task.id, now, title=task.title, due=due, owner=owner,
                     estimate_hours=task.estimate_hours if task.estimate_source == "human" else None, read_in=read_in)


def edit_task(deps: Deps, task_id: int, now: datetime, title: str, due: date | None,
              estimate_hours: float | None, owner: str | None = None, read_in: str | None = None) -> Task:
    """Change a task from its form; `owner` (a Slack task's) hands it to someone else, whose
    calendar day an all-day due date then is. The form has a date only: a due date with a time of
    day (an import's, a sync's) keeps its time — the same instant when the date was left as it was
    on `read_in`'s calendar (whose the form showed; default its owner's), else that time on the new date."""
    current = deps.store.get_task(task_id)
    owner = owner or current.assignee_id
    tz = deps.directory.tz_for(owner or "")
    when, all_day = (end_of_day(due, tz) if due else None), due is not None
    if due is not None and current.due is not None and not current.due_all_day:
        shown = current.due.astimezone(deps.directory.tz_for(read_in or current.assignee_id or ""))
        when = current.due if due == shown.date() else datetime.combine(due, shown.time(), shown.tzinfo)
        all_day = False
    deps.store.update_task(task_id, now, title=title.strip()[:TITLE_MAX], due=when, due_all_day=all_day,
                           estimate_hours=estimate_hours,
                           estimate_source="human" if estimate_hours is not None else None, assignee_id=owner)
    rescore_tasks(deps.store, [task_id], deps.model, now)
    return deps.store.get_task(task_id)


def message_permalink(team_domain: str | None, channel: str, ts: str) -> str:
    """Slack's permalink format, built locally so no API call sits before the modal opens."""
    if not team_domain:
        return ""
    return f"https://{team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def give_unowned(deps: Deps, task_id: int, owner: str, giver: str, now: datetime) -> tuple[Task | None, str]:
    """An admin, or the manager of the person it was taken from, gives a task nobody owns to someone
    (before the ack: the store only). Returns the task given (None when it was not) and what to
    tell the giver; `hand_over` follows."""
    task = deps.store.get_task(task_id)
    if task is None or not task.is_open:
        return None, "That task is closed or gone: there is nothing to give."
    title = esc(task.title[:200])
    taken_from = deps.store.disowned_by_many([task_id]).get(task_id)
    if not (deps.is_admin(giver) or (taken_from is not None and deps.settings.org.manages(giver, taken_from.user_id))):
        return None, "Only an admin, or the manager of whoever handed it back or left it, gives out this task."
    if task.assignee_id is not None:
        return None, f"*{title}* has an owner already: <@{task.assignee_id}>."
    if not owner_editable(task):
        return None, f"*{title}* gets its owner from where it was imported: assign it there."
    problem = owner_problem(deps, owner, giver)
    if problem is not None:
        return None, problem
    task = reassign(deps, task, owner, now, read_in=giver)
    told = "" if owner == giver else " They are told by DM."
    return task, f"Gave *{title}* to <@{owner}>.{told}"
