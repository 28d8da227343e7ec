"""The whole benchmark suite, one command: `python -m bench`.

    python -m bench [--scales 10000,100000,1000000] [--people 2000] [--only NAME,...] [--out FILE]

For each scale (open tasks; the organisation has `--people` people, and a year of flags as many
as tasks) it runs every benchmark in its own child process — so each one's peak memory is its
own — and prints one table: each figure at each scale, its target, and how it grew from the
smallest scale to the largest. Before each run the files are flushed (`os.sync()`) and the
machine left idle for 10 s: right after the 1M workslop run, the HTTP benchmark measured 1,270
events/s without that pause and 1,773 with it. The JSON of every run goes to `--out` (default
`bench/results/bench.json`, git-ignored). `--scales 10000,100000` is the quick version.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Figure:
    label: str
    path: tuple  # keys into the benchmark's JSON
    unit: str
    target: str = ""
    higher_is_better: bool = False


@dataclass(frozen=True)
class Bench:
    name: str
    module: str
    args: object  # callable(scale, people) -> list[str]
    figures: list[Figure] = field(default_factory=list)
    once: bool = False  # does not depend on the scale: run at the first one only


BENCHES = [
    Bench("top5", "bench.bench_slack", lambda n, p: ["--tasks", str(n), "--people", str(p), "--requests", "3000"], [
        Figure("/top5 signed request → response, p50", ("dispatch", "p50_ms"), "ms"),
        Figure("/top5 signed request → response, p99", ("dispatch", "p99_ms"), "ms", "≤ 2 ms at 1M"),
        Figure("/top5 process peak RSS", ("peak_rss_mb",), "MB", "≤ 500 MB"),
    ]),
    Bench("scoring", "bench.bench_scoring", lambda n, p: ["--tasks", str(n), "--people", str(p), "--reads", "5000"], [
        Figure("hourly rescore of every open task", ("hourly_rescore", "seconds"), "s", "≤ 3 s at 1M"),
        Figure("full recompute from scratch", ("recompute_all", "seconds"), "s"),
        Figure("top-5 store read p99", ("top5", "top_tasks", "p99_ms"), "ms", "≤ 0.2 ms"),
        Figure("scoring process private memory", ("private_memory_max_mb",), "MB", "≤ 500 MB"),
    ]),
    Bench("reactions", "bench.bench_workslop", lambda n, p: ["--flags", str(n), "--people", str(p)], [
        Figure("reaction events/s through App.dispatch (30% redeliveries)", ("ingest", "dispatch_events_per_s"),
               "/s", "≥ 1,000/s", higher_is_better=True),
        Figure("a year's workslop tally, from scratch", ("tally", "cold_sql_s"), "s", "≤ 1 s at 1M flags"),
        Figure("a year's workslop tally, closed weeks cached", ("tally", "cached_s", 0), "s", "≤ 1 s at 1M flags"),
    ]),
    Bench("reactions_http", "bench.bench_reactions_http", lambda n, p: ["--people", str(p)], [
        Figure("reaction events/s over real HTTP (30% redeliveries)", ("events_per_s",), "/s", "≥ 1,000/s",
               higher_is_better=True),
        Figure("events lost or double-counted", ("wrong",), "", "0"),
    ], once=True),
    Bench("agenda", "bench.bench_agenda", lambda n, p: ["--tasks", str(n), "--people", str(p), "--builds", "300"], [
        Figure("agenda for a 50-person meeting, p99", ("agenda_build", "p99_ms"), "ms", "≤ 20 ms"),
    ]),
    Bench("digest", "bench.bench_digest", lambda n, p: ["--tasks", str(n), "--flags", str(n), "--people", str(p)], [
        Figure("one weekly digest (figures, message, chart)", ("best_s",), "s", "≤ 2 s at 1M/1M"),
    ]),
    Bench("people", "bench.bench_people", lambda n, p: ["--tasks", str(n), "--people", str(p), "--events", "3000"], [
        Figure("user_change event (a profile edit) through App.dispatch, p99", ("user_change_dispatch", "p99_ms"), "ms"),
        Figure("a deactivation: the busiest person's open tasks unowned, DMs queued", ("deactivations", 0, "ms"), "ms"),
        Figure("an admin's Home with the tasks nobody owns, p99", ("admin_home_view", "p99_ms"), "ms"),
        Figure("a reactivation: the same person's tasks theirs again, DMs queued", ("reactivations", 0, "ms"), "ms"),
    ]),
    Bench("categorize", "bench.bench_categorize", lambda n, p: ["--tasks", "10000"], [
        Figure("tasks per Claude call (10k backfill)", ("backfill_tasks_per_call",), "", "≥ 25", higher_is_better=True),
        Figure("input tokens per task, cached prefix excluded", ("backfill_suffix_tokens_per_task",), "", "≤ 120"),
        Figure("calls in an hour with nothing changed", ("unchanged_hour_calls",), "", "0"),
        Figure("calls in an hour with 1% changed", ("hourly_calls",), ""),
    ], once=True),
]


def dig(data, path):
    for key in path:
        if isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        elif isinstance(data, dict) and key in data:
            data = data[key]
        else:
            return None
    return data


SETTLE_S = 10.0  # before each run: the last one's files flushed and deleted, the machine idle a moment


def run_one(bench: Bench, scale: int, people: int, timeout: float) -> dict:
    os.sync()
    time.sleep(SETTLE_S)
    started = time.perf_counter()
    argv = [sys.executable, "-m", bench.module, *bench.args(scale, people)]
    try:
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:300]}
    text = done.stdout
    try:
        result = json.loads(text[text.index("{"):])
    except ValueError:
        return {"error": "no JSON in its output"}
    result["_wall_s"] = round(time.perf_counter() - started, 1)
    return result


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="10000,100000,1000000", help="open tasks per run, comma-separated")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--only", help="comma-separated benchmark names: " + ", ".join(b.name for b in BENCHES))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bench.json")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per benchmark run")
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",")]
    wanted = set(args.only.split(",")) if args.only else None
    benches = [b for b in BENCHES if wanted is None or b.name in wanted]
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform(), "processor": platform.processor()},
                     "scales": scales, "people": args.people, "runs": {}}
    for bench in benches:
        for scale in scales[:1] if bench.once else scales:
            print(f"… {bench.name} at {scale:,} tasks", file=sys.stderr, flush=True)
            results["runs"].setdefault(bench.name, {})[str(scale)] = run_one(bench, scale, args.people, args.timeout)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))

    header = ["figure", *[f"{s:,}" for s in scales], "target", "growth"]
    rows = [header]
    for bench in benches:
        runs = results["runs"].get(bench.name, {})
        for figure in bench.figures:
            values = [dig(runs.get(str(s), {}), figure.path) for s in scales]
            if bench.once:
                values = [values[0]] + [None] * (len(scales) - 1)
            known = [v for v in values if isinstance(v, (int, float))]
            growth = f"×{known[-1] / known[0]:.1f}" if len(known) >= 2 and known[0] else ""
            rows.append([f"{figure.label} ({figure.unit})" if figure.unit else figure.label,
                         *[fmt(v) for v in values], figure.target, growth])
        for scale, run in runs.items():
            if "error" in run:
                rows.append([f"  {bench.name} at {int(scale):,}: {run['error']}", *[""] * (len(header) - 1)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[j]) if j == 0 else cell.rjust(widths[j]) for j, cell in enumerate(row)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\nmachine: {results['machine']['cpus']} CPUs, Python {results['machine']['python']}; JSON: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
