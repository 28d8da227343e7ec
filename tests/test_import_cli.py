"""`headwork import` and `headwork sync asana`, through the real command line entry point."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.cli import main
from bot.commands.sync import source_jobs
from bot.runtime import Runtime
from scoring.store import TaskStore
from tests.fakeasana import FakeAsana

DATA = Path(__file__).parent / "data"


@pytest.fixture
def env(tmp_path):
    config = tmp_path / "headwork.yml"
    config.write_text("org:\n  timezone: Europe/Berlin\n")
    return {"HEADWORK_DB": str(tmp_path / "headwork.db"), "HEADWORK_CONFIG": str(config)}


@contextmanager
def opened(env):
    store = TaskStore(env["HEADWORK_DB"])
    try:
        yield store
    finally:
        store.close()


def count(env) -> int:
    with opened(env) as store:
        return store.count_tasks()


def usage_error(argv: list[str], env, capsys) -> str:
    """What the command line says on stderr when it refuses these arguments (exit 2)."""
    with pytest.raises(SystemExit) as done:
        main(argv, environ=env)
    assert done.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("fmt, created", [("asana", 12), ("jira", 10), ("linear", 9)])
def test_import_prints_a_summary_and_a_second_run_changes_nothing(env, capsys, fmt, created):
    assert main(["import", str(DATA / f"{fmt}_export.csv"), "--from", fmt], environ=env) == 0
    out = capsys.readouterr().out
    assert f"{created} created, 0 updated, 0 unchanged" in out
    assert "rejected line" in out and "have no Slack owner yet" in out
    assert main(["import", str(DATA / f"{fmt}_export.csv"), "--from", fmt], environ=env) == 0
    assert f"0 created, 0 updated, {created} unchanged" in capsys.readouterr().out
    assert count(env) == created


def test_an_export_that_repeats_an_id_imports_its_last_row_and_a_second_run_changes_nothing(env, capsys, tmp_path):
    """A Jira export glued onto an older one: every key twice, the newer row last."""
    header = "Summary,Issue key,Status,Updated\n"
    older = "Draft the plan,OPS-1,To Do,01/Nov/25 9:00 AM\nPatch the CVE,OPS-2,To Do,01/Nov/25 9:00 AM\n"
    newer = "Draft the plan,OPS-1,Done,18/Nov/25 9:00 AM\nPatch the CVE now,OPS-2,In Progress,18/Nov/25 9:00 AM\n"
    path = tmp_path / "jira.csv"
    path.write_text(header + older + newer)
    for _ in range(2):
        assert main(["import", str(path), "--from", "jira"], environ=env) == 0
    first, second = capsys.readouterr().out.split("Imported ")[1:]
    assert "4 rows -- 2 created, 0 updated, 0 unchanged, 0 rejected, 2 replaced by a later row." in first
    assert "4 rows -- 0 created, 0 updated, 2 unchanged, 0 rejected, 2 replaced by a later row." in second
    assert "  line 2: id OPS-1 again at line 4, the row imported instead" in second
    with opened(env) as store:
        assert store.find_task("jira", "OPS-1").status == "done"
        assert store.find_task("jira", "OPS-2").title == "Patch the CVE now"


def test_dry_run_creates_not_even_the_database(env, capsys):
    assert main(["import", str(DATA / "jira_export.csv"), "--from", "jira", "--dry-run"], environ=env) == 0
    out = capsys.readouterr().out
    assert out.startswith("Would import") and "10 created" in out and "nothing was written" in out
    assert not Path(env["HEADWORK_DB"]).exists()


def test_dry_run_on_an_existing_database_leaves_it_alone(env, capsys):
    main(["import", str(DATA / "linear_export.csv"), "--from", "linear"], environ=env)
    assert main(["import", str(DATA / "asana_export.csv"), "--from", "asana", "--dry-run"], environ=env) == 0
    assert "12 created" in capsys.readouterr().out
    assert count(env) == 9


def test_a_file_of_another_format_exits_2_naming_the_missing_columns(env, capsys):
    assert main(["import", str(DATA / "linear_export.csv"), "--from", "jira"], environ=env) == 2
    err = capsys.readouterr().err
    assert "missing column(s) Summary, Issue key" in err and "looks like a Linear export (--from linear)" in err
    assert count(env) == 0
    assert main(["import", str(DATA / "asana_export.csv"), "--from", "jira"], environ=env) == 2
    assert "looks like an Asana export (--from asana)" in capsys.readouterr().err


def test_a_cell_with_a_superscript_digit_is_one_rejected_row(env, capsys, tmp_path):
    export = tmp_path / "jira.csv"
    export.write_text("Summary,Issue key,Status,Original Estimate\nTypo,OPS-1,To Do,²\nFine,OPS-2,To Do,3600\n", "utf-8")
    assert main(["import", str(export), "--from", "jira"], environ=env) == 0
    out = capsys.readouterr().out
    assert "1 created, 0 updated, 0 unchanged, 1 rejected" in out
    assert "rejected line 2: Original Estimate: '²' is not a number of seconds" in out
    assert count(env) == 1


def test_an_unreadable_file_exits_2(env, capsys, tmp_path):
    assert main(["import", str(tmp_path / "missing.csv"), "--from", "csv"], environ=env) == 2
    assert "cannot read the file" in capsys.readouterr().err


def test_a_broken_file_exits_2_after_importing_what_came_before(env, capsys, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text('title,external_id,notes\nOne,1,fine\nTwo,2,"never closed\nThree,3,x\n')
    assert main(["import", str(path), "--from", "csv"], environ=env) == 2
    assert "Stopped early: line 3" in capsys.readouterr().out
    assert count(env) == 1


def test_json_summary_and_progress_bar(env, capsys):
    assert main(["import", str(DATA / "asana_export.csv"), "--from", "asana", "--json", "--progress"],
                environ=env) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert (report["created"], report["rejected"]) == (12, 2)
    assert [r["line"] for r in report["rejections"]] == [13, 16]
    assert "100%" in captured.err and "14 rows" in captured.err


def test_no_progress_bar_when_stderr_is_not_a_terminal(env, capsys):
    main(["import", str(DATA / "asana_export.csv"), "--from", "asana"], environ=env)
    assert "%" not in capsys.readouterr().err


# --- headwork sync asana -------------------------------------------------------------------------------

@pytest.fixture
def fake():
    with FakeAsana(token="cli-token") as fake:
        fake.add_project("111", "Customer Onboarding")
        fake.add_task("1", "Onboarding call with Brightline", ["111"], assignee="maya@northwind.example")
        yield fake


def asana_env(env, fake, token="cli-token"):
    Path(env["HEADWORK_CONFIG"]).write_text(
        "org:\n  timezone: Europe/Berlin\n"
        f"sources:\n  asana:\n    token_env: NW_ASANA\n    projects: ['111']\n    base_url: {fake.base_url}\n")
    return {**env, "NW_ASANA": token} if token else env


def test_sync_once(env, capsys, fake):
    assert main(["sync", "asana", "--once"], environ=asana_env(env, fake)) == 0
    out = capsys.readouterr().out
    assert "Customer Onboarding (111): 1 fetched (full listing) -- 1 created" in out
    assert count(env) == 1


def test_sync_with_a_wrong_token_exits_1_with_one_line_and_no_secret(env, capsys, fake):
    assert main(["sync", "asana", "--once"], environ=asana_env(env, fake, token="wrong-secret")) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "refused the access token" in captured.err
    assert "wrong-secret" not in captured.err + captured.out
    assert count(env) == 0


def test_sync_without_the_token_variable_exits_2_naming_it(env, capsys, fake):
    assert main(["sync", "asana", "--once"], environ=asana_env(env, fake, token=None)) == 2
    assert "NW_ASANA: not set" in capsys.readouterr().err


def test_sync_without_asana_configured_exits_2(env, capsys):
    assert main(["sync", "asana", "--once"], environ=env) == 2
    assert "sources.asana.projects" in capsys.readouterr().err


def test_the_scheduler_gets_an_asana_job_only_when_asana_is_configured(env, fake):
    assert source_jobs(Runtime(env)) == []
    runtime = Runtime(asana_env(env, fake))
    [job] = source_jobs(runtime)
    assert job.every == timedelta(minutes=10) and job.run_at_start
    report = job.run(datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc))
    assert report.ok and count(env) == 1


def test_dates_with_slashes_are_read_in_the_order_given_and_a_wrong_order_is_refused(env, capsys, tmp_path):
    path = tmp_path / "us.csv"
    path.write_text("title,external_id,due\nRenewal call,U-1,12/1/2025\n")
    assert main(["import", str(path), "--from", "csv"], environ=env) == 0
    assert "could be month or day first: import again with --dates mdy" in capsys.readouterr().out
    assert main(["import", str(path), "--from", "csv", "--dates", "mdy"], environ=env) == 0
    assert "Dates with slashes were read month first (--dates mdy)." in capsys.readouterr().out
    with opened(env) as store:
        assert store.find_task("csv", "U-1").due.date().isoformat() == "2025-12-01"
    assert "invalid choice: 'ymd'" in usage_error(["import", str(path), "--from", "csv", "--dates", "ymd"], env, capsys)


def test_worker_processes_import_the_same_and_a_bad_count_is_refused(env, capsys, tmp_path):
    rows = "".join(f"Onboarding call with customer {i},C-{i},2025-12-{1 + i % 28:02d}\n" for i in range(3000))
    path = tmp_path / "many.csv"
    path.write_text("title,external_id,due\n" + rows)
    assert main(["import", str(path), "--from", "csv", "--workers", "2", "--json"], environ=env) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["created"], report["rejected"]) == (3000, 0)
    assert main(["import", str(path), "--from", "csv", "--workers", "0"], environ=env) == 0
    assert "0 created, 0 updated, 3,000 unchanged" in capsys.readouterr().out
    with opened(env) as store:
        assert store.conn.execute("SELECT count(*) FROM scores").fetchone()[0] == 3000
        assert store.conn.execute("SELECT count(DISTINCT task_id) FROM bands").fetchone()[0] == 3000  # all judged
    assert "'-1' is not a number of processes (0 or more)" in usage_error(
        ["import", str(path), "--from", "csv", "--workers", "-1"], env, capsys)


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_killing_the_import_leaves_no_worker_behind(env, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    rows = "".join(f"Onboarding call with customer {i},C-{i},notes {i}\n" for i in range(60_000))
    path = tmp_path / "big.csv"
    path.write_text("title,external_id,notes\n" + rows)
    child = subprocess.Popen([sys.executable, "-m", "bot", "import", str(path), "--from", "csv", "--workers", "2"],
                             env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 2 and time.monotonic() < deadline and child.poll() is None:
        workers = _children(child.pid)
        time.sleep(0.05)
    assert len(workers) == 2, "the import started its two workers"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


def test_an_export_piped_in_imports_as_a_file_does(env, capsys, tmp_path):
    """`headwork import /dev/stdin` (here a pipe's /dev/fd/N): read once into a temporary file,
    since the import reads a file twice, and nothing of it is left behind."""
    import os
    import tempfile
    import threading

    text = b"title,external_id\nDraft the plan,P-1\nPatch the CVE,P-2\nDraft the plan (final),P-1\n"
    before = set(Path(tempfile.gettempdir()).glob("headwork-import-*"))
    outs = []
    for _ in range(2):
        read, write = os.pipe()

        def feed(fd=write):
            os.write(fd, text)
            os.close(fd)

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            code = main(["import", f"/dev/fd/{read}", "--from", "csv"], environ=env)
        finally:
            writer.join(timeout=10)
            os.close(read)
        assert code == 0, capsys.readouterr().err
        outs.append(capsys.readouterr().out)
    assert ": 3 rows -- 2 created, 0 updated, 0 unchanged, 0 rejected, 1 replaced by a later row." in outs[0]
    assert "/dev/fd/" in outs[0].splitlines()[0]  # named as given, not as the temporary copy
    assert "3 rows -- 0 created, 0 updated, 2 unchanged, 0 rejected, 1 replaced by a later row." in outs[1]
    with opened(env) as store:
        assert store.find_task("csv", "P-1").title == "Draft the plan (final)"
    assert set(Path(tempfile.gettempdir()).glob("headwork-import-*")) == before


@pytest.mark.parametrize("case", ["wrong token", "unreachable API"])
def test_a_sync_that_cannot_start_says_so_in_one_line_and_claims_no_project(env, fake, case):
    """Through the real console entry point (its logging set up as an operator sees it)."""
    import os
    import subprocess
    import sys

    environ = asana_env(env, fake, token="wrong-secret" if case == "wrong token" else "cli-token")
    if case == "unreachable API":
        config = Path(env["HEADWORK_CONFIG"])
        config.write_text(config.read_text().replace(fake.base_url, "http://127.0.0.1:9/api/1.0"))
    run = subprocess.run([sys.executable, "-m", "bot", "sync", "asana", "--once"], env={**os.environ, **environ},
                         capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    assert run.returncode == 1
    assert run.stdout == ""  # no "project 111 (111): 0 fetched ..." as if it had synced
    expected = ("refused the access token (HTTP 401" if case == "wrong token"
                else "cannot reach the Asana API at http://127.0.0.1:9/api/1.0")
    [line] = run.stderr.splitlines()  # no retry warnings, no log line repeating it
    assert line.startswith("headwork: Asana sync stopped: ") and expected in line
    assert "wrong-secret" not in run.stderr
    assert count(env) == 0


def test_the_scheduled_sync_logs_what_failed_once(env, fake, caplog):
    [job] = source_jobs(Runtime(asana_env(env, fake, token="wrong-secret")))
    with caplog.at_level("WARNING"):
        report = job.run(datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc))
    assert not report.ok
    assert [r.getMessage() for r in caplog.records] == [f"Asana sync stopped: {report.error}"]


def _late_accents(tmp_path, first: bytes, late: bytes, start: bytes = b"") -> Path:
    """A CSV whose rows are plain ASCII for more than the first 64 KiB: `first` is line 2, `late`
    the last line (1,402)."""
    rows = [b"title;external_id;notes", first] + [b"Plain task number %d;P%d;nothing special here" % (n, n)
                                                  for n in range(3, 1402)] + [late]
    path = tmp_path / "resaved.csv"
    path.write_bytes(start + b"\r\n".join(rows) + b"\r\n")
    assert path.stat().st_size > 1 << 16
    return path


def test_a_windows_1252_file_keeps_its_accents_past_its_first_64_kib(env, capsys, tmp_path):
    late = "Réunion with José about the café;PX;Ünïcödé notes".encode("cp1252")
    path = _late_accents(tmp_path, b"Kick-off;P2;", late)
    assert main(["import", str(path), "--from", "csv"], environ=env) == 0
    assert "1,401 created" in capsys.readouterr().out
    with opened(env) as store:
        task = store.find_task("csv", "PX")
        assert (task.title, task.notes) == ("Réunion with José about the café", "Ünïcödé notes")


@pytest.mark.parametrize("start, first, late, says", [
    (b"", "José's kick-off;P2;".encode(), "Réunion café;PX;".encode("cp1252"),
     "the file mixes two encodings: line 2 is UTF-8, line 1402 is not (Windows-1252?)"),
    (b"\xef\xbb\xbf", b"Kick-off;P2;", "Réunion café;PX;".encode("cp1252"),
     "line 1402 is not UTF-8, though the file starts as UTF-8 (a byte order mark)"),
    (b"", "Réunion;P2;".encode("cp1252"), b"Odd \x81 byte;PX;",
     "line 1402: byte 0x81 is neither UTF-8 nor Windows-1252 text"),
])
def test_a_file_in_no_encoding_or_in_two_is_refused_naming_the_line(env, capsys, tmp_path, start, first, late, says):
    path = _late_accents(tmp_path, first, late, start)
    assert main(["import", str(path), "--from", "csv"], environ=env) == 2
    err = capsys.readouterr().err
    assert err == f"headwork: {path}: {says}: save it again as CSV UTF-8 and import it\n"
    assert count(env) == 0


def test_rows_of_delimiters_alone_a_spreadsheet_leaves_at_the_end_are_skipped_like_blank_lines(env, capsys, tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_bytes(b"title;external_id;due\r\nKick-off;X1;\r\n;;\r\n\r\n ; ;\r\n;;\r\n")
    assert main(["import", str(path), "--from", "csv"], environ=env) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Imported {path} (generic CSV): 1 row -- 1 created, 0 updated, 0 unchanged, 0 rejected.\n")
    assert "rejected line" not in out and count(env) == 1


def test_a_file_whose_own_dates_disagree_says_so_naming_a_line_of_each(env, capsys, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("title,external_id,due\nUS row,M-1,11/21/2025\nUK row,M-2,21/11/2025\nEither,M-3,12/1/2025\n")
    assert main(["import", str(path), "--from", "csv"], environ=env) == 0
    out = capsys.readouterr().out
    assert ("Dates with slashes were not read: the file's own dates disagree (line 2: 11/21/2025 can only be month "
            "first, line 3: 21/11/2025 only day first). Import again with --dates mdy or --dates dmy; the dates in "
            "the other order are then rejected by line.") in out
    assert ("rejected line 2: due: '11/21/2025' can only be month first, but the start of the file does not show one "
            "order for dates with slashes: import again with --dates mdy") in out
    assert "rejected line 3: due: '21/11/2025' can only be day first" in out and "--dates dmy\n" in out
    assert "rejected line 4: due: '12/1/2025' could be month or day first" in out
    assert "could be month or day first" not in out.split("rejected line 4")[0]
    assert main(["import", str(path), "--from", "csv", "--dates", "mdy", "--json"], environ=env) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dates_disagree"] is None and [r["line"] for r in report["rejections"]] == [3]
