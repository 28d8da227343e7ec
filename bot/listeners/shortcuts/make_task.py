""""Make this a task" on any message: the task modal, its title taken from the message (and its
due date, when the first line ends with one: "Can you send the deck by Friday?"), its owner the
person who asked, a link back to the message. Nothing is stored until they submit."""

from __future__ import annotations

from ...blocks.tasks import build_task_modal
from ...delivery import open_modal
from ...deps import Deps
from ...quick_add import read_due_date
from ...slack_text import plain_text
from ...tasks_service import fit_title, message_permalink


def title_from(text: str) -> str:
    return fit_title(next((line.strip() for line in text.splitlines() if line.strip()), ""))


def handle_make_task_shortcut(ack, shortcut: dict, deps: Deps) -> None:
    ack()
    user = shortcut["user"]["id"]
    message = shortcut.get("message") or {}
    channel = (shortcut.get("channel") or {}).get("id", "")
    text = plain_text(str(message.get("text") or ""), deps.directory.name_for)
    ts = str(message.get("ts") or shortcut.get("message_ts") or "")
    url = message_permalink((shortcut.get("team") or {}).get("domain"), channel, ts) if channel and ts else ""
    title = title_from(text)
    metadata = {"url": url, "notes": text if len(text) > len(title) else ""}
    dated = read_due_date(title, deps.now_for(user).date())  # "… by Friday?": the form's due date, set
    view = build_task_modal(owner=user, title=dated.title, due=dated.due, metadata=metadata)
    deps.background.submit(open_modal, deps, shortcut["trigger_id"], view)
