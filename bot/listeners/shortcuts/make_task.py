""""Make this a task" on any message: the task modal, its title taken from the message (and its
due date, when the first line ends with one: "Can you send the deck by Friday?"), its owner the
person who asked, a link back to the message. Nothing is stored until they submit."""

from __future__ import annotations

import re

from ...blocks.tasks import build_task_modal
from ...delivery import open_modal
from ...deps import Deps
from ...quick_add import read_due_date
from ...slack_text import plain_text
from ...tasks_service import fit_title, message_permalink


_EMPHASIS = re.compile(r"^([*_~]+)(.+?)\1$")  # a first line in *bold*, _italics_ or ~strike~ as a whole


def title_from(text: str) -> str:
    """The message's first non-empty line, without the emphasis marks around it (a bold first line
    is still a title, and may end in a due date)."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    m = _EMPHASIS.match(line)
    return fit_title(m.group(2).strip() if m else line)


def attachment_title(message: dict) -> str:
    """A message with no text (a file shared alone, an app's attachment): what it shares, by name."""
    for file in message.get("files") or []:
        if isinstance(file, dict) and (file.get("title") or file.get("name")):
            return fit_title(f"Look at {str(file.get('title') or file.get('name')).strip()}")
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, dict):
            found = attachment.get("title") or attachment.get("fallback") or attachment.get("pretext")
            if found:
                return title_from(str(found))
    return ""


def handle_make_task_shortcut(ack, shortcut: dict, deps: Deps) -> None:
    ack()
    user = shortcut["user"]["id"]
    message = shortcut.get("message") or {}
    channel = (shortcut.get("channel") or {}).get("id", "")
    text = plain_text(str(message.get("text") or ""), deps.directory.name_for)
    ts = str(message.get("ts") or shortcut.get("message_ts") or "")
    url = message_permalink((shortcut.get("team") or {}).get("domain"), channel, ts) if channel and ts else ""
    title = title_from(text) or attachment_title(message)
    metadata = {"url": url, "notes": text if len(text) > len(title) else ""}
    dated = read_due_date(title, deps.now_for(user).date())  # "… by Friday?": the form's due date, set
    view = build_task_modal(owner=user, title=dated.title, due=dated.due, metadata=metadata)
    deps.background.submit(open_modal, deps, shortcut["trigger_id"], view)
