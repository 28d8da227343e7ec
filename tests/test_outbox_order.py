"""A channel reads Headwork's messages in the order they were queued, whatever Slack does meanwhile:
a 429 (its Retry-After honoured) or an outage (everything goes out, in order, as soon as Slack is
back) — through a real WebClient to the loopback Slack."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.devkit.fakeslack import FakeSlack
from bot.outbox import Outbox
from bot.slack_client import make_web_client
from tests.test_outbox import Clock, post  # noqa: F401


def outbox(store, fake, clock, retries=0) -> Outbox:
    return Outbox(store, make_web_client("xoxb-test", fake.api_url, max_retries=retries), clock,
                  sleep=lambda s: None, pace_seconds=0)


def texts(fake, channel: str) -> list[str]:
    return [m["text"] for m in fake.history(channel)]


def test_after_a_429_the_channel_still_reads_in_order_and_retry_after_is_waited(store):
    clock = Clock()
    with FakeSlack(clock=clock) as fake:
        fake.add_channel("C1", "general")
        fake.add_channel("C2", "random")
        box = outbox(store, fake, clock)
        for n in range(1, 6):
            post(box, f"k{n}", channel="C1", text=f"m{n}")
        post(box, "other", channel="C2", text="elsewhere")
        fake.fail("chat.postMessage", status=429, retry_after=20, times=1)
        box.drain()
        assert texts(fake, "C1") == [] and texts(fake, "C2") == ["elsewhere"]  # only m1's channel waits
        clock.now += timedelta(seconds=10)
        box.drain()
        assert texts(fake, "C1") == []  # Slack said 20 s
        clock.now += timedelta(seconds=10)
        box.drain()
        assert texts(fake, "C1") == ["m1", "m2", "m3", "m4", "m5"]


def test_after_an_outage_everything_goes_out_at_once_in_order_and_the_outage_is_said_once(store, caplog):
    clock = Clock()
    with FakeSlack(clock=clock) as fake:
        fake.add_channel("C1", "cs-team")
        box = outbox(store, fake, clock)
        reachable = box.client.base_url
        with FakeSlack() as gone:
            box.client.base_url = gone.api_url  # nobody listens there any more: Slack cannot be reached
        post(box, "agenda", channel="C1", text="agenda")
        post(box, "reminder", channel="C1", text="reminder")
        post(box, "dm", channel="U1", text="a DM")
        with caplog.at_level(logging.INFO, logger="bot.outbox"):
            for minute in range(90):  # an hour and a half without Slack, the outbox drained every minute
                if minute == 60:
                    post(box, "late", channel="C1", text="queued during the outage")
                box.drain()
                clock.now += timedelta(minutes=1)
            assert box.db.get("reminder").attempts == 0  # behind the agenda: only a channel's first is tried
            box.client.base_url = reachable  # Slack is back
            for _ in range(3):
                clock.now += timedelta(seconds=20)
                box.drain()
        assert texts(fake, "C1") == ["agenda", "reminder", "queued during the outage"]  # within the minute
        assert texts(fake, "DU1") == ["a DM"]
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "Slack cannot be reached" in warnings[0].getMessage()
        assert "Slack answers again" in caplog.text
