""""Flag as workslop" on a message: the same questions as the prompt, plus a note, in a modal.
Nothing is stored until they submit; the rules (no self-flags, the daily cap) are checked here
first so nobody fills in a form that cannot be saved."""

from __future__ import annotations

from ... import ids
from ...blocks.workslop import build_flag_modal, build_notice_modal
from ...delivery import open_modal
from ...deps import Deps
from ...workslop.flagging import day_start, ledger_of

SELF_FLAG = "That's your own message — workslop flags are for AI output you received from someone else."


def cap_text(cap: int) -> str:
    return f"You've reached today's limit of {cap} flags. Thanks for flagging — you can flag again tomorrow."


def handle_flag_workslop_shortcut(ack, shortcut: dict, deps: Deps) -> None:
    ack()
    user = shortcut["user"]["id"]
    message = shortcut.get("message") or {}
    channel = str((shortcut.get("channel") or {}).get("id") or "")
    ts = str(message.get("ts") or shortcut.get("message_ts") or "")
    author = message.get("user") if isinstance(message.get("user"), str) else None
    if message.get("bot_id") or message.get("subtype") == "bot_message":
        author = None  # an app posted it: no author to be told, ever
    if not channel or not ts:
        view = build_notice_modal("Flag as workslop", "Slack didn't say which message this was. Please try again.")
    elif author == user:
        view = build_notice_modal("Flag as workslop", SELF_FLAG)
    else:
        ledger = ledger_of(deps)
        item = f"msg:{channel}:{ts}"
        existing = ledger.find(user, item)
        cap = deps.settings.config.workslop.daily_cap
        if existing is None and ledger.count_since(user, day_start(deps, user, deps.now())) >= cap:
            view = build_notice_modal("Flag as workslop", cap_text(cap))
        else:
            intro = ("You already flagged this message — change what it cost you:" if existing else
                     "What did this AI output cost you? Only you see your answers.")
            view = build_flag_modal(ids.VIEW_WS_FLAG, intro, {"item": item, "channel": channel, "author": author},
                                    flag=existing)
    deps.background.submit(open_modal, deps, shortcut["trigger_id"], view)
