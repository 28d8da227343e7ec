"""user_change: a person's name, time zone, email or deactivation, stored as Slack says it; team_join:
someone new (`bot.departures`)."""

from __future__ import annotations

from ...departures import event_stamp, person_changed, person_joined
from ...deps import Deps


def handle_user_change(event: dict, body: dict, deps: Deps) -> None:
    person_changed(deps, event.get("user"), deps.now(), event_stamp(event, body))


def handle_team_join(event: dict, body: dict, deps: Deps) -> None:
    person_joined(deps, event.get("user"), deps.now(), event_stamp(event, body))
