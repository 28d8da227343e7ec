"""reaction_added / reaction_removed with a configured workslop emoji: a flag recorded (or
withdrawn) before the ack; the flagger's private prompt and everything else Slack-bound after.

Slack's redeliveries are dropped by the middleware (event_id) and by the ledger (one flag per
person per item); events arriving out of order are settled by their `event_ts`."""

from __future__ import annotations

from ...deps import Deps
from ...middleware import EVENT_ID
from ...workslop.flagging import (GONE_REMOVED, after_flag, channel_ready, is_workslop_reaction, item_of, learn_channel,
                                  ledger_of, reaction_name, record_flag, retract_reaction, sweep_of, tell_cap_reached,
                                  update_prompt)


def _event_ts(event: dict) -> float:
    try:
        return float(event.get("event_ts") or 0)
    except (TypeError, ValueError):
        return 0.0


def _who_and_what(event: dict, deps: Deps) -> tuple[str | None, str | None, str | None]:
    if not is_workslop_reaction(deps, event.get("reaction")):
        return None, None, None
    user = event.get("user")
    item, channel = item_of(event.get("item"))
    if not isinstance(user, str) or not user or item is None:
        return None, None, None
    return user, item, channel


def handle_reaction_added(event: dict, deps: Deps, context: dict) -> None:
    user, item, channel = _who_and_what(event, deps)
    if user is None:
        return
    author = event.get("item_user") if isinstance(event.get("item_user"), str) else None
    if author == user:
        return  # no self-flags
    person = deps.directory.person(user)
    if person is not None and person.is_bot:
        return
    now = deps.now()
    outcome, flag_id = record_flag(deps, flagger=user, item=item, channel=channel, author=author, source="reaction",
                                   reaction=reaction_name(event.get("reaction")), event_ts=_event_ts(event),
                                   event_id=context.get(EVENT_ID))
    if outcome == "cap":
        tell_cap_reached(deps, user)
    elif outcome == "new":
        # the usual case asks Slack nothing: a known person's prompt is queued by the sweep; someone
        # not known yet (perhaps a bot), or a channel never seen, is looked up first
        if person is not None and deps.directory.is_fresh(user, now):
            sweep_of(deps).poke()
            if not channel_ready(ledger_of(deps), channel, now):
                deps.background.submit(learn_channel, deps, channel, now)
        else:
            deps.background.submit(after_flag, deps, flag_id, user, channel)


def handle_reaction_removed(event: dict, deps: Deps, context: dict) -> None:
    user, item, channel = _who_and_what(event, deps)
    if user is None:
        return
    event_id = context.get(EVENT_ID)
    # A redelivery is dropped (taking a reaction off is idempotent anyway; this keeps the dedupe
    # on event_id). The claim commits with the retraction: one commit, and a failed retraction
    # leaves the event unclaimed for Slack's retry.
    if len(deps.settings.config.workslop.reactions) > 1:
        if event_id is not None and not deps.events.claim(event_id, deps.now()):
            return
        # another alias by the same person may still be on it: only Slack knows (reactions.get)
        deps.background.submit(retract_reaction, deps, user, item, _event_ts(event), True)
        return
    with deps.store.transaction():
        if event_id is not None and not deps.events.claim_here(event_id, deps.now()):
            return
        applied, flag_id = ledger_of(deps).retract_reaction(user, item, _event_ts(event))
    if flag_id is not None:
        deps.background.submit(update_prompt, deps, flag_id, gone=GONE_REMOVED)
