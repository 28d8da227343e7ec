"""app_home_opened: the Home tab is drawn fresh every time someone opens it."""

from __future__ import annotations

from ...delivery import publish_home
from ...deps import Deps


def handle_app_home_opened(event: dict, deps: Deps) -> None:
    if event.get("tab", "home") != "home" or not event.get("user"):
        return  # the Messages tab needs nothing from us
    deps.background.submit(publish_home, deps, event["user"])
