"""Bolt middleware: hand every listener its dependencies, and drop event redeliveries."""

from __future__ import annotations

import logging

from slack_bolt import BoltRequest, BoltResponse

from .deps import Deps
from .store_events import EventLog

log = logging.getLogger(__name__)


def inject(deps: Deps):
    def inject_deps(context, next):
        context["deps"] = deps
        return next()

    return inject_deps


def dedupe_events(events: EventLog, deps: Deps):
    """Each event_id is processed once. A redelivery of an event we have claimed is acked
    and skipped; if processing fails the claim is released so the next redelivery retries."""

    def dedupe(body: dict, req: BoltRequest, resp: BoltResponse, next):
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return next()
        if not events.claim(event_id, deps.now()):
            log.debug("skipping redelivered event %s (retry %s)", event_id,
                      req.headers.get("x-slack-retry-num", ["?"])[0])
            return BoltResponse(status=200, body="")
        try:
            result = next()
        except Exception:
            events.release(event_id)
            raise
        if result is not None and getattr(result, "status", 200) >= 500:
            events.release(event_id)
        return result

    return dedupe
