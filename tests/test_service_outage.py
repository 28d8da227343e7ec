"""`headwork run`'s jobs while Slack is down or a recipient's id is mistyped: every other recipient
still gets their digest, and the log says each thing once — not a traceback every minute."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from bot.devkit.fakeslack import FakeSlack
from bot.digest.service import digest_jobs
from bot.scheduler import JobSpec, run_job
from tests.test_digest_send import BERLIN, TOKYO, digest_slack  # noqa: F401

UTC = timezone.utc
MONDAY_0750_BERLIN = datetime(2026, 3, 2, 6, 50, tzinfo=UTC)


def tick(slack, job: JobSpec, minutes: int) -> None:
    for _ in range(minutes):
        run_job(job, slack.clock)
        slack.settle()
        slack.clock.advance(minutes=1)


def test_while_slack_is_unreachable_the_digest_job_waits_quietly_and_then_sends_every_digest(digest_slack,
                                                                                          caplog):
    slack = digest_slack({"recipients": [BERLIN, TOKYO]}, now=MONDAY_0750_BERLIN)
    [job] = digest_jobs(slack.deps)
    slack.client.retry_handlers = []  # slack_sdk's own retry waits a second per refused call: no real time here
    reachable = slack.client.base_url
    with FakeSlack() as gone:
        unreachable = gone.api_url  # nobody listens there any more: connections are refused
    with caplog.at_level(logging.INFO):
        slack.client.base_url = unreachable  # 07:50 to 09:50 in Berlin: no Slack
        tick(slack, job, 120)
        assert slack.fake.calls("chat.postMessage") == []
        slack.client.base_url = reachable
        tick(slack, job, 5)
    # both, as soon as Slack answers (09:50 in Berlin, still Monday in Tokyo: caught up the same day)
    assert sorted(c.args["channel"] for c in slack.fake.calls("chat.postMessage")) == ["DU0LEADBER", "DU0LEADTYO"]
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert tracebacks == []  # the job never failed: one person's stale profile holds up nobody
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
                and not r.name.startswith("slack_sdk")]  # `headwork run` filters slack_sdk's own line per call
    assert sum("users.info" in w for w in warnings) == 1  # the outage said once, not per person per minute
    assert sum("conversations.open failed" in w for w in warnings) <= 2  # once per digest, not every minute
    assert len(warnings) <= 4


def test_a_mistyped_recipient_id_is_named_once_and_asked_about_once_an_hour(digest_slack, caplog):
    slack = digest_slack({"recipients": [BERLIN, "U0LEADTYPO"]}, now=MONDAY_0750_BERLIN)
    [job] = digest_jobs(slack.deps)
    with caplog.at_level(logging.INFO):
        tick(slack, job, 6 * 60)
    asked = [c for c in slack.fake.calls("users.info") if c.args.get("user") == "U0LEADTYPO"]
    assert 1 <= len(asked) <= 7  # once an hour, not 360 times
    named = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "U0LEADTYPO" in r.getMessage()]
    assert len(named) == 1 and "user_not_found" in named[0]
    assert "DU0LEADBER" in [c.args["channel"] for c in slack.fake.calls("chat.postMessage")]


def test_a_job_failing_the_same_way_every_minute_logs_its_traceback_once_then_a_line_a_quarter_hour(caplog):
    now = [datetime(2026, 3, 2, 8, 0, tzinfo=UTC)]
    down = [True]

    def digest(at):
        if down[0]:
            raise ConnectionRefusedError(111, "Connection refused")

    spec = JobSpec("digest", digest, every=timedelta(minutes=1))
    with caplog.at_level(logging.INFO, logger="headwork.scheduler"):
        for minute in range(120):
            down[0] = minute < 110
            run_job(spec, lambda: now[0])
            now[0] += timedelta(minutes=1)
    records = caplog.records
    assert len([r for r in records if r.exc_info]) == 1  # the traceback, once
    still = [r.getMessage() for r in records if "still failing" in r.getMessage()]
    assert len(still) == 7 and "ConnectionRefusedError" in still[0] and "since 2026-03-02T08:00:00" in still[0]
    [back] = [r.getMessage() for r in records if "works again" in r.getMessage()]
    assert "failed 110 run(s)" in back
