"""`/top5 team`: what each person on a lead's teams has at the top of their list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scoring.ranking import RankedTask

from .. import ids
from .common import MESSAGE_BLOCKS_MAX, button, context, divider, esc, link, section
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


def build_team(teams: list[TeamView], now: datetime, page: int = 0) -> list[dict]:
    """One section per person, team by team: their open-task count and top tasks with points and due
    date; someone with nothing open says so (a lead may want to give them something). As many people
    as a message has room for: the rest on further pages, with Previous / Next buttons (`page`:
    0-based, past the last one gives the last)."""
    pages = team_pages(teams)
    page = max(0, min(page, len(pages) - 1))
    blocks = [section(f"*Your teams' top tasks* · {now:%a %d %b, %H:%M} ({now.tzinfo})")]
    for team, members, continued in pages[page]:
        people = (f"{len(team.members)} {'person' if len(team.members) == 1 else 'people'}" if team.members
                  else "nobody but you")
        blocks.append(context(f"*{esc(team.name)}* · {people}" + (" (continued)" if continued else "")))
        blocks += [section(member_text(member, now)) for member in members]
    if len(pages) > 1:
        before = sum(len(members) for p in pages[:page] for _, members, _ in p)
        here = sum(len(members) for _, members, _ in pages[page])
        total = sum(len(t.members) for t in teams)
        nav = []
        if page > 0:
            nav.append(button("← Previous", ids.ACTION_TEAM_PREVIOUS, str(page - 1)))
        if page < len(pages) - 1:
            following = sum(len(members) for _, members, _ in pages[page + 1])
            nav.append(button(f"Next {following} →", ids.ACTION_TEAM_NEXT, str(page + 1)))
        blocks.append({"type": "actions", "block_id": "team_pages", "elements": nav})
        blocks.append(context(f"People {before + 1}–{before + here} of {total} · page {page + 1} of {len(pages)} · "
                              "`/top5 @someone` shows one person's whole list · scores update hourly and "
                              "whenever a task changes"))
        return blocks
    blocks.append(context("`/top5 @someone` shows one person's whole list, with its buttons · scores update "
                          "hourly and whenever a task changes"))
    return blocks


Page = list[tuple[TeamView, list[Member], bool]]


def team_pages(teams: list[TeamView]) -> list[Page]:
    """`/top5 team` cut into messages: on each, (team, the members on it, whether the team began on
    an earlier page), one block a member and one a team's heading, within a message's 50 blocks
    less the reply's heading, its buttons and its closing line. Always at least one page."""
    room = MESSAGE_BLOCKS_MAX - 3
    pages: list[Page] = []
    page: Page = []
    used = 1  # the reply's heading
    for team in teams:
        rest, continued = list(team.members), False
        while True:
            if used + (2 if rest else 1) > room and page:
                pages.append(page)
                page, used = [], 1
            fit = rest[:room - used - 1]
            page.append((team, fit, continued))
            used += 1 + len(fit)
            rest = rest[len(fit):]
            if not rest:
                break
            continued = True
    pages.append(page)
    return pages


def build_team_home(teams: list[TeamView], now: datetime, room: int) -> list[dict]:
    """A lead's Home: each person on their teams with their #1 task, in at most `room` blocks (the
    rest: `/top5 team`, which pages through everyone)."""
    people = list({m.user_id: m for t in teams for m in t.members}.values())  # someone in two of their teams: once
    if not people or room < 3:
        return []
    blocks = [divider(), section("*Your team* · each person's most valuable open task · `/top5 team` for their top 3")]
    shown = people[:room - 3]
    blocks += [section(member_text(m, now)) for m in shown]
    if len(people) > len(shown):
        blocks.append(context(f"…and {len(people) - len(shown)} more: `/top5 team` lists everyone."))
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
