"""The /top5 reply and the task cards it shares with App Home."""

from __future__ import annotations

from datetime import datetime

from scoring.ranking import RankedTask
from scoring.tasks import all_day_date

from .. import ids
from .common import (button, context, divider, esc, link, option, section)

JUDGES = {"ai": "Claude", "rules": "offline rules", "human": "a person"}


def judged_by_text(judged_by: str) -> str:
    if not judged_by:
        return "not judged yet"
    return " + ".join(JUDGES.get(p, p) for p in judged_by.split("+"))


def due_text(entry: RankedTask, now: datetime) -> str:
    due = entry.task.due
    if due is None:
        return "no due date"
    if entry.task.due_all_day:  # the owner's calendar day, wherever it is read
        return f"due {all_day_date(due, now.tzinfo):%a %d %b}"
    return f"due {due.astimezone(now.tzinfo):%a %d %b, %H:%M}"


def why_line(entry: RankedTask, count: int = 3) -> str:
    parts = [esc(t.text) for t in entry.score.summary_terms(count)]
    if not entry.score.top_terms:
        parts.insert(0, "no value bands yet — open *Why?* to set them")
    return " · ".join(parts)


def list_tag(owner_id: str, n: int) -> str:
    """Where a card is shown, carried in its actions block_id: a button press on an ephemeral
    message brings no copy of the message, so the list to redraw must travel with the button."""
    return f"top5:{owner_id}:{n}"


def parse_where(block_id: str) -> tuple[str, str | None, int]:
    """An actions block_id -> ('top5', owner, n) | ('home', None, 0) | ('other', None, 0)."""
    parts = str(block_id or "").split(":")
    if len(parts) == 4 and parts[0] == "top5" and parts[2].isdecimal():
        return "top5", parts[1], int(parts[2])
    if parts and parts[0] == "home":
        return "home", None, 0
    return "other", None, 0


def task_card(entry: RankedTask, now: datetime, actionable: bool, where: str = "home",
              editable: bool = False, viewer_id: str | None = None) -> list[dict]:
    """Two blocks per task: what and why, then the buttons (an admin's on someone else's list say whose)."""
    t = entry.task
    theirs = viewer_id is not None and t.assignee_id not in (None, viewer_id)
    text = (f"*{entry.rank}. {link(t.url, t.title[:250])}*  ·  {entry.score.total:g} pts\n"
            f"{why_line(entry)}\n"
            f"_{due_text(entry, now)} · bands by {judged_by_text(entry.judged_by)}_")
    blocks = [section(text, block_id=f"task_{t.id}")]
    value = str(t.id)
    elements = []
    if actionable:
        elements += [
            button("Done", ids.ACTION_DONE, value, style="primary"),
            {"type": "overflow", "action_id": ids.ACTION_SNOOZE, "options": [
                option("Snooze until tomorrow", f"{ids.SNOOZE_TOMORROW}:{value}"),
                option("Snooze until next week", f"{ids.SNOOZE_NEXT_WEEK}:{value}"),
                option("Snooze until a date…", f"{ids.SNOOZE_PICK_DATE}:{value}"),
            ]},
            button("Not mine", ids.ACTION_NOT_MINE, value, confirm={
                "title": {"type": "plain_text", "text": "Not their task?" if theirs else "Not your task?"},
                "text": {"type": "mrkdwn", "text": (
                    f"It leaves <@{t.assignee_id}>'s list and goes to the admins as unowned; they are told."
                    if theirs else "It leaves your list and goes to the admins as unowned.")},
                "confirm": {"type": "plain_text", "text": "Not mine"},
                "deny": {"type": "plain_text", "text": "Keep it"}}),
        ]
    elements.append(button("Why?", ids.ACTION_WHY, value))
    if actionable and editable:
        elements.append(button("Edit", ids.ACTION_EDIT, value))
    blocks.append({"type": "actions", "block_id": f"{where}:{t.id}", "elements": elements})
    return blocks


def empty_state(whose: str = "You") -> list[dict]:
    return [section(
        f"*{whose} have no open tasks in Headwork yet.* Here is how to add some:\n"
        "• `/task Write the launch email by Friday` — a task for yourself, due Friday\n"
        "• On any message: *⋯ More actions → Make this a task*\n"
        "• An admin can import from Asana, Jira or Linear: `headwork import export.csv --from asana`")]


def build_top5(entries: list[RankedTask], now: datetime, viewer_id: str, owner_id: str,
               actionable: bool = True, requested: int = 5, notice: str | None = None) -> list[dict]:
    """The ephemeral /top5 reply. `notice` says what the last button press did."""
    mine = viewer_id == owner_id
    title = f"Your top {requested}" if mine else f"Top {requested} for <@{owner_id}>"
    blocks = [context(notice)] if notice else []
    if not entries:
        return blocks + [section(f"*{title}*"),
                         *(empty_state() if mine else [section(f"<@{owner_id}> has no open tasks.")])]
    blocks.append(section(f"*{title}* · {now:%a %d %b, %H:%M} ({now.tzinfo})"))
    where = list_tag(owner_id, requested)
    for entry in entries:
        blocks += task_card(entry, now, actionable, where, viewer_id=viewer_id)
    tools = [button("Refresh", ids.ACTION_REFRESH, f"{owner_id}:{requested}")]
    if requested < 10 and len(entries) == requested:
        tools.append(button("Show top 10", ids.ACTION_SHOW_MORE, f"{owner_id}:10"))
    blocks.append({"type": "actions", "block_id": f"{where}:tools", "elements": tools})
    blocks.append(context("Scores update hourly and whenever a task changes · `/top5 help` · "
                          "the *Home* tab of Headwork shows the same list"))
    return blocks


def fallback_text(entries: list[RankedTask]) -> str:
    if not entries:
        return "No open tasks yet."
    return "Top tasks: " + "; ".join(f"{e.rank}. {e.task.title[:80]}" for e in entries)


def build_help(is_admin: bool) -> list[dict]:
    lines = [
        "*Headwork — `/top5`*",
        "`/top5` — your five highest-scoring open tasks, and why",
        "`/top5 N` — your top N (up to 10)",
        "`/top5 @someone` — someone else's list (admins, and that person's manager)",
        "`/top5 team` — the top 3 of everyone on the teams you manage (an admin: every team)",
        "`/task <title>` — add a task for yourself",
        "Buttons on each task: *Done*, *Snooze* (tomorrow, next week, a date), *Not mine*, *Why?* "
        "(every term of the score; correct its value bands there).",
        "Open the *Home* tab of Headwork for the same list at any time.",
    ]
    if is_admin:
        lines.append("_You are an admin: Home shows scoring status and tasks without an owner._")
    return [section("\n".join(lines)), divider(),
            context("Scores come from a value model your admins can read: bands judged by AI or rules, "
                    "signals computed from due dates, progress and estimates.")]
