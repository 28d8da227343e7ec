"""`headwork run` as a service: `systemctl restart` while a post is in flight, and a second process
started on the same database — each agenda is still posted exactly once. Real child processes over a
real SQLite file, against the loopback Slack (the send_world of test_fault_kill)."""

from __future__ import annotations

import threading
import time

from tests.test_fault_kill import AGENDA_KEY, MEETING, ours, outbox_states, send_world, wait_until  # noqa: F401


class SlowSlack:
    """chat.postMessage whose first call Slack answers only after `seconds`, recording the message
    then (as under load); every later call is answered at once."""

    def __init__(self, fake, seconds: float):
        self.fake, self.seconds = fake, seconds
        self.inside, self.done, self._taken = threading.Event(), threading.Event(), threading.Lock()

    def __call__(self, call):
        if not self._taken.acquire(blocking=False):
            return self.fake.builtin(call)
        self.inside.set()
        time.sleep(self.seconds)
        answer = self.fake.builtin(call)
        self.done.set()
        return answer


def posting_slowly(world, seconds: float):
    """A `headwork run` whose agenda post Slack takes `seconds` to answer, started and inside that post:
    (the SlowSlack, the process)."""
    world.configure(meeting=True, digest=False)
    slow = SlowSlack(world.fake, seconds=seconds)
    world.fake.on("chat.postMessage", slow)
    first = world.start()
    assert slow.inside.wait(30), "".join(first.lines)
    return slow, first


def test_a_restart_at_once_while_slack_is_still_on_the_post_posts_one_agenda(send_world):
    world = send_world
    slow, first = posting_slowly(world, seconds=20)  # far longer than a stop waits for it
    assert first.stop() == 0  # SIGTERM; within the 15 s a service manager gives
    assert not slow.done.is_set()  # Slack is still working on it
    second = world.start()  # `systemctl restart`: the next process at once
    second.wait_ready(30)
    wait_until(lambda: outbox_states(world.db).get(AGENDA_KEY) == "sent", timeout=120, server=second)
    assert slow.done.wait(30)  # Slack has finished the first request too
    assert len(ours(world.fake, MEETING["channel"], AGENDA_KEY)) == 1
    assert len(world.fake.calls("chat.postMessage")) == 1  # found in the history: never sent again
    assert second.stop() == 0
    stopped, restarted = "".join(first.lines), "".join(second.lines)
    assert "waits for Slack's answer" in stopped and AGENDA_KEY in stopped
    assert "crash" not in stopped + restarted  # it was a clean stop, and the log says so
    assert "when Headwork stopped" in restarted and "after Slack got it" in restarted


def test_a_sigterm_while_slack_answers_within_the_stop_leaves_it_sent(send_world):
    world = send_world
    slow, first = posting_slowly(world, seconds=3)
    assert first.stop() == 0
    assert outbox_states(world.db) == {AGENDA_KEY: "sent"}  # the stop waited for Slack's answer
    second = world.start()
    second.wait_ready(30)
    assert second.stop() == 0
    assert len(ours(world.fake, MEETING["channel"], AGENDA_KEY)) == 1
    assert "interrupted" not in "".join(second.lines)


def test_a_second_process_on_the_same_database_is_refused_with_one_line(send_world):
    world = send_world
    slow, first = posting_slowly(world, seconds=6)
    first.wait_ready(30)
    second = world.start()
    assert second.proc.wait(30) == 2
    second._reader.join(5)
    lines = [line for line in second.lines if line.strip()]
    assert lines == [f"headwork: another headwork run (pid {first.proc.pid} on {_host()}) is using "
                     f"{world.db}: run one process per database\n"]
    wait_until(lambda: outbox_states(world.db).get(AGENDA_KEY) == "sent", server=first)
    assert len(ours(world.fake, MEETING["channel"], AGENDA_KEY)) == 1
    assert first.stop() == 0
    third = world.start()  # the first one stopped: its database is free again
    third.wait_ready(30)
    assert third.stop() == 0
    assert len(world.fake.calls("chat.postMessage")) == 1


def _host() -> str:
    import socket

    return socket.gethostname()
