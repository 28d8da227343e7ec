"""The scheduler: scoring's jobs driven with a fake `now`, and a real BackgroundScheduler
proving jobs run on their interval and never overlap."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx2
import pytest

from bot.devkit.fakeanthropic import FakeClaude
from bot.runtime import Runtime
from bot.scheduler import JobSpec, build_scheduler, categorize_job, rescore_job, run_job, scoring_jobs
from scoring.model import load_model
from scoring.tasks import Task

NOW = datetime(2025, 3, 28, 9, 0, tzinfo=timezone.utc)  # the Friday before Europe's clocks change


class FakeClock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def runtime(tmp_path):
    Path(tmp_path / "headwork.yml").write_text(
        "org:\n  timezone: Europe/Berlin\nscoring:\n  rescore_minutes: 60\n"
        "ai:\n  categorize_minutes: 5\n  max_retries: 0\n")
    env = {"HEADWORK_DB": str(tmp_path / "hw.db"), "HEADWORK_CONFIG": str(tmp_path / "headwork.yml"),
           "ANTHROPIC_API_KEY": "sk-test"}
    fake = FakeClaude(load_model())
    rt = Runtime(env, clock=FakeClock(NOW), anthropic_http_client=httpx2.Client(transport=httpx2.MockTransport(
        fake.handler)))
    rt.fake = fake
    yield rt
    rt.store.close()


def add(runtime, n: int, title: str, **fields) -> int:
    task = Task(title=title, external_id=f"T{n}", assignee_id="U1", created_at=NOW - timedelta(days=1), **fields)
    return runtime.store.upsert_task(task, runtime.clock())[0]


# --- the job functions under a fake clock ------------------------------------------------------


def test_scoring_jobs_follow_the_configured_intervals(runtime):
    jobs = {j.id: j for j in scoring_jobs(runtime)}
    assert jobs["categorize"].every == timedelta(minutes=5)
    assert jobs["rescore"].every == timedelta(minutes=60)
    assert all(j.run_at_start for j in jobs.values())


def test_the_categorize_job_judges_new_tasks_and_then_costs_nothing(runtime):
    clock = runtime.clock
    first = add(runtime, 1, "Patch OpenSSL CVE in base image")
    categorize_job(runtime, clock())
    assert runtime.store.effective_bands(first) == (frozenset({"risk"}), "ai")
    for _ in range(12):  # an hour of ticks with nothing new
        categorize_job(runtime, clock.advance(minutes=5))
    assert len(runtime.fake.message_calls) == 1
    second = add(runtime, 2, "Send renewal quote to Acme Retail")
    categorize_job(runtime, clock.advance(minutes=5))
    assert runtime.fake.message_calls[-1].task_ids == [second]


def test_the_hourly_rescore_moves_due_dates_with_the_clock(runtime):
    clock = runtime.clock
    task_id = add(runtime, 1, "Board update", due=NOW + timedelta(days=3))
    rescore_job(runtime, clock())
    before = runtime.store.score_of(task_id)["total"]
    rescore_job(runtime, clock.advance(days=2))  # across the DST change: an aware `now`, no surprises
    assert runtime.store.score_of(task_id)["total"] > before
    assert runtime.store.score_of(task_id)["scored_at"] == "2025-03-30T09:00:00+00:00"


def test_the_hourly_rescore_builds_the_indexes_a_killed_import_left_out(runtime, caplog):
    """`headwork run` opened the store before an import that was killed (`scoring.sources.index_deferral`)."""
    task_id = add(runtime, 1, "Board update", due=NOW + timedelta(days=3))
    assert runtime.store.drop_deferrable_indexes() == ["tasks_email", "scores_rank"]
    with caplog.at_level(logging.WARNING, logger="headwork.scheduler"):
        rescore_job(runtime, runtime.clock())
    assert "built index(es) tasks_email, scores_rank, left out by an import that did not finish" in caplog.text
    assert runtime.store.missing_deferrable_indexes() == []
    assert [i for i, _ in runtime.store.top_ids("U1", 5, NOW.timestamp())] == [task_id]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="headwork.scheduler"):
        rescore_job(runtime, runtime.clock.advance(hours=1))
    assert "index" not in caplog.text


def test_an_outage_during_a_tick_changes_no_score_and_blocks_nothing(runtime):
    clock = runtime.clock
    task_id = add(runtime, 1, "Patch OpenSSL CVE in base image")
    categorize_job(runtime, clock())
    rescore_job(runtime, clock())
    before = runtime.store.score_of(task_id)
    runtime.store.update_task(task_id, clock(), notes="also the staging image")
    runtime.fake.queue("529")
    started = time.perf_counter()
    stats = categorize_job(runtime, clock.advance(minutes=5))
    assert stats.failed_calls == 1 and time.perf_counter() - started < 5  # answered at once, no waiting
    assert runtime.store.score_of(task_id)["total"] == before["total"]
    assert runtime.store.effective_bands(task_id) == (frozenset({"risk"}), "ai")


def test_a_failing_job_logs_one_line_and_the_next_run_goes_ahead(caplog):
    runs = []

    def flaky(now):
        runs.append(now)
        if len(runs) == 1:
            raise RuntimeError("database is locked")

    spec = JobSpec("flaky", flaky, every=timedelta(minutes=1))
    clock = FakeClock(NOW)
    with caplog.at_level(logging.ERROR, logger="headwork.scheduler"):
        run_job(spec, clock)
        run_job(spec, clock)
    assert runs == [NOW, NOW]
    assert len(caplog.records) == 1 and "job flaky failed" in caplog.records[0].getMessage()


@pytest.mark.parametrize("kwargs", [{}, {"every": timedelta(0)},
                                    {"every": timedelta(minutes=1), "trigger": object()}])
def test_a_job_needs_exactly_one_positive_schedule(kwargs):
    with pytest.raises(ValueError):
        JobSpec("bad", lambda now: None, **kwargs)


def test_job_ids_are_unique():
    spec = JobSpec("same", lambda now: None, every=timedelta(minutes=1))
    with pytest.raises(ValueError, match="two jobs are called 'same'"):
        build_scheduler(FakeClock(NOW), [spec, spec])


# --- a real BackgroundScheduler ----------------------------------------------------------------


def test_a_real_scheduler_runs_jobs_with_the_injected_clock_and_never_overlaps_them():
    clock = FakeClock(datetime.now(timezone.utc))  # real time: APScheduler fires on the wall clock
    seen: list[datetime] = []
    running, overlap = 0, []
    lock = threading.Lock()

    def slow(now):
        nonlocal running
        with lock:
            running += 1
            overlap.append(running)
        seen.append(now)
        time.sleep(0.25)  # longer than the interval: max_instances must hold the next run back
        with lock:
            running -= 1

    scheduler = build_scheduler(clock, [JobSpec("slow", slow, every=timedelta(seconds=0.05), run_at_start=True)])
    job = scheduler.get_job("slow")
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 300)
    scheduler.start()
    try:
        deadline = time.monotonic() + 5
        while len(seen) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        scheduler.shutdown(wait=True)
    assert len(seen) >= 3
    assert max(overlap) == 1  # never two at once
    assert set(seen) == {clock.now}  # `now` came from the injected clock
