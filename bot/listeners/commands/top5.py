"""/top5, /top5 N, /top5 @someone, /top5 team, /top5 help."""

from __future__ import annotations

import re

from ...blocks.top5 import build_help
from ...deps import Deps
from ...screens import MAX_N, team_reply, top5_reply

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def parse_top5(text: str) -> dict:
    """'' | 'help' | 'team' | 'N' | '<@U..>' | '<@U..> N' -> {'help'} | {'team'} | {'owner', 'n'} | {'error'}."""
    words = text.split()
    if words and words[0].lower() in ("help", "?", "-h", "--help"):
        return {"help": True}
    if [w.lower() for w in words] == ["team"]:
        return {"team": True}
    owner, n = None, 5
    for word in words:
        mention = MENTION.match(word)
        if mention:
            if owner is not None and owner != mention.group(1):
                return {"error": "One person at a time: `/top5 @someone`. A manager sees their whole team with "
                                 "`/top5 team`."}
            owner = mention.group(1)
        elif word.isdecimal():
            n = int(word)
            if not 1 <= n <= MAX_N:
                return {"error": f"I can show between 1 and {MAX_N} tasks — try `/top5 {min(max(n, 1), MAX_N)}`."}
        elif word.startswith("@"):
            return {"error": f"I couldn't tell who {word} is. Pick them from the @-mention list so Slack "
                             "sends me their user id."}
        else:
            return {"error": f"I didn't understand `{word}`. Try `/top5`, `/top5 10`, `/top5 @someone`, `/top5 team` "
                             "or `/top5 help`."}
    return {"owner": owner, "n": n}


def handle_top5(ack, command: dict, deps: Deps, respond) -> None:
    viewer = command["user_id"]
    parsed = parse_top5(command.get("text") or "")
    if parsed.get("help"):
        ack(response_type="ephemeral", text="How /top5 works", blocks=build_help(deps.is_admin(viewer)))
        return
    if "error" in parsed:
        ack(response_type="ephemeral", text=parsed["error"])
        return
    if parsed.get("team"):
        reply = team_reply(deps, viewer, deps.now_for(viewer))
        ack(**(reply or {"response_type": "ephemeral", "text":
                         "You don't lead a team in Headwork, so there is no team list to show. Teams and their "
                         "managers are set by your admins (`org.teams` in headwork.yml). Your own list: `/top5`."}))
        return
    owner = parsed["owner"] or viewer
    if not deps.may_view(viewer, owner):
        ack(response_type="ephemeral",
            text=f"Sorry — only admins and <@{owner}>'s manager can see their list. "
                 "You can always see your own with `/top5`.")
        return
    tz_used = deps.directory.tz_for(viewer)
    now = deps.clock().astimezone(tz_used)
    ack(**top5_reply(deps, viewer, owner, parsed["n"], now))
    if not deps.directory.is_fresh(viewer, now):
        deps.background.submit(_learn_time_zone, deps, viewer, owner, parsed["n"], tz_used, respond)


def _learn_time_zone(deps: Deps, viewer: str, owner: str, n: int, tz_used, respond) -> None:
    """First contact: ask Slack for the person's time zone; redraw if we guessed wrong."""
    tz = deps.directory.refresh(viewer, deps.clock())
    if tz is not None and str(tz) != str(tz_used):
        respond(replace_original=True, **top5_reply(deps, viewer, owner, n, deps.clock().astimezone(tz)))
