"""SQLite held by another writer (a long import, the hourly rescore in another process): a
button press waits its turn and succeeds; nobody sees an error."""

from __future__ import annotations

import sqlite3
import threading
import time

from bot.devkit.harness import find_button

TOM = "U0DEMOCS2"


def test_done_waits_for_another_writer_and_succeeds(slack):
    reply = slack.command(TOM, "/top5", tag="tom")
    done = find_button(reply.blocks, "Done")
    locked, released = threading.Event(), threading.Event()

    def other_writer():
        conn = sqlite3.connect(slack.store.path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")  # the write lock, as another process would hold it
        locked.set()
        time.sleep(0.5)
        conn.execute("COMMIT")
        released.set()
        conn.close()

    writer = threading.Thread(target=other_writer)
    writer.start()
    assert locked.wait(5)
    answer = slack.click(TOM, done, tag="tom")
    writer.join(5)
    assert released.is_set()
    assert answer.status == 200
    assert slack.store.get_task(int(done["value"])).status == "done"
    assert "Done:" in slack.responses("tom")[-1]["blocks"][0]["elements"][0]["text"]
