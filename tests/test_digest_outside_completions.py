"""Tasks closed outside Slack count in the digest: an import row or an Asana sync that turns a task
open here into done is value delivered that week, with the points and top-5 rank it had here, at
the time the source says. A row first seen already done (never open here) and a cancelled task are not."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from scoring.store import TaskStore
from tests.fakeasana import FakeAsana

BERLIN = ZoneInfo("Europe/Berlin")
TUE = datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN)  # week 2026-W10: Mon 2 - Sun 8 March
WED = datetime(2026, 3, 4, 10, 0, tzinfo=BERLIN)
NEXT_MON = datetime(2026, 3, 9, 10, 0, tzinfo=BERLIN)
MAYA = "U0MAYA"
HEADER = "title,external_id,assignee_email,status,tags\n"
ROWS = {"T-1": "Onboarding call with Brightline (new customer),T-1,maya@example.com,{},\"customer,onboarding\"",
        "T-2": "Renewal contract for Acme,T-2,maya@example.com,{},revenue",
        "T-3": "Archive the old wiki,T-3,maya@example.com,{},"}


@pytest.fixture
def env(tmp_path):
    config = tmp_path / "headwork.yml"
    config.write_text("org:\n  timezone: Europe/Berlin\n  admins: [U0ADMIN]\ndigest:\n  recipients: [U0ADMIN]\n")
    store = TaskStore(tmp_path / "headwork.db")
    store.conn.execute("INSERT INTO identities (email, slack_id, status, looked_up_at) VALUES (?,?,?,?)",
                       ("maya@example.com", MAYA, "matched", TUE.isoformat()))  # Maya is known in Slack
    store.close()
    return {"HEADWORK_DB": str(tmp_path / "headwork.db"), "HEADWORK_CONFIG": str(config)}


def csv_file(tmp_path: Path, name: str, statuses: dict[str, str]) -> str:
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(ROWS[i].format(s) for i, s in statuses.items()) + "\n")
    return str(path)


def cli(argv: list[str], env, at: datetime, capsys) -> str:
    assert main(argv, environ=env, clock=lambda: at) == 0, capsys.readouterr()
    return capsys.readouterr().out


def week_value(env, capsys, week: str = "2026-W10") -> dict:
    return json.loads(cli(["digest", "--preview", "--week", week, "--json"], env, NEXT_MON, capsys))["value"]


def open_scores(env) -> dict[str, tuple[float, int | None]]:
    store = TaskStore(env["HEADWORK_DB"])
    try:
        return {t.external_id: (store.score_of(t.id)["total"], store.rank_of(t.id, TUE))
                for t in store.iter_tasks(open_only=True)}
    finally:
        store.close()


def test_tasks_closed_by_an_import_are_value_delivered_with_the_points_and_rank_they_had_here(env, tmp_path, capsys):
    cli(["import", csv_file(tmp_path, "open.csv", {"T-1": "open", "T-2": "open"}), "--from", "csv"], env, TUE, capsys)
    before = open_scores(env)
    assert before["T-1"][0] > 0 and before["T-1"][1] == 1  # Maya's top task
    # the next export: both done in the team's tool, and a task first seen already done
    cli(["import", csv_file(tmp_path, "done.csv", {"T-1": "done", "T-2": "done", "T-3": "done"}), "--from", "csv"],
        env, WED, capsys)
    value = week_value(env, capsys)
    assert value["tasks"] == 2  # not T-3: Headwork never saw it open, it is nobody's effort this week
    assert value["points"] == round(before["T-1"][0] + before["T-2"][0], 2)
    assert value["top5"] == {"in_top5": 2, "completed": 2, "share": 1.0}
    text = cli(["digest", "--preview", "--week", "2026-W10"], env, NEXT_MON, capsys)
    assert "from 2 completed task(s)" in text and "2 of 2 completed task(s) (100%)" in text
    # importing the same file again changes nothing; a task already done is not counted twice
    cli(["import", csv_file(tmp_path, "done.csv", {"T-1": "done", "T-2": "done", "T-3": "done"}), "--from", "csv"],
        env, NEXT_MON, capsys)
    assert week_value(env, capsys)["tasks"] == 2
    assert week_value(env, capsys, "2026-W11")["tasks"] == 0


def test_a_cancelled_task_is_not_value_delivered(env, tmp_path, capsys):
    cli(["import", csv_file(tmp_path, "open.csv", {"T-1": "open"}), "--from", "csv"], env, TUE, capsys)
    cli(["import", csv_file(tmp_path, "gone.csv", {"T-1": "cancelled"}), "--from", "csv"], env, WED, capsys)
    assert week_value(env, capsys)["tasks"] == 0


@pytest.fixture
def asana():
    with FakeAsana(token="cli-token", now=TUE - timedelta(days=1)) as fake:
        fake.add_project("111", "Customer Onboarding")
        fake.add_task("1", "Onboarding call with Brightline", ["111"], assignee="maya@example.com",
                      tags=["customer"])
        fake.add_task("2", "Configure Brightline SSO", ["111"], assignee="maya@example.com")
        yield fake


def test_a_task_completed_in_asana_counts_when_the_sync_closes_it_at_asanas_time(env, asana, capsys):
    Path(env["HEADWORK_CONFIG"]).write_text(
        "org:\n  timezone: Europe/Berlin\n"
        f"sources:\n  asana:\n    token_env: NW_ASANA\n    projects: ['111']\n    base_url: {asana.base_url}\n")
    env = {**env, "NW_ASANA": "cli-token"}
    cli(["sync", "asana", "--once"], env, TUE, capsys)
    before = open_scores(env)
    # Sunday evening in Asana; Headwork's next sync runs on Monday: it counts in the week it was done
    asana.now = datetime(2026, 3, 8, 20, 0, tzinfo=BERLIN)
    asana.modify("1", completed=True)
    cli(["sync", "asana", "--once"], env, datetime(2026, 3, 9, 8, 0, tzinfo=BERLIN), capsys)
    value = week_value(env, capsys)
    assert value["tasks"] == 1 and value["points"] == before["1"][0]
    assert value["top5"]["in_top5"] == 1
    assert week_value(env, capsys, "2026-W11")["tasks"] == 0
