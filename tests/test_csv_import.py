"""CSV imports from Asana, Jira and Linear exports (and Headwork's own columns).

Real SQLite files, the real value model, the real offline categorizer and scorer.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scoring.sources.csv_import import ImportFileError, import_csv, summary_lines
from scoring.store import TaskStore

DATA = Path(__file__).parent / "data"
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 11, 20, 9, 0, tzinfo=BERLIN)


def run(store, model, path, fmt, **kw):
    return import_csv(path, fmt, store, model, NOW, BERLIN, **kw)


def write(tmp_path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


# --- the three realistic sample exports ---------------------------------------------------------------

SAMPLES = {
    # format: (file, created, {line: words in the reason})
    "asana": ("asana_export.csv", 12, {13: "no title", 16: "Due Date: 'next friday'"}),
    "jira": ("jira_export.csv", 10, {10: "no title", 12: "unknown Status 'Parked'", 15: "Created: '31/Nov/25"}),
    "linear": ("linear_export.csv", 9, {11: "no title", 12: "Due Date: 'soon'", 16: "unknown Status 'Parked'"}),
}


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_each_export_imports_its_good_rows_and_names_the_line_of_each_bad_one(store, model, fmt):
    name, created, bad = SAMPLES[fmt]
    report = run(store, model, DATA / name, fmt)
    assert (report.created, report.updated, report.unchanged) == (created, 0, 0)
    assert {r.line: r.reason for r in report.rejections}.keys() == bad.keys()
    for rejection in report.rejections:
        assert bad[rejection.line] in rejection.reason
    assert store.count_tasks() == created
    text = "\n".join(summary_lines(report, fmt))
    assert f"{created} created, 0 updated, 0 unchanged, {len(bad)} rejected" in text
    for line in bad:
        assert f"line {line}:" in text


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_importing_the_same_export_twice_changes_nothing(store, model, fmt):
    name, created, _ = SAMPLES[fmt]
    run(store, model, DATA / name, fmt)
    scores = {t.id: store.score_of(t.id) for t in store.iter_tasks()}
    again = run(store, model, DATA / name, fmt)
    assert (again.created, again.updated, again.unchanged) == (0, 0, created)
    assert store.count_tasks() == created
    assert {t.id: store.score_of(t.id) for t in store.iter_tasks()} == scores


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_every_imported_task_is_scored_and_open_ones_are_judged_at_once(store, model, fmt):
    run(store, model, DATA / SAMPLES[fmt][0], fmt)
    for task in store.iter_tasks():
        score = store.score_of(task.id)
        assert score is not None, task.title
        assert score["active"] == task.is_open
        if task.is_open:
            assert store.effective_bands(task.id)[1] == "rules", task.title


def test_asana_columns(store, model):
    run(store, model, DATA / "asana_export.csv", "asana")
    call = store.find_task("asana", "1209876543210001")
    assert call.title == "Onboarding call with Brightline Logistics"
    assert call.status == "in_progress"  # its section is "In Progress"
    assert call.assignee_email == "maya@northwind.example"
    assert call.tags == ("customer", "onboarding")
    assert call.blocking == 1  # Blocking (Dependencies) lists one task
    assert call.due == datetime(2025, 11, 25, 23, 59, tzinfo=BERLIN) and call.due_all_day
    assert call.url == "https://app.asana.com/0/0/1209876543210001"
    assert "customer_onboarding" in store.effective_bands(call.id)[0]
    sso = store.find_task("asana", "1209876543210002")
    assert sso.notes.splitlines()[1:3] == ["Steps to reproduce:", "1. Log in through Okta"]
    assert 'the "remember me" box' in sso.notes
    done = store.find_task("asana", "1209876543210003")
    assert done.status == "done" and done.completed_at == datetime(2025, 11, 14, tzinfo=BERLIN)
    assert store.find_task("asana", "1209876543210008").status == "waiting"
    sub = store.find_task("asana", "1209876543210011")
    assert sub.project == "Customer Onboarding" and sub.extra["parent"] == "Configure Brightline data import"
    assert store.find_task("asana", "1209876543210009").assignee_email is None
    assert store.find_task("asana", "1209876543210007") is None  # the row without a name


def test_what_a_row_leaves_empty_is_stored_as_sql_null(store, model, tmp_path):
    # Other tools read the database too (a backup, `sqlite3` by an admin): an empty due date, owner
    # or completion is NULL there, never a text such as 'None'; in the bulk path (2 workers) and
    # in one process alike.
    for workers, db in ((0, store), (2, TaskStore(tmp_path / "workers.db"))):
        run(db, model, DATA / "asana_export.csv", "asana", workers=workers)
        empty = db.conn.execute(
            "SELECT count(*), sum(due IS NULL), sum(completed_at IS NULL), sum(assignee_id IS NULL), "
            "sum(estimate_hours IS NULL) FROM tasks WHERE external_id = '1209876543210005'").fetchone()
        assert empty == (1, 1, 1, 1, 1)
        assert db.conn.execute("SELECT typeof(due_ts), typeof(scores.assignee_id) FROM scores JOIN tasks ON "
                               "tasks.id = scores.task_id WHERE external_id = '1209876543210005'").fetchone() \
            == ("null", "null")
        texts = db.conn.execute("SELECT count(*) FROM tasks WHERE 'None' IN (due, completed_at, assignee_id, "
                                "estimate_source, assignee_email)").fetchone()[0]
        assert texts == 0


def test_jira_columns(store, model):
    run(store, model, DATA / "jira_export.csv", "jira")
    bug = store.find_task("jira", "NW-101")
    assert bug.status == "in_progress"
    assert bug.tags == ("customer", "payments")  # from the repeated Labels columns
    assert bug.estimate_hours == 4.0 and bug.estimate_source == "human"  # Original Estimate 14400 s
    assert bug.blocking == 1  # Outward issue link (Blocks)
    assert bug.due == datetime(2025, 11, 24, 23, 59, tzinfo=BERLIN) and bug.due_all_day
    assert bug.created_at == datetime(2025, 11, 3, 9, 12, tzinfo=BERLIN)
    assert "402 from the gateway" in bug.notes and bug.extra["priority"] == "Highest"
    assert store.find_task("jira", "NW-102").tags == ("onboarding", "customer", "enterprise")
    named = store.find_task("jira", "NW-103")  # Assignee is a display name, not an email
    assert named.assignee_email is None and named.extra["assignee"] == "Priya Raman"
    assert store.find_task("jira", "NW-104").status == "blocked"
    assert store.find_task("jira", "NW-106").status == "done"
    assert store.find_task("jira", "NW-106").completed_at == datetime(2025, 11, 14, 17, 30, tzinfo=BERLIN)
    assert store.find_task("jira", "NW-108").status == "cancelled"  # Won't Do
    assert store.find_task("jira", "NW-111").status == "in_progress"  # own state, Status Category says so
    # "26/Nov/25 12:00 AM": Jira's due date is a date, whatever time it prints
    cert = store.find_task("jira", "NW-110")
    assert cert.due == datetime(2025, 11, 26, 23, 59, tzinfo=BERLIN) and cert.due_all_day
    iso_dates = store.find_task("jira", "NW-113")
    assert iso_dates.created_at == datetime(2025, 11, 14, 8, 30, tzinfo=ZoneInfo("UTC"))


def test_linear_columns_and_points_are_not_hours(store, model):
    run(store, model, DATA / "linear_export.csv", "linear")
    hook = store.find_task("linear", "ENG-201")
    assert hook.status == "in_progress" and hook.project == "Brightline Onboarding"
    assert hook.estimate_hours is None and hook.estimate_source is None
    assert hook.extra["estimate_points"] == "5"
    assert hook.tags == ("Feature", "Customer")
    assert hook.due == datetime(2025, 11, 26, 23, 59, tzinfo=BERLIN) and hook.due_all_day
    assert hook.notes.splitlines()[-1] == "- retries with backoff"
    assert store.find_task("linear", "ENG-203").extra["assignee"] == "Leo Martins"
    assert store.find_task("linear", "ENG-204").status == "cancelled"
    assert store.find_task("linear", "ENG-205").status == "done"
    assert store.find_task("linear", "ENG-205").completed_at == datetime(2025, 11, 14, 15, 0, tzinfo=ZoneInfo("UTC"))
    assert store.find_task("linear", "ENG-209").status == "waiting"
    assert store.find_task("linear", "ENG-211").status == "open"  # Triage
    assert "priority" not in store.find_task("linear", "ENG-210").extra  # "No priority"


# --- later imports -------------------------------------------------------------------------------------

def test_a_later_partial_export_keeps_missing_tasks_and_closes_completed_ones(store, model, tmp_path):
    run(store, model, DATA / "asana_export.csv", "asana")
    lines = (DATA / "asana_export.csv").read_text("utf-8").splitlines(keepends=True)
    header, first = lines[0], lines[1]
    completed = first.replace("1209876543210001,2025-10-02,,", "1209876543210001,2025-10-02,2025-11-20,", 1)
    later = write(tmp_path, "later.csv", header + completed)
    report = run(store, model, later, "asana")
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 1, 0, 0)
    assert store.count_tasks() == 12  # the eleven tasks missing from this export are kept
    call = store.find_task("asana", "1209876543210001")
    assert call.status == "done" and call.completed_at == datetime(2025, 11, 20, tzinfo=BERLIN)
    assert store.score_of(call.id)["active"] is False


def test_a_task_done_in_slack_is_not_reopened_by_an_older_export(store, model, tmp_path):
    run(store, model, DATA / "jira_export.csv", "jira")
    bug = store.find_task("jira", "NW-101")
    store.record_completion(bug.id, "U0JONAS", NOW)  # what Done in Slack does
    store.update_task(bug.id, NOW, status="done", completed_at=NOW)
    dry = run(store, model, DATA / "jira_export.csv", "jira", dry_run=True)
    again = run(store, model, DATA / "jira_export.csv", "jira")
    assert (dry.updated, again.updated, again.unchanged) == (0, 0, 10)
    assert store.find_task("jira", "NW-101").status == "done"
    # a change in the tool is still imported; the task stays closed
    edited = write(tmp_path, "e.csv", (DATA / "jira_export.csv").read_text("utf-8")
                   .replace("Checkout fails for customers with saved cards", "Checkout fails with saved cards"))
    assert run(store, model, edited, "jira").updated == 1
    bug = store.find_task("jira", "NW-101")
    assert (bug.title, bug.status) == ("Checkout fails with saved cards", "done")


def test_an_edited_row_is_updated_and_rescored(store, model, tmp_path):
    path = write(tmp_path, "tasks.csv", "title,external_id,due\nWrite the runbook,T-1,\n")
    run(store, model, path, "csv")
    task = store.find_task("csv", "T-1")
    before = store.score_of(task.id)["total"]
    path.write_text(f"title,external_id,due\nWrite the runbook,T-1,{(NOW - timedelta(days=3)).date()}\n")
    report = run(store, model, path, "csv")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert store.score_of(task.id)["total"] > before  # overdue now


def test_dry_run_writes_nothing_and_says_what_would_change(store, model, tmp_path):
    dry = run(store, model, DATA / "jira_export.csv", "jira", dry_run=True)
    assert (dry.created, dry.updated, dry.unchanged, dry.rejected) == (10, 0, 0, 3)
    assert store.count_tasks() == 0
    run(store, model, DATA / "jira_export.csv", "jira")
    edited = write(tmp_path, "edited.csv", (DATA / "jira_export.csv").read_text("utf-8")
                   .replace("Upgrade Postgres to 16", "Upgrade Postgres to 17"))
    dry = run(store, model, edited, "jira", dry_run=True)
    assert (dry.created, dry.updated, dry.unchanged) == (0, 1, 9)
    assert store.find_task("jira", "NW-103").title == "Upgrade Postgres to 16"


def test_a_dry_run_does_not_wait_for_a_writer(store, model, tmp_path):
    import sqlite3

    writer = sqlite3.connect(tmp_path / "headwork.db", isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")  # the running bot, in the middle of a write
    with_busy = sqlite3.connect(tmp_path / "headwork.db", isolation_level=None, timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        with_busy.execute("BEGIN IMMEDIATE")  # the test's own check: the lock is held
    store.conn.execute("PRAGMA busy_timeout = 0")  # waiting would fail at once rather than after 30 s
    dry = run(store, model, DATA / "jira_export.csv", "jira", dry_run=True, batch=4)
    assert (dry.created, dry.rejected) == (10, 3)
    writer.execute("ROLLBACK")


# --- line numbers, encodings, malformed files ----------------------------------------------------------

@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_line_numbers_count_the_lines_inside_multiline_cells(store, model, tmp_path, newline):
    text = ('title,external_id,notes,due\n'
            'First,A-1,"one\ntwo\nthree",\n'
            ',A-2,no title here,\n'
            '\n'
            'Third,A-3,"x, ""quoted"" y",tomorrow\n'
            'Fourth,A-4,,2025-12-01\n')
    report = run(store, model, write(tmp_path, "t.csv", text, newline=newline), "csv")
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejections] == [(5, "no title (title is empty)"),
                                                                          (7, "due")]
    assert report.created == 2
    assert store.find_task("csv", "A-1").notes.splitlines() == ["one", "two", "three"]


def test_a_broken_quote_stops_the_import_at_its_line_and_keeps_the_rows_before(store, model, tmp_path):
    path = write(tmp_path, "t.csv", 'title,external_id,notes\nOne,1,fine\nTwo,2,"never closed\nThree,3,x\n')
    report = run(store, model, path, "csv")
    assert report.created == 1 and report.stopped.startswith("line 3:")


def test_a_file_from_another_tool_names_the_missing_columns_and_the_right_format(store, model):
    with pytest.raises(ImportFileError) as err:
        run(store, model, DATA / "jira_export.csv", "asana")
    assert "missing column(s) Task ID, Name, Completed At" in str(err.value)
    assert "--from jira" in str(err.value)
    assert store.count_tasks() == 0


@pytest.mark.parametrize("content", [b"", b"\n\n"])
def test_an_empty_file_is_refused(store, model, tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match="empty"):
        run(store, model, path, "csv")


def test_a_missing_file_is_refused(store, model, tmp_path):
    with pytest.raises(ImportFileError, match="cannot read"):
        run(store, model, tmp_path / "nope.csv", "csv")


def test_a_spreadsheet_saved_as_windows_1252_keeps_its_accents(store, model, tmp_path):
    path = write(tmp_path, "w.csv", "title,external_id\nRéunion café with Zoë,W-1\n", encoding="cp1252")
    run(store, model, path, "csv")
    assert store.find_task("csv", "W-1").title == "Réunion café with Zoë"


def test_a_utf8_bom_and_header_case_do_not_matter(store, model, tmp_path):
    path = write(tmp_path, "b.csv", "\ufeffTitle , External_ID\nBOM task,B-1\n", encoding="utf-8")
    report = run(store, model, path, "csv")
    assert report.created == 1
    assert "b.csv (CSV): 1 row -- 1 created," in summary_lines(report, "CSV")[0]


_LOCALE_DATES = {"dotted": r"\3.\2.\1", "mdy": r"\2/\3/\1", "dmy": r"\3/\2/\1"}


def _resaved(source: Path, target: Path, delimiter: str, encoding: str, dates: str | None = None) -> Path:
    """The export as a spreadsheet saves it again: another delimiter and encoding, CRLF line ends,
    and with `dates` its dates as a locale writes them (2025-11-25 -> 25.11.2025, 11/25/2025 in
    the US, 25/11/2025 in the UK)."""
    import csv
    import re

    with open(source, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if dates:
        rows = [[re.sub(r"^(\d{4})-(\d{2})-(\d{2})$", _LOCALE_DATES[dates], cell) for cell in row] for row in rows]
    with open(target, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return target


@pytest.mark.parametrize("fmt", ["asana", "jira", "linear"])
@pytest.mark.parametrize("delimiter, encoding, dates, written", [
    (";", "utf-8-sig", "dotted", "25.11.2025"), ("\t", "utf-16", None, None),
    (",", "utf-8", "mdy", "11/25/2025"), (",", "utf-8-sig", "dmy", "25/11/2025"),
    (",", "utf-16-le", None, None), ("\t", "utf-16-be", None, None)],
    ids=["semicolons and 25.11.2025 (a European Excel)", "tabs, UTF-16 (Unicode Text)", "11/25/2025 (a US Excel)",
         "25/11/2025 (a UK Excel)", "UTF-16 little-endian without its BOM", "UTF-16 big-endian without its BOM"])
def test_an_export_resaved_by_a_spreadsheet_imports_as_the_original(model, tmp_path, fmt, delimiter, encoding, dates,
                                                                     written):
    original = DATA / f"{fmt}_export.csv"
    resaved = _resaved(original, tmp_path / "resaved.csv", delimiter, encoding, dates)
    if written and fmt == "asana":
        assert written in resaved.read_text(encoding=encoding)  # the test's own check: dates rewritten
    stores = [TaskStore(tmp_path / "a.db"), TaskStore(tmp_path / "b.db")]
    # the Jira sample's one ISO date, 2025-12-10, reads either way once slashed: it needs the option
    given = dates if fmt == "jira" and dates in ("mdy", "dmy") else None
    reports = [run(stores[0], model, original, fmt), run(stores[1], model, resaved, fmt, dates=given)]
    if dates in ("mdy", "dmy"):
        assert reports[1].dates == dates and reports[1].dates_from_file == (given is None)
    assert reports[1].created == reports[0].created > 0
    assert [r.line for r in reports[1].rejections] == [r.line for r in reports[0].rejections]
    tasks = [sorted((t.external_id, t.title, t.notes, t.status, t.tags, t.due, t.assignee_email, t.created_at,
                     t.completed_at) for t in s.iter_tasks()) for s in stores]
    assert tasks[1] == tasks[0]


# --- the generic format --------------------------------------------------------------------------------

def test_generic_columns(store, model, tmp_path):
    text = ("title,external_id,assignee_email,due,status,tags,notes,url,project,estimate_hours\n"
            "Quick fix,G-1,Ana@Example.com,2025-11-21,doing,a; b,,https://x.example/1,Ops,0.5\n"
            "Timed,G-2,,2025-11-21T15:30:00+01:00,done,,,,,\n"
            "Bad status,G-3,,,parked,,,,,\n"
            "Bad estimate,G-4,,,,,,,,two hours\n"
            "Bad email,G-5,ana,,,,,,,\n")
    report = run(store, model, write(tmp_path, "g.csv", text), "csv")
    assert report.created == 2
    assert [r.line for r in report.rejections] == [4, 5, 6]
    quick = store.find_task("csv", "G-1")
    assert (quick.status, quick.tags, quick.assignee_email, quick.project) == ("in_progress", ("a", "b"),
                                                                               "ana@example.com", "Ops")
    assert quick.estimate_hours == 0.5 and quick.estimate_source == "human"
    assert quick.due == datetime(2025, 11, 21, 23, 59, tzinfo=BERLIN) and quick.due_all_day
    timed = store.find_task("csv", "G-2")
    assert timed.due == datetime(2025, 11, 21, 15, 30, tzinfo=BERLIN) and not timed.due_all_day
    assert timed.status == "done"


@pytest.mark.parametrize("workers", [0, 2])
def test_an_id_the_file_repeats_is_one_task_with_its_last_row_and_the_summary_names_each_row_left_out(
        store, model, tmp_path, workers):
    text = ("title,external_id\n"
            "First,R-1\n"
            "Second,R-2\n"
            "First again but edited,R-1\n"  # line 4: the same batch as line 2 (batches of 3)
            "Second,R-2\n"  # line 5: the next batch, the same row again
            "Third,R-3\n")
    path = write(tmp_path, "r.csv", text)
    dry = run(store, model, path, "csv", batch=3, workers=workers, dry_run=True)
    assert store.count_tasks() == 0
    report = run(store, model, path, "csv", batch=3, workers=workers)
    assert store.count_tasks() == 3 and store.find_task("csv", "R-1").title == "First again but edited"
    # the dry run said exactly what the import did, repeats included
    assert summary_lines(dry, "CSV")[:-1] == [line.replace("Imported", "Would import") for line in
                                              summary_lines(report, "CSV")]
    assert (report.rows, report.created, report.updated, report.unchanged, report.repeated) == (5, 3, 0, 0, 2)
    assert [(r.line, r.external_id, r.kept_line) for r in report.repeats] == [(2, "R-1", 4), (3, "R-2", 5)]
    lines = summary_lines(report, "CSV")
    assert lines[0].endswith(": 5 rows -- 3 created, 0 updated, 0 unchanged, 0 rejected, 2 replaced by a later row.")
    assert "2 rows not imported: a later row of this file has the same id" in "\n".join(lines)
    assert "  line 2: id R-1 again at line 4, the row imported instead" in lines
    assert "  line 3: id R-2 again at line 5, the row imported instead" in lines
    assert report.unowned == 3  # open tasks with no owner: three, not one per row
    # the first row of R-1 was never written: the task was judged once, on its last row's text
    first = _dump(store)
    assert not store.never_judged([store.find_task("csv", "R-1").id]) and not store.pending_count()

    # importing the file again changes nothing, and says the same about the repeats
    again = run(store, model, path, "csv", batch=3, workers=workers)
    assert (again.created, again.updated, again.unchanged, again.repeated) == (0, 0, 3, 2)
    assert _dump(store) == first
    assert summary_lines(again, "CSV")[1:] == lines[1:]

    # a file that repeats nothing says nothing about it, the first time or the second
    other = write(tmp_path, "o.csv", "title,external_id\nOne,O-1\nTwo,O-2\n")
    assert run(store, model, other, "csv").repeated == 0 and run(store, model, other, "csv").repeated == 0


def test_when_an_ids_last_row_is_rejected_the_task_is_left_as_it_was_and_the_summary_says_so(store, model, tmp_path):
    write(tmp_path, "first.csv", "title,external_id,status\nShip it,R-1,open\n")
    run(store, model, tmp_path / "first.csv", "csv")
    text = "title,external_id,status\nShip it now,R-1,open\nOther,R-2,open\nShip it,R-1,parked\n"
    report = run(store, model, write(tmp_path, "r.csv", text), "csv")
    assert (report.created, report.updated, report.rejected, report.repeated) == (1, 0, 1, 1)
    assert store.find_task("csv", "R-1").title == "Ship it"  # neither row of R-1 was imported
    lines = summary_lines(report, "CSV")
    assert "  rejected line 4: unknown status 'parked'" in "\n".join(lines)
    assert "  line 2: id R-1 again at line 4, which was rejected (above): neither was imported" in lines


def test_a_file_with_many_ids_and_no_repeat_has_none_named(store, model, tmp_path):
    """The ids are not kept, only bits of a bitmap: an id that merely shares a bit with another
    is no repeat (a small bitmap here, so that most do)."""
    from scoring.sources.repeats import last_lines, replaced_by

    pairs = [(line, f"ID-{line}") for line in range(2, 3002)] + [(3002, "ID-7"), (3003, "ID-2999")]
    last = last_lines(pairs, bits=1 << 10)
    assert len(last) > 1000  # most ids shared a bit with one before
    left_out = [(line, i) for line, i in pairs if replaced_by(last, i, line) is not None]
    assert left_out == [(7, "ID-7"), (2999, "ID-2999")]  # exactly the two ids met twice, at their first line


def test_a_task_another_writer_created_during_the_import_is_no_repeat(store, model, tmp_path):
    from scoring.tasks import Task

    text = "title,external_id\n" + "".join(f"Task {i},R-{i}\n" for i in range(1, 7)) + "Task 1 edited,R-1\n"

    def meanwhile(done, total, rows):  # after the first batch: the Asana sync, say, stores R-5 first
        if rows == 2:
            store.upsert_task(Task("Task 5", source="csv", external_id="R-5"), NOW)

    report = run(store, model, write(tmp_path, "r.csv", text), "csv", batch=2, on_progress=meanwhile)
    assert (report.created, report.unchanged, report.updated) == (5, 1, 0)  # R-5 was there by then
    assert [(r.line, r.external_id) for r in report.repeats] == [(2, "R-1")]  # only the file's own repeat


def test_an_id_a_spreadsheet_rounded_is_refused_not_merged(store, model, tmp_path):
    header = "Task ID,Created At,Completed At,Name\n"
    rows = "1209876543210001,2025-11-01,,Kept as written\n1.20988E+15,2025-11-01,,Rounded\n1,20988E+15,2025-11-01,,Too\n"
    report = run(store, model, write(tmp_path, "r.csv", header + rows.replace("1,20988E+15", '"1,20988E+15"')),
                 "asana")
    assert report.created == 1 and store.find_task("asana", "1209876543210001").title == "Kept as written"
    assert [r.line for r in report.rejections] == [3, 4]
    assert "Task ID: '1.20988E+15' was rounded by a spreadsheet" in report.rejections[0].reason


def test_an_estimate_with_a_decimal_comma_is_read_and_a_thousands_separator_is_refused(store, model, tmp_path):
    text = "title;external_id;estimate_hours\nComma;E-1;1,5\nThousands;E-2;1,500\n"
    report = run(store, model, write(tmp_path, "e.csv", text), "csv")
    assert store.find_task("csv", "E-1").estimate_hours == 1.5
    assert [(r.line, r.reason) for r in report.rejections] == [(3, "estimate_hours: '1,500' is not a number of hours")]


def test_dates_written_day_first_with_dots_are_read_and_slashed_ones_are_not_guessed(store, model, tmp_path):
    text = ("title,external_id,due\n"
            "Dotted,D-1,25.11.2025\n"
            "Dotted with a time,D-2,1.12.25 14:03\n"
            "No such day,D-3,31.02.2025\n"
            "Day or month first?,D-4,12/1/2025\n")
    report = run(store, model, write(tmp_path, "d.csv", text), "csv")
    assert store.find_task("csv", "D-1").due == datetime(2025, 11, 25, 23, 59, tzinfo=BERLIN)
    timed = store.find_task("csv", "D-2")
    assert timed.due == datetime(2025, 12, 1, 14, 3, tzinfo=BERLIN) and not timed.due_all_day
    assert {r.line: r.reason for r in report.rejections} == {
        4: "due: '31.02.2025' is not a date like 2025-11-21, 2025-11-21T15:04:05Z or 21.11.2025",
        5: "due: '12/1/2025' could be month or day first: import again with --dates mdy (11/21/2025, as in the US) "
           "or --dates dmy (21/11/2025)"}
    assert report.dates is None and not any("Dates with slashes" in line for line in summary_lines(report, "CSV"))


SLASHED = ("title,external_id,due\n"
           "Ambiguous,S-1,12/1/2025\n"
           "With a time,S-2,3/4/25 3:04 PM\n"
           "No such day,S-3,2/31/2025\n")


@pytest.mark.parametrize("order, first, second", [
    ("mdy", datetime(2025, 12, 1, 23, 59, tzinfo=BERLIN), datetime(2025, 3, 4, 15, 4, tzinfo=BERLIN)),
    ("dmy", datetime(2025, 1, 12, 23, 59, tzinfo=BERLIN), datetime(2025, 4, 3, 15, 4, tzinfo=BERLIN))])
def test_slashed_dates_are_read_in_the_order_given(store, model, tmp_path, order, first, second):
    report = run(store, model, write(tmp_path, "s.csv", SLASHED), "csv", dates=order)
    assert store.find_task("csv", "S-1").due == first
    assert store.find_task("csv", "S-2").due == second
    rejected = {r.line: r.reason for r in report.rejections}
    if order == "mdy":
        assert rejected == {4: "due: '2/31/2025' is no date when read month first (--dates mdy)"}
    else:
        assert rejected == {4: "due: '2/31/2025' is no date when read day first (--dates dmy)"}
    assert f"Dates with slashes were read {'month' if order == 'mdy' else 'day'} first (--dates {order})." \
        in summary_lines(report, "CSV")


@pytest.mark.parametrize("unambiguous, order", [("11/25/2025", "mdy"), ("25/11/2025", "dmy")])
def test_slashed_dates_follow_the_order_the_file_shows(store, model, tmp_path, unambiguous, order):
    report = run(store, model, write(tmp_path, "s.csv", SLASHED + f"Shows the order,S-4,{unambiguous}\n"), "csv")
    assert (report.dates, report.dates_from_file) == (order, True)
    assert store.find_task("csv", "S-1").due.day == (1 if order == "mdy" else 12)
    assert store.find_task("csv", "S-4").due.date() == datetime(2025, 11, 25).date()
    assert f"Dates with slashes were read {'month' if order == 'mdy' else 'day'} first, as the file's own dates " \
           "show." in summary_lines(report, "CSV")


def test_a_date_inside_a_note_does_not_decide_the_order(store, model, tmp_path):
    text = "title,external_id,due,notes\nRenewal,S-1,12/1/2025,\"Moved from 25/11/2025, see thread\"\n"
    report = run(store, model, write(tmp_path, "s.csv", text), "csv")
    assert report.dates is None and report.rejected == 1


def test_a_file_whose_slashed_dates_disagree_reads_none_of_them(store, model, tmp_path):
    report = run(store, model, write(tmp_path, "s.csv", SLASHED + "US,S-4,11/25/2025\nUK,S-5,25/11/2025\n"), "csv")
    assert report.dates is None
    assert report.created == 0 and report.rejected == 5


def test_a_date_only_due_date_is_the_end_of_that_day_across_a_dst_change(store, model, tmp_path):
    path = write(tmp_path, "dst.csv", "title,external_id,due\nClocks go back,D-1,2025-10-26\n")
    run(store, model, path, "csv")
    due = store.find_task("csv", "D-1").due.astimezone(BERLIN)
    assert (due.hour, due.minute, due.utcoffset()) == (23, 59, timedelta(hours=1))


# --- owners, batching, progress ------------------------------------------------------------------------

def test_emails_known_to_slack_get_their_owner_and_the_others_are_listed(store, model):
    store.remember_identity("maya@northwind.example", "U0MAYA", NOW)
    store.remember_identity("leo@northwind.example", None, NOW)  # looked up: no such Slack user
    report = run(store, model, DATA / "asana_export.csv", "asana")
    assert store.find_task("asana", "1209876543210001").assignee_id == "U0MAYA"
    assert store.top_tasks("U0MAYA", 5, NOW)  # ranked for Maya straight away
    assert report.assigned == 2
    assert "maya@northwind.example" not in report.unmatched_emails
    assert {"leo@northwind.example", "jonas@northwind.example"} <= report.unmatched_emails
    # open tasks without an owner: everyone's but Maya's two, and the one with no assignee at all
    assert report.unowned == 8


def test_small_batches_give_the_same_result(store, model, tmp_path):
    report = run(store, model, DATA / "linear_export.csv", "linear", batch=2)
    assert (report.created, report.rejected) == (9, 3)
    other = TaskStore(tmp_path / "other.db")
    run(other, model, DATA / "linear_export.csv", "linear")
    titles = lambda s: sorted((t.external_id, t.title, t.status) for t in s.iter_tasks())  # noqa: E731
    assert titles(store) == titles(other)


@pytest.mark.parametrize("workers", [0, 2])
def test_progress_counts_the_rows_written_up_to_the_whole_file(store, model, tmp_path, workers):
    rows = "".join(f"Task {i},P-{i}\n" for i in range(2500))
    path = write(tmp_path, "p.csv", "title,external_id\n,P-none\n" + rows)  # line 2 has no title: rejected
    seen = []

    def progress(done, total, n):
        seen.append((done, total, n, store.count_tasks()))

    report = run(store, model, path, "csv", batch=1000, workers=workers, on_progress=progress)
    size = path.stat().st_size
    assert seen[-1] == (size, size, 2501, 2500) and report.rows == 2501
    assert "2,501 rows -- 2,500 created, 0 updated, 0 unchanged, 1 rejected." in summary_lines(report, "CSV")[0]
    # after each batch: its rows are in the store (workers read ahead: that is not counted)
    assert [(n, stored) for _, _, n, stored in seen[:-1]] == [(1000, 999), (2000, 1999), (2501, 2500)]
    assert [done for done, *_ in seen] == sorted(done for done, *_ in seen)


def test_the_same_export_imported_into_a_copy_of_the_store_is_unchanged(store, model, tmp_path):
    run(store, model, DATA / "jira_export.csv", "jira")
    store.close()
    shutil.copy(tmp_path / "headwork.db", tmp_path / "copy.db")
    copy = TaskStore(tmp_path / "copy.db")
    assert run(copy, model, DATA / "jira_export.csv", "jira").unchanged == 10


# --- the bulk path stores exactly what one task at a time would ----------------------------------------

GENERIC_TRICKY = ("title,external_id,due,status,tags,notes,project\n"
                  "Renewal proposal for Acme,T-1,2025-11-21T15:30:00.250+01:00,open,revenue,,Sales\n"
                  "Patch the CVE,T-2,2025-11-24,doing,security,after the outage,Platform\n"
                  "Renewal proposal for Acme,T-1,2025-11-21T15:30:00.250+01:00,open,revenue,,Sales\n"  # again: same
                  "Patch the CVE now,T-2,2025-11-24,doing,security,after the outage,Platform\n"  # again: changed
                  "Finished thing,T-3,,done,,,\n"
                  "Onboarding kickoff with Meridian Foods,T-4,2025-12-01T09:00:00Z,open,customer,,\n"
                  "Finished thing reopened,T-3,,open,,,\n"
                  "Tidy the caf\u00e9 wiki,T-5,,open,caf\u00e9;\"quoted\"\" tag\",,\n")


def _dump(store: TaskStore) -> dict:
    conn = store.conn
    return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("tasks", "bands", "scores", "score_terms")}


def _one_at_a_time(store: TaskStore, model, task, provisional: bool) -> None:
    """What `ingest` means, for one task, through the single-task store calls and the original
    rules: upsert; judge it if it is open and never judged; score it if it changed."""
    from scoring.categorize import categorized_key
    from scoring.rescore import rescore_tasks
    from tests import rules_reference

    task_id, outcome = store.upsert_task(task, NOW)
    if outcome == "unchanged":
        return
    if store.never_judged([task_id]):
        stored = store.get_task(task_id)
        if stored.is_open:
            store.replace_machine_judgements(task_id, "rules", rules_reference.judge_task(stored, model),
                                             categorized_key(stored, model), NOW, final=not provisional)
    rescore_tasks(store, [task_id], model, NOW)


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("provisional", [False, True])
@pytest.mark.parametrize("batch", [2000, 2])
@pytest.mark.parametrize("fmt, name", [(fmt, SAMPLES[fmt][0]) for fmt in sorted(SAMPLES)] + [("csv", None)])
def test_an_import_stores_judges_and_scores_exactly_as_one_task_at_a_time(model, tmp_path, fmt, name, batch,
                                                                          provisional, workers):
    """Rows inserted together with precomputed ids and judgements, scored from memory, are the
    rows, bands and scores one task at a time gives -- also for a key the file repeats (the same
    row again, a changed row, a closed task reopened: its last row, one task at a time) and
    sub-second times, and when worker processes prepared the rows."""
    from scoring.sources.csv_import import open_rows
    from scoring.sources.formats import FORMATS, Columns, Row, RowError

    path = DATA / name if name else write(tmp_path, "tricky.csv", GENERIC_TRICKY)
    bulk = TaskStore(tmp_path / "bulk.db")
    run(bulk, model, path, fmt, batch=batch, provisional=provisional, workers=workers)
    single = TaskStore(tmp_path / "single.db")
    source = open_rows(path)
    columns = Columns(source.header)
    rows = list(source.rows)
    last = {Row(cells, columns).get(FORMATS[fmt].id_column): line for line, cells in rows}
    for line, cells in rows:
        if last[Row(cells, columns).get(FORMATS[fmt].id_column)] != line:
            continue  # an id the file repeats: only its last row is imported
        try:
            task = FORMATS[fmt].convert(Row(cells, columns), BERLIN)
        except RowError:
            continue
        _one_at_a_time(single, model, task, provisional)
    assert _dump(bulk) == _dump(single)
    bulk.close()
    single.close()


@pytest.mark.parametrize("provisional", [False, True])
def test_a_sync_batch_that_meets_a_key_twice_stores_what_one_task_at_a_time_would(model, tmp_path, provisional):
    """The Asana sync hands `ingest` what a listing gave: a task the listing repeats (paged while
    it changed) is upserted twice in the batch, in order, as two single upserts would be."""
    from scoring.sources.ingest import ingest
    from scoring.tasks import Task

    tasks = [Task("Renewal proposal for Acme", source="asana", external_id="1", tags=("revenue",)),
             Task("Patch the CVE", source="asana", external_id="2", status="done", completed_at=NOW),
             Task("Renewal proposal for Acme", source="asana", external_id="1", tags=("revenue",)),  # the same
             Task("Patch the CVE now", source="asana", external_id="2", tags=("security",)),  # reopened, edited
             Task("Onboarding kickoff with Meridian Foods", source="asana", external_id="3", tags=("customer",))]
    bulk = TaskStore(tmp_path / "bulk.db")
    outcomes = ingest(bulk, tasks, model, NOW, provisional)
    assert [outcome for _, outcome in outcomes] == ["created", "created", "unchanged", "updated", "created"]
    single = TaskStore(tmp_path / "single.db")
    for task in tasks:
        _one_at_a_time(single, model, task, provisional)
    assert _dump(bulk) == _dump(single)


@pytest.mark.parametrize("workers", [0, 2])
def test_rows_whose_owners_are_known_are_written_with_them_as_giving_them_afterwards_would(model, tmp_path, workers):
    """An import into a store that knows some emails' Slack users writes each new row with its
    owner; the database is the one an import that knew nobody, followed by `assign_email` for
    those people, gives (and the summary counts the same tasks given)."""
    known = {"maya@northwind.example": "U0MAYA", "jonas@northwind.example": "U0JONAS",
             "leo@northwind.example": "U0LEO"}
    first = TaskStore(tmp_path / "first.db")
    for email, slack_id in known.items():
        first.remember_identity(email, slack_id, NOW)
    report = run(first, model, DATA / "asana_export.csv", "asana", workers=workers)
    then = TaskStore(tmp_path / "then.db")
    run(then, model, DATA / "asana_export.csv", "asana", workers=workers)
    for email, slack_id in known.items():
        then.remember_identity(email, slack_id, NOW)
    given = sum(then.assign_email(email, slack_id) for email, slack_id in known.items())
    assert _dump(first) == _dump(then)
    assert report.assigned == given > 0
    assert {t.assignee_id for t in first.iter_tasks()} >= {"U0MAYA", "U0JONAS", "U0LEO"}
    assert first.top_tasks("U0MAYA", 10, NOW)  # in the ranking, through the scores' owner too
    # and a second import of the same file gives nothing more
    again = run(first, model, DATA / "asana_export.csv", "asana", workers=workers)
    assert (again.unchanged, again.assigned) == (report.created, 0)


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_imported_scores_are_those_of_a_fresh_recompute(store, model, fmt):
    from scoring.rescore import FINGERPRINT_KEY, recompute_all, rescore_all

    run(store, model, DATA / SAMPLES[fmt][0], fmt)
    imported = _dump(store)
    store.set_meta(FINGERPRINT_KEY, model.fingerprint)  # as if scored by a full pass: the hourly one is not
    stats = rescore_all(store, model, NOW)
    assert not stats.full and stats.written == 0  # every stored clock-driven part is what clock_cp gives
    recompute_all(store, model, NOW)
    assert _dump(store) == imported


def test_an_import_copies_its_writes_into_the_database_file_and_leaves_the_connection_as_it_was(store, model,
                                                                                                 tmp_path):
    import sqlite3

    settings = "PRAGMA wal_autocheckpoint", "PRAGMA busy_timeout"
    before = [store.conn.execute(pragma).fetchone()[0] for pragma in settings]
    report = run(store, model, DATA / "jira_export.csv", "jira")
    assert [store.conn.execute(pragma).fetchone()[0] for pragma in settings] == before
    assert (tmp_path / "headwork.db-wal").stat().st_size == 0  # nobody was reading: the WAL cut back
    # the database file alone, without its WAL, already holds every imported task
    shutil.copy(tmp_path / "headwork.db", tmp_path / "file_only.db")
    copy = sqlite3.connect(tmp_path / "file_only.db")
    assert copy.execute("SELECT count(*) FROM tasks").fetchone()[0] == report.created == 10
    assert copy.execute("SELECT count(*) FROM scores").fetchone()[0] == 10
    copy.close()


def test_the_record_hash_is_the_hash_of_the_json_of_what_a_source_can_change():
    """Stored hashes outlive versions: a re-import after an upgrade must still find rows unchanged."""
    import hashlib
    import json

    from scoring.store import _record_hash_and_extra, iso
    from scoring.tasks import Task

    for task in (Task(title="Ünïcode \u2019quotes\u2019 \"and\" \\ \n", source="csv", external_id="1"),
                 Task(title="t", source="jira", external_id="J-1", notes="n", url="u", assignee_email="a@b.example",
                      project="P", tags=("z", "a"), status="in_progress", due=NOW, due_all_day=True,
                      estimate_hours=1.5, estimate_source="human", blocking=2, completed_at=NOW,
                      extra={"b": [1, 2], "a": NOW, "c": None, "é": {"y": 1.25, "x": "\u2019", "n": float("nan")}})):
        fields = [task.title, task.notes, task.url, task.assignee_id, task.assignee_email, task.project,
                  sorted(task.tags), task.status, iso(task.due), task.due_all_day, task.estimate_hours,
                  task.estimate_source, task.blocking, iso(task.completed_at), task.extra]
        expected = hashlib.sha256(json.dumps(fields, default=str, sort_keys=True).encode()).hexdigest()[:20]
        assert _record_hash_and_extra(task) == (expected, json.dumps(task.extra, default=str, sort_keys=True))


def test_an_import_beside_a_reader_neither_waits_for_it_nor_pulls_the_wal_from_under_it(store, model, tmp_path):
    import sqlite3

    run(store, model, DATA / "linear_export.csv", "linear")
    reader = sqlite3.connect(tmp_path / "headwork.db", isolation_level=None)
    reader.execute("BEGIN")
    seen = reader.execute("SELECT count(*) FROM tasks").fetchone()[0]  # a read snapshot held open
    report = run(store, model, DATA / "jira_export.csv", "jira")
    assert report.created == 10
    assert reader.execute("SELECT count(*) FROM tasks").fetchone()[0] == seen  # its snapshot still readable
    assert (tmp_path / "headwork.db-wal").stat().st_size > 0
    reader.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM tasks").fetchone()[0] == seen + 10
    reader.close()


# --- worker processes ------------------------------------------------------------------------------

def _big_export(path: Path, rows: int, edited: bool = False) -> Path:
    """A Headwork CSV with what a large real export holds: bad rows, a key met again (same, changed),
    closed tasks, multi-line notes, customer work the rules judge, sub-second due times."""
    lines = ["title,external_id,due,status,tags,notes,project"]
    words = ["Onboarding kickoff with Meridian Foods", "Patch the CVE", "Renewal proposal for Acme",
             "Automate the weekly report", "Reply to Kestrel's question", "Finish and ship the release notes"]
    for n in range(rows):
        title = f"{words[n % len(words)]} #{n}" + (" (edited)" if edited and n % 7 == 0 else "")
        if n % 97 == 5:
            title = ""  # rejected: no title
        due = "" if n % 3 else f"2025-12-{1 + n % 28:02d}T09:00:00.250+01:00"
        if n % 89 == 7:
            due = "soon"  # rejected: not a date
        status = ["open", "doing", "waiting", "done", "open"][n % 5]
        notes = '"first line\nsecond line"' if n % 11 == 0 else "after the outage"
        lines.append(f"{title},K-{n},{due},{status},{'customer' if n % 4 == 0 else 'security'},{notes},Platform")
        if n % 50 == 3:
            lines.append(f"{title},K-{n},{due},{status},security,changed in the same file,Platform")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _two_imports(store, model, tmp_path, workers: int) -> list[dict]:
    """A first export, a task done in Slack, then a later export of the same tasks, some edited."""
    first = run(store, model, _big_export(tmp_path / "first.csv", 3000), "csv", batch=256, workers=workers)
    done = store.find_task("csv", "K-10")
    store.record_completion(done.id, "U0JONAS", NOW)  # what Done in Slack does
    store.update_task(done.id, NOW, status="done", completed_at=NOW)
    later = run(store, model, _big_export(tmp_path / "later.csv", 3200, edited=True), "csv", batch=256,
                workers=workers)
    return [{k: v for k, v in r.to_dict().items() if k != "file"} for r in (first, later)]


def test_worker_processes_give_the_same_database_and_report_as_one_process(model, tmp_path):
    one = TaskStore(tmp_path / "one.db")
    reports_one = _two_imports(one, model, tmp_path, workers=0)
    many = TaskStore(tmp_path / "many.db")
    reports_many = _two_imports(many, model, tmp_path, workers=2)
    assert reports_many == reports_one
    first, later = reports_one
    # what the files mean: 66 bad rows; 59 keys met again with a change, each imported once (its last
    # row: both rows of K-1253 are bad); 200 new keys, 4 of them bad; 420 rows edited
    assert (first["created"], first["updated"], first["rejected"], first["repeated"]) == (2935, 0, 66, 59)
    assert (later["created"], later["updated"], later["unchanged"], later["rejected"], later["repeated"]) == \
        (196, 420, 2515, 70, 63)
    assert first["rejections"][0] == {"line": 9, "reason": "no title (title is empty)"}  # K-0's notes: 2 lines
    assert _dump(many) == _dump(one)
    assert many.find_task("csv", "K-10").status == "done"  # a task done in Slack stays done


def test_workers_started_from_a_process_with_threads_are_fresh_interpreters(model, tmp_path):
    """fork is only safe while nothing else runs: with another thread alive, the workers are spawned."""
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        path = write(tmp_path, "t.csv", GENERIC_TRICKY)
        many = TaskStore(tmp_path / "many.db")
        assert run(many, model, path, "csv", workers=2).created == 5
    finally:
        stop.set()
        other.join()
    one = TaskStore(tmp_path / "one.db")
    run(one, model, path, "csv", workers=0)
    assert _dump(many) == _dump(one)


def test_a_broken_quote_stops_workers_at_its_line_and_keeps_every_row_before(model, tmp_path):
    rows = "".join(f"Task {i},P-{i},fine\n" for i in range(1, 1200))
    path = write(tmp_path, "t.csv", "title,external_id,notes\n" + rows + 'Two,X,"never closed\nThree,3,x\n')
    store = TaskStore(tmp_path / "h.db")
    report = run(store, model, path, "csv", batch=100, workers=2)
    assert report.created == 1199 and report.stopped.startswith("line 1201:")
    assert store.count_tasks() == 1199


def test_small_files_and_single_cores_are_imported_in_one_process():
    from scoring.sources.prepare import PARALLEL_FROM_BYTES, default_workers

    assert default_workers(PARALLEL_FROM_BYTES - 1) == 0
    assert default_workers(PARALLEL_FROM_BYTES) == (0 if len(os.sched_getaffinity(0)) < 2
                                                    else min(4, len(os.sched_getaffinity(0))))


def _dies_on_poison(row, tz):
    """Headwork's own columns, except that the worker converting the row titled POISON dies (OOM-killed)."""
    from scoring.sources.formats import FORMATS

    if row.get("title") == "POISON" and multiprocessing.parent_process() is not None:
        os._exit(9)
    return FORMATS["csv"].convert(row, tz)


def test_a_worker_that_dies_stops_the_import_with_the_line_and_a_second_import_finishes(model, tmp_path):
    from dataclasses import replace

    from scoring.sources.formats import FORMATS

    fmt = replace(FORMATS["csv"], convert=_dies_on_poison)
    rows = [f"Task {i},P-{i}" for i in range(1, 1000)]
    rows[600] = "POISON,P-601"  # line 602 (the header is line 1), the first of the 7th batch
    path = write(tmp_path, "t.csv", "title,external_id\n" + "\n".join(rows) + "\n")
    store = TaskStore(tmp_path / "h.db")
    report = run(store, model, path, fmt, batch=100, workers=2)
    # The batches still out when the pool broke are lost with it: at most one per worker and one
    # more are ahead of the one being written, so the first lost is the poisoned one or one of the
    # two before it (under load the other worker may still be on either).
    line = int(report.interrupted.split(":")[0].removeprefix("line "))
    assert line in (402, 502, 602) and "terminated abruptly" in report.interrupted
    assert store.count_tasks() == report.created == line - 2  # every row before that line, none after
    assert report.rows == line - 2  # the summary counts no row read ahead but never written
    lines = summary_lines(report, "CSV")
    assert f"Interrupted at line {line}: " in lines[1] and "import the file again to finish" in lines[1]
    again = run(store, model, path, "csv", workers=0)  # the poison only kills workers
    assert (again.created, again.unchanged, again.interrupted) == (999 - (line - 2), line - 2, None)


class _CannotFork(ProcessPoolExecutor):
    def submit(self, fn, /, *args, **kwargs):
        raise OSError(11, "Resource temporarily unavailable")  # what fork says at a process limit


def _no_semaphores(*args, **kwargs):
    raise OSError(38, "Function not implemented")  # a container without /dev/shm


@pytest.mark.parametrize("pool", [_no_semaphores, _CannotFork])
def test_without_worker_processes_the_import_is_done_in_this_process(model, tmp_path, monkeypatch, caplog, pool):
    """When no process pool can be started (no POSIX semaphores, or fork refused), the rows are
    prepared here, with a warning, and nothing else changes."""
    from scoring.sources import prepare

    monkeypatch.setattr(prepare, "ProcessPoolExecutor", pool)
    path = write(tmp_path, "t.csv", GENERIC_TRICKY)
    alone = TaskStore(tmp_path / "alone.db")
    with caplog.at_level("WARNING", logger="headwork.import"):
        report = run(alone, model, path, "csv", workers=2)
    assert (report.created, report.updated, report.repeated, report.interrupted) == (5, 0, 3, None)
    assert "cannot start worker processes" in caplog.text and "preparing the rows in this process" in caplog.text
    one = TaskStore(tmp_path / "one.db")
    run(one, model, path, "csv", workers=0)
    assert _dump(alone) == _dump(one)
