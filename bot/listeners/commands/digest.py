"""/digest: preview, stop, start for recipients; list, add @someone, remove @someone for admins."""

from __future__ import annotations

import logging
import re

from ...blocks.common import esc
from ...deps import Deps
from ...digest.service import default_week, digest_message, figures_for, recipients
from ...store_digest import DigestStore

log = logging.getLogger("headwork.digest")

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
ADMIN_ONLY = ("list", "add", "remove")

HELP = ("*The weekly digest* — a DM each week (on the configured day and time, in your own time zone) "
        "with what workslop cost the team and whether effort went where the value is. Aggregates only: "
        "nobody who flagged or was flagged is named.\n"
        "• `/digest preview` — the digest now, as it is sent: the last full week (recipients and admins)\n"
        "• `/digest stop` — stop getting it · `/digest start` — get it again\n"
        "• `/digest list` · `/digest add @someone` · `/digest remove @someone` — who gets it (admins)")


def parse_digest(text: str) -> dict:
    words = text.split()
    if not words or words[0].lower() in ("help", "?", "-h", "--help"):
        return {"verb": "help"}
    verb, rest = words[0].lower(), words[1:]
    if verb in ("add", "remove"):
        if len(rest) == 1 and rest[0].startswith("@"):
            # Slack sends a plain "@bob" when nobody was picked from the list (or the command's
            # escaping is off): a name is no user id, and guessing could add the wrong person
            return {"error": f"I couldn't tell who `{esc(rest[0])}` is: Slack sent it as plain text, not as a "
                             "mention. Type @ and pick the person from the list Slack shows, then send "
                             f"`/digest {verb} @someone` again."}
        if len(rest) != 1 or not MENTION.match(rest[0]):
            return {"error": f"Pick one person from the @-mention list: `/digest {verb} @someone`."}
        return {"verb": verb, "user": MENTION.match(rest[0]).group(1)}
    if verb in ("preview", "stop", "start", "list") and not rest:
        return {"verb": verb}
    return {"error": f"I didn't understand `{text.strip()}`. Try `/digest help`."}


def handle_digest(ack, command: dict, deps: Deps, respond) -> None:
    user = command["user_id"]
    parsed = parse_digest(command.get("text") or "")
    if "error" in parsed:
        ack(response_type="ephemeral", text=parsed["error"])
        return
    verb = parsed["verb"]
    if verb == "help":
        ack(response_type="ephemeral", text=HELP)
        return
    if verb in ADMIN_ONLY and not deps.is_admin(user):
        ack(response_type="ephemeral", text="Sorry — only Headwork admins can change or list who gets the digest. "
                                            "You can `/digest stop` or `/digest start` for yourself.")
        return
    store = DigestStore(deps.store)
    now = deps.clock()
    if verb == "add":
        target = parsed["user"]
        added = store.add_recipient(target, user, now)
        note = (" They had opted out, so they won't get it until they say `/digest start`."
                if target in store.opted_out() else "")
        ack(response_type="ephemeral", text=(f"<@{target}> will get the weekly digest." if added
                                             else f"<@{target}> was already on the list.") + note)
    elif verb == "remove":
        target = parsed["user"]
        removed = store.remove_recipient(target)
        still = target in recipients(deps)
        text = f"<@{target}> was removed from the digest." if removed else f"<@{target}> wasn't added from Slack."
        if still:
            text += " They still get it through headwork.yml (`digest.recipients` or the user group)."
        ack(response_type="ephemeral", text=text)
    elif verb == "list":
        ack(response_type="ephemeral", text=_listing(deps, store))
    elif verb == "stop":
        store.opt_out(user, now)
        ack(response_type="ephemeral", text="Done — you won't get the weekly digest any more. "
                                            "`/digest start` brings it back.")
    elif verb == "start":
        store.opt_in(user)
        ack(response_type="ephemeral", text="You're getting the weekly digest again." if is_listed(deps, user) else
            "You haven't opted out, but you're not on the digest list either — ask a Headwork admin "
            "(`/digest add @you`).")
    elif verb == "preview":
        if not (deps.is_admin(user) or user in recipients(deps)):
            ack(response_type="ephemeral", text="Sorry — the digest preview is for its recipients and Headwork "
                                                "admins.")
            return
        ack(response_type="ephemeral", text="Building the digest preview…")
        deps.background.submit(_preview, deps, respond, now)


def is_listed(deps: Deps, user: str) -> bool:
    return user in recipients(deps)


def _listing(deps: Deps, store: DigestStore) -> str:
    config = deps.settings.config.digest
    lines = [f"*Digest recipients* — {config.day.capitalize()} {config.time:%H:%M}, each in their own time zone"
             + ("" if config.enabled else " (*paused*: `digest.enabled` is false)")]
    out = store.opted_out()
    for source, users in (("headwork.yml", list(config.recipients)),
                          (f"user group <!subteam^{config.usergroup}>" if config.usergroup else "",
                           store.usergroup_members(config.usergroup)[0] if config.usergroup else []),
                          ("added in Slack", store.added_recipients())):
        if users:
            lines.append(f"• {source}: " + ", ".join(f"<@{u}>" + _marker(deps, u, out) for u in users))
    if len(lines) == 1:
        lines.append("Nobody yet. Add someone with `/digest add @someone`.")
    return "\n".join(lines)[:3000]


def _marker(deps: Deps, user: str, opted_out: set[str]) -> str:
    if user in opted_out:
        return " _(opted out)_"
    person = deps.directory.person(user)
    if person is not None and person.deleted:
        return " _(account deactivated: not sent)_"
    if person is not None and person.is_bot:
        return " _(an app: not sent)_"
    return ""


def _preview(deps: Deps, respond, now) -> None:
    figures = figures_for(deps, default_week(now, deps.org_tz()), now)
    message = digest_message(figures, chart=deps.settings.config.digest.chart)
    respond(response_type="ephemeral", replace_original=True, text="Preview: " + message["text"],
            blocks=message["blocks"])
