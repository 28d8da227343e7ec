"""What a posted agenda message says, across its updates: discussed items stay, the count is what
is shown, notes stay, titles reach Slack escaped and visibly cut."""

from __future__ import annotations

from datetime import timezone

from bot.devkit.harness import find_button
from scoring.actions import complete_task
from scoring.rescore import recompute_all
from scoring.tasks import Task
from tests.agenda_support import CHANNEL, CS1, berlin, harness, item_texts, posts

UTC = timezone.utc
BIG = {"id": "big", "name": "Big review", "channel": CHANNEL, "days": ["monday"], "time": "10:00", "project": "Big",
       "max_items": 20}


def _add_tasks(store, model, tasks):
    at = berlin(2026, 3, 1, 9, 0)
    for _ in store.upsert_tasks(tasks, at):
        pass
    recompute_all(store, model, at)


def run(slack, now):
    slack.clock.now = now.astimezone(UTC)
    slack.deps.agenda.run(slack.clock.now)
    slack.settle()


def test_discussed_items_stay_on_a_full_agenda_after_the_pre_start_update(demo, model):
    org, store = demo
    _add_tasks(store, model, [Task(title=f"Big task {i}", source="slack", external_id=f"b{i}", project="Big",
                                   assignee_id=CS1, estimate_hours=float(i % 5 + 1)) for i in range(30)])
    with harness(demo, model, [BIG], now=berlin(2026, 3, 2, 9, 0)) as slack:
        run(slack, berlin(2026, 3, 2, 9, 30))
        [post] = posts(slack)
        blocks = post.json_arg("blocks")
        message = {"type": "message", "ts": post.response["ts"], "blocks": blocks}
        done = []
        for i in range(2):  # discussed, then done, before the five-minutes-before look
            button = find_button(blocks, "Discussed", i)
            slack.clock.now = berlin(2026, 3, 2, 9, 40).astimezone(UTC)
            slack.click(CS1, button, channel=CHANNEL, message=message)
            slack.settle()
            done.append(int(button["value"].split(":")[1]))
            complete_task(slack.store, model, done[-1], CS1, slack.clock())
        run(slack, berlin(2026, 3, 2, 9, 55))
        final = slack.fake.last("chat.update").json_arg("blocks")
        texts = item_texts(final)
        assert len(texts) == 20 and "· 20 items in score order" in final[1]["elements"][0]["text"]
        assert sum("discussed · marked by" in t for t in texts) == 2  # still there, at the end
        assert all("discussed" in t for t in texts[-2:])


def test_the_posted_ahead_note_stays_when_an_item_is_discussed(demo, model):
    from tests.agenda_support import CS_WEEKLY

    with harness(demo, model, [CS_WEEKLY], now=berlin(2026, 3, 2, 8, 0)) as slack:
        assert "Posting the agenda" in slack.command(CS1, "/agenda", "post", channel=CHANNEL).text
        slack.settle()
        [post] = posts(slack)
        blocks = post.json_arg("blocks")
        assert f"Posted ahead of schedule by <@{CS1}>." in str(blocks)
        slack.click(CS1, find_button(blocks, "Discussed"), channel=CHANNEL,
                    message={"type": "message", "ts": post.response["ts"], "blocks": blocks})
        slack.settle()
        redrawn = slack.fake.last("chat.update").json_arg("blocks")
        assert "discussed · marked by" in str(redrawn)
        assert f"Posted ahead of schedule by <@{CS1}>." in str(redrawn)


def test_titles_reach_slack_escaped_and_a_long_one_visibly_cut(demo, model):
    org, store = demo
    long_title = "Migrate the onboarding data " + "and more " * 40  # 388 characters
    _add_tasks(store, model, [
        Task(title="Ping <!channel> & fix <b>", source="slack", external_id="e1", project="Big", assignee_id=CS1,
             estimate_hours=1.0),
        Task(title=long_title, source="slack", external_id="e2", project="Big", assignee_id=CS1, estimate_hours=1.0)])
    with harness(demo, model, [dict(BIG, name="Big & <b>")], now=berlin(2026, 3, 2, 9, 0)) as slack:
        run(slack, berlin(2026, 3, 2, 9, 30))
        [post] = posts(slack)
        text = post.args["text"]
        assert "<!channel>" not in text and "Ping &lt;!channel&gt; &amp; fix &lt;b&gt;" in text
        assert text.startswith("Agenda for Big &amp; &lt;b&gt;, Mon 2 Mar, 10:00")
        assert f"2. {long_title[:59]}…" in text
        [cut] = [t for t in item_texts(post.json_arg("blocks")) if "Migrate the onboarding" in t]
        assert f"{long_title[:249]}…*" in cut


def test_an_ics_calendar_that_cannot_be_read_says_so_in_the_list(demo, model, tmp_path):
    meeting = {"id": "standup", "name": "Standup", "channel": CHANNEL, "ics": str(tmp_path / "missing.ics"),
               "attendees": [CS1]}
    with harness(demo, model, [meeting], now=berlin(2026, 3, 2, 9, 0)) as slack:
        before = str(slack.command(CS1, "/agenda", "list", channel=CHANNEL).blocks)
        assert "Next: not known yet: I'm reading its calendar" in before
        run(slack, berlin(2026, 3, 2, 9, 1))  # the scheduler tries, and can't read it
        listed = str(slack.command(CS1, "/agenda", "list", channel=CHANNEL).blocks)
        assert "Next: not known: I can't read its calendar (an admin can check its `ics` address" in listed
        assert "no upcoming occurrence" not in listed
