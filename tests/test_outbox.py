"""Everything Headwork sends on its own is claimed once, delivered once, retried until
delivered, paced per channel — through a real WebClient to the loopback Slack."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

import pytest
from slack_sdk import WebClient

from bot.devkit.fakeslack import FakeSlack
from bot.outbox import Outbox
from bot.slack_client import make_web_client
from scoring.store import TaskStore

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


@pytest.fixture
def fake():
    with FakeSlack() as f:
        yield f


@pytest.fixture
def clock():
    return Clock()


def outbox(store, fake, clock, sleeps=None, pace=0.0, retries=3) -> Outbox:
    client = make_web_client("xoxb-test", fake.api_url, max_retries=retries)
    return Outbox(store, client, clock, sleep=(sleeps.append if sleeps is not None else lambda s: None),
                  pace_seconds=pace)


def post(box: Outbox, key: str, channel: str = "C1", text: str = "hello") -> bool:
    return box.send(key, "chat.postMessage", {"channel": channel, "text": text})


def test_a_key_is_sent_once_however_often_it_is_queued(store, fake, clock):
    box = outbox(store, fake, clock)
    assert post(box, "digest:U1:2026-W10") is True
    assert post(box, "digest:U1:2026-W10") is False
    assert box.drain() == 1 and box.drain() == 0
    assert post(box, "digest:U1:2026-W10") is False  # not even after delivery
    assert len(fake.calls("chat.postMessage")) == 1
    item = box.db.get("digest:U1:2026-W10")
    assert item.state == "sent" and item.response["ts"]  # where it went, for a later chat.update


def test_a_burst_of_429s_is_waited_out_and_delivered_once(store, fake, clock):
    fake.fail("chat.postMessage", status=429, retry_after=0, times=2)  # the client's own retries absorb it
    box = outbox(store, fake, clock)
    post(box, "k1")
    assert box.drain() == 1
    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 429, 200]


def test_more_429s_than_the_client_retries_go_back_in_the_queue(store, fake, clock, caplog):
    fake.fail("chat.postMessage", status=429, retry_after=0, times=5)
    box = outbox(store, fake, clock, retries=1)
    post(box, "k1")
    with caplog.at_level(logging.WARNING, logger="bot.outbox"):
        assert box.drain() == 0
    assert box.db.get("k1").state == "pending" and "retry 1" in caplog.text
    assert box.drain() == 0  # not due yet: backoff
    clock.now += timedelta(seconds=3)
    box.drain()
    clock.now += timedelta(seconds=5)
    box.drain()
    clock.now += timedelta(seconds=9)
    box.drain()
    assert box.db.get("k1").state == "sent"
    assert len(fake.calls("chat.postMessage", failed=False)) == 1


def test_server_errors_are_retried_until_delivered_once(store, fake, clock):
    fake.fail("chat.postMessage", status=500, times=2)
    box = outbox(store, fake, clock)
    post(box, "k1")
    for _ in range(4):
        box.drain()
        clock.now += timedelta(minutes=1)
    assert box.db.get("k1").state == "sent"
    assert len(fake.calls("chat.postMessage", failed=False)) == 1


def test_a_permanent_refusal_is_failed_loudly_not_retried(store, fake, clock, caplog):
    fake.fail("chat.postMessage", error="channel_not_found")
    box = outbox(store, fake, clock)
    post(box, "k1")
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        box.drain()
    assert box.db.get("k1").state == "failed" and "channel_not_found" in caplog.text
    clock.now += timedelta(hours=1)
    box.drain()
    assert len(fake.calls("chat.postMessage")) == 1
    assert box.db.counts() == {"failed": 1}


def test_a_revoked_token_pauses_sending_and_keeps_everything(store, fake, clock):
    fake.fail("chat.postMessage", error="token_revoked")
    box = outbox(store, fake, clock)
    post(box, "k1")
    post(box, "k2")
    box.drain()
    assert {box.db.get("k1").state, box.db.get("k2").state} == {"pending"}
    assert len(fake.calls("chat.postMessage")) == 1  # stopped at the first refusal
    restarted = outbox(store, fake, clock)  # reinstalled with a working token
    assert restarted.drain() == 2


def test_a_crash_mid_send_is_reported_never_resent(store, fake, clock, caplog):
    box = outbox(store, fake, clock)
    post(box, "agenda:weekly:2026-03-02T09:30")
    item = box.db.due(clock())[0]
    assert box.db.mark_sending(item.id)  # ...and the process dies here, before or after Slack got it
    after = outbox(TaskStore(store.path), fake, clock)
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        assert after.recover() == 1
    assert after.drain() == 0 and fake.calls("chat.postMessage") == []
    assert after.db.get("agenda:weekly:2026-03-02T09:30").state == "unknown"
    assert "not resent" in caplog.text


def test_posts_to_one_channel_are_paced_about_one_per_second(store, fake, clock):
    sleeps: list[float] = []
    box = outbox(store, fake, clock, sleeps=sleeps, pace=1.0)
    for n in range(3):
        post(box, f"a{n}", channel="C1")
    post(box, "b0", channel="C2")
    assert box.drain() == 4
    assert len(sleeps) == 2 and all(0.9 <= s <= 1.0 for s in sleeps)  # C1's 2nd and 3rd; C2 not held


def test_two_processes_draining_one_database_send_each_item_once(tmp_path, fake, clock):
    path = tmp_path / "shared.db"
    first = outbox(TaskStore(path), fake, clock)
    for n in range(40):
        post(first, f"k{n}", channel=f"C{n}")
    boxes = [outbox(TaskStore(path), fake, clock) for _ in range(2)]
    threads = [threading.Thread(target=b.drain) for b in boxes for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = [c.args["channel"] for c in fake.calls("chat.postMessage")]
    assert sorted(sent) == sorted(f"C{n}" for n in range(40))  # all 40, none twice
