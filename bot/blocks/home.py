"""The App Home tab: the live top 5, what comes next, and (for admins) a short status."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

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
        blocks += build_admin_status(admin_status, now)
    if unowned is not None:
        blocks += build_unowned(unowned, now)
    if team:
        blocks += build_team_home(team, now, VIEW_BLOCKS_MAX - len(blocks))
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS_MAX]}


def build_admin_status(status: dict, now: datetime) -> list[dict]:
    lines = [f"• Last rescore: {status.get('last_rescore') or 'not yet'}",
             f"• Categorizer: {categorizer_text(status, now)}"
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


def categorizer_text(status: dict, now: datetime) -> str:
    """Who judges value bands right now, and why when it is not the one configured: Claude's daily
    token budget is spent, or its calls are failing (`scoring.categorize.status`; `paused_until`:
    when calls may resume after an outage). Times on the viewer's clock."""
    name = status.get("categorizer") or "unknown"
    if status.get("judge") != "ai":
        return esc(name)
    if status.get("budget_exhausted"):
        midnight = datetime.combine(now.astimezone(timezone.utc).date() + timedelta(days=1), time(0), timezone.utc)
        local = midnight.astimezone(now.tzinfo)
        at = "00:00 UTC" if local.utcoffset() == timedelta(0) else f"{local:%H:%M} (00:00 UTC)"
        used = ""
        if isinstance(status.get("tokens_today"), int) and isinstance(status.get("daily_token_budget"), int):
            reserved = status.get("tokens_reserved")
            more = f", {reserved:,} more reserved for a Message Batch in flight" \
                if isinstance(reserved, int) and reserved > 0 else ""
            used = f" ({status['tokens_today']:,} of {status['daily_token_budget']:,} tokens used{more})"
        return f"the offline rules until {at}: the daily token budget for {esc(name)} is reached{used}"
    paused = status.get("paused_until")
    if isinstance(paused, datetime) and paused > now:
        failure = status.get("last_failure") or {}
        reason = str(failure.get("reason") or "").strip()
        why = f" ({esc(reason[:120] + ('…' if len(reason) > 120 else ''))})" if reason else ""
        return (f"{esc(name)}, paused: its calls are failing{why}; new tasks get the offline rules' bands "
                f"meanwhile · next try at {paused.astimezone(now.tzinfo):%H:%M}")
    return esc(name)
