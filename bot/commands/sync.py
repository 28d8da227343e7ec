"""`headwork sync asana [--once]`: follow the Asana projects listed in headwork.yml."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime, timedelta

from scoring.sources.asana_sync import SyncReport, sync_asana

log = logging.getLogger(__name__)


def register(sub) -> None:
    p = sub.add_parser("sync", help="sync tasks from a task tool (Asana)")
    ssub = p.add_subparsers(dest="sync_source", metavar="SOURCE", required=True)
    a = ssub.add_parser(
        "asana", help="sync the Asana projects in sources.asana (token from the variable named by token_env)",
        description="Fetch the tasks changed in each followed Asana project since the last good sync, store, judge "
                    "and score them. Tasks completed or deleted in Asana are closed here, never deleted.",
        epilog="Exit status with --once: 0 when every project synced, 1 when Asana refused the token, could not be "
               "reached or a project is unknown (one line says which), 2 when the configuration is incomplete.")
    a.add_argument("--once", action="store_true",
                   help="sync once and exit (default: keep syncing every sources.asana.sync_minutes)")
    a.add_argument("--full", action="store_true",
                   help="list each project in full this time (also finds tasks deleted in Asana)")
    a.add_argument("--json", action="store_true", help="print each sync's report as JSON")
    a.set_defaults(handler=run_asana)


def sync_once(runtime, full: bool = False, now: datetime | None = None) -> SyncReport:
    """One Asana sync with the composition root's store, client and model, at `now` (default: the clock)."""
    now = runtime.now() if now is None else now.astimezone(runtime.org_tz)
    return sync_asana(runtime.store, runtime.asana_client, runtime.settings.config.sources.asana, runtime.model,
                      now, provisional=runtime.settings.env.anthropic_api_key is not None, full=full)


def source_jobs(runtime) -> list:
    """The scheduler's source jobs for `headwork run`: the Asana sync every `sources.asana.sync_minutes`
    (none when no Asana project is configured). Wire with `build_scheduler(clock, scoring_jobs(rt) +
    source_jobs(rt))`; what failed is logged, one line each, and retried next time."""
    from bot.scheduler import JobSpec

    asana = runtime.settings.config.sources.asana
    if asana is None or not asana.projects:
        return []
    runtime.asana_client  # noqa: B018 -- a missing token is refused at start-up, not at the first run

    def job(now: datetime) -> SyncReport:
        report = sync_once(runtime, now=now)
        for line in report.problems():
            log.warning("%s", line)
        return report

    return [JobSpec("asana_sync", job, every=timedelta(minutes=asana.sync_minutes),
                    run_at_start=True, name="sync Asana projects")]


def run_asana(args, runtime) -> int:
    runtime.asana_client  # noqa: B018 -- refuse an incomplete configuration before anything else
    minutes = runtime.settings.config.sources.asana.sync_minutes
    full = args.full
    while True:
        report = sync_once(runtime, full=full)
        full = False
        if args.json:
            print(json.dumps(report.to_dict()), flush=True)
        else:
            for line in report.lines():
                print(line, flush=True)
            for line in report.problems():
                print(f"headwork: {line}", file=sys.stderr, flush=True)
        if args.once:
            return 0 if report.ok else 1
        time.sleep(minutes * 60)
