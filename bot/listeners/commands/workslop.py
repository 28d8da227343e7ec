"""/workslop (your own flags this week, Rate and Undo) and /workslop help. There is no
/workslop @someone: nobody can see another person's flags."""

from __future__ import annotations

from ...blocks.workslop import build_help
from ...deps import Deps
from ...workslop.mine import my_week_reply

PRIVATE_TO_EACH = ("Flags are private to the person who made them — nobody can see anyone else's, "
                   "and they can't see yours. Leaders see team totals only. `/workslop` shows your own.")


def handle_workslop(ack, command: dict, deps: Deps) -> None:
    user = command["user_id"]
    words = (command.get("text") or "").split()
    if words and words[0].lower() in ("help", "?", "-h", "--help"):
        config = deps.settings.config.workslop
        ack(**build_help(config.reactions, config.daily_cap, config.author_note))
        return
    if words and any(w.startswith(("<@", "@")) for w in words):
        ack(response_type="ephemeral", text=PRIVATE_TO_EACH)
        return
    if words and words[0].lower() not in ("me", "mine", "week"):
        ack(response_type="ephemeral", text=f"I didn't understand `{words[0]}`. Try `/workslop` or `/workslop help`.")
        return
    ack(**my_week_reply(deps, user))
