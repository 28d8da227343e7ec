"""No Slack reply ever waits on Claude: while a categorization call hangs, /top5 answers; when
the call then fails — overloaded, or an answer that is garbage — no score moves."""

from __future__ import annotations

import threading

import httpx2
import pytest

from bot.devkit.fakeanthropic import FakeClaude
from bot.settings import AIConfig
from scoring.categorize import run_categorization
from scoring.claude import ClaudeCategorizer

TOM = "U0DEMOCS2"


def overloaded(fake, seen):
    return httpx2.Response(529, json={"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})


def json_cut_in_half(fake, seen):
    return httpx2.Response(200, json=fake.answer(seen.body, "malformed"))


def an_html_error_page(fake, seen):
    return httpx2.Response(200, content=b"<html><body>502 Bad Gateway</body></html>",
                           headers={"content-type": "text/html"})


@pytest.mark.parametrize("then", [overloaded, json_cut_in_half, an_html_error_page])
def test_top5_answers_while_claude_hangs_and_an_outage_moves_no_score(slack, model, then):
    store = slack.store
    for task in list(store.iter_tasks(open_only=True)):  # everything changed: all of it goes to Claude
        store.update_task(task.id, slack.clock(), notes=task.notes + " (updated)")
    store.mark_all_pending()
    scores_before = {t.id: store.score_of(t.id)["total"] for t in store.iter_tasks(open_only=True)}
    reply_before = slack.command(TOM, "/top5").blocks

    arrived, release = threading.Event(), threading.Event()

    def hang_then_fail(seen):
        arrived.set()
        release.wait(10)
        return then(fake, seen)

    fake = FakeClaude(model)
    fake.default = hang_then_fail
    categorizer = ClaudeCategorizer(fake.client(), "claude-haiku-4-5")
    crashed = []

    def categorize():
        try:
            run_categorization(store, categorizer, model, slack.clock(), AIConfig(batch_size=40))
        except Exception as exc:  # the scheduler's job would die the same way every run
            crashed.append(exc)

    worker = threading.Thread(target=categorize)
    worker.start()
    try:
        assert arrived.wait(10), "the categorizer never called Claude"
        during = slack.command(TOM, "/top5")  # Claude has not answered and will not
        assert during.status == 200 and during.blocks == reply_before
    finally:
        release.set()
        worker.join(10)
    assert fake.message_calls  # Claude really was asked
    assert crashed == []  # the outage is an outcome the categorizer handles, not an exception
    assert {t.id: store.score_of(t.id)["total"] for t in store.iter_tasks(open_only=True)} == scores_before
    assert slack.command(TOM, "/top5").blocks == reply_before
