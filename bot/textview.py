"""Plain-text rendering of a ranking for terminals (the CLI and the demo)."""

from __future__ import annotations

from datetime import datetime

from scoring.engine import Score
from scoring.tasks import Task, all_day_date

from .blocks.agenda import ItemView
from .meetings import Meeting

JUDGE_NAMES = {"ai": "Claude", "rules": "offline rules", "human": "a person", "": "not yet judged"}


def judge_label(judged_by: str) -> str:
    return " + ".join(JUDGE_NAMES.get(part, part) for part in judged_by.split("+")) if judged_by else JUDGE_NAMES[""]


def format_due(task: Task, now: datetime) -> str:
    if task.due is None:
        return "no due date"
    if task.due_all_day:  # the owner's calendar day, wherever it is read
        return f"{all_day_date(task.due, now.tzinfo):%a %d %b}"
    return f"{task.due.astimezone(now.tzinfo):%a %d %b %H:%M}"


def ranking_lines(entries: list[tuple[Task, Score, str]], now: datetime, reasons: int = 3) -> list[str]:
    lines = []
    for rank, (task, score, judged_by) in enumerate(entries, start=1):
        why = "; ".join(([] if score.top_terms else ["no value bands yet"])
                        + [t.text for t in score.summary_terms(reasons)])
        lines.append(f"  {rank}. {task.title}  [{score.total:g} pts]")
        lines.append(f"     why: {why}")
        lines.append(f"     due: {format_due(task, now)} · bands judged by {judge_label(judged_by)}")
    return lines


def agenda_lines(meeting: Meeting, start: datetime, items: list[ItemView], names: dict[str, str],
                 channel: str | None = None) -> list[str]:
    """A meeting's next agenda: when it meets and where it is posted, then each item with its
    owner (by name where known) and the reasons it is there. `channel`: the channel's name, if known."""
    lines = [f"{meeting.name} — {start:%a %d %b %H:%M} ({meeting.timezone}), posted at {start - meeting.lead:%H:%M} "
             f"in #{channel or meeting.channel}"]
    if not items:
        lines.append("  nothing open in this meeting's scope")
    for rank, item in enumerate(items, start=1):
        owner = item.task.assignee_id
        carried = (f"  [carried over from {item.carried_from.astimezone(meeting.tz):%a %d %b}]"
                   if item.carried_from else "")
        lines.append(f"{rank:>3}. {item.task.title}  ·  {item.total:g} pts  ·  "
                     f"{names.get(owner, owner) if owner else 'no owner'}{carried}")
        if item.reasons:
            lines.append(f"     {' · '.join(item.reasons)}")
    return lines
