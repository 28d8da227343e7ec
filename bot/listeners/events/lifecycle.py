"""The workspace removed Headwork, or revoked its tokens: say so loudly, once, and stop
sending (every later Web API call would fail with `invalid_auth` anyway)."""

from __future__ import annotations

import logging

from ...deps import Deps

log = logging.getLogger("headwork.lifecycle")


def handle_app_uninstalled(body: dict, deps: Deps) -> None:
    deps.store.set_meta("slack.uninstalled_at", deps.now().isoformat())
    log.error("Headwork was uninstalled from workspace %s; its data stays in %s until you delete it",
              body.get("team_id", "?"), deps.store.path)
    deps.outbox.pause("the app was uninstalled")


def handle_tokens_revoked(event: dict, body: dict, deps: Deps) -> None:
    tokens = event.get("tokens") or {}
    kinds = [kind for kind in ("bot", "oauth") if tokens.get(kind)]
    deps.store.set_meta("slack.tokens_revoked_at", deps.now().isoformat())
    log.error("Slack revoked Headwork's %s token(s) in workspace %s; reinstall the app to resume",
              "/".join(kinds) or "", body.get("team_id", "?"))
    if "bot" in kinds:
        deps.outbox.pause("the bot token was revoked")
