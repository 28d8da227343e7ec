""""Make this a task" on any message: the task modal, its title taken from the message, its
owner the person who asked, a link back to the message. Nothing is stored until they submit."""

from __future__ import annotations

import re

from ...blocks.tasks import build_task_modal
from ...delivery import open_modal
from ...deps import Deps
from ...tasks_service import TITLE_MAX, message_permalink

_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#(C[A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")


def plain_text(text: str, name_for=lambda user_id: user_id) -> str:
    """Slack's message markup as a person reads it: `<@U1|ana>` → @ana, `<https://x|label>` → label."""
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _USER.sub(lambda m: "@" + (m.group(2) or name_for(m.group(1))), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _SUBTEAM.sub(lambda m: m.group(1) or "@group", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def title_from(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "…"


def handle_make_task_shortcut(ack, shortcut: dict, deps: Deps) -> None:
    ack()
    user = shortcut["user"]["id"]
    message = shortcut.get("message") or {}
    channel = (shortcut.get("channel") or {}).get("id", "")
    text = plain_text(str(message.get("text") or ""), deps.directory.name_for)
    ts = str(message.get("ts") or shortcut.get("message_ts") or "")
    url = message_permalink((shortcut.get("team") or {}).get("domain"), channel, ts) if channel and ts else ""
    metadata = {"url": url, "notes": text if len(text) > len(title_from(text)) else ""}
    view = build_task_modal(owner=user, title=title_from(text), metadata=metadata)
    deps.background.submit(open_modal, deps, shortcut["trigger_id"], view)
