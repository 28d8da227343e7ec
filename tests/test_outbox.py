"""Everything Headwork sends on its own is claimed once, delivered once, retried until
delivered, paced per channel — through a real WebClient to the loopback Slack."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

import pytest

from bot.devkit.fakeslack import FakeSlack
from bot.outbox import CONFIRM_AFTER, Outbox
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


@pytest.mark.parametrize("status", [500, 503])  # a 500 may have posted it: looked up before each retry
def test_server_errors_are_retried_until_delivered_once(store, fake, clock, status):
    fake.clock = clock
    fake.add_channel("C1")
    fake.fail("chat.postMessage", status=status, times=2)
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


def test_a_refusal_reaches_its_handler_whose_notice_goes_out_in_the_same_drain(store, fake, clock):
    box = outbox(store, fake, clock)
    refused = []
    box.on_failure("agenda:", lambda item, error: (refused.append((item.key, error)),
                                                   post(box, f"notice:{item.key}", channel="U1")))
    box.on_failure("agenda:", lambda item, error: 1 / 0)  # a broken handler stops nothing
    fake.fail("chat.postMessage", "not_in_channel")
    post(box, "agenda:m1:2026-03-02T09:00Z")
    post(box, "digest:U1:2026-W10")
    assert box.drain() == 2  # the digest and the notice
    assert refused == [("agenda:m1:2026-03-02T09:00Z", "not_in_channel")]
    assert box.db.get("notice:agenda:m1:2026-03-02T09:00Z").state == "sent"


def test_only_a_refused_call_is_sent_again_and_then_once(store, fake, clock):
    box = outbox(store, fake, clock)
    fake.fail("chat.postMessage", "not_in_channel")
    post(box, "refused")
    post(box, "delivered")
    box.drain()
    assert box.send_again("delivered", {"channel": "C1", "text": "twice?"}) is False
    assert box.send_again("never queued", {"channel": "C1", "text": "?"}) is False
    assert box.send_again("refused", {"channel": "C1", "text": "now"}) is True
    assert box.send_again("refused", {"channel": "C1", "text": "now"}) is False  # queued already
    assert box.drain() == 1 and box.drain() == 0
    last = fake.calls("chat.postMessage")[-1]
    assert last.args["text"] == "now" and last.json_arg("metadata")["event_payload"]["key"] == "refused"
    assert box.db.get("refused").state == "sent"


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


def crash_mid_send(box: Outbox, key: str, slack_got_it: bool) -> dict:
    """Take the item as the worker does, maybe let Slack receive it, then 'die' before recording it."""
    item = next(i for i in box.db.due(box.clock()) if i.key == key)
    assert box.db.mark_sending(item.id, box.clock())
    if slack_got_it:  # the very call the worker makes; the process dies before mark_sent
        return box.client.api_call(item.method, json=item.args).data
    return {}


def restarted(store, fake, clock) -> Outbox:
    return outbox(TaskStore(store.path), fake, clock)


def recovered(after: Outbox, clock) -> int:
    """`recover()` at start-up, then the first drain once Slack has had its minute to finish the post."""
    n = after.recover()
    clock.now += CONFIRM_AFTER
    after.drain()
    return n


def test_every_post_carries_its_key_as_message_metadata_and_a_callers_own_metadata_wins(store, fake, clock):
    box = outbox(store, fake, clock)
    post(box, "digest:U1:2026-W10")
    box.send("mine", "chat.postMessage", {"channel": "C1", "text": "x",
                                          "metadata": {"event_type": "task_created", "event_payload": {"id": 7}}})
    box.drain()
    first, second = fake.calls("chat.postMessage")
    assert first.json_arg("metadata") == {"event_type": "headwork_outbox",
                                          "event_payload": {"key": "digest:U1:2026-W10"}}
    assert second.json_arg("metadata")["event_type"] == "task_created"


def test_a_post_slack_got_before_the_crash_is_found_in_history_and_not_sent_again(store, fake, clock, caplog):
    fake.clock = clock  # Slack stamps the message at (about) the time the outbox claimed it
    box = outbox(store, fake, clock)
    post(box, "agenda:weekly:2026-03-02T09:30", channel="C1")
    delivered = crash_mid_send(box, "agenda:weekly:2026-03-02T09:30", slack_got_it=True)
    clock.now += timedelta(minutes=3)
    after = restarted(store, fake, clock)
    with caplog.at_level(logging.WARNING, logger="bot.outbox"):
        assert recovered(after, clock) == 1
    assert after.drain() == 0 and len(fake.calls("chat.postMessage")) == 1
    item = after.db.get("agenda:weekly:2026-03-02T09:30")
    assert item.state == "sent" and item.response == {"channel": "C1", "ts": delivered["ts"]}  # chat.update works
    history = fake.last("conversations.history").args
    assert history["channel"] == "C1" and history["include_all_metadata"] in ("1", "true", True)
    assert float(history["oldest"]) <= T0.timestamp()  # from the claim on, not from the restart
    assert "after Slack got it" in caplog.text and "agenda:weekly:2026-03-02T09:30" in caplog.text


def test_a_post_slack_never_got_is_sent_once_after_the_restart(store, fake, clock, caplog):
    fake.clock = clock
    box = outbox(store, fake, clock)
    post(box, "other", channel="C1", text="someone else's message in the same channel")
    box.drain()
    post(box, "agenda:weekly:2026-03-02T09:30", channel="C1")
    crash_mid_send(box, "agenda:weekly:2026-03-02T09:30", slack_got_it=False)
    after = restarted(store, fake, clock)
    with caplog.at_level(logging.WARNING, logger="bot.outbox"):
        assert after.recover() == 1
    assert after.drain() == 0 and fake.calls("conversations.history") == []  # Slack may still be on it
    assert after.db.get("agenda:weekly:2026-03-02T09:30").state == "unconfirmed"
    clock.now += CONFIRM_AFTER
    assert after.drain() == 1 and after.drain() == 0
    assert restarted(store, fake, clock).recover() == 0
    assert [c.args["text"] for c in fake.calls("chat.postMessage")] == [
        "someone else's message in the same channel", "hello"]
    assert "before Slack got it" in caplog.text and "sending it once now" in caplog.text


def test_a_dm_addressed_to_a_person_is_looked_up_in_their_dm_channel(store, fake, clock):
    fake.clock = clock
    box = outbox(store, fake, clock)
    post(box, "workslop-prompt:9", channel="U0ADA")
    crash_mid_send(box, "workslop-prompt:9", slack_got_it=True)
    after = restarted(store, fake, clock)
    recovered(after, clock)
    assert fake.last("conversations.open").args["users"] == "U0ADA"
    assert fake.last("conversations.history").args["channel"] == "DU0ADA"
    assert after.db.get("workslop-prompt:9").state == "sent" and after.drain() == 0
    assert len(fake.calls("chat.postMessage")) == 1


@pytest.mark.parametrize("refusal", [{"error": "missing_scope"}, {"error": "not_in_channel"},
                                     {"error": "channel_not_found"}])
def test_a_crash_mid_send_with_the_history_unreadable_is_reported_never_resent(store, fake, clock, caplog, refusal):
    box = outbox(store, fake, clock)
    post(box, "agenda:weekly:2026-03-02T09:30")
    crash_mid_send(box, "agenda:weekly:2026-03-02T09:30", slack_got_it=False)
    fake.fail("conversations.history", **refusal)
    after = restarted(store, fake, clock)
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        assert recovered(after, clock) == 1
    clock.now += timedelta(hours=1)
    assert after.drain() == 0 and fake.calls("chat.postMessage") == []
    assert after.db.get("agenda:weekly:2026-03-02T09:30").state == "unknown"
    assert "agenda:weekly:2026-03-02T09:30" in caplog.text and "not resent" in caplog.text


def test_a_crash_mid_send_while_slack_is_down_is_looked_up_again_never_resent_blindly(store, fake, clock):
    fake.clock = clock
    box = outbox(store, fake, clock)
    post(box, "agenda:weekly:2026-03-02T09:30")
    crash_mid_send(box, "agenda:weekly:2026-03-02T09:30", slack_got_it=True)
    fake.fail("conversations.history", status=500, times=3)
    after = restarted(store, fake, clock)
    recovered(after, clock)
    assert after.db.get("agenda:weekly:2026-03-02T09:30").state == "unconfirmed"
    for _ in range(4):
        clock.now += timedelta(minutes=5)
        after.drain()
    assert after.db.get("agenda:weekly:2026-03-02T09:30").state == "sent"
    assert len(fake.calls("chat.postMessage")) == 1


def test_history_is_paged_but_only_so_far(store, fake, clock, monkeypatch, caplog):
    import bot.outbox

    monkeypatch.setattr(bot.outbox, "HISTORY_PAGE", 2)
    monkeypatch.setattr(bot.outbox, "HISTORY_PAGES", 2)
    fake.clock = clock
    box = outbox(store, fake, clock)
    for key, newer in (("near", 3), ("far", 4)):  # the key's message, then `newer` later ones above it
        post(box, key, channel=f"C-{key}")
        crash_mid_send(box, key, slack_got_it=True)
        for n in range(newer):
            box.client.chat_postMessage(channel=f"C-{key}", text=f"chatter {n}")
    after = restarted(store, fake, clock)
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        recovered(after, clock)
    assert "more history since it was claimed than the 4 message(s) read" in caplog.text
    assert after.db.get("near").state == "sent"  # on the second page
    assert after.db.get("far").state == "unknown"  # beyond four messages: absence not proven, not resent
    assert after.drain() == 0


def test_an_interrupted_update_is_simply_repeated(store, fake, clock):
    box = outbox(store, fake, clock)
    box.send("agenda-update:weekly", "chat.update", {"channel": "C1", "ts": "1700000000.000100", "text": "v2"})
    crash_mid_send(box, "agenda-update:weekly", slack_got_it=True)
    after = restarted(store, fake, clock)
    assert after.recover() == 1 and after.drain() == 1
    assert len(fake.calls("chat.update")) == 2 and after.db.get("agenda-update:weekly").state == "sent"
    assert fake.calls("conversations.history") == []


@pytest.mark.parametrize("extra, why", [
    ({"metadata": {"event_type": "task_created", "event_payload": {"id": 7}}}, "without its key"),
    ({"thread_ts": "1700000000.000100"}, "a thread reply"),
])
def test_an_interrupted_post_that_history_cannot_vouch_for_stays_unknown(store, fake, clock, caplog, extra, why):
    fake.clock = clock
    box = outbox(store, fake, clock)
    box.send("k1", "chat.postMessage", {"channel": "C1", "text": "x", **extra})
    crash_mid_send(box, "k1", slack_got_it=False)
    after = restarted(store, fake, clock)
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        assert after.recover() == 1
    assert after.db.get("k1").state == "unknown" and after.drain() == 0
    assert why in caplog.text and fake.calls("chat.postMessage") == []


def test_other_interrupted_methods_stay_unknown(store, fake, clock):
    box = outbox(store, fake, clock)
    box.send("home:U1", "views.publish", {"user_id": "U1", "view": {"type": "home", "blocks": []}})
    crash_mid_send(box, "home:U1", slack_got_it=False)
    after = restarted(store, fake, clock)
    assert after.recover() == 1 and after.drain() == 0
    assert after.db.get("home:U1").state == "unknown"


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
