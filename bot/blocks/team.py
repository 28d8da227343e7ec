"""`/top5 team`: what each person on a lead's teams has at the top of their list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scoring.ranking import RankedTask

from .common import MESSAGE_BLOCKS_MAX, context, divider, esc, link, section
from .top5 import due_text

PER_PERSON = 3


@dataclass(frozen=True)
class Member:
    user_id: str
    top: list[RankedTask]  # their highest-scoring open tasks, at most `asked`
    open_tasks: int  # all of their open tasks (snoozed ones too)
    asked: int = PER_PERSON
    deactivated: bool = False  # their Slack account is (no capacity to give work to)


@dataclass(frozen=True)
class TeamView:
    name: str
    members: list[Member]


def build_team(teams: list[TeamView], now: datetime) -> list[dict]:
    """One section per person, team by team: their open-task count and top tasks with points and due
    date; someone with nothing open says so (a lead may want to give them something)."""
    blocks = [section(f"*Your teams' top tasks* · {now:%a %d %b, %H:%M} ({now.tzinfo})")]
    layout, left_out = _reply_layout(teams)
    for team, members in layout:
        people = (f"{len(team.members)} {'person' if len(team.members) == 1 else 'people'}" if team.members
                  else "nobody but you")
        blocks.append(context(f"*{esc(team.name)}* · {people}"))
        blocks += [section(member_text(member, now)) for member in members]
    if left_out:
        blocks.append(context(f"…and {left_out} more: `/top5 @someone` shows anyone's list."))
    blocks.append(context("`/top5 @someone` shows one person's whole list, with its buttons · scores update "
                          "hourly and whenever a task changes"))
    return blocks


def _reply_layout(teams: list[TeamView]) -> tuple[list[tuple[TeamView, list[Member]]], int]:
    """What `/top5 team` has room for: (each team whose heading fits, with the members that fit under
    it), and how many member lines are left out (one block a line, within a message's 50)."""
    room = MESSAGE_BLOCKS_MAX - 3  # the heading, the closing line and a line for whoever does not fit
    used, left_out, layout = 1, 0, []
    for team in teams:
        if used + 2 > room:
            left_out += len(team.members)
            continue
        fit = team.members[:max(0, room - used - 1)]
        layout.append((team, fit))
        used += 1 + len(fit)
        left_out += len(team.members) - len(fit)
    return layout, left_out


def build_team_home(teams: list[TeamView], now: datetime, room: int) -> list[dict]:
    """A lead's Home: each person on their teams with their #1 task, in at most `room` blocks; what
    it says of `/top5 team` is what that reply has room for."""
    people = list({m.user_id: m for t in teams for m in t.members}.values())  # someone in two of their teams: once
    if not people or room < 3:
        return []
    layout, left_out = _reply_layout(teams)
    in_reply = len({m.user_id for _, members in layout for m in members})
    everyone = not left_out
    top3 = "their top 3" if everyone else f"the top 3 of the first {in_reply}"
    blocks = [divider(), section(f"*Your team* · each person's most valuable open task · `/top5 team` for {top3}")]
    shown = people[:room - 3]
    blocks += [section(member_text(m, now)) for m in shown]
    if len(people) > len(shown):
        rest = len(people) - len(shown)
        blocks.append(context(f"…and {rest} more: `/top5 team` lists everyone." if everyone else
                              f"…and {rest} more: `/top5 @someone` shows anyone's list (`/top5 team` has room "
                              f"for {in_reply} of your {len(people)} people)."))
    return blocks


def member_text(member: Member, now: datetime) -> str:
    head = f"*<@{member.user_id}>*"
    if member.deactivated:  # not free to take work, whatever they still hold
        head += " · account deactivated"
        if not member.open_tasks:
            return head
    if not member.open_tasks:
        return f"{head} · no open tasks"
    snoozed = member.open_tasks - len(member.top) if len(member.top) < member.asked else 0
    count = f"{member.open_tasks} open task{'' if member.open_tasks == 1 else 's'}"
    if not member.top:
        return f"{head} · {count}, all snoozed"
    lines = [f"{head} · {count}" + (f" ({snoozed} snoozed)" if snoozed else "")]
    for entry in member.top:
        lines.append(f"{entry.rank}. {link(entry.task.url, entry.task.title[:150])} · {entry.score.total:g} pts · "
                     f"{due_text(entry, now)}")
    return "\n".join(lines)


def fallback_text(teams: list[TeamView]) -> str:
    people = sum(len(t.members) for t in teams)
    return f"Top tasks of {people} people on {', '.join(t.name for t in teams)}"
