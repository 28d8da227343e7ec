"""The command line through its entry point: demo, top5, score, and the README's command table."""

from __future__ import annotations

import argparse
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.cli import main
from bot.commands import COMMANDS
from scoring.demo import load_demo_org
from scoring.store import TaskStore

README = Path(__file__).parent.parent / "README.md"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)  # a Monday, 09:00 in Berlin


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"HEADWORK_DB": str(tmp_path / "demo.db"), "HEADWORK_CONFIG": str(tmp_path / "absent.yml")}


@pytest.fixture
def demo_db(env, capsys) -> dict[str, str]:
    """`headwork demo --db PATH`: the sample organisation, kept in the database top5 reads."""
    assert main(["demo", "--db", env["HEADWORK_DB"]], environ=env, clock=Clock(T0)) == 0
    capsys.readouterr()
    return env


def run(argv, env, capsys, at: datetime = T0) -> tuple[int, str, str]:
    code = main(argv, environ=env, clock=Clock(at))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_names_every_sample_person_with_a_ranking(tmp_path, capsys):
    env = {"HEADWORK_CONFIG": str(tmp_path / "absent.yml"), "HEADWORK_DB": str(tmp_path / "unused.db")}
    code, out, _ = run(["demo"], env, capsys)
    assert code == 0
    org = load_demo_org(T0)
    assert out.startswith(f"Headwork demo — {org.name}: {len(org.people)} people, {len(org.tasks)} tasks")
    for person in org.people:
        assert f"{person.name} — {person.title}" in out
    assert "  1. " in out and "why: " in out
    assert ("2 open task(s) nobody owns: an admin gives them to someone from Headwork's Home tab (try it: "
            "`headwork demo --console`, then `as hanna` and `home`). No Slack account is known yet for "
            "kai@northwind.example.") in out  # one handed back with Not mine, one Asana gives an unknown email
    assert not Path(env["HEADWORK_DB"]).exists()  # the demo uses a throwaway database


def test_top5_json_lists_the_persons_open_tasks_in_score_order(demo_db, capsys):
    person = "U0DEMOCS2"  # the onboarding manager: seven tasks, one of them done
    code, out, _ = run(["top5", person, "--json"], demo_db, capsys)
    assert code == 0
    shown = json.loads(out)
    assert shown["person"] == person
    tasks = shown["tasks"]
    assert [t["rank"] for t in tasks] == [1, 2, 3, 4, 5]
    totals = [t["total"] for t in tasks]
    assert totals == sorted(totals, reverse=True)
    for t in tasks:
        assert round(sum(term["points"] for term in t["terms"]), 2) == t["total"]
        assert t["status"] in ("open", "in_progress", "waiting", "blocked")

    store = TaskStore(demo_db["HEADWORK_DB"])
    try:
        mine = [task for task in store.iter_tasks(open_only=True) if task.assignee_id == person]
        best = sorted(mine, key=lambda task: (-store.score_of(task.id)["total"], task.id))[:5]
    finally:
        store.close()
    assert [t["task_id"] for t in tasks] == [task.id for task in best]
    assert tasks[0]["title"] == "Migrate Brightline's historical data into their workspace"
    assert "customer_onboarding" in tasks[0]["bands"]


def test_top5_text_and_a_person_given_by_email(demo_db, capsys):
    code, out, _ = run(["top5", "tom@northwind.example", "-n", "2"], demo_db, capsys)
    assert code == 0
    assert out.startswith("Top 2 for U0DEMOCS2:")
    assert "  1. Migrate Brightline's historical data" in out and "  3. " not in out
    assert "why: customer in onboarding (+200)" in out


def test_the_demo_shows_its_meetings_next_agenda(env, capsys):
    """T0 is Monday 09:00 in Berlin: the CS weekly meets at 10:00, its agenda posted at 09:30."""
    assert main(["demo"], environ=env, clock=Clock(T0)) == 0
    agenda = capsys.readouterr().out.split("Next agenda: ", 1)[1]
    assert agenda.startswith("CS weekly — Mon 02 Mar 10:00 (Europe/Berlin), posted at 09:30 in #general\n")
    first = agenda.splitlines()[1]
    assert first.startswith("  1. ") and first.endswith("  ·  Tom Okafor")  # the owner by name
    assert agenda.splitlines()[2].strip().startswith("customer in onboarding (+200)")


def test_top5_text_says_what_holds_a_task_down(demo_db, capsys):
    code, out, _ = run(["top5", "U0DEMOCS3"], demo_db, capsys)  # Lucía: one task waits on legal
    assert code == 0
    waiting = out.split("Waiting on legal: Polaris Media contract amendment  [", 1)[1].splitlines()
    total = float(waiting[0].split(" pts]")[0])
    assert waiting[1].endswith("; waiting on someone else (-40)")
    assert sum(float(n) for n in re.findall(r"\(([+-][\d.]+)\)", waiting[1])) == pytest.approx(total)


def test_top5_reads_the_persons_own_calendar_and_shows_every_term(demo_db, capsys, tmp_path):
    """Monday 23:30 UTC: already Tuesday in Berlin (the organisation's zone), still Monday afternoon for
    Sam in Los Angeles. His /top5 says a task due Tuesday is due "tomorrow", so the CLI must too."""
    config = tmp_path / "berlin.yml"
    config.write_text("org:\n  timezone: Europe/Berlin\n", "utf-8")
    env = {**demo_db, "HEADWORK_CONFIG": str(config)}
    late = datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc)
    code, out, _ = run(["top5", "U0DEMODV2", "-n", "3"], env, capsys, at=late)
    assert code == 0 and "due tomorrow (+" in out and "due in 15 days (+" in out and "due today" not in out
    assert run(["top5", "U0DEMODV2", "-n", "3", "--tz", "America/Los_Angeles"], env, capsys, at=late)[1] == out
    berlin = run(["top5", "U0DEMODV2", "-n", "3", "--tz", "Europe/Berlin"], env, capsys, at=late)[1]
    assert "due today (+" in berlin and "due in 14 days (+" in berlin
    rows = re.findall(r"^  \d+\. .*  \[([\d.]+) pts\]\n     why: (.*)$", out, re.MULTILINE)
    assert len(rows) == 3
    for total, line in rows:  # every term, so they add up to the total
        total = float(total)
        assert sum(float(n) for n in re.findall(r"\(([+-][\d.]+)\)", line)) == pytest.approx(total, abs=0.011)


@pytest.mark.parametrize("argv, code, message", [
    (["top5", "nobody@nowhere.example"], 1, "no Slack user is known for 'nobody@nowhere.example'"),
    (["top5", "U0DEMOCS2", "-n", "0"], 2, "-n must be between 1 and 50"),
    (["top5"], 2, "give a PERSON or --unowned (not both)"),
    (["top5", "U0DEMOCS2", "--unowned"], 2, "give a PERSON or --unowned (not both)"),
    (["top5", "U0DEMOCS2", "--tz", "Mars/Base"], 2,
     "--tz: unknown time zone 'Mars/Base' (use an IANA name such as Europe/Berlin)"),
])
def test_top5_refuses_what_it_cannot_answer(demo_db, capsys, argv, code, message):
    assert run(argv, demo_db, capsys)[::2] == (code, f"headwork: {message}\n")


def test_top5_unowned_lists_the_tasks_nobody_owns(demo_db, capsys):
    # the demo's Slack task Diego handed back (Not mine), and its Asana task for an unknown email
    code, out, _ = run(["top5", "--unowned"], demo_db, capsys)
    assert code == 0 and out.startswith("Tasks nobody owns, most valuable first:\n")
    assert "Translate help centre into German" in out
    code, out, _ = run(["top5", "--unowned", "--json"], demo_db, capsys)
    unowned = ["Set up the sandbox workspace for Orion Freight's pilot", "Translate help centre into German"]
    assert [t["title"] for t in json.loads(out)["tasks"]] == unowned
    store = TaskStore(demo_db["HEADWORK_DB"])  # snoozed: not listed, and not "every open task has an owner"
    for task in [t for t in store.iter_tasks(open_only=True) if t.title in unowned]:
        store.snooze(task.id, T0 + timedelta(days=7))
    store.close()
    assert run(["top5", "--unowned"], demo_db, capsys)[1] == (
        "2 open task(s) nobody owns, all snoozed: each is listed again when its snooze ends.\n")


def test_top5_for_someone_without_tasks_says_how_to_add_one(demo_db, capsys):
    code, out, _ = run(["top5", "U0NOBODY1"], demo_db, capsys)
    assert code == 0 and "U0NOBODY1 has no open tasks" in out


def test_score_moves_due_dates_with_the_clock_and_full_recomputes_everything(demo_db, capsys):
    code, out, _ = run(["score", "--json"], demo_db, capsys)
    assert code == 0 and json.loads(out)["written"] == 0  # nothing moved since the demo scored it

    tomorrow = T0 + timedelta(days=1)
    before = run(["top5", "U0DEMOCS2", "--json"], demo_db, capsys)[1]
    code, out, _ = run(["score", "--json"], demo_db, capsys, at=tomorrow)
    stats = json.loads(out)
    assert code == 0 and stats["full"] is False
    assert 0 < stats["written"] <= stats["scanned"]
    after = run(["top5", "U0DEMOCS2", "--json"], demo_db, capsys, at=tomorrow)[1]
    first_before, first_after = json.loads(before)["tasks"][0], json.loads(after)["tasks"][0]
    assert first_after["task_id"] == first_before["task_id"] and first_after["total"] > first_before["total"]

    code, out, _ = run(["score", "--full"], demo_db, capsys, at=tomorrow)
    assert code == 0
    assert re.match(r"Rescored (\d+) tasks \(full recompute\) in [\d.]+ s; \1 scores changed\.", out)


def _commands(parser_adder) -> dict[str, argparse.ArgumentParser]:
    sub = argparse.ArgumentParser().add_subparsers()
    parser_adder(sub)
    return dict(sub.choices)


def _subcommands(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def test_every_command_is_in_the_readme_command_table():
    table = README.read_text("utf-8").split("## Command line", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `headwork ")]
    documented = [re.match(r"\| `headwork ([^`]*)`", line).group(1) for line in rows]
    for module in COMMANDS:
        for name, parser in _commands(module.register).items():
            subs = _subcommands(parser)
            for full in ([f"{name} {s}" for s in subs] if subs else [name]):
                assert any(doc == full or doc.startswith(full + " ") for doc in documented), \
                    f"`headwork {full}` is missing from README.md's command table"


def _help_of(argv, capsys) -> str:
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"], environ={})
    assert done.value.code == 0
    return capsys.readouterr().out


def test_every_command_has_help_text(capsys):
    listing = _help_of([], capsys)
    for module in COMMANDS:
        for name, parser in _commands(module.register).items():
            assert re.search(rf"^ +{name}\s+\w", listing, re.M), f"`headwork {name}` has no help line"
            own = _help_of([name], capsys)
            assert own.startswith(f"usage: headwork {name}")
            for sub in _subcommands(parser):
                assert re.search(rf"^ +{sub}\s+\w", own, re.M), f"`headwork {name} {sub}` has no help line"


def test_a_kept_demo_database_names_its_people(demo_db, capsys):
    """The digest preview of a kept demo names each owner, as it does once Slack has told the app."""
    code, out, _ = run(["digest", "--preview"], demo_db, capsys)
    assert code == 0
    assert "— @Tom Okafor · " in out and "@U0DEMO" not in out
