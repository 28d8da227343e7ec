"""What a person sees, assembled from the store: the /top5 reply, App Home, the Why? modal.

Reads only (fast, indexed); the Web API calls that deliver them live in the listeners."""

from __future__ import annotations

from datetime import datetime

from scoring.ranking import explain, top_for

from .blocks.home import build_home
from .blocks.top5 import build_top5, fallback_text
from .blocks.why import build_why_modal
from .deps import Deps

MAX_N = 10


def top5_reply(deps: Deps, viewer: str, owner: str, n: int, now: datetime) -> dict:
    entries = top_for(deps.store, deps.model, owner, n, now)
    actionable = viewer == owner or deps.is_admin(viewer)
    blocks = build_top5(entries, now, viewer, owner, actionable=actionable, requested=n)
    # remember whose list this is, so a button press can redraw exactly this list
    blocks[0]["block_id"] = f"top5:{owner}:{n}"
    return {"response_type": "ephemeral", "text": fallback_text(entries), "blocks": blocks}


def parse_list_marker(blocks: list[dict]) -> tuple[str, int] | None:
    if not blocks:
        return None
    parts = str(blocks[0].get("block_id", "")).split(":")
    if len(parts) == 3 and parts[0] == "top5" and parts[2].isdigit():
        return parts[1], int(parts[2])
    return None


def admin_status(deps: Deps, now: datetime) -> dict:
    store = deps.store
    last = store.get_meta("scores.last_rescore_at")
    if last:
        last = datetime.fromisoformat(last).astimezone(now.tzinfo).strftime("%a %d %b, %H:%M")
    status = {"last_rescore": last, "unowned": store.unowned_open_count(),
              "unknown_emails": store.unknown_emails(), "pending": store.pending_count(),
              "categorizer": "offline rules"}
    if deps.status is not None:
        status.update(deps.status())
    failed = deps.outbox.db.counts().get("failed", 0)
    if failed:
        status["outbox_failed"] = failed
    return status


def home_view(deps: Deps, user_id: str, now: datetime) -> dict:
    ranked = top_for(deps.store, deps.model, user_id, 10, now)
    status = admin_status(deps, now) if deps.is_admin(user_id) else None
    return build_home(ranked[:5], ranked[5:], now, status)


def why_view(deps: Deps, viewer: str, task_id: int, now: datetime) -> dict | None:
    entry = explain(deps.store, deps.model, task_id, now)
    if entry is None:
        return None
    can_correct = entry.task.assignee_id == viewer or deps.is_admin(viewer)
    return build_why_modal(entry, deps.model, now, can_correct)
