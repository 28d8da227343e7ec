"""The one APScheduler `BackgroundScheduler` of `headwork run`, and the jobs scoring gives it.

Each feature contributes `JobSpec`s — scoring: categorize changed tasks every
`ai.categorize_minutes`, rescore everything every `scoring.rescore_minutes`; later agenda
posts, digests and source sync add theirs — and `build_scheduler(clock, jobs)` wires them.
A job function takes `now` from the injected clock and never reads the clock itself, so
tests drive the very same functions with a fake `now`.

Every job runs with `coalesce=True` (missed runs after a pause collapse into one),
`max_instances=1` (a slow categorize pass never overlaps itself) and a misfire grace
window (a run later than that is skipped by APScheduler with a log line; the next one
catches up, as both scoring jobs are idempotent).

No Slack handler waits on a job: a change made from Slack or an import rescores its task
synchronously (cheap) and gets the offline rules' bands at once if it has none
(`scoring.intake`); Claude's verdict replaces them on the next categorize run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger("headwork.scheduler")

Clock = Callable[[], datetime]

# A job failing the same way run after run (Slack unreachable for an hour): its traceback once, then one
# line this often, then a line when it works again.
STILL_FAILING_EVERY = timedelta(minutes=15)


class FailureStreak:
    """How a job has been failing: the same way since when, how often, when it was last said."""

    def __init__(self) -> None:
        self.signature: tuple[str, str] | None = None
        self.since: datetime | None = None
        self.said_at: datetime | None = None
        self.runs = 0


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: `run(now)` every `every`, or on its own `trigger` (e.g. a CronTrigger)."""

    id: str
    run: Callable[[datetime], object]
    every: timedelta | None = None
    trigger: BaseTrigger | None = None
    misfire_grace: timedelta = timedelta(minutes=5)
    run_at_start: bool = False
    name: str = ""
    failures: FailureStreak = field(default_factory=FailureStreak, compare=False, repr=False)

    def __post_init__(self) -> None:
        if (self.every is None) == (self.trigger is None):
            raise ValueError(f"job {self.id!r}: give exactly one of `every` or `trigger`")
        if self.every is not None and self.every <= timedelta(0):
            raise ValueError(f"job {self.id!r}: `every` must be positive")


def run_job(spec: JobSpec, clock: Clock) -> None:
    """Run one job at the clock's `now`; a failure is logged, never a dead scheduler: its traceback
    the first time, then, while it fails the same way, one line every STILL_FAILING_EVERY, and one
    when it works again."""
    now = clock()
    started = time.perf_counter()
    streak = spec.failures
    try:
        spec.run(now)
    except Exception as exc:  # noqa: BLE001 - a job must not take the scheduler down; the next run retries
        signature = (type(exc).__name__, str(exc)[:300])
        if signature != streak.signature:
            log.exception("job %s failed at %s", spec.id, now.isoformat())
            streak.signature, streak.since, streak.said_at, streak.runs = signature, now, now, 1
            return
        streak.runs += 1
        if not (timedelta(0) <= now - streak.said_at < STILL_FAILING_EVERY):
            log.error("job %s still failing at %s, the same way since %s (%d runs): %s: %s", spec.id,
                      now.isoformat(), streak.since.isoformat(), streak.runs, *signature)
            streak.said_at = now
        return
    if streak.signature is not None:
        log.warning("job %s works again at %s (it failed %d run(s) since %s: %s)", spec.id, now.isoformat(),
                    streak.runs, streak.since.isoformat(), streak.signature[0])
        streak.signature = streak.since = streak.said_at = None
        streak.runs = 0
    log.debug("job %s done in %.2f s", spec.id, time.perf_counter() - started)


def build_scheduler(clock: Clock, jobs: list[JobSpec], timezone: tzinfo | str = "UTC") -> BackgroundScheduler:
    """A configured, not yet started BackgroundScheduler running `jobs` (call `.start()`)."""
    scheduler = BackgroundScheduler(timezone=timezone, job_defaults={"coalesce": True, "max_instances": 1})
    seen: set[str] = set()
    for spec in jobs:
        if spec.id in seen:
            raise ValueError(f"two jobs are called {spec.id!r}")
        seen.add(spec.id)
        trigger = spec.trigger or IntervalTrigger(seconds=spec.every.total_seconds(), timezone=timezone)
        # When a job runs is APScheduler's business, on its own (wall) clock; what "now" is inside
        # the job is ours (`run_job` passes clock()). A start-up run scheduled at clock() while the
        # clock is not the wall's (HEADWORK_NOW in tests) looked months overdue to APScheduler, which
        # then walked every missed minute (seconds of CPU, and a stop delayed past 15 s) and skipped it.
        extra = {"next_run_time": datetime.now(UTC)} if spec.run_at_start else {}
        scheduler.add_job(partial(run_job, spec, clock), trigger=trigger, id=spec.id, name=spec.name or spec.id,
                          coalesce=True, max_instances=1,
                          misfire_grace_time=max(1, int(spec.misfire_grace.total_seconds())), **extra)
    return scheduler


# --- scoring's jobs ---------------------------------------------------------------------------


def categorize_job(runtime, now: datetime):
    """Judge what changed (batched; a Message Batch for a large backlog); log what it cost."""
    from scoring.categorize import run_categorization

    stats = run_categorization(runtime.store, runtime.categorizer, runtime.model, now, runtime.settings.config.ai)
    if stats.calls or stats.judged or stats.batch:
        log.info("categorize: %d judged by %s in %d call(s), %d tokens, $%.4f, %d waiting%s", stats.judged,
                 runtime.categorizer.name, stats.calls, stats.input_tokens + stats.output_tokens
                 + stats.cache_read_tokens + stats.cache_write_tokens, stats.cost_usd, stats.pending_left,
                 f"; batch: {stats.batch}" if stats.batch else "")
    return stats


def rescore_job(runtime, now: datetime):
    """Move every score's clock-driven terms (due date, age) to `now`."""
    from scoring.rescore import rescore_all

    built = runtime.store.build_deferred_indexes()
    if built:  # a long-running `headwork run` does not reopen the store: it mends it here, within the hour
        log.warning("rescore: built index(es) %s, left out by an import that did not finish", ", ".join(built))
    stats = rescore_all(runtime.store, runtime.model, now)
    log.info("rescore: %d tasks in %.2f s, %d changed%s", stats.scanned, stats.seconds, stats.written,
             " (full recompute)" if stats.full else "")
    return stats


def scoring_jobs(runtime) -> list[JobSpec]:
    config = runtime.settings.config
    return [
        JobSpec("categorize", partial(categorize_job, runtime), every=timedelta(minutes=config.ai.categorize_minutes),
                run_at_start=True, name="categorize changed tasks"),
        JobSpec("rescore", partial(rescore_job, runtime), every=timedelta(minutes=config.scoring.rescore_minutes),
                run_at_start=True, misfire_grace=timedelta(minutes=30), name="rescore every task"),
    ]


# --- the Slack side's own housekeeping ------------------------------------------------------------


def match_identities_job(deps, now: datetime):
    """Give tasks owned by an email to its Slack user (users.lookupByEmail, cached)."""
    result = deps.directory.match_emails(now)
    if result["matched"] or result["unknown"]:
        log.info("identities: %d email(s) matched to Slack users, %d unknown%s", result["matched"], result["unknown"],
                 f", {result['waiting']} left for the next runs" if result.get("waiting") else "")
    return result


def prune_events_job(deps, now: datetime):
    """Forget event ids older than two days (Slack redelivers within minutes)."""
    from .store_events import EventLog

    return EventLog(deps.store).prune(now)


def slack_jobs(deps) -> list[JobSpec]:
    return [
        JobSpec("match_identities", partial(match_identities_job, deps), every=timedelta(minutes=30),
                run_at_start=True, name="match task owners' emails to Slack users"),
        JobSpec("prune_events", partial(prune_events_job, deps), every=timedelta(hours=6),
                misfire_grace=timedelta(hours=6), name="forget old event ids"),
    ]
