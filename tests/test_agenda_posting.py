"""Agendas posted by the scheduler job under a fake clock: once per occurrence, at the right local
time, late with a note or skipped, updated in place, carried forward."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.agenda import AgendaService, post_key
from bot.devkit.harness import find_button
from bot.outbox import Outbox
from scoring.actions import snooze_task
from scoring.store import TaskStore
from tests.test_agenda_recurrence import _Feed, feed  # noqa: F401 - the loopback ICS feed and its fixture
from tests.agenda_support import (CHANNEL, CS1, CS2, CS3, CS_WEEKLY, agenda_slack, berlin, harness,  # noqa: F401
                                  item_texts, item_titles, posts)


def run(slack, now):
    slack.clock.now = now
    report = slack.deps.agenda.run(now)
    slack.settle()
    return report


def test_the_agenda_is_posted_once_at_start_minus_lead_in_score_order(agenda_slack, model):
    slack = agenda_slack
    run(slack, berlin(2026, 3, 2, 9, 29))
    assert posts(slack) == []  # not before 09:30
    report = run(slack, berlin(2026, 3, 2, 9, 30))
    assert report.posted == ["agenda:cs-weekly:2026-03-02T09:00Z"]
    [post] = posts(slack)
    blocks = post.json_arg("blocks")
    assert blocks[0]["text"]["text"] == "Agenda · CS weekly"
    assert "Mon 2 Mar, 10:00 (Europe/Berlin)" in blocks[1]["elements"][0]["text"]
    # the five best open tasks of the three attendees, best first
    best = sorted((r for p in (CS1, CS2, CS3) for r in slack.store.top_tasks(p, 5, slack.clock())),
                  key=lambda r: (-r.total, r.task.id))[:5]
    assert item_titles(blocks) == [r.task.title for r in best]
    first = item_texts(blocks)[0]
    assert f"<@{best[0].task.assignee_id}>" in first and "due " in first and "(+" in first  # owner, due, reason
    assert find_button(blocks, "Discussed")["value"].endswith(f":{best[0].task.id}")
    for minute in (31, 35, 45):
        run(slack, berlin(2026, 3, 2, 9, minute))
    assert len(posts(slack)) == 1


def test_the_meeting_keeps_its_local_time_across_the_march_dst_change(demo, model):
    with harness(demo, model, [CS_WEEKLY], now=berlin(2026, 3, 23, 9, 0)) as slack:
        run(slack, berlin(2026, 3, 23, 9, 30))
        run(slack, berlin(2026, 3, 30, 8, 30))  # 09:30 on the old (winter) offset: 08:30 summer time
        assert len(posts(slack)) == 1
        run(slack, berlin(2026, 3, 30, 9, 30))  # Monday after the change: 09:30 summer time
        assert len(posts(slack)) == 2
        assert "Mon 30 Mar, 10:00 (Europe/Berlin)" in posts(slack)[-1].json_arg("blocks")[1]["elements"][0]["text"]


def test_a_missed_post_goes_out_late_with_a_note_while_the_meeting_has_not_started(agenda_slack):
    run(agenda_slack, berlin(2026, 3, 2, 9, 48))  # down from 09:20 until 09:48
    [post] = posts(agenda_slack)
    notes = " ".join(b["elements"][0]["text"] for b in post.json_arg("blocks") if b["type"] == "context")
    assert "Posted late: this agenda was due at 09:30; the meeting starts at 10:00" in notes


def test_an_occurrence_missed_until_the_start_is_skipped_with_a_log_line(agenda_slack, caplog):
    report = run(agenda_slack, berlin(2026, 3, 2, 10, 1))
    assert posts(agenda_slack) == [] and report.skipped == ["agenda:cs-weekly:2026-03-02T09:00Z"]
    assert "skipped: the meeting had already started" in caplog.text
    caplog.clear()
    run(agenda_slack, berlin(2026, 3, 2, 10, 2))
    assert "skipped" not in caplog.text  # said once
    run(agenda_slack, berlin(2026, 3, 9, 9, 30))  # the next week is posted as usual
    assert len(posts(agenda_slack)) == 1


def test_a_restart_between_claim_and_send_never_posts_twice(agenda_slack, model):
    slack = agenda_slack
    slack.clock.now = berlin(2026, 3, 2, 9, 30)
    assert slack.deps.agenda.run(slack.clock.now).posted  # claimed, not sent: the process dies here
    assert posts(slack) == []
    # a new process over the same database file
    store2 = TaskStore(slack.store.path)
    outbox2 = Outbox(store2, slack.client, slack.clock, sleep=lambda s: None, pace_seconds=0)
    outbox2.recover()
    service2 = AgendaService(slack.settings, store2, model, outbox2)
    for minute in (30, 31, 32):
        assert service2.run(berlin(2026, 3, 2, 9, minute)).posted == []
        outbox2.drain(berlin(2026, 3, 2, 9, minute))
    assert len(posts(slack)) == 1
    store2.close()


def test_a_meeting_moved_in_headwork_yml_after_its_agenda_went_out_gets_no_second_one(demo, model):
    """CS weekly's agenda went out at 09:30 for 10:00; an admin moves the meeting to 10:30 in headwork.yml
    and restarts Headwork: that message shows 10:30 and no second agenda comes at 10:00."""
    with harness(demo, model, [CS_WEEKLY]) as first:
        first.clock.now = berlin(2026, 3, 2, 9, 30)
        first.deps.agenda.run(first.clock.now)
        first.settle()
        [post] = posts(first)
    with harness(demo, model, [{**CS_WEEKLY, "time": "10:30"}], now=berlin(2026, 3, 2, 9, 45)) as restarted:
        for minute in (45, 55, 59):
            restarted.clock.now = berlin(2026, 3, 2, 9, minute)
            restarted.deps.agenda.run(restarted.clock.now)
        for minute in (0, 1, 25, 26):
            restarted.clock.now = berlin(2026, 3, 2, 10, minute)
            restarted.deps.agenda.run(restarted.clock.now)
        restarted.settle()
        assert posts(restarted) == []  # this process posted nothing ...
        update = restarted.fake.last("chat.update")  # ... and said the new time in the first message
        assert update.args["ts"] == post.response["ts"]
        assert "Mon 2 Mar, 10:30 (Europe/Berlin)" in update.json_arg("blocks")[1]["elements"][0]["text"]


def crash_mid_post(slack, slack_got_it: bool):
    """Claim 09:30's agenda, take it as the outbox worker does, maybe let Slack receive it, then die;
    return a restarted process's (store, outbox), recovered."""
    slack.fake.clock = slack.clock  # Slack stamps messages on the same clock as the claim
    slack.clock.now = berlin(2026, 3, 2, 9, 30)
    slack.deps.agenda.run(slack.clock.now)
    item = slack.outbox.db.get(post_key("cs-weekly", "2026-03-02T09:00Z"))
    assert slack.outbox.db.mark_sending(item.id)
    if slack_got_it:  # the very HTTP call the worker made; the process died before recording it
        slack.client.api_call(item.method, json=item.args)
    store2 = TaskStore(slack.store.path)
    outbox2 = Outbox(store2, slack.client, slack.clock, sleep=lambda s: None, pace_seconds=0)
    assert outbox2.recover() == 1
    return store2, outbox2


def run2(slack, service, outbox, now):
    slack.clock.now = now
    service.run(now)
    outbox.drain(now)


def test_an_agenda_caught_mid_send_before_slack_got_it_is_posted_once_after_the_restart(agenda_slack, model):
    slack = agenda_slack
    store2, outbox2 = crash_mid_post(slack, slack_got_it=False)
    service2 = AgendaService(slack.settings, store2, model, outbox2)
    for minute in (31, 32, 33):
        run2(slack, service2, outbox2, berlin(2026, 3, 2, 9, minute))
    [post] = posts(slack)
    assert item_titles(post.json_arg("blocks"))  # the agenda itself, as claimed
    assert outbox2.db.get(post_key("cs-weekly", "2026-03-02T09:00Z")).state == "sent"
    store2.close()


def test_an_agenda_slack_got_before_the_crash_is_not_posted_again_and_is_still_updated_in_place(agenda_slack,
                                                                                                 model):
    slack = agenda_slack
    store2, outbox2 = crash_mid_post(slack, slack_got_it=True)
    [post] = posts(slack)
    service2 = AgendaService(slack.settings, store2, model, outbox2)
    run2(slack, service2, outbox2, berlin(2026, 3, 2, 9, 31))
    assert len(posts(slack)) == 1  # found in the channel's history: not posted twice
    first_id = int(find_button(post.json_arg("blocks"), "Discussed")["value"].split(":")[1])
    snooze_task(store2, model, first_id, store2.get_task(first_id).assignee_id, berlin(2026, 3, 3, 9, 0),
                slack.clock())
    run2(slack, service2, outbox2, berlin(2026, 3, 2, 9, 55))
    [update] = slack.fake.calls("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (CHANNEL, post.response["ts"])  # the same message
    assert len(posts(slack)) == 1
    store2.close()


def test_an_agenda_caught_mid_send_with_the_history_unreadable_is_a_loud_gap_not_a_duplicate(agenda_slack, model,
                                                                                              caplog):
    slack = agenda_slack
    slack.fake.fail("conversations.history", error="missing_scope")
    store2, outbox2 = crash_mid_post(slack, slack_got_it=True)
    service2 = AgendaService(slack.settings, store2, model, outbox2)
    for minute in (31, 32):
        run2(slack, service2, outbox2, berlin(2026, 3, 2, 9, minute))
    assert len(posts(slack)) == 1  # only what reached Slack before the crash
    assert outbox2.db.get(post_key("cs-weekly", "2026-03-02T09:00Z")).state == "unknown"
    assert "missing_scope" in caplog.text and "not resent" in caplog.text
    store2.close()


def test_two_schedulers_racing_post_one_agenda(agenda_slack, model):
    slack = agenda_slack
    now = berlin(2026, 3, 2, 9, 30)
    slack.clock.now = now
    stores = [TaskStore(slack.store.path) for _ in range(2)]
    outboxes = [Outbox(s, slack.client, slack.clock, sleep=lambda s: None, pace_seconds=0) for s in stores]
    services = [AgendaService(slack.settings, s, model, o) for s, o in zip(stores, outboxes)]
    barrier = threading.Barrier(2)
    results = []

    def scheduler(i):
        barrier.wait()
        for _ in range(3):
            results.append(services[i].run(now).posted)
            outboxes[i].drain(now)

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sum(len(r) for r in results) == 1
    assert len(posts(slack)) == 1
    for s in stores:
        s.close()


def test_shortly_before_the_start_the_same_message_is_updated_if_the_order_changed(agenda_slack, model):
    slack = agenda_slack
    run(slack, berlin(2026, 3, 2, 9, 30))
    [post] = posts(slack)
    ts = slack.outbox.db.get(post_key("cs-weekly", "2026-03-02T09:00Z")).response["ts"]
    before = item_titles(post.json_arg("blocks"))
    # the top item is snoozed until tomorrow: it leaves, the rest move up, the sixth comes in
    first_id = int(find_button(post.json_arg("blocks"), "Discussed")["value"].split(":")[1])
    owner = slack.store.get_task(first_id).assignee_id
    snooze_task(slack.store, model, first_id, owner, berlin(2026, 3, 3, 9, 0), slack.clock())
    run(slack, berlin(2026, 3, 2, 9, 54))
    assert slack.fake.calls("chat.update") == []  # not yet: five minutes before the start
    run(slack, berlin(2026, 3, 2, 9, 55))
    [update] = slack.fake.calls("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (CHANNEL, ts)
    after = item_titles(update.json_arg("blocks"))
    assert after[:4] == before[1:] and before[0] not in after and len(after) == 5
    assert "Order updated" in str(update.json_arg("blocks"))
    for minute in (56, 57, 59):
        run(slack, berlin(2026, 3, 2, 9, minute))
    assert len(slack.fake.calls("chat.update")) == 1 and len(posts(slack)) == 1


def test_an_unchanged_order_is_not_updated(agenda_slack):
    run(agenda_slack, berlin(2026, 3, 2, 9, 30))
    run(agenda_slack, berlin(2026, 3, 2, 9, 55))
    run(agenda_slack, berlin(2026, 3, 2, 9, 58))
    assert agenda_slack.fake.calls("chat.update") == []


def test_discussed_is_recorded_and_undiscussed_items_carry_forward(agenda_slack):
    slack = agenda_slack
    run(slack, berlin(2026, 3, 2, 9, 30))
    blocks = posts(slack)[0].json_arg("blocks")
    titles = item_titles(blocks)
    message = {"type": "message", "ts": "1700000000.000100", "blocks": blocks}
    for i in (0, 1):  # the first two are discussed
        slack.clock.now = berlin(2026, 3, 2, 10, 5 + i)
        slack.click(CS1, find_button(blocks, "Discussed"), channel=CHANNEL, message=message)  # the next one
        slack.settle()
        blocks = slack.fake.last("chat.update").json_arg("blocks")
    texts = item_texts(blocks)
    assert f"discussed · marked by <@{CS1}> at 10:05" in texts[0] and "discussed" in texts[1]
    assert "discussed" not in texts[2]
    assert find_button(blocks, "Undo")  # a mistake can be undone
    run(slack, berlin(2026, 3, 9, 9, 30))
    nxt = posts(slack)[-1].json_arg("blocks")
    carried = item_texts(nxt)[:3]
    assert item_titles(nxt)[:3] == titles[2:5]  # the three undiscussed, first
    assert all("carried over from Mon 2 Mar" in t for t in carried)
    assert not any("carried over" in t for t in item_texts(nxt)[3:])
    assert titles[0] not in item_titles(nxt)[:3]  # discussed: back only if it still ranks, and unmarked


def test_a_done_task_does_not_carry_forward(agenda_slack, model):
    from scoring.actions import complete_task

    slack = agenda_slack
    run(slack, berlin(2026, 3, 2, 9, 30))
    blocks = posts(slack)[0].json_arg("blocks")
    first = int(find_button(blocks, "Discussed")["value"].split(":")[1])
    complete_task(slack.store, model, first, slack.store.get_task(first).assignee_id, slack.clock())
    run(slack, berlin(2026, 3, 9, 9, 30))
    assert item_titles(blocks)[0] not in item_titles(posts(slack)[-1].json_arg("blocks"))


def test_a_stale_discussed_button_changes_nothing(agenda_slack):
    slack = agenda_slack
    reply = slack.click(CS1, {"type": "button", "action_id": "agenda_discussed", "block_id": "x",
                              "value": "999:1"}, channel=CHANNEL, tag="stale")
    assert reply.status == 200
    assert "out of date" in slack.responses("stale")[-1]["text"]
    assert slack.fake.calls("chat.update") == []


def test_an_ics_meeting_gets_one_agenda_per_occurrence_and_none_when_cancelled(demo, model, tmp_path):
    from tests.test_agenda_recurrence import ICS

    path = tmp_path / "standup.ics"
    path.write_text(ICS)
    meeting = {"id": "standup", "name": "Standup", "channel": CHANNEL, "ics": str(path),
               "attendees": [CS1, CS2], "lead_minutes": 15}
    with harness(demo, model, [meeting], now=berlin(2026, 3, 2, 9, 0)) as slack:
        for day in range(2, 31):  # every 10 minutes of the working day, for a month
            for step in range(8 * 6, 16 * 6):
                slack.deps.agenda.run(berlin(2026, 3, day, step // 6, step % 6 * 10))
        slack.settle()
        starts = [p.json_arg("blocks")[1]["elements"][0]["text"].split("*")[1] for p in posts(slack)]
        assert starts == ["Mon 2 Mar, 09:30 (Europe/Berlin)", "Tue 10 Mar, 14:00 (Europe/Berlin)",
                          "Mon 30 Mar, 09:30 (Europe/Berlin)"]
        # nothing was discussed: each agenda carries the last one's items, marked with where they began
        second, third = (item_texts(p.json_arg("blocks")) for p in posts(slack)[1:])
        assert second and all("carried over from Mon 2 Mar" in t for t in second)
        assert all("carried over from Mon 2 Mar" in t for t in third)


WORK_CALENDAR_EXTRA = """BEGIN:VEVENT
UID:lunch@example.com
DTSTART;TZID=Europe/Berlin:20260304T120000
DTEND;TZID=Europe/Berlin:20260304T130000
SUMMARY:Team lunch
END:VEVENT
BEGIN:VEVENT
UID:one-on-one@example.com
DTSTART;TZID=Europe/Berlin:20260305T110000
DTEND;TZID=Europe/Berlin:20260305T113000
RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=2
SUMMARY:1:1 Ana / Ben (standup follow-ups in the notes)
DESCRIPTION:not the standup
END:VEVENT
BEGIN:VEVENT
UID:standup@example.com
RECURRENCE-ID;TZID=Europe/Berlin:20260330T093000
DTSTART;TZID=Europe/Berlin:20260330T100000
SUMMARY:Offsite planning instead
END:VEVENT
END:VCALENDAR
"""


@pytest.mark.parametrize("ics_match, expected", [
    (None, ["Mon 2 Mar, 09:30", "Wed 4 Mar, 12:00", "Thu 5 Mar, 11:00", "Tue 10 Mar, 14:00", "Thu 12 Mar, 11:00",
            "Mon 30 Mar, 10:00"]),  # every timed event of the calendar
    ("team STANDUP", ["Mon 2 Mar, 09:30", "Tue 10 Mar, 14:00", "Mon 30 Mar, 10:00"]),  # renamed on 30 Mar: same series
])
def test_ics_match_keeps_only_the_meetings_events_of_a_whole_work_calendar(demo, model, tmp_path, ics_match,
                                                                           expected):
    from tests.test_agenda_recurrence import ICS

    path = tmp_path / "work.ics"
    path.write_text(ICS.replace("END:VCALENDAR\n", WORK_CALENDAR_EXTRA))
    meeting = {"id": "standup", "name": "Standup", "channel": CHANNEL, "ics": str(path),
               "attendees": [CS1, CS2], "lead_minutes": 15, **({"ics_match": ics_match} if ics_match else {})}
    with harness(demo, model, [meeting], now=berlin(2026, 3, 2, 9, 0)) as slack:
        for day in range(2, 31):
            for step in range(8 * 6, 16 * 6):
                slack.deps.agenda.run(berlin(2026, 3, day, step // 6, step % 6 * 10))
        slack.settle()
        starts = [p.json_arg("blocks")[1]["elements"][0]["text"].split("*")[1] for p in posts(slack)]
        assert starts == [f"{s} (Europe/Berlin)" for s in expected]
        listed = str(slack.command(CS1, "/agenda", "list", channel=CHANNEL).blocks)
        assert ("from a calendar: events named “team STANDUP”" in listed) == (ics_match is not None)


def test_a_new_york_meeting_is_posted_at_its_local_time_after_the_november_change(demo, model):
    ny = ZoneInfo("America/New_York")
    meeting = {"id": "ny-standup", "name": "NY standup", "channel": CHANNEL, "rrule": "FREQ=WEEKLY;BYDAY=TU",
               "time": "09:30", "timezone": "America/New_York", "attendees": ["U0DEMOCS3"]}
    with harness(demo, model, [meeting], now=datetime(2026, 10, 27, 8, 0, tzinfo=ny)) as slack:
        run(slack, datetime(2026, 10, 27, 9, 0, tzinfo=ny))      # EDT: 13:00 UTC
        assert len(posts(slack)) == 1
        run(slack, datetime(2026, 11, 3, 13, 0, tzinfo=timezone.utc))  # 08:00 EST: too early after the change
        assert len(posts(slack)) == 1
        run(slack, datetime(2026, 11, 3, 9, 0, tzinfo=ny))       # EST: 14:00 UTC
        assert len(posts(slack)) == 2
        assert "Tue 3 Nov, 09:30 (America/New_York)" in str(posts(slack)[-1].json_arg("blocks")[1])


def test_a_calendar_moving_a_posted_occurrence_updates_the_message_with_the_new_time(demo, model, tmp_path):
    import os

    from tests.test_agenda_recurrence import ICS

    path = tmp_path / "standup.ics"
    path.write_text(ICS)
    meeting = {"id": "standup", "name": "Standup", "channel": CHANNEL, "ics": str(path), "attendees": [CS1],
               "lead_minutes": 15}
    with harness(demo, model, [meeting], now=berlin(2026, 3, 2, 9, 0)) as slack:
        run(slack, berlin(2026, 3, 2, 9, 15))
        [post] = posts(slack)
        # 09:30 becomes 09:45 after the agenda went out
        moved = ICS.replace("END:VCALENDAR", "BEGIN:VEVENT\nUID:standup@example.com\n"
                            "RECURRENCE-ID;TZID=Europe/Berlin:20260302T093000\n"
                            "DTSTART;TZID=Europe/Berlin:20260302T094500\nSUMMARY:Standup (later)\nEND:VEVENT\n"
                            "END:VCALENDAR")
        path.write_text(moved)
        os.utime(path, (1_800_000_000, 1_800_000_000))
        run(slack, berlin(2026, 3, 2, 9, 35))
        assert slack.fake.calls("chat.update") == []  # not 5 minutes before 09:45 yet
        run(slack, berlin(2026, 3, 2, 9, 40))
        [update] = slack.fake.calls("chat.update")
        assert update.args["ts"] == slack.outbox.db.get("agenda:standup:2026-03-02T08:30Z").response["ts"]
        assert "Mon 2 Mar, 09:45 (Europe/Berlin)" in str(update.json_arg("blocks")[1])
        assert "Order updated" not in str(update.json_arg("blocks"))
        assert len(posts(slack)) == 1


def test_a_press_right_after_the_pre_start_update_is_claimed_still_ends_marked(agenda_slack, model):
    slack = agenda_slack
    run(slack, berlin(2026, 3, 2, 9, 30))
    blocks = posts(slack)[0].json_arg("blocks")
    first_id = int(find_button(blocks, "Discussed")["value"].split(":")[1])
    snooze_task(slack.store, model, first_id, slack.store.get_task(first_id).assignee_id,
                berlin(2026, 3, 3, 9, 0), slack.clock())
    slack.clock.now = berlin(2026, 3, 2, 9, 55)
    assert slack.deps.agenda.run(slack.clock.now).updated  # claimed, not yet delivered
    second = find_button(blocks, "Discussed", 1)
    slack.click(CS2, second, channel=CHANNEL, message={"type": "message", "ts": "1", "blocks": blocks})
    slack.settle()
    updates = slack.fake.calls("chat.update")
    assert len(updates) == 2
    final = updates[-1].json_arg("blocks")
    assert "Order updated" in str(final)
    assert f"marked by <@{CS2}>" in item_texts(final)[0]  # the second item, now first, stays marked


# --- an agenda Slack refuses ------------------------------------------------------------------


def dms(slack, user: str) -> list:
    return [c for c in slack.fake.calls("chat.postMessage") if c.args.get("channel") == user]


def test_an_agenda_slack_refuses_is_explained_to_the_admins_privately_once(agenda_slack):
    slack = agenda_slack
    slack.fake.fail("chat.postMessage", "not_in_channel")  # a private channel Headwork was never invited to
    run(slack, berlin(2026, 3, 2, 9, 30))
    assert [c.failed for c in posts(slack)] == [True]  # tried once, not retried
    admins = slack.settings.config.org.admins
    assert admins
    for admin in admins:
        [dm] = dms(slack, admin)
        assert "I couldn't post the agenda for *CS weekly*: I'm not a member of <#C0CSTEAM>" in dm.args["text"]
        assert "`/invite @Headwork`" in dm.args["text"] and "`/agenda post CS weekly`" in dm.args["text"]
    for minute in (31, 45):
        run(slack, berlin(2026, 3, 2, 9, minute))
    assert len(posts(slack)) == 1 and all(len(dms(slack, a)) == 1 for a in admins)  # told once
    others = {c.args.get("channel") for c in slack.fake.calls("chat.postMessage")} - set(admins) - {CHANNEL}
    assert others == set()  # nobody else hears of it
    # invited now: /agenda post sends this occurrence's agenda, once, and it is kept up to date as usual
    reply = slack.command(CS1, "/agenda", "post CS weekly", channel=CHANNEL)
    assert "Posting the agenda for *CS weekly*" in reply.body["text"]
    slack.settle()
    assert [c.failed for c in posts(slack)] == [True, False]
    assert "Posted ahead of schedule" not in str(posts(slack)[-1].json_arg("blocks"))
    assert "already posted" in slack.command(CS1, "/agenda", "post CS weekly", channel=CHANNEL).body["text"]
    assert slack.deps.agenda.posted_message("cs-weekly", "2026-03-02T09:00Z") is not None



def test_an_agenda_sent_again_and_refused_again_is_told_again(agenda_slack):
    slack = agenda_slack
    admins = slack.settings.config.org.admins
    slack.fake.fail("chat.postMessage", "not_in_channel")
    run(slack, berlin(2026, 3, 2, 9, 30))
    slack.fake.fail("chat.postMessage", "not_in_channel")  # not invited yet
    slack.command(CS1, "/agenda", "post CS weekly", channel=CHANNEL)
    slack.settle()
    assert [c.failed for c in posts(slack)] == [True, True]
    assert all(len(dms(slack, a)) == 2 for a in admins)


def test_the_owner_of_a_meeting_set_up_in_slack_is_told_when_its_channel_is_archived(agenda_slack):
    from tests.test_agenda_slack import setup_values
    from tests.agenda_support import ENG

    slack = agenda_slack
    slack.command(ENG, "/agenda", "setup", channel="C0ENG")
    slack.submit(ENG, slack.last_view(), setup_values())
    slack.fake.clear()
    slack.fake.fail("chat.postMessage", "is_archived")
    run(slack, berlin(2026, 3, 3, 10, 40))
    [dm] = dms(slack, ENG)
    assert "*Eng sync*: <#C0ENG> is archived. Set it up again with `/agenda setup`" in dm.args["text"]
    assert not any(dms(slack, admin) for admin in slack.settings.config.org.admins if admin != ENG)


def test_an_item_due_on_its_london_owners_day_shows_that_day_in_a_berlin_meeting(agenda_slack):
    slack = agenda_slack
    # Tom is in London: Thursday 23:59 there is Friday 00:59 in Berlin, the meeting's zone
    slack.command(CS2, "/task", "Run the onboarding kickoff with Brightline Logistics by Thursday")
    run(slack, berlin(2026, 3, 2, 9, 30))
    [post] = posts(slack)
    [item] = [t for t in item_texts(post.json_arg("blocks")) if "onboarding kickoff with Brightline" in t]
    assert "due Thu 5 Mar" in item


def test_an_agenda_posted_days_early_is_redrawn_before_the_start_when_its_reasons_went_stale(agenda_slack):
    """Posted on Wednesday for Monday's meeting: its "due tomorrow" is overdue by Monday. The order
    is the same, yet five minutes before the start the message says what is true then — once."""
    slack = agenda_slack
    slack.clock.now = berlin(2026, 3, 4, 10, 0)  # Wednesday
    assert "Posting the agenda for *CS weekly* (Mon 9 Mar" in slack.command(CS1, "/agenda", "post",
                                                                            channel=CHANNEL).text
    slack.settle()
    [post] = posts(slack)
    posted = item_texts(post.json_arg("blocks"))
    assert any("due tomorrow" in t or "due today" in t for t in posted)
    run(slack, berlin(2026, 3, 9, 9, 54))
    assert slack.fake.calls("chat.update") == []  # not before five minutes to the start
    run(slack, berlin(2026, 3, 9, 9, 55))
    [update] = slack.fake.calls("chat.update")
    assert item_titles(update.json_arg("blocks")) == item_titles(post.json_arg("blocks"))  # the same order
    now_said = item_texts(update.json_arg("blocks"))
    assert not any("due tomorrow" in t for t in now_said) and any("overdue by" in t for t in now_said)
    assert "Order updated" not in str(update.json_arg("blocks"))  # it was not reordered
    for minute in (56, 58):
        run(slack, berlin(2026, 3, 9, 9, minute))
    assert len(slack.fake.calls("chat.update")) == 1 and len(posts(slack)) == 1



def test_a_feed_that_goes_down_is_warned_about_with_the_time_its_copy_was_really_read(demo, model, feed, caplog):
    """The agenda job reads a calendar for a window that starts 12 hours back; the warning names the
    clock's time of the read, not the window's start (they were 12 hours apart before 67d05c0)."""
    import logging

    meeting = {"id": "standup", "name": "Standup", "channel": CHANNEL, "ics": feed, "attendees": [CS1],
               "lead_minutes": 15}
    with harness(demo, model, [meeting], now=berlin(2026, 3, 2, 7, 45)) as slack:
        run(slack, berlin(2026, 3, 2, 7, 45))  # read at 06:45 UTC
        _Feed.down = True
        with caplog.at_level(logging.WARNING, logger="headwork.calendars"):
            run(slack, berlin(2026, 3, 2, 8, 5))
            run(slack, berlin(2026, 3, 2, 9, 15))  # the cached copy still posts the 09:30 agenda
        warnings = [r.getMessage() for r in caplog.records if r.name == "headwork.calendars"]
        assert len(warnings) == 1 and "using the copy read at 2026-03-02T07:45+01:00" in warnings[0], warnings
        assert len(posts(slack)) == 1
