"""Editing a meeting set up in Slack after the day's agenda went out (or was skipped): the day's
agenda follows the new time, updated in place, and is never posted a second time."""

from __future__ import annotations

from datetime import timezone

from bot.devkit.harness import find_button
from tests.agenda_support import ENG, agenda_slack, berlin, item_texts, posts  # noqa: F401
from tests.test_agenda_slack import setup_values

UTC = timezone.utc
ENG_CHANNEL = "C0ENG"


def run(slack, now):
    slack.clock.now = now.astimezone(UTC)  # the production clock is UTC
    slack.deps.agenda.run(slack.clock.now)
    slack.settle()


def edit_time(slack, at: str) -> None:
    listed = slack.command(ENG, "/agenda", "list", channel=ENG_CHANNEL)
    slack.click(ENG, find_button(listed.blocks, "Edit"), channel=ENG_CHANNEL)
    saved = slack.submit(ENG, slack.last_view(), setup_values(days=("tuesday",), at=at))
    assert saved.body["response_action"] == "update"
    slack.settle()


def when(blocks) -> str:
    return blocks[1]["elements"][0]["text"]


def test_moving_todays_meeting_after_its_agenda_went_out_updates_that_message(agenda_slack):
    slack = agenda_slack
    slack.command(ENG, "/agenda", "setup", channel=ENG_CHANNEL)
    slack.submit(ENG, slack.last_view(), setup_values(days=("tuesday",), at="11:00"))
    run(slack, berlin(2026, 3, 3, 10, 40))
    [post] = posts(slack, ENG_CHANNEL)
    slack.clock.now = berlin(2026, 3, 3, 10, 45).astimezone(UTC)
    edit_time(slack, "11:30")
    # the message says the new time at once ...
    [update] = slack.fake.calls("chat.update")
    assert update.args["ts"] == post.response["ts"]
    assert "Tue 3 Mar, 11:30 (Europe/Berlin)" in when(update.json_arg("blocks"))
    preview = slack.command(ENG, "/agenda", channel=ENG_CHANNEL)
    assert "Already posted" in str(preview.blocks) and "Tue 3 Mar, 11:30" in str(preview.blocks[1])
    # ... and the new time's post time passes without a second agenda
    for minute in (50, 55, 59):
        run(slack, berlin(2026, 3, 3, 10, minute))
    for minute in (10, 11, 25, 26):
        run(slack, berlin(2026, 3, 3, 11, minute))
    assert len(posts(slack, ENG_CHANNEL)) == 1
    last = slack.fake.last("chat.update")
    assert last.args["ts"] == post.response["ts"] and "Tue 3 Mar, 11:30" in when(last.json_arg("blocks"))
    assert not any("carried over" in t for t in item_texts(last.json_arg("blocks")))
    # next week is its own agenda, at the new time, carrying this one's undiscussed items
    run(slack, berlin(2026, 3, 10, 11, 10))
    nxt = posts(slack, ENG_CHANNEL)[-1].json_arg("blocks")
    assert len(posts(slack, ENG_CHANNEL)) == 2 and "Tue 10 Mar, 11:30" in when(nxt)
    assert all("carried over from Tue 3 Mar" in t for t in item_texts(nxt))


def test_a_skipped_occurrence_stays_skipped_when_the_meeting_is_moved(agenda_slack):
    slack = agenda_slack
    slack.command(ENG, "/agenda", "setup", channel=ENG_CHANNEL)
    slack.submit(ENG, slack.last_view(), setup_values(days=("tuesday",), at="11:00"))
    slack.clock.now = berlin(2026, 3, 3, 9, 0).astimezone(UTC)
    assert "Skipped" in slack.command(ENG, "/agenda", "skip", channel=ENG_CHANNEL).text
    edit_time(slack, "11:30")
    for minute in (10, 11, 25):
        run(slack, berlin(2026, 3, 3, 11, minute))
    assert posts(slack, ENG_CHANNEL) == []
    run(slack, berlin(2026, 3, 10, 11, 10))  # the week after as usual
    assert len(posts(slack, ENG_CHANNEL)) == 1


def test_moving_it_twice_and_back_still_keeps_one_message(agenda_slack):
    slack = agenda_slack
    slack.command(ENG, "/agenda", "setup", channel=ENG_CHANNEL)
    slack.submit(ENG, slack.last_view(), setup_values(days=("tuesday",), at="11:00"))
    run(slack, berlin(2026, 3, 3, 10, 40))
    for at, minute in (("11:30", 42), ("12:00", 44), ("11:00", 46)):
        slack.clock.now = berlin(2026, 3, 3, 10, minute).astimezone(UTC)
        edit_time(slack, at)
        assert f"Tue 3 Mar, {at}" in when(slack.fake.last("chat.update").json_arg("blocks"))
    for hour, minute in ((10, 55), (11, 10), (11, 40)):
        run(slack, berlin(2026, 3, 3, hour, minute))
    assert len(posts(slack, ENG_CHANNEL)) == 1
    assert "Tue 3 Mar, 11:00" in when(slack.fake.last("chat.update").json_arg("blocks"))
