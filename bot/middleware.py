"""The one Bolt middleware: hand every listener its dependencies (`deps`), and process each
Events API event once.

A class, not a function: Bolt calls a `Middleware.process` directly, where a function
middleware pays for Bolt's keyword-argument injection on every request (/top5 is hot).
"""

from __future__ import annotations

import json
import logging

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from . import ids
from .deps import Deps
from .store_events import EventLog

log = logging.getLogger(__name__)


# Events whose listener claims the event id itself, in the same transaction as its work: one
# commit per reaction instead of two, and nothing written at all for the many reactions that are
# not workslop (Slack sends every reaction in the channels Headwork is in).
CLAIMED_BY_LISTENER = frozenset({ids.EVENT_REACTION_ADDED, ids.EVENT_REACTION_REMOVED})
EVENT_ID = "headwork_event_id"  # the context key those listeners read the event id from


NO_USER_ANSWER = json.dumps({"response_type": "ephemeral",
                             "text": "Headwork could not tell who sent this command, so nothing was done."})


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


class HeadworkMiddleware(Middleware):
    """Each event_id is processed once. A redelivery of an event we have claimed is acked and
    skipped; if processing fails (an exception, or a 5xx from our error handler) the claim is
    released so Slack's next redelivery retries it — a retry is never dropped blindly.
    Reaction events are claimed by their listener (`CLAIMED_BY_LISTENER`): the claim is part of
    the transaction that records the flag, so it commits with it or not at all."""

    def __init__(self, deps: Deps, events: EventLog):
        self.deps = deps
        self.events = events

    def process(self, *, req: BoltRequest, resp: BoltResponse, next):
        req.context["deps"] = self.deps
        body = req.body
        if "command" in body and not _text(body.get("user_id")):
            # Slack always says who ran a command; without it nothing can be answered for anyone
            log.warning("slash command %.40r without a user id: ignored", body.get("command"))
            return BoltResponse(status=200, body=NO_USER_ANSWER, headers={"content-type": "application/json"})
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return next()
        event = body.get("event")
        if isinstance(event, dict) and event.get("type") in CLAIMED_BY_LISTENER:
            req.context[EVENT_ID] = str(event_id)
            return self._run(event_id, next)
        if not self.events.claim(event_id, self.deps.now()):
            log.debug("skipping redelivered event %s (retry %s)", event_id,
                      req.headers.get("x-slack-retry-num", ["?"])[0])
            return BoltResponse(status=200, body="")
        return self._run(event_id, next)

    def _run(self, event_id: str, next):
        try:
            result = next()
        except Exception:
            self.events.release(event_id)
            raise
        if result is not None and getattr(result, "status", 200) >= 500:
            self.events.release(event_id)
        return result
