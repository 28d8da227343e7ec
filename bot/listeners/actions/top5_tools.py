"""Refresh and Show top 10 under a /top5 list (and Refresh on App Home); Previous / Next under
`/top5 team`."""

from __future__ import annotations

from ...delivery import publish_home, redraw, respond_to
from ...deps import Deps
from ...screens import MAX_N, Origin, team_reply


def _list_of(value: str, viewer: str, deps: Deps) -> tuple[str, int] | None:
    owner, _, n = str(value or "").partition(":")
    if not owner or not n.isdecimal() or not 1 <= int(n) <= MAX_N or not deps.may_view(viewer, owner):
        return None
    return owner, int(n)


def handle_refresh(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    wanted = _list_of(action.get("value", ""), user, deps)
    if wanted is None:  # the Home tab's Refresh, or a stale button: Home is always safe to redraw
        deps.background.submit(publish_home, deps, user)
        return
    owner, n = wanted
    deps.background.submit(redraw, deps, user, Origin("top5", owner, n, body.get("response_url")))


def handle_show_more(ack, body: dict, action: dict, deps: Deps) -> None:
    handle_refresh(ack, body, action, deps)


def handle_team_page(ack, body: dict, action: dict, deps: Deps) -> None:
    """Another page of `/top5 team`, in place of the one shown: the teams as they are now (someone
    who no longer leads one is told so, as `/top5 team` would)."""
    ack()
    value = str(action.get("value") or "")
    page = int(value) if value.isdecimal() and len(value) <= 4 else 0
    deps.background.submit(_show_team_page, deps, body["user"]["id"], page, body.get("response_url"))


def _show_team_page(deps: Deps, viewer: str, page: int, response_url: str | None) -> None:
    reply = team_reply(deps, viewer, deps.now_for(viewer), page)
    respond_to(response_url, {"replace_original": True, **(reply or {
        "response_type": "ephemeral", "text": "You don't lead a team in Headwork any more, so there is no team list "
                                              "to show. Your own list: `/top5`."})})
