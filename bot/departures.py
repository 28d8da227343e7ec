"""A person's Slack account changed (`user_change`) or is new (`team_join`): what Headwork knows of
them is brought up to date at once, and when the account was deactivated their open tasks lose
their owner.

- **A new time zone** (someone travelling) counts from the event on: a task snoozed from then on
  comes back at 09:00 there and the digest arrives at its hour there, without waiting a day for
  the cache.
- **A new email** (a new hire's, or a changed address): the open tasks an import or the Asana
  sync gave that email are theirs at once, not at the next half-hourly `users.lookupByEmail`.
- **A deactivated account** can do no task: each of its open tasks goes to the admins as unowned,
  exactly as *Not mine* does (an import never hands it back by email), and the admins and the
  person's team managers hear once what was theirs, the most valuable first. An admin gives a
  Slack task to someone from *Tasks nobody owns* on App Home (`screens.unowned_items`,
  `tasks_service.give_unowned`); a task from Asana, Jira or Linear gets its new owner in its tool.
- **A reactivated account** (a person back from leave, or an identity provider's sync that
  deactivated people by mistake for a few minutes) gets back what it left behind and nobody was
  given meanwhile -- not what it handed back with *Not mine* -- and the same people hear so.
- **The departure is said `DEPARTURE_GRACE` after it**, not at once: an account reactivated
  within it (the sync's mistake, put right) has its tasks back and the message withdrawn, so a
  sync that deactivates fifty people for two minutes sends nobody a hundred messages.

Slack sends `user_change` for every profile edit (a status emoji, a title), so an edit costs one
upsert of the person; only a deactivation reads and writes that person's tasks (through the
`scores_rank` index).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from .blocks.unowned import MESSAGE_MAX, build_owner_back, build_owner_left
from .delivery import publish_home
from .deps import Deps
from .directory import unix_time
from .store_people import PersonRecord

log = logging.getLogger("headwork.people")

DEPARTURE_GRACE = timedelta(minutes=10)


def person_changed(deps: Deps, user: object, now: datetime, changed_ts: float | None = None) -> None:
    """Cache Slack's user object; a deactivated account's open tasks become unowned. `changed_ts`:
    when Slack made the change (`event_stamp`); an event older than the one applied last changes nothing."""
    remembered = _remember(deps, user, now, "user_change", changed_ts)
    if remembered is None:
        return
    before, person = remembered
    if person.deleted:
        release_tasks_of(deps, person, now)
        return
    if before is not None and before.deleted:
        return_tasks_to(deps, person, now)
    deps.directory.learn_email(user, person, now)


def person_joined(deps: Deps, user: object, now: datetime, changed_ts: float | None = None) -> None:
    """Someone new in the workspace: remembered, and given the open tasks owned by their email."""
    remembered = _remember(deps, user, now, "team_join", changed_ts)
    if remembered is not None and not remembered[1].deleted:
        deps.directory.learn_email(user, remembered[1], now)


def event_stamp(event: dict, body: dict | None = None) -> float | None:
    """When Slack made the change a `user_change` or `team_join` tells of: the event's `event_ts` (to the
    microsecond: a deactivation put right within the second is still told apart), else the envelope's
    `event_time`, else the user object's `updated`; None when none says. A redelivery carries its
    first delivery's."""
    user = event.get("user") if isinstance(event.get("user"), dict) else {}
    for value in (event.get("event_ts"), (body or {}).get("event_time"), user.get("updated")):
        stamp = unix_time(value)
        if stamp is not None:
            return stamp
    return None


def _remember(deps: Deps, user: object, now: datetime, event: str,
              changed_ts: float | None = None) -> tuple[PersonRecord | None, PersonRecord] | None:
    """(what the cache said of the person before, what it says now) of an event's user object;
    None, logged, when it is not one, or when it is older than what was applied last (Slack
    redelivers an event whose delivery failed, maybe after a newer one: a deactivation retried
    after the reactivation must not close an active account)."""
    if not isinstance(user, dict):
        log.warning("%s without a user object: ignored", event)
        return None
    user_id = user.get("id")
    before = deps.directory.person(user_id) if isinstance(user_id, str) and user_id else None  # the cache only
    if changed_ts is not None and before is not None and before.changed_ts is not None \
            and changed_ts < before.changed_ts:
        log.info("%s older than the one applied for this person (%.6f < %.6f): ignored", event, changed_ts,
                 before.changed_ts)
        return None
    person = deps.directory.remember(user, now, changed_ts)
    if person is None:
        log.warning("%s without a user id: ignored", event)
        return None
    return before, person


def release_tasks_of(deps: Deps, person: PersonRecord, now: datetime) -> int:
    """The person's open tasks lose their owner; returns how many. Said once to each admin and
    team manager (a redelivered event finds nothing left to release)."""
    released = deps.store.release_open_tasks_of(person.slack_id)
    if not released:
        return 0
    log.info("a deactivated account's %d open task(s) have no owner now", len(released))
    any_imported = any(source != "slack" for _, _, source in released)
    text, blocks = build_owner_left(_name(person), _top(deps, released), len(released), any_imported)
    _tell_leads(deps, person, "owner-left", now, text, blocks, not_before=now + DEPARTURE_GRACE)
    return len(released)


def return_tasks_to(deps: Deps, person: PersonRecord, now: datetime) -> int:
    """A reactivated account's tasks that it left behind and nobody was given are its own again;
    returns how many. Said once to each admin and team manager, as the departure was."""
    returned = deps.store.return_released_tasks(person.slack_id)
    if not returned:
        return 0
    log.info("a reactivated account has %d open task(s) back", len(returned))
    unsaid = deps.outbox.cancel_prefix(f"owner-left:{person.slack_id}:", "the account was active again first")
    if unsaid:  # nobody heard of the departure yet: nothing to put right
        text = blocks = None
    else:
        text, blocks = build_owner_back(_name(person), _top(deps, returned), len(returned))
    _tell_leads(deps, person, "owner-back", now, text, blocks, also=person.slack_id)
    return len(returned)


def _name(person: PersonRecord) -> str:
    return person.name or f"<@{person.slack_id}>"


def _top(deps: Deps, tasks: list[tuple[int, float, str]]) -> list[tuple]:
    """(Task, total) of the first MESSAGE_MAX of these (id, total, source), in their order."""
    found = deps.store.get_tasks([task_id for task_id, _, _ in tasks[:MESSAGE_MAX]])
    return [(found[task_id], total) for task_id, total, _ in tasks[:MESSAGE_MAX] if task_id in found]


def _tell_leads(deps: Deps, person: PersonRecord, what: str, now: datetime, text: str | None,
                blocks: list[dict] | None, also: str | None = None, not_before: datetime | None = None) -> None:
    """One DM (unless `text` is None) to each admin and team manager of the person, keyed by this
    moment (a second departure after a return is news again; a redelivered event found nothing to
    move, so it never gets here); then the admins' Home tabs, and `also`'s, show the change."""
    at = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S")
    for lead in leads_of(deps, person.slack_id) if text is not None else ():
        deps.outbox.send(f"{what}:{person.slack_id}:{at}:{lead}", "chat.postMessage",
                         {"channel": lead, "text": text, "blocks": blocks}, not_before=not_before)
    for user in dict.fromkeys([*deps.settings.config.org.admins, *([also] if also else [])]):
        deps.background.submit(publish_home, deps, user)


def leads_of(deps: Deps, user_id: str) -> list[str]:
    """Who hears that this person's tasks have no owner: the admins, and their teams' managers."""
    org = deps.settings.config.org
    leads = list(dict.fromkeys([*org.admins, *(t.manager for t in org.teams if user_id in t.members)]))
    return [lead for lead in leads if lead != user_id]
