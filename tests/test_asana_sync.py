"""The Asana sync, through the official `asana` client over real HTTP to a loopback fake."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.settings import AsanaConfig
from scoring.model import load_model
from scoring.sources.asana_sync import complete_upstream, make_client, sync_asana
from scoring.store import TaskStore
from tests.fakeasana import FakeAsana

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2025, 11, 20, 9, 0, tzinfo=BERLIN)
TOKEN = "asana-secret-token-1234"


@pytest.fixture(scope="module")
def model():
    return load_model(None)


@pytest.fixture
def fake():
    with FakeAsana(token=TOKEN, now=T0 - timedelta(days=1)) as fake:
        fake.add_project("111", "Customer Onboarding")
        fake.add_project("222", "Platform")
        fake.add_task("1", "Kick-off call with Brightline", ["111"], assignee="Maya@Northwind.example",
                      assignee_name="Maya Okafor", due_on="2025-11-25", tags=["customer"], section="In Progress")
        fake.add_task("2", "Configure Brightline SSO", ["111", "222"], assignee="jonas@northwind.example",
                      due_at="2025-11-24T15:00:00.000Z", notes="SAML certificate attached.")
        fake.add_task("3", "Rotate database credentials", ["222"])
        fake.add_task("4", "Archived retro notes", ["222"], completed=True)
        fake.add_task("5", "", ["222"])  # a blank task someone started in Asana and never named
        yield fake


@pytest.fixture
def store(tmp_path):
    s = TaskStore(tmp_path / "headwork.db")
    yield s
    s.close()


@pytest.fixture
def client(fake):
    return make_client(fake.base_url, TOKEN, retries=0)


@pytest.fixture
def config(fake):
    return AsanaConfig(projects=["111", "222"], base_url=fake.base_url)


def titles(store):
    return sorted((t.external_id, t.status) for t in store.iter_tasks())


def test_first_sync_brings_in_open_tasks_scored_with_owners_and_dates(store, client, config, model, fake):
    report = sync_asana(store, client, config, model, T0)
    assert report.ok, report.problems()
    assert titles(store) == [("1", "in_progress"), ("2", "open"), ("3", "open")]
    kickoff = store.find_task("asana", "1")
    assert kickoff.assignee_email == "maya@northwind.example" and kickoff.project == "Customer Onboarding"
    assert kickoff.due == datetime(2025, 11, 25, 23, 59, tzinfo=BERLIN) and kickoff.due_all_day
    assert kickoff.tags == ("customer",) and kickoff.url.endswith("/task/1")
    sso = store.find_task("asana", "2")
    assert sso.due == datetime(2025, 11, 24, 15, 0, tzinfo=timezone.utc) and not sso.due_all_day
    assert sso.project == "Customer Onboarding"  # the first followed project it is in
    for task in store.iter_tasks():
        assert store.score_of(task.id)["active"] is True
        assert store.effective_bands(task.id)[1] == "rules"
    assert store.effective_bands(kickoff.id)[0]  # a customer kick-off falls in some value band
    assert report.unowned_emails == {"maya@northwind.example", "jonas@northwind.example"}
    listing = fake.requests("GET", "/tasks")[0]
    # the first listing asks for open tasks only (completed since now), with the fields we read
    assert "modified_since" not in listing.query and listing.query["completed_since"].startswith("2025-11-20T08:00")
    assert "assignee.email" in listing.query["opt_fields"].split(",")
    assert all(c.authorization == f"Bearer {TOKEN}" for c in fake.calls)


def test_pages_are_followed(store, client, config, model, fake):
    for n in range(230):
        fake.add_task(f"p{n}", f"Bulk task {n}", ["222"])
    report = sync_asana(store, client, config, model, T0)
    assert report.projects[1].fetched == 233  # with the blank task, which is skipped
    offsets = [c.query.get("offset") for c in fake.requests("GET", "/tasks") if c.query["project"] == "222"]
    assert offsets == [None, "100", "200"]
    assert store.count_tasks() == 3 + 230


def test_the_next_sync_asks_only_for_changes_since_the_last_good_one(store, client, config, model, fake):
    sync_asana(store, client, config, model, T0)
    fake.now = T0 + timedelta(minutes=5)
    fake.modify("3", name="Rotate database credentials before the audit")
    fake.calls.clear()
    report = sync_asana(store, client, config, model, T0 + timedelta(minutes=10))
    listings = fake.requests("GET", "/tasks")
    assert {c.query["modified_since"] for c in listings} == {"2025-11-20T07:59:00+00:00"}  # 1 min overlap
    assert [(p.fetched, p.updated, p.created) for p in report.projects] == [(0, 0, 0), (1, 1, 0)]
    assert store.find_task("asana", "3").title == "Rotate database credentials before the audit"


def test_a_sync_with_nothing_new_changes_nothing(store, client, config, model, fake):
    sync_asana(store, client, config, model, T0)
    scores = {t.id: store.score_of(t.id) for t in store.iter_tasks()}
    report = sync_asana(store, client, config, model, T0 + timedelta(minutes=10), full=True)
    assert sum(p.created + p.updated for p in report.projects) == 0
    assert {t.id: store.score_of(t.id) for t in store.iter_tasks()} == scores


def test_done_in_slack_completes_the_task_in_asana(store, client, config, model, fake):
    sync_asana(store, client, config, model, T0)
    task = store.find_task("asana", "2")
    store.update_task(task.id, T0, status="done", completed_at=T0)  # what the Slack app does first
    assert complete_upstream(store, client, task, T0) == "completed"
    put = fake.requests("PUT")[-1]
    assert put.path == "/tasks/2" and put.body == {"data": {"completed": True}}
    assert fake.tasks["2"]["completed"] is True
    # the round trip: the next sync sees it completed upstream and keeps it closed here
    sync_asana(store, client, config, model, T0 + timedelta(minutes=10))
    assert store.find_task("asana", "2").status == "done"


def test_a_task_reopened_in_asana_after_done_in_slack_is_reopened_here(store, client, config, model, fake):
    sync_asana(store, client, config, model, T0)
    task = store.find_task("asana", "3")
    store.record_completion(task.id, "U0PRIYA", T0)
    store.update_task(task.id, T0, status="done", completed_at=T0)
    complete_upstream(store, client, task, T0)
    fake.now = T0 + timedelta(minutes=5)
    fake.modify("3", completed=False)  # someone in Asana says it is not done after all
    sync_asana(store, client, config, model, T0 + timedelta(minutes=10))
    assert store.find_task("asana", "3").status == "open"


def test_a_task_completed_in_asana_is_closed_here(store, client, config, model, fake):
    sync_asana(store, client, config, model, T0)
    fake.now = T0 + timedelta(minutes=3)
    fake.modify("1", completed=True)
    report = sync_asana(store, client, config, model, T0 + timedelta(minutes=10))
    task = store.find_task("asana", "1")
    assert task.status == "done" and task.completed_at == T0 + timedelta(minutes=3)
    assert store.score_of(task.id)["active"] is False
    assert report.projects[0].closed == 1


def test_a_task_deleted_or_moved_away_in_asana_is_closed_never_deleted(store, client, config, model, fake):
    sync_asana(store, client, config, model, T0)
    del fake.tasks["3"]
    fake.add_project("999", "Someone else's project")
    fake.modify("1", projects=[{"gid": "999", "name": "Someone else's project"}], memberships=[])
    report = sync_asana(store, client, config, model, T0 + timedelta(hours=25))  # the daily full listing
    assert all(p.full for p in report.projects)
    assert store.count_tasks() == 3
    gone, moved = store.find_task("asana", "3"), store.find_task("asana", "1")
    assert gone.status == "cancelled" and gone.extra["closed_because"] == "deleted in Asana"
    assert moved.status == "cancelled" and moved.extra["closed_because"] == "no longer in a followed project"
    assert store.find_task("asana", "2").status == "open"


def test_a_wrong_token_is_one_clear_line_and_writes_nothing(store, config, model, fake, caplog):
    bad = make_client(fake.base_url, "not-the-token", retries=0)
    with caplog.at_level(logging.WARNING):
        report = sync_asana(store, bad, config, model, T0)
    assert not report.ok and "refused the access token" in report.error and "401" in report.error
    assert report.problems() == [f"Asana sync stopped: {report.error}"]
    assert store.count_tasks() == 0 and store.meta_with_prefix("asana.") == {}
    assert "not-the-token" not in caplog.text + report.error


def test_an_unknown_project_is_named_and_the_others_still_sync(store, client, model, fake):
    config = AsanaConfig(projects=["404404", "111"], base_url=fake.base_url)
    report = sync_asana(store, client, config, model, T0)
    assert report.projects[0].error == "Asana has no project 404404 (404) -- check sources.asana.projects"
    assert report.projects[1].error is None and titles(store) == [("1", "in_progress"), ("2", "open")]
    assert len(report.problems()) == 1


def test_an_unreachable_api_is_one_clear_line_and_writes_nothing(store, config, model):
    dead = make_client("http://127.0.0.1:9/api/1.0", TOKEN, retries=0)
    report = sync_asana(store, dead, config, model, T0)
    assert report.error.startswith("cannot reach the Asana API at http://127.0.0.1:9/api/1.0")
    assert store.count_tasks() == 0


def test_a_failure_mid_listing_leaves_no_partial_state_and_the_next_sync_resumes(store, client, config, model,
                                                                                  fake):
    sync_asana(store, client, config, model, T0)
    for n in range(150):
        fake.add_task(f"n{n}", f"New task {n}", ["222"], modified_at=T0 + timedelta(minutes=5))
    fake.fail_when(lambda c: c.query.get("offset") == "100", 503)  # the second page fails
    report = sync_asana(store, client, config, model, T0 + timedelta(minutes=10))
    assert "HTTP 503" in report.error
    assert store.count_tasks() == 3  # not the first page's hundred
    assert store.get_meta("asana.project.222.synced_from") == "2025-11-20T08:00:00+00:00"
    fake.clear_failures()
    fake.calls.clear()
    report = sync_asana(store, client, config, model, T0 + timedelta(minutes=20))
    assert report.ok and store.count_tasks() == 153
    # project 222 resumes from its last good sync; project 111 had synced fine at 08:10
    since = {c.query["project"]: c.query["modified_since"] for c in fake.requests("GET", "/tasks")}
    assert since == {"222": "2025-11-20T07:59:00+00:00", "111": "2025-11-20T08:09:00+00:00"}
    assert store.get_meta("asana.project.222.synced_from") == "2025-11-20T08:20:00+00:00"


def test_a_completion_asana_could_not_take_is_pushed_at_the_next_sync(store, client, config, model, fake):
    sync_asana(store, client, config, model, T0)
    task = store.find_task("asana", "3")
    store.update_task(task.id, T0, status="done", completed_at=T0)
    fake.fail(503)
    assert complete_upstream(store, client, task, T0) == "queued"
    assert fake.tasks["3"]["completed"] is False
    report = sync_asana(store, client, config, model, T0 + timedelta(minutes=10), full=True)
    assert report.ok and report.completions_pushed == 1
    assert fake.tasks["3"]["completed"] is True
    assert store.find_task("asana", "3").status == "done"  # never reopened by the listing
    assert store.meta_with_prefix("asana.complete_pending.") == {}


def test_completing_a_task_deleted_in_asana_or_not_from_asana(store, client, config, model, fake):
    sync_asana(store, client, config, model, T0)
    task = store.find_task("asana", "3")
    del fake.tasks["3"]
    assert complete_upstream(store, client, task, T0) == "gone"
    assert complete_upstream(store, client, task.with_(source="jira"), T0) == "skipped"
    assert complete_upstream(store, None, task, T0) == "skipped"


def test_an_email_already_matched_to_slack_gets_its_owner(store, client, config, model):
    store.remember_identity("maya@northwind.example", "U0MAYA", T0)
    report = sync_asana(store, client, config, model, T0)
    assert store.find_task("asana", "1").assignee_id == "U0MAYA"
    assert report.unowned_emails == {"jonas@northwind.example"}
    assert [r.task.external_id for r in store.top_tasks("U0MAYA", 5, T0)] == ["1"]


def test_a_task_the_token_can_no_longer_read_is_closed_and_the_rest_of_its_project_syncs(store, client, config,
                                                                                         model, fake):
    sync_asana(store, client, config, model, T0)
    # upstream: task 3 moves to a private project the token's user is not in; a new task arrives
    fake.add_project("999", "HR private")
    fake.modify("3", projects=[{"gid": "999", "name": "HR private"}], memberships=[])
    fake.fail_path("/tasks/3", 403)
    fake.add_task("6", "Plan the Q1 capacity review", ["222"])
    report = sync_asana(store, client, config, model, T0 + timedelta(hours=25))  # the daily full listing
    assert report.ok, report.problems()
    hidden = store.find_task("asana", "3")
    assert hidden.status == "cancelled"
    assert hidden.extra["closed_because"] == "no longer visible to Headwork's Asana token (HTTP 403)"
    assert store.find_task("asana", "6").status == "open"
    assert report.projects[1].closed == 1 and store.count_tasks() == 4  # closed, never deleted
    # the full listing was recorded: the next sync asks for changes only, and a day later all is well
    assert not any(p.full for p in sync_asana(store, client, config, model, T0 + timedelta(hours=26)).projects)
    fake.add_task("7", "Another new task", ["222"])
    later = sync_asana(store, client, config, model, T0 + timedelta(hours=50))
    assert later.ok and all(p.full for p in later.projects) and store.find_task("asana", "7") is not None


def test_a_stop_midway_does_not_report_the_project_it_broke_off_as_synced(store, config, model, fake):
    bad = make_client(fake.base_url, "not-the-token", retries=0)
    report = sync_asana(store, bad, config, model, T0)
    assert report.lines() == [] and report.projects == []
    assert report.problems() == [f"Asana sync stopped: {report.error}"]
