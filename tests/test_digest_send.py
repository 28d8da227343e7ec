"""The weekly digest by DM under a fake clock: each recipient gets exactly one, at 09:00 their own
time, with its chart; a user group; catch-up and skips; a crash between claim and send."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.devkit.harness import SlackHarness
from bot.digest.service import DigestJob, slot_for
from bot.outbox import Outbox
from bot.store_digest import DigestStore
from tests.conftest import demo_config

UTC = timezone.utc
BERLIN, NEW_YORK, TOKYO = "U0LEADBER", "U0LEADNYC", "U0LEADTYO"
ZONES = {BERLIN: "Europe/Berlin", NEW_YORK: "America/New_York", TOKYO: "Asia/Tokyo"}
SUNDAY_NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # week 2026-W10 starts the next day


@pytest.fixture
def digest_slack(demo, model):
    def make(digest: dict, now: datetime = SUNDAY_NOON):
        org, store = demo
        harness = SlackHarness(store, config=demo_config(org) | {"digest": digest}, now=now, model=model)
        for user, tz in ZONES.items():
            harness.add_user(user, tz=tz)
        made.append(harness)
        return harness
    made: list[SlackHarness] = []
    yield make
    for harness in made:
        harness.close()
        assert harness.fake.block_kit_problems() == []


def run_until(slack, job, end: datetime, step=timedelta(minutes=15)) -> list[tuple[str, datetime]]:
    """Tick the job (and deliver what the outbox holds) until `end`; (DM channel, when) per digest."""
    sent: list[tuple[str, datetime]] = []
    while slack.clock.now < end:
        job(slack.clock.now)
        slack.settle()
        for call in slack.fake.calls("chat.postMessage")[len(sent):]:
            sent.append((call.args["channel"], slack.clock.now))
        slack.clock.advance(minutes=step.total_seconds() / 60)
    return sent


def test_three_time_zones_each_get_one_digest_at_nine_local_dst_included(digest_slack):
    slack = digest_slack({"recipients": [BERLIN, NEW_YORK, TOKYO]})
    job = DigestJob(slack.deps)
    sent = run_until(slack, job, datetime(2026, 3, 10, 0, 0, tzinfo=UTC))
    assert sent == [
        # week 10: Tokyo's Monday 09:00 is Sunday 24:00 UTC, Berlin's 08:00 UTC, New York's (EST) 14:00 UTC
        ("DU0LEADTYO", datetime(2026, 3, 2, 0, 0, tzinfo=UTC)),
        ("DU0LEADBER", datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
        ("DU0LEADNYC", datetime(2026, 3, 2, 14, 0, tzinfo=UTC)),
        # week 11: New York moved to daylight time on 8 March, so 09:00 there is 13:00 UTC
        ("DU0LEADTYO", datetime(2026, 3, 9, 0, 0, tzinfo=UTC)),
        ("DU0LEADBER", datetime(2026, 3, 9, 8, 0, tzinfo=UTC)),
        ("DU0LEADNYC", datetime(2026, 3, 9, 13, 0, tzinfo=UTC)),
    ]
    posts = slack.fake.calls("chat.postMessage")
    assert [p.json_arg("blocks")[1]["elements"][0]["text"].split(" (")[0] for p in posts] == \
        ["Week 2026-W09"] * 3 + ["Week 2026-W10"] * 3
    # one chart per digest, uploaded into the same DM after the message
    uploads = slack.fake.uploads()
    assert len(uploads) == 6
    for png in uploads.values():
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and 5_000 < len(png) < 500_000
    completes = slack.fake.calls("files.completeUploadExternal")
    assert sorted(c.args["channel_id"] for c in completes) == sorted(ch for ch, _ in sent)
    assert {s.chart_state for s in DigestStore(slack.store).sends()} == {"done"}


def test_nothing_before_nine_and_a_second_run_sends_nothing(digest_slack):
    slack = digest_slack({"recipients": [BERLIN]}, now=datetime(2026, 3, 2, 7, 59, tzinfo=UTC))
    job = DigestJob(slack.deps)
    job(slack.clock.now)
    slack.settle()
    assert slack.fake.calls("chat.postMessage") == []
    slack.clock.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    for _ in range(3):
        job(slack.clock.now)
        slack.settle()
    assert len(slack.fake.calls("chat.postMessage")) == 1
    # a restart: a new job over the same database sends nothing again
    DigestJob(slack.deps)(slack.clock.advance(hours=1))
    slack.settle()
    assert len(slack.fake.calls("chat.postMessage")) == 1


def test_a_user_group_is_resolved_cached_and_refreshed(digest_slack):
    slack = digest_slack({"usergroup": "S0LEADERS"}, now=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    slack.fake.add_usergroup("S0LEADERS", [BERLIN, TOKYO])
    job = DigestJob(slack.deps)
    job(slack.clock.now)
    slack.settle()
    assert sorted(c.args["channel"] for c in slack.fake.calls("chat.postMessage")) == ["DU0LEADBER", "DU0LEADTYO"]
    job(slack.clock.advance(minutes=5))
    assert len(slack.fake.calls("usergroups.users.list")) == 1  # cached
    slack.fake.add_usergroup("S0LEADERS", [BERLIN, TOKYO, NEW_YORK])  # New York joins the group
    slack.clock.now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    job(slack.clock.now)
    slack.settle()
    assert len(slack.fake.calls("usergroups.users.list")) == 2
    assert sorted(c.args["channel"] for c in slack.fake.calls("chat.postMessage")) == \
        ["DU0LEADBER", "DU0LEADNYC", "DU0LEADTYO"]


def test_caught_up_the_same_day_skipped_with_a_log_line_the_next(digest_slack, caplog):
    slack = digest_slack({"recipients": [BERLIN, NEW_YORK]}, now=datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
    job = DigestJob(slack.deps)
    job(slack.clock.now)  # down since before 09:00: 21:00 in Berlin, 15:00 in New York, still Monday
    slack.settle()
    assert sorted(c.args["channel"] for c in slack.fake.calls("chat.postMessage")) == ["DU0LEADBER", "DU0LEADNYC"]

    slack.clock.now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # down all of Monday 9 March
    with caplog.at_level("WARNING", logger="headwork.digest"):
        job(slack.clock.now)
        job(slack.clock.advance(minutes=5))
    slack.settle()
    assert len(slack.fake.calls("chat.postMessage")) == 2
    skips = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skips) == 2 and all("2026-W10" in s for s in skips)  # once per recipient, not every run


def crash_mid_send_of_berlins_digest(slack, slack_got_it: bool) -> Outbox:
    """Both digests claimed; the process dies while sending Berlin's (before or after Slack got it).
    Returns the restarted process's outbox, recovered."""
    slack.fake.clock = slack.clock  # Slack stamps messages on the same clock as the claim
    DigestJob(slack.deps)(slack.clock.now)  # both claimed, nothing delivered yet
    assert slack.fake.calls("chat.postMessage") == []
    berlin = slack.outbox.db.get(f"digest:{BERLIN}:2026-W09")
    assert slack.outbox.db.mark_sending(berlin.id)
    if slack_got_it:  # the very HTTP call the worker made; the process died before recording it
        slack.client.api_call(berlin.method, json=berlin.args)
    restarted = Outbox(slack.store, slack.client, slack.clock, sleep=lambda s: None, pace_seconds=0)
    assert restarted.recover() == 1
    restarted.drain(slack.clock.now)
    job = DigestJob(slack.deps)
    for _ in range(3):
        job(slack.clock.advance(minutes=5))
        restarted.drain(slack.clock.now)
    return restarted


@pytest.mark.parametrize("slack_got_it", [False, True])
def test_a_digest_caught_mid_send_by_a_crash_arrives_exactly_once_with_its_chart(digest_slack, slack_got_it):
    slack = digest_slack({"recipients": [BERLIN, TOKYO]}, now=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    crash_mid_send_of_berlins_digest(slack, slack_got_it)
    assert sorted(c.args["channel"] for c in slack.fake.calls("chat.postMessage")) == ["DU0LEADBER", "DU0LEADTYO"]
    assert slack.outbox.db.get(f"digest:{BERLIN}:2026-W09").state == "sent"
    states = {s.user_id: s.chart_state for s in DigestStore(slack.store).sends()}
    assert states == {TOKYO: "done", BERLIN: "done"}
    assert len(slack.fake.uploads()) == 2  # one chart in each DM, under its message


def test_a_digest_caught_mid_send_with_the_history_unreadable_is_never_sent_twice(digest_slack):
    slack = digest_slack({"recipients": [BERLIN, TOKYO]}, now=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    slack.fake.fail("conversations.history", error="missing_scope")
    crash_mid_send_of_berlins_digest(slack, slack_got_it=False)
    assert [c.args["channel"] for c in slack.fake.calls("chat.postMessage")] == ["DU0LEADTYO"]
    assert slack.outbox.db.get(f"digest:{BERLIN}:2026-W09").state == "unknown"
    states = {s.user_id: s.chart_state for s in DigestStore(slack.store).sends()}
    assert states == {TOKYO: "done", BERLIN: "skipped"}  # no lone chart for a message that may not exist
    assert len(slack.fake.uploads()) == 1


def test_a_crash_mid_upload_is_not_uploaded_again(digest_slack):
    slack = digest_slack({"recipients": [BERLIN]}, now=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    DigestJob(slack.deps)(slack.clock.now)
    slack.settle()
    store = DigestStore(slack.store)
    assert store.claim_chart(f"digest:{BERLIN}:2026-W09")  # claimed, then the process died
    job = DigestJob(slack.deps)
    job(slack.clock.advance(minutes=5))
    job(slack.clock.advance(minutes=5))
    assert slack.fake.uploads() == {}
    assert store.send(f"digest:{BERLIN}:2026-W09").chart_state == "unknown"


def test_a_failed_chart_upload_is_retried_then_lands_once(digest_slack):
    slack = digest_slack({"recipients": [BERLIN]}, now=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    job = DigestJob(slack.deps)
    job(slack.clock.now)
    slack.settle()
    slack.fake.fail("files.getUploadURLExternal", status=500)
    job(slack.clock.advance(minutes=1))
    assert slack.fake.uploads() == {}
    job(slack.clock.advance(seconds=20))  # backing off (30 s after the first failure)
    assert slack.fake.uploads() == {}
    for _ in range(3):
        job(slack.clock.advance(minutes=5))
    assert len(slack.fake.uploads()) == 1


def test_opted_out_recipients_get_nothing(digest_slack):
    slack = digest_slack({"recipients": [BERLIN, TOKYO]}, now=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    DigestStore(slack.store).opt_out(TOKYO, slack.clock.now)
    DigestJob(slack.deps)(slack.clock.now)
    slack.settle()
    assert [c.args["channel"] for c in slack.fake.calls("chat.postMessage")] == ["DU0LEADBER"]


def test_a_deactivated_recipient_gets_nothing_and_it_is_said_once_and_in_the_list(digest_slack, caplog):
    slack = digest_slack({"recipients": [BERLIN, TOKYO]}, now=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    slack.add_user(TOKYO, tz="Asia/Tokyo", deleted=True)  # left the company last week
    job = DigestJob(slack.deps)
    with caplog.at_level("WARNING", logger="headwork.digest"):
        job(slack.clock.now)
        job(slack.clock.advance(minutes=5))
    slack.settle()
    assert [c.args["channel"] for c in slack.fake.calls("chat.postMessage")] == ["DU0LEADBER"]
    assert slack.fake.calls("conversations.open", failed=True) == []
    said = [r.getMessage() for r in caplog.records if TOKYO in r.getMessage()]
    assert said == [f"digest for {TOKYO} (week 2026-W09) not sent: that Slack account is deactivated"]
    listing = slack.command("U0DEMOCEO", "/digest", "list").text  # the demo's admin
    assert f"<@{TOKYO}> _(account deactivated: not sent)_" in listing and f"<@{BERLIN}>," in listing


def test_disabled_digest_sends_nothing(digest_slack):
    slack = digest_slack({"recipients": [BERLIN], "enabled": False}, now=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    DigestJob(slack.deps)(slack.clock.now)
    slack.settle()
    assert slack.fake.calls("chat.postMessage") == []


@pytest.mark.parametrize("tz, day, local", [
    ("Europe/Berlin", "2026-03-30", "09:00"),  # the Monday after the clocks went forward
    ("Europe/Berlin", "2026-10-26", "09:00"),  # the Monday after they went back
    ("America/New_York", "2026-03-09", "09:00"),
])
def test_send_time_is_nine_on_the_wall_clock_across_dst(tz, day, local):
    from datetime import time
    from zoneinfo import ZoneInfo

    now = datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=ZoneInfo(tz))
    slot = slot_for(now, ZoneInfo(tz), "monday", time(9, 0))
    assert slot.send_at.strftime("%Y-%m-%d %H:%M") == f"{day} {local}"


def test_without_the_chart_the_message_does_not_promise_one(digest_slack, tmp_path, capsys):
    slack = digest_slack({"recipients": [BERLIN], "chart": False}, now=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    job = DigestJob(slack.deps)
    for _ in range(3):
        job(slack.clock.now)
        slack.settle()
        slack.clock.advance(minutes=1)
    [post] = slack.fake.calls("chat.postMessage")
    text = json.dumps(post.json_arg("blocks"), ensure_ascii=False)
    assert "Figures as of" in text and "chart" not in text.lower()
    assert slack.fake.uploads() == {}
    # and the command line's preview says the same
    from bot.cli import main

    config = tmp_path / "headwork.yml"
    config.write_text("org: {timezone: Europe/Berlin}\ndigest: {chart: false}\n")
    env = {"HEADWORK_DB": slack.store.path, "HEADWORK_CONFIG": str(config)}
    assert main(["digest", "--preview"], environ=env, clock=lambda: slack.clock.now) == 0
    out = capsys.readouterr().out
    assert "Figures as of" in out and "chart" not in out.lower()


@pytest.mark.parametrize("org_tz, user_tz, expected", [
    # Tokyo, 13-14 hours ahead of New York: Monday 09:00 there is Sunday evening in New York
    ("America/New_York", "Asia/Tokyo", ["2026-03-03 09:00", "2026-03-10 09:00", "2026-03-17 09:00"]),
    # 25 hours ahead (Kiritimati of a Pago Pago organisation): Tuesday 09:00 too, never a week skipped
    ("Pacific/Pago_Pago", "Pacific/Kiritimati", ["2026-03-03 09:00", "2026-03-10 09:00", "2026-03-17 09:00"]),
    # Berlin is behind Tokyo's organisation: its Monday 09:00 comes after the week ended in Tokyo
    ("Asia/Tokyo", "Europe/Berlin", ["2026-03-02 09:00", "2026-03-09 09:00", "2026-03-16 09:00"]),
])
def test_far_east_of_the_organisation_it_comes_at_nine_on_the_first_day_after_its_week(demo, model, org_tz,
                                                                                         user_tz, expected):
    from zoneinfo import ZoneInfo

    _, store = demo
    user = "U0LEADFAR"
    with SlackHarness(store, config={"org": {"timezone": org_tz}, "digest": {"recipients": [user]}},
                      now=datetime(2026, 3, 1, 0, 0, tzinfo=UTC), model=model) as slack:
        slack.add_user(user, tz=user_tz)
        sent = run_until(slack, DigestJob(slack.deps), datetime(2026, 3, 19, 0, 0, tzinfo=UTC))
        local = [when.astimezone(ZoneInfo(user_tz)).strftime("%Y-%m-%d %H:%M") for _, when in sent]
        assert local == expected
        weeks = [p.json_arg("blocks")[1]["elements"][0]["text"].split(" (")[0]
                 for p in slack.fake.calls("chat.postMessage")]
        assert weeks == ["Week 2026-W09", "Week 2026-W10", "Week 2026-W11"]


def test_the_status_shows_each_recipients_own_week(demo, model, tmp_path, capsys):
    """Sunday evening in New York is Monday morning in Tokyo: Tokyo's row is on next week's digest,
    not yet sent, while Berlin's and New York's show this week's as sent."""
    from bot.cli import main

    _, store = demo
    with SlackHarness(store, config={"org": {"timezone": "America/New_York"},
                                     "digest": {"recipients": [TOKYO, BERLIN, NEW_YORK]}},
                      now=datetime(2026, 3, 8, 0, 0, tzinfo=UTC), model=model) as slack:
        for user, tz in ZONES.items():
            slack.add_user(user, tz=tz)
        run_until(slack, DigestJob(slack.deps), datetime(2026, 3, 10, 1, 0, tzinfo=UTC))
        assert len(slack.fake.calls("chat.postMessage")) == 3  # everyone's week 10 (Tokyo's on Tuesday)
    config = tmp_path / "headwork.yml"
    config.write_text(f"org: {{timezone: America/New_York}}\ndigest: {{recipients: [{TOKYO}, {BERLIN}, {NEW_YORK}]}}\n")
    env = {"HEADWORK_DB": store.path, "HEADWORK_CONFIG": str(config)}
    assert main(["digest"], environ=env, clock=lambda: datetime(2026, 3, 15, 20, 0, tzinfo=UTC)) == 0
    rows = {line.split(" (", 2)[1].split(")")[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "2026-W11: not sent yet" in rows[TOKYO] and "2026-03-17T09:00:00+09:00" in rows[TOKYO]
    assert "2026-W10: claimed, chart done" in rows[BERLIN] and "2026-W10: claimed, chart done" in rows[NEW_YORK]


def test_a_new_install_sends_no_digest_for_a_week_before_it_and_says_when_it_started(store, model, caplog):
    """Installed on Wednesday 4 March: nothing for the week before (an INFO line, no warning); the
    Monday after, the digest says its figures cover 5 of the week's 7 days, and the weeks before
    read as not measured, not as zeros."""
    wednesday = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    with SlackHarness(store, config={"org": {"timezone": "Europe/Berlin"},
                                     "digest": {"recipients": [BERLIN, NEW_YORK]}},
                      now=wednesday, model=model) as slack:
        for user, tz in ZONES.items():
            slack.add_user(user, tz=tz)
        job = DigestJob(slack.deps)
        with caplog.at_level("INFO", logger="headwork.digest"):
            sent = run_until(slack, job, datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
        assert sent == [("DU0LEADBER", datetime(2026, 3, 9, 8, 0, tzinfo=UTC))]  # week 10; New York's later
        said = [(r.levelname, r.getMessage()) for r in caplog.records if "2026-W09" in r.getMessage()]
        assert said == [("INFO", f"no digest for {user} for week 2026-W09: it ended before Headwork started "
                                 "here (2026-03-04T09:00+00:00)") for user in (BERLIN, NEW_YORK)]
        [post] = slack.fake.calls("chat.postMessage")
        text = json.dumps(post.json_arg("blocks"), ensure_ascii=False)
        assert "Headwork started here on Wed 04 Mar at 10:00: the figures cover 5 of its 7 days." in text
        assert "W07 – → W08 – → W09 – → W10 0 min (Headwork started this week" in text
        # the chart draws the seven weeks before as not measured (no bars, no points)
        history = DigestStore(slack.store).edition("2026-W10")["history"]
        assert [h["measured"] for h in history] == [False] * 7 + [True]
        assert len(slack.fake.uploads()) == 1
