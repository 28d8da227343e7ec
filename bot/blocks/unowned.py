"""Tasks nobody owns: the admins' list on App Home (with *Give to…* on each Slack task), and the
messages the admins and a team's manager get when someone's account is deactivated, and when it
is active again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scoring.ranking import RankedTask
from scoring.sources.formats import FORMATS
from scoring.tasks import Task

from .. import ids
from .common import button, context, divider, esc, link, plain, section
from .top5 import due_text, why_line

HOME_MAX = 5  # the Home tab lists this many; the count says how many more there are
MESSAGE_MAX = 5

# the export formats' own names (a sync shares its format's), but a generic CSV's: it names no tool
_SOURCES = {fmt.source: fmt.label for fmt in FORMATS.values()} | {"csv": "the file it was imported from"}


def source_label(source: str) -> str:
    return _SOURCES.get(source, source)


def block_id(task_id: int) -> str:
    """The *Give to…* menu's block: the task it gives travels in it (a users_select has no value)."""
    return f"{ids.BLOCK_UNOWNED_PREFIX}{task_id}"


def task_id_of(block: str | None) -> int | None:
    tail = str(block or "").removeprefix(ids.BLOCK_UNOWNED_PREFIX)
    return int(tail) if str(block or "").startswith(ids.BLOCK_UNOWNED_PREFIX) and tail.isdecimal() else None


@dataclass(frozen=True)
class Unowned:
    """One task nobody owns, as an admin sees it: why it has no owner, and whether Headwork may give it."""

    entry: RankedTask
    reason: str  # "handed back by Tom Okafor (Not mine)", "was Tom Okafor's: account deactivated" …
    assignable: bool  # a Slack task; one from Asana, Jira or Linear gets its owner there


@dataclass(frozen=True)
class UnownedList:
    """What one person's Home lists of the tasks nobody owns: all of them for an admin; for a team's
    manager, those their team handed back or left behind."""

    items: list[Unowned]
    count: int
    heading: str = "Tasks nobody owns"
    admin: bool = True  # Done and Why? too (a manager gives tasks out; closing one is an admin's call)
    snoozed: int = 0  # of `count`, snoozed now: not listed until they wake
    first_back: datetime | None = None  # when the first of those wakes


def build_unowned(unowned: UnownedList, now: datetime) -> list[dict]:
    """The Home tab's section: the most valuable tasks nobody owns, each with its reason, a *Give to…*
    menu (Slack tasks) or where to assign it (imported ones), and *Done* and *Why?*."""
    items, count = unowned.items, unowned.count
    if not items and not count:
        return []
    more = f" · the {len(items)} most valuable shown" if items and count - unowned.snoozed > len(items) else ""
    blocks = [divider(), section(f"*{esc(unowned.heading)}* ({count}){more}")]
    for item in items:
        t = item.entry.task
        text = (f"*{link(t.url, t.title[:250])}*  ·  {item.entry.score.total:g} pts\n"
                f"{why_line(item.entry)}\n_{due_text(item.entry, now)}_")
        accessory = None
        if item.assignable:
            accessory = {"type": "users_select", "action_id": ids.ACTION_GIVE_TASK,
                         "placeholder": plain("Give to…", 150)}
        blocks.append(section(text, block_id=block_id(t.id), accessory=accessory))
        where = "" if item.assignable else f" · its owner comes from {source_label(t.source)}: assign it there"
        blocks.append(context(esc(item.reason) + where))
        if unowned.admin:
            blocks.append({"type": "actions", "block_id": f"home:unowned:{t.id}", "elements": [
                button("Done", ids.ACTION_DONE, str(t.id)), button("Why?", ids.ACTION_WHY, str(t.id))]})
    if unowned.snoozed:
        blocks.append(context(snoozed_text(unowned.snoozed, unowned.first_back, now)))
    return blocks


def snoozed_text(snoozed: int, first_back: datetime | None, now: datetime) -> str:
    """'2 snoozed, not listed until they are back: the first on Mon 09 Mar, 09:00' (in the viewer's zone)."""
    them = "it is" if snoozed == 1 else "they are"
    when = f": {'' if snoozed == 1 else 'the first '}on {first_back.astimezone(now.tzinfo):%a %d %b, %H:%M}" \
        if first_back is not None else ""
    return f"{snoozed} snoozed, not listed until {them} back{when}"


def build_owner_left(name: str, top: list[tuple[Task, float]], count: int, any_imported: bool) -> tuple[str, list[dict]]:
    """(text, blocks) of the note that a deactivated account's `count` open tasks have no owner
    now; `top` the most valuable of them with their points."""
    them, have = ("it", "has") if count == 1 else ("them", "have")
    said = f"their {count} open task{'' if count == 1 else 's'} {have} no owner now"
    text = f"{name}'s Slack account was deactivated, so {said}."
    lines = _task_lines(top, count)
    hint = (f"You or an admin can give {them} to someone from *Tasks nobody owns* (a manager: *Tasks your "
            "team left*) on Headwork's Home tab.")
    if any_imported:
        hint += " A task from Asana, Jira or Linear gets its new owner there."
    hint += f" If the account is reactivated, what nobody was given meanwhile goes back to {name}."
    blocks = [section(f"*{esc(name)}*'s Slack account was deactivated, so {said}:"), section("\n".join(lines)),
              context(hint)]
    return text, blocks


def build_owner_back(name: str, top: list[tuple[Task, float]], count: int) -> tuple[str, list[dict]]:
    """(text, blocks) of the note that a reactivated account has its `count` open tasks back (those
    it left behind that nobody was given meanwhile); `top` the most valuable with their points."""
    tasks = f"{count} open task{'' if count == 1 else 's'}"
    text = f"{name}'s Slack account is active again, so the {tasks} it left behind {'is' if count == 1 else 'are'} " \
           f"{name}'s again."
    lines = _task_lines(top, count)
    blocks = [section(f"*{esc(name)}*'s Slack account is active again, so the {tasks} it left behind "
                      f"{'is' if count == 1 else 'are'} theirs again:"), section("\n".join(lines)),
              context("A task someone was given meanwhile stays with them.")]
    return text, blocks


def _task_lines(top: list[tuple[Task, float]], count: int) -> list[str]:
    """A message's list of the most valuable of `count` tasks, with their points, and how many more."""
    lines = [f"• {link(task.url, task.title[:200])} · {total:g} pts" for task, total in top[:MESSAGE_MAX]]
    if count > len(lines):
        lines.append(f"…and {count - len(lines)} more")
    return lines
