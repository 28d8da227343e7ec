"""A post whose answer never came (a timeout, a connection reset or an answer cut short after the
request left, Slack's own internal_error) may be in the channel already: it is looked up in the
channel's history before it is sent again, so it is delivered exactly once — through a real
WebClient to the loopback Slack."""

from __future__ import annotations

import http.client
import json
import logging
import threading
from datetime import timedelta

import pytest

from bot.devkit.fakeslack import FakeSlack
from bot.outbox import Outbox
from bot.slack_client import make_web_client
from scoring.store import TaskStore
from tests.test_outbox import Clock

KEY = "agenda:cs-weekly:2026-03-02T09:30"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def fake(clock):
    with FakeSlack(clock=clock) as f:  # Slack stamps messages at (about) the outbox's time
        f.add_channel("C1", "cs-team")
        yield f


@pytest.fixture
def released():
    """Set at the end of each test: whatever a responder holds back is let go."""
    event = threading.Event()
    yield event
    event.set()


def outbox(store, fake, clock, timeout=15, retries=3) -> Outbox:
    client = make_web_client("xoxb-test", fake.api_url, timeout=timeout, max_retries=retries)
    return Outbox(store, client, clock, sleep=lambda s: None, pace_seconds=0)


def post(box: Outbox, key: str = KEY) -> None:
    assert box.send(key, "chat.postMessage", {"channel": "C1", "text": "CS weekly agenda"})


def texts(fake) -> list[str]:
    return [m.get("text") for m in fake.history("C1")]


def first_call_only(fake, first, method="chat.postMessage"):
    """A responder doing `first(call)` for the first call, then answering as Slack does."""
    taken = threading.Lock()

    def respond(call):
        return first(call) if taken.acquire(blocking=False) else fake.builtin(call)
    fake.on(method, respond)


def later(box, clock, minutes):
    clock.now += timedelta(minutes=minutes)
    return box.drain()


def test_a_post_answered_after_the_timeout_is_found_in_history_and_not_posted_again(store, fake, clock,
                                                                                  released, caplog):
    first_call_only(fake, lambda call: (fake.builtin(call), released.wait(30))[0])  # posted, answered too late
    box = outbox(store, fake, clock, timeout=1)
    post(box)
    with caplog.at_level(logging.WARNING, logger="bot.outbox"):
        assert box.drain() == 0
        assert box.db.get(KEY).state == "unconfirmed"
        assert later(box, clock, 0.5) == 0  # Slack may still be at it: not looked up at once
        assert fake.calls("conversations.history") == []
        later(box, clock, 1)
    assert texts(fake) == ["CS weekly agenda"]  # one message in the channel, not two
    item = box.db.get(KEY)
    assert item.state == "sent" and item.response == {"channel": "C1", "ts": fake.history("C1")[0]["ts"]}
    assert later(box, clock, 60) == 0 and texts(fake) == ["CS weekly agenda"]
    assert "unconfirmed (TimeoutError)" in caplog.text and "not sent again" in caplog.text


def test_a_post_that_timed_out_before_slack_got_it_is_sent_once(store, fake, clock, released):
    first_call_only(fake, lambda call: (released.wait(30), {"ok": False, "error": "fatal_error"})[1])
    box = outbox(store, fake, clock, timeout=1)
    post(box)
    assert box.drain() == 0 and texts(fake) == []
    assert later(box, clock, 1) == 1
    assert texts(fake) == ["CS weekly agenda"] and box.db.get(KEY).state == "sent"
    assert later(box, clock, 60) == 0 and texts(fake) == ["CS weekly agenda"]


def hang_up(call):
    raise ConnectionAbortedError("the connection is closed without an answer")


def test_a_connection_lost_after_slack_got_the_post_is_not_repeated_by_the_client(store, fake, clock, caplog):
    # The server hangs up after posting: the client sees RemoteDisconnected (a ConnectionResetError),
    # which slack_sdk's ConnectionErrorRetryHandler would repeat at once, posting it twice.
    first_call_only(fake, lambda call: (fake.builtin(call), hang_up(call)))
    box = outbox(store, fake, clock, retries=3)
    post(box)
    assert box.drain() == 0
    assert texts(fake) == ["CS weekly agenda"] and box.db.get(KEY).state == "unconfirmed"
    later(box, clock, 1)
    assert texts(fake) == ["CS weekly agenda"] and box.db.get(KEY).state == "sent"


def test_slacks_internal_error_after_posting_does_not_post_twice(store, fake, clock):
    # Slack's docs for internal_error: "it's possible some aspect of the operation succeeded"
    first_call_only(fake, lambda call: (fake.builtin(call), {"ok": False, "error": "internal_error"})[1])
    box = outbox(store, fake, clock)
    post(box)
    assert box.drain() == 0
    for _ in range(3):
        later(box, clock, 5)
    assert texts(fake) == ["CS weekly agenda"] and box.db.get(KEY).state == "sent"


@pytest.mark.parametrize("slack_got_it", [True, False])
@pytest.mark.parametrize("cut", [lambda: http.client.IncompleteRead(b'{"ok":tr', 40),
                                 lambda: json.JSONDecodeError("Unterminated string", '{"ok":tr', 6)],
                         ids=["IncompleteRead", "JSONDecodeError"])
def test_an_answer_cut_short_leaves_nothing_stuck_and_posts_once(store, fake, clock, slack_got_it, cut):
    box = outbox(store, fake, clock)
    real = box.client.api_call
    calls = []

    def cut_short(method, **kwargs):
        calls.append(method)
        if method == "chat.postMessage" and calls.count(method) == 1:
            if slack_got_it:
                real(method, **kwargs)
            raise cut()
        return real(method, **kwargs)
    box.client.api_call = cut_short
    post(box)
    assert box.drain() == 0  # the drain goes on; the item is not left 'sending'
    assert box.db.get(KEY).state == "unconfirmed"
    later(box, clock, 1)
    assert texts(fake) == ["CS weekly agenda"] and box.db.get(KEY).state == "sent"


@pytest.mark.parametrize("refusal", ["missing_scope", "not_in_channel"])
def test_an_unanswered_post_whose_history_cannot_be_read_is_reported_never_resent(store, fake, clock, caplog,
                                                                                 refusal):
    first_call_only(fake, hang_up)  # Slack did not post it, but nobody can tell
    fake.fail("conversations.history", error=refusal)
    box = outbox(store, fake, clock)
    post(box)
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        box.drain()
        later(box, clock, 1)
        later(box, clock, 60)
    assert box.db.get(KEY).state == "unknown" and texts(fake) == []
    assert KEY in caplog.text and "not resent" in caplog.text and refusal in caplog.text


def test_an_unanswered_post_is_looked_up_again_while_slack_is_down(store, fake, clock):
    first_call_only(fake, lambda call: (fake.builtin(call), hang_up(call)))
    box = outbox(store, fake, clock)
    post(box)
    box.drain()
    fake.fail("conversations.history", status=500, times=2)
    later(box, clock, 1)
    assert box.db.get(KEY).state == "unconfirmed"  # not given up, not resent
    for _ in range(3):
        later(box, clock, 10)
    assert box.db.get(KEY).state == "sent" and texts(fake) == ["CS weekly agenda"]


def test_an_unanswered_post_left_unconfirmed_by_a_restart_is_settled_after_it(tmp_path, fake, clock):
    first_call_only(fake, lambda call: (fake.builtin(call), hang_up(call)))
    box = outbox(TaskStore(tmp_path / "h.db"), fake, clock)
    post(box)
    box.drain()
    clock.now += timedelta(minutes=5)
    after = outbox(TaskStore(tmp_path / "h.db"), fake, clock)
    assert after.recover() == 0 and after.drain() == 0
    assert after.db.get(KEY).state == "sent" and texts(fake) == ["CS weekly agenda"]


def test_an_unanswered_update_is_simply_repeated(store, fake, clock):
    box = outbox(store, fake, clock)
    post(box)
    box.drain()
    ts = box.db.get(KEY).response["ts"]
    first_call_only(fake, lambda call: (fake.builtin(call), hang_up(call)), method="chat.update")
    box.send("agenda-redraw:1", "chat.update", {"channel": "C1", "ts": ts, "text": "CS weekly agenda, v2"})
    box.drain()
    later(box, clock, 1)
    assert box.db.get("agenda-redraw:1").state == "sent" and texts(fake) == ["CS weekly agenda, v2"]
    assert fake.calls("conversations.history") == []  # nothing to look up: repeating it is harmless


def test_a_post_that_could_not_connect_is_retried_without_looking_anything_up(store, clock):
    with FakeSlack() as gone:
        url = gone.api_url  # nobody listens there any more: the connection is refused
    client = make_web_client("xoxb-test", url, max_retries=0)
    box = Outbox(store, client, clock, sleep=lambda s: None, pace_seconds=0)
    post(box)
    assert box.drain() == 0
    item = box.db.get(KEY)
    assert item.state == "pending" and item.last_error == "URLError"
