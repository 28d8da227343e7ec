"""The App Home tab: the live top 5, what comes next, and (for admins) a short status."""

from __future__ import annotations

from datetime import datetime

from scoring.ranking import RankedTask

from .. import ids
from .common import VIEW_BLOCKS_MAX, button, context, divider, esc, header, link, section
from .top5 import empty_state, task_card
from .team import TeamView, build_team_home
from .unowned import UnownedList, build_unowned


def build_home(top: list[RankedTask], next_up: list[RankedTask], now: datetime,
               admin_status: dict | None = None, notice: str | None = None,
               unowned: UnownedList | None = None, team: list[TeamView] | None = None) -> dict:
    blocks = [header("Your top 5"),
              context(f"Live scores · {now:%a %d %b, %H:%M} ({now.tzinfo}) · updated whenever a task changes"),
              {"type": "actions", "block_id": "home_tools", "elements": [
                  button("Add a task", ids.ACTION_ADD_TASK, "add"), button("Refresh", ids.ACTION_REFRESH, "home")]}]
    if notice:
        blocks.append(context(notice))
    if top:
        for entry in top:
            blocks += task_card(entry, now, actionable=True, where="home", editable=True)
    else:
        blocks += empty_state()
    if next_up:
        blocks.append(divider())
        lines = [f"{e.rank}. {link(e.task.url, e.task.title[:150])} · {e.score.total:g} pts" for e in next_up]
        blocks.append(section("*What comes next*\n" + "\n".join(lines)))
    if admin_status is not None:
        blocks += build_admin_status(admin_status)
    if unowned is not None:
        blocks += build_unowned(unowned, now)
    if team:
        blocks += build_team_home(team, now, VIEW_BLOCKS_MAX - len(blocks))
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS_MAX]}


def build_admin_status(status: dict) -> list[dict]:
    lines = [f"• Last rescore: {status.get('last_rescore') or 'not yet'}",
             f"• Categorizer: {status.get('categorizer', 'unknown')}"
             + (f" · {status['pending']} task(s) waiting to be judged" if status.get("pending") else ""),
             f"• Open tasks without an owner: {status.get('unowned', 0)}"]
    unknown = status.get("unknown_emails") or []
    if unknown:
        shown = ", ".join(esc(e) for e in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        lines.append(f"• Task owners with no Slack account found: {shown}{more}")
    if status.get("outbox_failed"):
        lines.append(f"• Messages Slack refused: {status['outbox_failed']} (see the logs)")
    return [divider(), section("*Admin status*\n" + "\n".join(lines))]
