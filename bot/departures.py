"""A person's Slack account changed (`user_change`): what Headwork knows of them is brought up to
date at once, and when the account was deactivated their open tasks lose their owner.

- **A new time zone** (someone travelling) counts from the event on: a task snoozed from then on
  comes back at 09:00 there and the digest arrives at its hour there, without waiting a day for
  the cache.
- **A deactivated account** can do no task: each of its open tasks goes to the admins as unowned,
  exactly as *Not mine* does (an import never hands it back by email), and the admins and the
  person's team managers hear once what was theirs, the most valuable first. An admin gives a
  Slack task to someone from *Tasks nobody owns* on App Home (`screens.unowned_items`,
  `tasks_service.give_unowned`); a task from Asana, Jira or Linear gets its new owner in its tool.

Slack sends `user_change` for every profile edit (a status emoji, a title), so an edit costs one
upsert of the person; only a deactivation reads and writes that person's tasks (through the
`scores_rank` index).
"""

from __future__ import annotations

import logging
from datetime import datetime

from .blocks.unowned import MESSAGE_MAX, build_owner_left
from .delivery import publish_home
from .deps import Deps
from .store_people import PersonRecord

log = logging.getLogger("headwork.people")


def person_changed(deps: Deps, user: object, now: datetime) -> None:
    """Cache Slack's user object; a deactivated account's open tasks become unowned."""
    if not isinstance(user, dict):
        log.warning("user_change without a user object: ignored")
        return
    person = deps.directory.remember(user, now)
    if person is None:
        log.warning("user_change without a user id: ignored")
        return
    if person.deleted:
        release_tasks_of(deps, person)


def release_tasks_of(deps: Deps, person: PersonRecord) -> int:
    """The person's open tasks lose their owner; returns how many. Said once to each admin and
    team manager (a redelivered event finds nothing left to release)."""
    released = deps.store.release_open_tasks_of(person.slack_id)
    if not released:
        return 0
    log.info("a deactivated account's %d open task(s) have no owner now", len(released))
    tasks = deps.store.get_tasks([task_id for task_id, _, _ in released[:MESSAGE_MAX]])
    top = [(tasks[task_id], total) for task_id, total, _ in released[:MESSAGE_MAX] if task_id in tasks]
    any_imported = any(source != "slack" for _, _, source in released)
    text, blocks = build_owner_left(person.name or f"<@{person.slack_id}>", top, len(released), any_imported)
    for lead in leads_of(deps, person.slack_id):
        deps.outbox.send(f"owner-left:{person.slack_id}:{released[0][0]}:{lead}", "chat.postMessage",
                         {"channel": lead, "text": text, "blocks": blocks})
    for admin in deps.settings.config.org.admins:
        deps.background.submit(publish_home, deps, admin)
    return len(released)


def leads_of(deps: Deps, user_id: str) -> list[str]:
    """Who hears that this person's tasks have no owner: the admins, and their teams' managers."""
    org = deps.settings.config.org
    leads = list(dict.fromkeys([*org.admins, *(t.manager for t in org.teams if user_id in t.members)]))
    return [lead for lead in leads if lead != user_id]
