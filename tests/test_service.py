"""What `headwork run` assembles: every feature's scheduled jobs, the outbox, and a clean stop."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.devkit.fakeslack import FakeSlack
from bot.runtime import Runtime
from bot.service import Service
from bot.settings import slack_credentials

BOT = "xoxb-1234567890-0987654321-abcdefghijABCDEFGHIJ"
SECRET = "0123456789abcdef0123456789abcdef"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def service(tmp_path, fake, config: str = "") -> Service:
    (tmp_path / "headwork.yml").write_text(config)
    runtime = Runtime({"HEADWORK_DB": str(tmp_path / "h.db"), "HEADWORK_CONFIG": str(tmp_path / "headwork.yml"),
                       "SLACK_BOT_TOKEN": BOT, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
                       "ASANA_TOKEN": "asana-test-token"}, clock=lambda: T0)
    return Service.build(runtime, slack_credentials(runtime.settings, http=True), http=True)


def test_run_schedules_categorizing_rescoring_and_identity_matching(tmp_path):
    with FakeSlack() as fake:
        svc = service(tmp_path, fake, "ai:\n  categorize_minutes: 3\nscoring:\n  rescore_minutes: 60\n")
        jobs = {job.id: job for job in svc.jobs()}
        assert {"categorize", "rescore", "match_identities", "prune_events"} <= set(jobs)
        assert jobs["categorize"].every.total_seconds() == 180 and jobs["rescore"].every.total_seconds() == 3600
        assert "asana_sync" not in jobs  # only when Asana projects are configured
        assert svc.check_token()["user_id"] == "UBOTHEADWORK"


def test_asana_sync_joins_when_configured(tmp_path):
    with FakeSlack() as fake:
        svc = service(tmp_path, fake, "sources:\n  asana:\n    projects: ['1200000000000001']\n")
        assert "asana_sync" in {job.id for job in svc.jobs()}
        assert svc.deps.complete_upstream is not None  # Done in Slack completes the task in Asana


def test_start_and_stop_leave_nothing_running(tmp_path):
    with FakeSlack() as fake:
        svc = service(tmp_path, fake)
        svc.start()
        assert svc.scheduler.running
        svc.stop()
        assert not svc.scheduler.running
