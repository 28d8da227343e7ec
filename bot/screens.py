"""What a person sees, assembled from the store: the /top5 reply, App Home, the Why? modal,
and how to redraw whichever of them a button was pressed on.

Reads only (fast, indexed); the Web API calls that deliver them live in `bot.delivery`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from scoring.categorize import paused_until
from scoring.corrections import no_band_verdict
from scoring.ranking import explain, top_for, top_unowned
from scoring.store import TakenFrom

from .blocks.home import build_home
from .blocks.team import PER_PERSON, Member, TeamView, build_team
from .blocks.team import fallback_text as team_text
from .blocks.top5 import build_top5, fallback_text, parse_where
from .blocks.unowned import HOME_MAX, Unowned, UnownedList, source_label
from .blocks.why import build_why_modal
from .deps import Deps

MAX_N = 10


@dataclass(frozen=True)
class Origin:
    """Where an action came from, so the right surface is redrawn afterwards: a /top5 list
    (whose, how long, and the response_url that can replace it) or the App Home tab."""

    kind: str  # 'top5' | 'home' | 'other'
    owner: str | None = None
    n: int = 5
    response_url: str | None = None

    @classmethod
    def of_action(cls, body: dict, action: dict) -> "Origin":
        kind, owner, n = parse_where(action.get("block_id", ""))
        if kind == "top5":
            return cls("top5", owner, n, body.get("response_url"))
        container = body.get("container") or {}
        if kind == "home" or container.get("type") == "view" and (body.get("view") or {}).get("type") == "home":
            return cls("home")
        return cls("other", response_url=body.get("response_url"))

    def dumps(self, **extra) -> str:
        return json.dumps({**asdict(self), **extra}, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> tuple["Origin", dict]:
        """(origin, the other fields) from a modal's private_metadata; unknown shapes give 'other'."""
        try:
            data = json.loads(text or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        fields = {k: data.pop(k) for k in ("kind", "owner", "n", "response_url") if k in data}
        try:
            origin = cls(str(fields.get("kind", "other")), fields.get("owner"), int(fields.get("n", 5)),
                         fields.get("response_url"))
        except (TypeError, ValueError):
            origin = cls("other")
        return origin, data


def top5_reply(deps: Deps, viewer: str, owner: str, n: int, now: datetime, notice: str | None = None) -> dict:
    entries = top_for(deps.store, deps.model, owner, n, now)
    actionable = viewer == owner or deps.is_admin(viewer)
    blocks = build_top5(entries, now, viewer, owner, actionable=actionable, requested=n, notice=notice)
    return {"response_type": "ephemeral", "text": notice or fallback_text(entries), "blocks": blocks}


def team_reply(deps: Deps, viewer: str, now: datetime, page: int = 0) -> dict | None:
    """`/top5 team`: the top tasks of everyone on the teams the viewer manages (an admin who
    manages none: every team in headwork.yml), one `page` of them. None when there is no such team."""
    teams = deps.settings.org.teams_led_by(viewer)
    if not teams and deps.is_admin(viewer):
        teams = list(deps.settings.org.teams)
    if not teams:
        return None
    views = team_views(deps, viewer, teams, PER_PERSON, now)
    return {"response_type": "ephemeral", "text": team_text(views), "blocks": build_team(views, now, page)}


def team_views(deps: Deps, viewer: str, teams: list, per_person: int, now: datetime) -> list[TeamView]:
    """Each team with each member but the viewer: their top `per_person` tasks and open-task count."""
    people = _members(teams, but=viewer)
    counts = deps.store.open_counts(people)
    tops = {p: top_for(deps.store, deps.model, p, per_person, now) if counts.get(p) else [] for p in people}
    gone = {p for p in people if (person := deps.directory.person(p)) is not None and person.deleted}
    return [TeamView(t.name, [Member(m, tops[m], counts.get(m, 0), per_person, m in gone)
                              for m in t.members if m != viewer])
            for t in teams]


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
        if status.get("judge") == "ai":
            status["paused_until"] = paused_until(store, now)  # an outage: calls wait, the rules stand in
    failed = deps.outbox.db.counts().get("failed", 0)
    if failed:
        status["outbox_failed"] = failed
    return status


def home_view(deps: Deps, user_id: str, now: datetime, notice: str | None = None) -> dict:
    ranked = top_for(deps.store, deps.model, user_id, 10, now)
    led = deps.settings.org.teams_led_by(user_id)  # a lead's Home: what each report is on
    team = team_views(deps, user_id, led, 1, now) if led else None
    if deps.is_admin(user_id):
        status = admin_status(deps, now)
        unowned = unowned_list(deps, now, status["unowned"])
        return build_home(ranked[:5], ranked[5:], now, status, notice, unowned=unowned, team=team)
    unowned = None
    if led:  # what their own people handed back or left behind, to give out again
        people = team_members_of(deps, user_id)
        unowned = unowned_list(deps, now, deps.store.unowned_count_from(people), people)
    return build_home(ranked[:5], ranked[5:], now, None, notice, unowned=unowned, team=team)


def unowned_list(deps: Deps, now: datetime, count: int, taken_from: list[str] | None = None) -> UnownedList:
    """A Home's *Tasks nobody owns* (`taken_from`: a manager's *Tasks your team left*): the most valuable,
    how many in all, and how many of those are snoozed (not listed), so the section never vanishes
    while its count is not 0."""
    items = unowned_items(deps, now, taken_from=taken_from)
    snoozed, first_back = deps.store.unowned_snoozed(now, taken_from) if count > len(items) else (0, None)
    if taken_from is None:
        return UnownedList(items, count, snoozed=snoozed, first_back=first_back)
    return UnownedList(items, count, "Tasks your team left", admin=False, snoozed=snoozed, first_back=first_back)


def team_members_of(deps: Deps, lead: str) -> list[str]:
    """Everyone on the teams `lead` manages, but the lead."""
    return _members(deps.settings.org.teams_led_by(lead), but=lead)


def _members(teams: list, but: str) -> list[str]:
    """Everyone on these teams, each once, in order, but `but`."""
    return list(dict.fromkeys(m for t in teams for m in t.members if m != but))


def unowned_items(deps: Deps, now: datetime, n: int = HOME_MAX, taken_from: list[str] | None = None) -> list[Unowned]:
    """The most valuable open tasks nobody owns (`taken_from`: those these people handed back or left
    behind), each with why it has no owner."""
    entries = top_unowned(deps.store, deps.model, n, now, taken_from)
    given_back = deps.store.disowned_by_many([e.task.id for e in entries])
    return [Unowned(e, unowned_reason(deps, e.task, given_back.get(e.task.id)), e.task.source == "slack")
            for e in entries]


def unowned_reason(deps: Deps, task, taken_from: TakenFrom | None) -> str:
    if taken_from is not None:
        person = deps.directory.person(taken_from.user_id)
        name = person.name if person is not None and person.name else taken_from.user_id
        if taken_from.left or (person is not None and person.deleted):  # the second: released before the flag
            return f"was {name}'s: their account is deactivated"
        if person is not None and person.is_bot:
            return f"was given to {name}, an app"
        return f"handed back by {name} (Not mine)"
    if task.assignee_email:
        known = deps.store.identity(task.assignee_email)
        if known is not None and known[1] == "left" and known[0]:
            return (f"{source_label(task.source)} gives {task.assignee_email} as its owner: "
                    f"{deps.directory.name_for(known[0])}'s Slack account is deactivated")
        return f"{source_label(task.source)} gives {task.assignee_email} as its owner: no Slack account found for it"
    if task.source != "slack":
        return f"no assignee in {source_label(task.source)}"
    return "no owner yet"


def why_view(deps: Deps, viewer: str, task_id: int, now: datetime, origin: Origin) -> dict | None:
    entry = explain(deps.store, deps.model, task_id, now)
    if entry is None:
        return None
    owner = entry.task.assignee_id
    if not (deps.is_admin(viewer) if owner is None else deps.may_view(viewer, owner)):
        return None
    can_correct = entry.task.assignee_id == viewer or deps.is_admin(viewer)
    return build_why_modal(entry, deps.model, now, can_correct, metadata=origin.dumps(task_id=task_id),
                           no_band=no_band_verdict(deps.store, task_id) if not entry.bands else None)
