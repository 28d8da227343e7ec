"""`headwork import FILE --from asana|jira|linear|csv`: load a CSV export into Headwork."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scoring.sources.csv_import import ImportFileError, import_csv, print_progress_bar, summary_lines
from scoring.sources.dates import SLASH_ORDERS
from scoring.sources.formats import FORMATS, GENERIC_COLUMNS
from scoring.sources.prepare import MAX_WORKERS, PARALLEL_FROM_BYTES
from scoring.store import TaskStore

EPILOG = (
    "Formats: asana (project > Export > CSV), jira (Export > CSV, all or current fields), "
    "linear (Settings > Export > CSV), csv (Headwork's own columns: " + ", ".join(GENERIC_COLUMNS) + "; "
    "title and external_id are required). Importing the same file twice changes nothing; a task "
    "missing from a later export is kept; a task the export marks completed is closed. "
    "Exit status: 0 when the file was read (rejected rows are listed with their line numbers), "
    "2 when the file cannot be read, lacks the format's columns or breaks off, 1 when the import was "
    "interrupted (import the file again to finish)."
)


def register(sub) -> None:
    p = sub.add_parser("import", help="import tasks from an Asana, Jira or Linear CSV export (or Headwork's CSV)",
                       description="Import tasks from a CSV export: upserted by source and id, judged and scored "
                                   "at once.", epilog=EPILOG)
    p.add_argument("file", type=Path, help="the CSV file exported from the tool")
    p.add_argument("--from", dest="format", required=True, choices=sorted(FORMATS), metavar="TOOL",
                   help="which tool wrote the file: " + ", ".join(sorted(FORMATS)))
    p.add_argument("--dry-run", action="store_true", help="check the file and say what would change; write nothing")
    p.add_argument("--progress", action="store_true",
                   help="show a progress bar on stderr even when it is not a terminal")
    p.add_argument("--workers", type=_workers, metavar="N",
                   help="processes that read, judge and score the rows while this one writes them (default: "
                        f"one per core, up to {MAX_WORKERS}, for a file over {PARALLEL_FROM_BYTES >> 20} MiB; "
                        "0: everything in this process)")
    p.add_argument("--dates", choices=sorted(SLASH_ORDERS), metavar="ORDER",
                   help="how to read dates with slashes, as a spreadsheet saves them: mdy (the US: 11/21/2025) or "
                        "dmy (21/11/2025); by default the order the start of the file shows, and such dates are "
                        "refused when it shows none")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=run)


def run(args, runtime) -> int:
    fmt = FORMATS[args.format]
    now = runtime.now()
    store = _store_for(args, runtime)
    show_progress = args.progress or sys.stderr.isatty()
    provisional = runtime.settings.env.anthropic_api_key is not None  # Claude judges later; rules judge now
    try:
        report = import_csv(args.file, fmt, store, runtime.model, now, runtime.org_tz, dry_run=args.dry_run,
                            provisional=provisional, on_progress=print_progress_bar() if show_progress else None,
                            workers=args.workers, dates=args.dates)
    except ImportFileError as exc:
        print(f"headwork: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print("\n".join(summary_lines(report, fmt.label)))
    return 2 if report.stopped else 1 if report.interrupted else 0


def _store_for(args, runtime) -> TaskStore:
    """A dry run against a database that does not exist yet previews against an empty one
    in memory, so that even the database file is not created."""
    if args.dry_run and not Path(runtime.settings.env.headwork_db).exists():
        return TaskStore(":memory:")
    return runtime.store


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of processes (0 or more)")
    return n
