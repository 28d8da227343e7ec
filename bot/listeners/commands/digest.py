"""/digest: preview, stop, start for recipients; list, add @someone, remove @someone for admins."""

from __future__ import annotations

import logging
import re

from slack_sdk.errors import SlackApiError, SlackClientError

from ...blocks.common import esc
from ...blocks.digest import CHART_IN_DM, build_digest_blocks
from ...deps import Deps
from ...digest.service import _alt_text as chart_alt_text
from ...digest.service import chart_png, default_week, digest_message, figures_for, recipients
from ...store_digest import DigestStore

log = logging.getLogger("headwork.digest")

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
ADMIN_ONLY = ("list", "add", "remove")
LIST_MAX_CHARS = 3000  # one ephemeral reply: Slack cuts a message's text beyond about 4,000

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
        problem = _not_a_reader(deps.directory.person(target), target)
        if problem:  # known already: nothing is added
            ack(response_type="ephemeral", text=f"Not added: {problem}")
            return
        added = store.add_recipient(target, user, now)
        note = (" They had opted out, so they won't get it until they say `/digest start`."
                if target in store.opted_out() else "")
        ack(response_type="ephemeral", text=(f"<@{target}> will get the weekly digest." if added
                                             else f"<@{target}> was already on the list.") + note)
        if added and not deps.directory.is_fresh(target, now):
            # not seen lately: Slack is asked after the ack, and an app or a deactivated account is
            # taken off again, with a note back to the admin
            deps.background.submit(_check_added, deps, target, now, respond)
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
        listed = is_listed(deps, user)  # before the opt-out, which takes them off
        if not store.opt_out(user, now):
            text = "You had already stopped the weekly digest. `/digest start` brings it back."
        elif listed:
            text = "Done — you won't get the weekly digest any more. `/digest start` brings it back."
        else:
            text = ("You weren't getting the weekly digest. Your stop is remembered: if an admin adds you, "
                    "you won't get it until you say `/digest start`.")
        ack(response_type="ephemeral", text=text)
    elif verb == "start":
        lifted = store.opt_in(user)
        if is_listed(deps, user):
            text = "You're getting the weekly digest again." if lifted else "You already get the weekly digest."
        elif lifted:
            text = ("Your stop is lifted, but you're not on the digest list — ask a Headwork admin "
                    "(`/digest add @you`) if you want it.")
        else:
            text = ("You haven't opted out, but you're not on the digest list either — ask a Headwork admin "
                    "(`/digest add @you`).")
        ack(response_type="ephemeral", text=text)
    elif verb == "preview":
        if not (deps.is_admin(user) or user in recipients(deps)):
            ack(response_type="ephemeral", text="Sorry — the digest preview is for its recipients and Headwork "
                                                "admins.")
            return
        ack(response_type="ephemeral", text="Building the digest preview…")
        deps.background.submit(_preview, deps, respond, now, user, command.get("channel_id", ""))


def is_listed(deps: Deps, user: str) -> bool:
    return user in recipients(deps)


def _listing(deps: Deps, store: DigestStore) -> str:
    config = deps.settings.config.digest
    lines = [f"*Digest recipients* — {config.day.capitalize()} {config.time:%H:%M}, each in their own time zone"
             + ("" if config.enabled else " (*paused*: `digest.enabled` is false)")]
    out = store.opted_out()
    groups = [(source, users) for source, users in (
        ("headwork.yml", list(config.recipients)),
        (f"user group <!subteam^{config.usergroup}>" if config.usergroup else "",
         store.usergroup_members(config.usergroup)[0] if config.usergroup else []),
        ("added in Slack", store.added_recipients())) if users]
    if not groups:
        lines.append("Nobody yet. Add someone with `/digest add @someone`.")
        return "\n".join(lines)
    return _fit_entries(lines[0], [(source, [f"<@{u}>" + _marker(deps, u, out) for u in users])
                                   for source, users in groups])


def _fit_entries(head: str, groups: list[tuple[str, list[str]]], limit: int = LIST_MAX_CHARS) -> str:
    """The heading and each source's people, cut at a whole person (a cut mention would show as
    raw text) to fit one message, saying how many more there are."""
    total = sum(len(entries) for _, entries in groups)
    text, shown = head, 0
    for source, entries in groups:
        line = f"\n• {source}: "
        for i, entry in enumerate(entries):
            piece = (line if i == 0 else ", ") + entry
            left = total - shown - 1
            tail = len(f"\n…and {left:,} more") if left else 0
            if len(text) + len(piece) + tail > limit:
                return text + f"\n…and {total - shown:,} more"
            text += piece
            shown += 1
    return text


def _not_a_reader(person, user: str) -> str | None:
    """Why this Slack account can't read a digest, as far as the app knows: an app, or deactivated."""
    if person is None:
        return None
    if person.is_bot:
        return f"<@{user}> is an app, not a person: the digest would go nowhere."
    if person.deleted:
        return f"<@{user}>'s account is deactivated: the digest would go nowhere."
    return None


def _check_added(deps: Deps, user: str, now, respond) -> None:
    """After the ack of `/digest add` for someone not seen lately: ask Slack (users.info) who they
    are; an app or a deactivated account comes off the list again, and the admin hears why."""
    deps.directory.refresh(user, now)
    problem = _not_a_reader(deps.directory.person(user), user)
    if problem is None:
        return
    DigestStore(deps.store).remove_recipient(user)
    respond(response_type="ephemeral", replace_original=False, text=f"Taken off the digest again: {problem}")


def _marker(deps: Deps, user: str, opted_out: set[str]) -> str:
    if user in opted_out:
        return " _(opted out)_"
    person = deps.directory.person(user)
    if person is not None and person.deleted:
        return " _(account deactivated: not sent)_"
    if person is not None and person.is_bot:
        return " _(an app: not sent)_"
    return ""


def _preview(deps: Deps, respond, now, user: str, typed_in: str) -> None:
    """The digest as the DM shows it, and — as the DM has it — its chart, uploaded into the person's
    DM with Headwork (never where the command was typed: a channel, or a DM with someone else)."""
    figures = figures_for(deps, default_week(now, deps.org_tz()), now)
    chart = deps.settings.config.digest.chart
    dm = None
    if chart:
        try:
            dm = deps.client.conversations_open(users=user)["channel"]["id"]
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("digest preview: conversations.open failed for %s: %s (no chart)", user, _error(exc))
    message = digest_message(figures, chart=dm is not None)
    if dm is not None and dm != typed_in:
        message["blocks"] = build_digest_blocks(figures, chart=True, chart_where=CHART_IN_DM)
    respond(response_type="ephemeral", replace_original=True, text="Preview: " + message["text"],
            blocks=message["blocks"])
    if dm is None:
        return
    try:
        deps.client.files_upload_v2(channel=dm, content=chart_png(figures),
                                    filename=f"headwork-digest-{figures['week']}-preview.png",
                                    title=f"Preview: workslop hours and value delivered, 8 weeks to {figures['week']}",
                                    alt_txt=chart_alt_text(figures))
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("digest preview: the chart for %s was not uploaded: %s", user, _error(exc))
        respond(response_type="ephemeral", replace_original=False,
                text=f"The preview's chart couldn't be uploaded to your DM with Headwork ({_error(exc)}).")


def _error(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("error", "unknown_error")) if response is not None else type(exc).__name__
