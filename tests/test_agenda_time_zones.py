"""An agenda's reasons ("due today at 17:00") are worded in the meeting's zone when posted and in
the reader's zone in a preview, whatever zone the clock runs in: `headwork run`'s is UTC, so these
tests drive it in UTC."""

from __future__ import annotations

from datetime import datetime, timezone

from scoring.categorize import categorize_pending
from scoring.rescore import recompute_all
from scoring.rules import RulesCategorizer
from scoring.tasks import Task
from tests.agenda_support import CHANNEL, CS1, CS2, CS3, CS_WEEKLY, berlin, harness, item_texts, posts

UTC = timezone.utc


def _add(store, model, task: Task) -> None:
    at = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    for _ in store.upsert_tasks([task], at):
        pass
    categorize_pending(store, RulesCategorizer(), model, at)
    recompute_all(store, model, at)


def _with_a_task_due_at_five(demo, model):
    org, store = demo
    due = berlin(2026, 3, 2, 17, 0)  # Monday 17:00 in Berlin: 16:00 in London, 11:00 in New York
    _add(store, model, Task(title="Send Brightline the signed contract", source="slack", external_id="tz-1",
                            assignee_id=CS1, due=due, status="in_progress",
                            notes="New customer onboarding: go-live kickoff"))


def _contract(blocks) -> str:
    [text] = [t for t in item_texts(blocks) if "Send Brightline the signed contract" in t]
    return text


def test_a_posted_agenda_words_its_reasons_in_the_meetings_zone_on_a_utc_clock(demo, model):
    _with_a_task_due_at_five(demo, model)
    with harness(demo, model, [CS_WEEKLY], now=datetime(2026, 3, 2, 8, 0, tzinfo=UTC)) as slack:
        # a preview for Tom in London, before the post: his day, his hour
        preview = _contract(slack.command(CS2, "/agenda", channel=CHANNEL).blocks)
        assert "due Mon 2 Mar, 16:00" in preview and "due today at 16:00" in preview
        slack.clock.now = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # 09:30 in Berlin
        slack.deps.agenda.run(slack.clock.now)
        slack.settle()
        [post] = posts(slack)
        posted = _contract(post.json_arg("blocks"))
        assert "due Mon 2 Mar, 17:00" in posted and "due today at 17:00" in posted
        # once posted, Lucía's preview in New York says it her way
        after = _contract(slack.command(CS3, "/agenda", channel=CHANNEL).blocks)
        assert "due Mon 2 Mar, 11:00" in after and "due today at 11:00" in after


def test_a_reason_near_midnight_names_the_meetings_day_not_utcs(demo, model):
    org, store = demo
    ny_meeting = {"id": "ny", "name": "NY standup", "channel": CHANNEL, "days": ["monday"], "time": "09:00",
                  "timezone": "America/New_York", "attendees": [CS3], "max_items": 3}
    due = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # Monday 21:00 in New York, Tuesday in UTC
    _add(store, model, Task(title="Call Polaris about the renewal", source="slack", external_id="tz-2",
                            assignee_id=CS3, due=due, status="in_progress",
                            notes="New customer onboarding: go-live kickoff"))
    with harness(demo, model, [ny_meeting], now=datetime(2026, 3, 2, 13, 0, tzinfo=UTC)) as slack:
        slack.clock.now = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)  # 08:30 in New York
        slack.deps.agenda.run(slack.clock.now)
        slack.settle()
        [post] = posts(slack)
        [text] = [t for t in item_texts(post.json_arg("blocks")) if "Polaris" in t]
        assert "due Mon 2 Mar, 21:00" in text and "due today at 21:00" in text
