"""Refresh and Show top 10 under a /top5 list (and Refresh on App Home)."""

from __future__ import annotations

from ...delivery import publish_home, redraw
from ...deps import Deps
from ...screens import MAX_N, Origin


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
