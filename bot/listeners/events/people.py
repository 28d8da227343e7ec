"""user_change: a person's name, time zone or deactivation, stored as Slack says it (`bot.departures`)."""

from __future__ import annotations

from ...departures import person_changed
from ...deps import Deps


def handle_user_change(event: dict, deps: Deps) -> None:
    person_changed(deps, event.get("user"), deps.now())
