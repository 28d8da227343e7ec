"""Importing a large Asana CSV export: rows per second and peak memory, at two file sizes.

    python -m bench.bench_import [--rows N] [--small N]
    python -m bench.bench_import --breakdown N

Writes an Asana-format export of N rows (default 100,000) and one of `--small` rows
(default 20,000) into a temporary directory, imports each into a fresh store -- parsed,
upserted, judged by the offline rules and scored, exactly as `headwork import` does, with
the worker processes it picks for the file (`workers`) -- and prints JSON. The large file is
imported a second time in one process (`--workers 0`), for comparison, and then twice more
at the same time, each in one process into its own store:
`two_one_process_imports_side_by_side_rows_per_s` is their rates added, what this machine's
cores give for the same per-row work with nothing shared (runs vary: the machine's speed does).
Each import runs in
its own child process so that its peak RSS is its own; `rss_delta_mb` is that peak minus the
RSS just before the import started. Memory is flat in the file size when the two deltas are
about equal. A second import of the same file (every row "unchanged") is timed too, and one of
the large file into a store that knows every assignee's Slack user (`known_owners_rows_per_s`:
each task is given its owner, as when the people's emails were matched before).
`private_delta_mb` is the same for the process's own memory (RssAnon): RSS also counts the
database pages SQLite reads through mmap. `cpu_us_per_row` is the importing process's CPU
time, `workers_cpu_us_per_row` its workers' together, `worker_peak_rss_mb` the largest
worker's peak RSS. `--breakdown N` instead times the pieces of one import of N rows in one
process (each SQL statement by its first words, the final WAL checkpoint included).
`calibration_loop_s` is a fixed pure-Python loop's time just before and after the imports: the
machine's speed drifts up to twofold within an hour, and this says how fast it was.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HEADER = ["Task ID", "Created At", "Completed At", "Last Modified", "Name", "Section/Column", "Assignee",
          "Assignee Email", "Start Date", "Due Date", "Tags", "Notes", "Projects", "Parent task",
          "Blocked By (Dependencies)", "Blocking (Dependencies)"]
VERBS = ["Fix", "Review", "Draft", "Migrate", "Automate", "Document", "Call", "Ship", "Plan", "Audit"]
OBJECTS = ["onboarding checklist", "SSO for the customer", "invoice export", "renewal proposal", "CI cache",
           "security review", "pricing page", "data import", "runbook", "release notes", "kick-off deck"]
SECTIONS = ["To do", "In Progress", "Backlog", "Waiting", "Done"]
TAGS = ["customer", "onboarding", "bug", "automation", "security", "revenue", "tech-debt", "risk"]
PROJECTS = ["Customer Onboarding", "Platform", "Sales", "Internal Tools", "People"]
PEOPLE = 60  # the export's assignees, each with an email


def write_export(path: Path, rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    people = [(f"Person {i}", f"person{i}@northwind.example") for i in range(PEOPLE)]
    start = date(2025, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for n in range(rows):
            created = start + timedelta(days=rnd.randrange(300))
            done = rnd.random() < 0.15
            name, email = people[rnd.randrange(len(people))]
            notes = " ".join(rnd.choice(OBJECTS) for _ in range(rnd.randrange(0, 12)))
            if rnd.random() < 0.05:
                notes += "\nSecond line of the notes.\nAnd a third."
            out.writerow([
                str(1_200_000_000_000_000 + n), created.isoformat(),
                (created + timedelta(days=rnd.randrange(1, 30))).isoformat() if done else "",
                (created + timedelta(days=rnd.randrange(0, 40))).isoformat(),
                f"{rnd.choice(VERBS)} {rnd.choice(OBJECTS)} #{n}", rnd.choice(SECTIONS), name, email, "",
                (created + timedelta(days=rnd.randrange(5, 90))).isoformat() if rnd.random() < 0.6 else "",
                ",".join(rnd.sample(TAGS, rnd.randrange(0, 3))), notes, rnd.choice(PROJECTS), "", "",
                str(1_200_000_000_000_000 + rnd.randrange(rows)) if rnd.random() < 0.05 else "",
            ])


def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _PrivatePeak:
    """The largest RssAnon seen, sampled every 1,000 rows (the import's progress callback). RSS
    also counts the database pages read through SQLite's mmap (the store maps up to 1 GiB), which
    grow with the database, not with what the import holds; RssAnon is the process's own memory."""

    def __init__(self) -> None:
        self.peak = _rss_mb("RssAnon")

    def __call__(self, done: int, total: int, rows: int) -> None:
        self.peak = max(self.peak, _rss_mb("RssAnon"))


def child(rows: int, workdir: Path, workers: int | None = None, first_only: bool = False,
          known_owners: bool = False) -> dict:
    """Generate, then import twice into a fresh store; runs in its own process. `workers` as
    `import_csv` takes it (None: what `headwork import` picks for the file). `first_only`: the
    first import alone (the side-by-side pair). `known_owners`: the store knows every person's
    Slack user (their emails matched earlier), so each task gets its owner."""
    from scoring.model import load_model
    from scoring.sources.csv_import import import_csv
    from scoring.store import TaskStore

    from scoring.sources.prepare import default_workers

    path = workdir / f"asana_{rows}.csv"
    if not path.exists():
        write_export(path, rows)
    if workers is None:
        workers = default_workers(path.stat().st_size)
    tz = ZoneInfo("Europe/Berlin")
    now = datetime(2025, 11, 20, 9, 0, tzinfo=tz)
    model = load_model(None)
    store = TaskStore(workdir / f"bench_{rows}_{workers}{'_owned' if known_owners else ''}.db")
    if known_owners:
        for i in range(PEOPLE):
            store.remember_identity(f"person{i}@northwind.example", f"U{i:08d}", now)
    rss_before = _rss_mb()
    private = _PrivatePeak()
    private_before = private.peak
    started, cpu_started = time.perf_counter(), time.process_time()
    report = import_csv(path, "asana", store, model, now, tz, on_progress=private, workers=workers)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    if first_only:
        out = {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
               "cpu_us_per_row": round(cpu_seconds / rows * 1e6, 1)}
        if known_owners:
            out["assigned"] = report.assigned
        return out
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    workers_usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the import's workers, once they ended
    started = time.perf_counter()
    again = import_csv(path, "asana", store, model, now, tz, workers=workers)
    reimport_seconds = time.perf_counter() - started
    out = {
        "rows": rows, "workers": workers, "file_mb": round(path.stat().st_size / 2**20, 1),
        "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
        "cpu_us_per_row": round(cpu_seconds / rows * 1e6, 1),
        "workers_cpu_us_per_row": round((workers_usage.ru_utime + workers_usage.ru_stime) / rows * 1e6, 1),
        "worker_peak_rss_mb": round(workers_usage.ru_maxrss / 1024, 1),
        "created": report.created, "rejected": report.rejected,
        "scored": store.conn.execute("SELECT count(*) FROM scores").fetchone()[0],
        "rss_before_mb": round(rss_before, 1), "rss_peak_mb": round(peak, 1),
        "rss_delta_mb": round(peak - rss_before, 1),
        "private_before_mb": round(private_before, 1), "private_delta_mb": round(private.peak - private_before, 1),
        "reimport_seconds": round(reimport_seconds, 2), "reimport_rows_per_s": round(rows / reimport_seconds),
        "reimport_unchanged": again.unchanged,
    }
    if not workers:
        parse_s, store_s = _phases(path, workdir / f"phases_{rows}.db", tz, now)
        out["phases_rows_per_s"] = {"parse_only": round(rows / parse_s), "parse_and_store_only": round(rows / store_s)}
    return out


def _phases(path: Path, db: Path, tz, now) -> tuple[float, float]:
    """Seconds to only read and convert the rows, and to read, convert and upsert them (no judging,
    no scoring): where the end-to-end time goes."""
    from scoring.sources.csv_import import BATCH, open_rows
    from scoring.sources.formats import FORMATS, Columns, Row
    from scoring.sources.prepare import prepare
    from scoring.store import TaskStore

    def rows_of():
        source = open_rows(path)
        columns = Columns(source.header)
        convert = FORMATS["asana"].convert
        return (convert(Row(cells, columns), tz) for _, cells in source.rows)

    started = time.perf_counter()
    for _ in rows_of():
        pass
    parse_s = time.perf_counter() - started
    store = TaskStore(db)
    started = time.perf_counter()
    batch = []
    own = lambda entry: entry.task  # noqa: E731
    for task in rows_of():
        batch.append(prepare(task, now))
        if len(batch) == BATCH:
            store.upsert_tasks_bulk(batch, now, own)
            batch.clear()
    store.upsert_tasks_bulk(batch, now, own)
    return parse_s, time.perf_counter() - started


def _side_by_side(rows: int, workdir: Path) -> list[dict]:
    """Two one-process imports of the same export (copies), into their own stores, started together."""
    source = workdir / f"asana_{rows}.csv"
    procs = []
    for n in (1, 2):
        own = workdir / f"pair{n}"
        own.mkdir(exist_ok=True)
        shutil.copy(source, own / source.name)
        procs.append(subprocess.Popen([sys.executable, "-m", "bench.bench_import", "--child", str(rows), "--workdir",
                                       str(own), "--workers", "0", "--first-only"], stdout=subprocess.PIPE, text=True))
    out = []
    for proc in procs:
        stdout, _ = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"side-by-side import failed ({proc.returncode})")
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def breakdown(rows: int, workdir: Path) -> dict:
    """Where one end-to-end import's time goes, us per row: the import runs with timers wrapped
    around the pieces (the wrappers cost a few us per row themselves). Each SQL statement is
    timed by its first words; "read + convert" is everything outside `ingest`."""
    import collections
    import functools
    import sqlite3

    from scoring import store as store_module
    from scoring.model import load_model
    from scoring.sources import csv_import, ingest, prepare

    spent: collections.Counter = collections.Counter()

    def timed(owner, name: str, label: str) -> None:
        f = getattr(owner, name)

        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started

        setattr(owner, name, wrapper)

    class TimedConnection(sqlite3.Connection):
        def execute(self, sql, *args):
            started = time.perf_counter()
            try:
                return super().execute(sql, *args)
            finally:
                spent["SQL " + " ".join(sql.split()[:3])] += time.perf_counter() - started

        def executemany(self, sql, *args):
            started = time.perf_counter()
            try:
                return super().executemany(sql, *args)
            finally:
                spent["SQL " + " ".join(sql.split()[:3])] += time.perf_counter() - started

    connect = sqlite3.connect
    store_module.sqlite3.connect = lambda *a, **k: connect(*a, factory=TimedConnection, **k)
    timed(csv_import, "ingest_prepared", "ingest (all below)")
    timed(ingest, "judge_task", "rules judgement (judge_task)")
    timed(store_module, "_record_hash_and_extra", "record hash + extra JSON")
    timed(prepare, "task_row", "row values (record hash included)")
    timed(ingest, "fresh_score", "scoring (Scorer.parts + terms JSON)")
    path = workdir / f"breakdown_{rows}.csv"
    write_export(path, rows)
    tz = ZoneInfo("Europe/Berlin")
    store = store_module.TaskStore(workdir / f"breakdown_{rows}.db")
    spent.clear()  # not the migrations
    started = time.perf_counter()
    csv_import.import_csv(path, "asana", store, load_model(None), datetime(2025, 11, 20, 9, 0, tzinfo=tz), tz,
                          workers=0)
    total = time.perf_counter() - started
    # the end-of-import WAL checkpoint (store.bulk_writes) runs outside ingest too, timed as SQL PRAGMA
    checkpoint = sum(v for k, v in spent.items() if k.startswith("SQL PRAGMA wal_checkpoint"))
    spent["read + convert + row values (outside ingest)"] = total - spent["ingest (all below)"] - checkpoint
    out = {"rows": rows, "total_us_per_row": round(total / rows * 1e6, 1)}
    out.update({k: round(v / rows * 1e6, 1) for k, v in spent.most_common() if v / rows >= 5e-8})
    return out


def calibration_loop_s(repeat: int = 3) -> float:
    """Seconds (best of `repeat`) of a fixed loop of what an import's Python does most: lowering and
    splitting text, building small sets, looking up dicts. The same code every run: a slower time
    means a slower machine at that moment, not a slower import."""
    words = {f"w{i}": i for i in range(500)}
    text = " ".join(f"Word{i % 700} of THE task" for i in range(40))
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        hits = 0
        for i in range(20_000):
            runs = frozenset(text.lower().split())
            hits += sum(1 for r in runs if r in words) + len(str(i))
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the large file (default 100,000)")
    parser.add_argument("--small", type=int, default=20_000, help="rows in the small file (default 20,000)")
    parser.add_argument("--breakdown", type=int, metavar="N",
                        help="instead: time the pieces of one import of N rows (us per row)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--first-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--known-owners", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.workdir, args.workers, args.first_only, args.known_owners)))
        return 0
    if args.breakdown:
        with tempfile.TemporaryDirectory(prefix="headwork-bench-import-") as tmp:
            print(json.dumps(breakdown(args.breakdown, Path(tmp)), indent=2))
        return 0
    results = []
    speed_before = calibration_loop_s()
    with tempfile.TemporaryDirectory(prefix="headwork-bench-import-") as tmp:
        for rows, workers in ((args.small, None), (args.rows, None), (args.rows, 0)):
            command = [sys.executable, "-m", "bench.bench_import", "--child", str(rows), "--workdir", tmp]
            if workers is not None:
                command += ["--workers", str(workers)]
            out = subprocess.run(command, check=True, capture_output=True, text=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        pair = _side_by_side(args.rows, Path(tmp))
        owned = json.loads(subprocess.run(
            [sys.executable, "-m", "bench.bench_import", "--child", str(args.rows), "--workdir", tmp, "--first-only",
             "--known-owners"], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    speed_after = calibration_loop_s()
    small, large, one_process = results
    print(json.dumps({
        "benchmark": "import an Asana CSV export (parse, upsert, rules judgement, score)",
        "target_rows_per_s": 20_000,
        "runs": results,
        "workers": large["workers"],
        "rows_per_s": large["rows_per_s"],
        "one_process_rows_per_s": one_process["rows_per_s"],
        # the same large file into a store that knows every assignee's Slack user: each task gets its owner
        "known_owners_rows_per_s": owned["rows_per_s"],
        "known_owners_assigned": owned["assigned"],
        # two independent one-process imports at once (nothing shared): what this machine's cores
        # give for the same per-row work, at this moment -- the most any split of it could reach
        "two_one_process_imports_side_by_side_rows_per_s": sum(r["rows_per_s"] for r in pair),
        "side_by_side_runs": pair,
        "cpu_us_per_row": {"writing process": large["cpu_us_per_row"], "workers": large["workers_cpu_us_per_row"],
                           "one process": one_process["cpu_us_per_row"]},
        "peak_rss_delta_mb": large["rss_delta_mb"],
        "private_delta_mb": large["private_delta_mb"],
        "worker_peak_rss_mb": large["worker_peak_rss_mb"],
        # private memory: RSS grows with the database file through mmap (see _PrivatePeak)
        "memory_flat": large["private_delta_mb"] <= small["private_delta_mb"] * 1.5 + 5,
        # this machine's speed drifts up to 2x within an hour: a fixed pure-Python loop's seconds just
        # before and after, so runs at different moments can be read against each other
        "calibration_loop_s": {"before": speed_before, "after": speed_after},
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
