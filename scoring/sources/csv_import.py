"""Importing a CSV export (Asana, Jira, Linear or Headwork's own columns) into the store.

Streaming: the file is read row by row and stored in batches, so memory stays flat however
large the export. Each batch is one transaction (stored, judged, scored). For a large file,
worker processes convert, judge and score the batches while this process writes them in
order (`scoring.sources.prepare`); the result is the same as in one process.

- A row that cannot become a task (no title, a date that cannot be read, an unknown
  status ...) is rejected with its line number -- the physical line where the row starts,
  counting the lines inside multi-line quoted cells -- and every other row is imported.
- Blank lines, and the rows of delimiters alone (";;") a spreadsheet leaves at the end of a
  file, are skipped: neither rows nor rejections.
- Upserts are keyed by (source, external id): importing the same file twice changes
  nothing. A task missing from a later export is left alone (exports are often partial);
  a task the export marks completed is closed.
- A file a spreadsheet has saved again reads the same: UTF-16 with or without its BOM, UTF-8 with or
  without one, Windows-1252 (for these two the whole file decides: an "é" on line 90,000 counts as
  much as one on line 2); a file in none of them, or in two, is refused naming the line: no character is ever
  replaced. Commas, semicolons (a European locale) or tabs, whichever splits the header;
  dates day first with dots; dates with slashes in the order given (`dates`), or else in the
  order the start of the file shows (a "21/11/2025" can only be day first), never guessed
  (`scoring.sources.dates`).
- An id the file repeats is one task: the file's last row with that id is imported, and an
  earlier one is not written at all (`repeats`), so importing such a file twice changes
  nothing either. The summary names each row replaced that way, by line (a dry run too): two
  rows meant as different tasks would otherwise merge without a word.
- `dry_run=True` reads and checks everything and says what would change, writing nothing.
- Owners: tasks keep the assignee's email. Emails already matched to a Slack user get that
  owner at once; the others stay unowned and are listed, for the Slack app to look up.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
import shutil
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..model import ValueModel
from ..store import TaskStore
from .collector import import_collections
from .dates import SLASH_ORDERS, slash_orders_shown
from .formats import FORMATS, Columns, ExportFormat, Row, guess_format
from .index_deferral import deferrable_indexes
from .ingest import Owners, ingest_prepared, keep_closed_by_people, written_owner
from .prepare import Cells, Prepared, Preparer, RowReader, WorkerLost, default_workers
from .repeats import last_lines, replaced_by

BATCH = 2000
LISTED_REJECTIONS = 200  # the first N are kept with their reasons; all are counted
_SNIFF_BYTES = 1 << 16

Progress = Callable[[int, int, int], None]  # (bytes of the file done, total bytes, rows done), after each batch


class ImportFileError(Exception):
    """The file cannot be imported at all (unreadable, not CSV, wrong columns): nothing was written."""


class _Malformed(Exception):
    """The CSV structure breaks at `line` (the reader cannot go on past it)."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class Repeat:
    """A row not imported: a later row of the same file has its id, and is the one imported."""

    line: int
    external_id: str
    kept_line: int  # the id's last row in the file
    kept_rejected: bool = False  # that row was rejected: the task was left as it was

    def __str__(self) -> str:
        then = ("which was rejected (above): neither was imported" if self.kept_rejected
                else "the row imported instead")
        return f"line {self.line}: id {self.external_id} again at line {self.kept_line}, {then}"


@dataclass
class ImportReport:
    file: str
    format: str
    dry_run: bool = False
    rows: int = 0  # rows taken in: written, unchanged or rejected (an interrupted import's stop at its line)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    unowned: int = 0  # open tasks in this file without a Slack owner
    unmatched_emails: set[str] = field(default_factory=set)
    assigned: int = 0  # tasks given to their Slack owner after the import
    stopped: str | None = None  # the CSV itself broke: where and why reading stopped
    interrupted: str | None = None  # not the file's fault (a worker process died): where writing stopped
    repeated: int = 0  # rows not imported: a later row of the file has the same id (and was)
    repeats: list[Repeat] = field(default_factory=list)
    dates: str | None = None  # how dates with slashes were read (a key of SLASH_ORDERS), None: refused
    dates_from_file: bool = False  # that order was read off the file's own dates, not given
    dates_disagree: dict[str, tuple[int, str]] | None = None  # {order: (line, date) only read so}: both shown

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < LISTED_REJECTIONS:
            self.rejections.append(Rejection(line, reason))

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def repeat(self, line: int, external_id: str, kept_line: int) -> None:
        self.repeated += 1
        if len(self.repeats) < LISTED_REJECTIONS:
            self.repeats.append(Repeat(line, external_id, kept_line))

    def note_rejected_repeats(self) -> None:
        """Mark the listed repeats whose kept row was itself rejected (among the listed rejections)."""
        rejected = {r.line for r in self.rejections}
        self.repeats = [Repeat(r.line, r.external_id, r.kept_line, r.kept_line in rejected) for r in self.repeats]

    def to_dict(self) -> dict:
        return {"file": self.file, "format": self.format, "dry_run": self.dry_run, "rows": self.rows,
                "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected, "rejections": [{"line": r.line, "reason": r.reason} for r in self.rejections],
                "unowned": self.unowned, "unmatched_emails": sorted(self.unmatched_emails),
                "assigned": self.assigned, "stopped": self.stopped, "interrupted": self.interrupted,
                "repeated": self.repeated,
                "repeats": [{"line": r.line, "external_id": r.external_id, "kept_line": r.kept_line,
                             "kept_rejected": r.kept_rejected} for r in self.repeats],
                "dates": self.dates, "dates_from_file": self.dates_from_file,
                "dates_disagree": None if self.dates_disagree is None else {
                    order: {"line": line, "date": text} for order, (line, text) in self.dates_disagree.items()}}


_SCAN_BYTES = 1 << 20
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_NOT_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")  # the five bytes Windows-1252 leaves undefined
_SAVE_AS_UTF8 = "save it again as CSV UTF-8 and import it"


def _detect_encoding(path: Path, head: bytes) -> str:
    """UTF-16 by its byte order mark (a spreadsheet's "Unicode Text"); else UTF-8 (with or without
    a BOM) when every byte of the file is, else Windows-1252, which is what a spreadsheet re-saved
    on Windows writes. The whole file is checked, in C (~7 ms for the 23 MB of a 100,000-row
    export, against ~10 s for its import): the start alone would decide wrongly for a
    Windows-1252 file whose first "é" comes after it. ImportFileError, naming the line, for a
    file that is neither, or that mixes the two (UTF-8 text, then Windows-1252 further down):
    either reading would garble some lines."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):  # text has no NUL: UTF-16 without its BOM
        odd_zeros, even_zeros = sample[1::2].count(0), sample[0::2].count(0)
        return "utf-16-le" if odd_zeros > even_zeros else "utf-16-be"
    bom = head.startswith(codecs.BOM_UTF8)
    bad, utf8_before = _first_non_utf8(path)
    if bad is None:
        return "utf-8-sig" if bom else "utf-8"
    if bom:
        raise ImportFileError(f"{path}: line {_line_at(path, bad)} is not UTF-8, though the file starts as UTF-8 "
                              f"(a byte order mark): {_SAVE_AS_UTF8}")
    if utf8_before is not None:
        raise ImportFileError(f"{path}: the file mixes two encodings: line {_line_at(path, utf8_before)} is UTF-8, "
                              f"line {_line_at(path, bad)} is not (Windows-1252?): {_SAVE_AS_UTF8}")
    undefined = _first_match(path, _NOT_CP1252)
    if undefined is not None:
        offset, byte = undefined
        raise ImportFileError(f"{path}: line {_line_at(path, offset)}: byte 0x{byte:02X} is neither UTF-8 nor "
                              f"Windows-1252 text: {_SAVE_AS_UTF8}")
    return "cp1252"


def _first_non_utf8(path: Path) -> tuple[int | None, int | None]:
    """(offset of the file's first byte that is not UTF-8, offset of its first non-ASCII character
    before that), each None when there is none."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, non_ascii = 0, None
    with open(path, "rb") as fh:
        while chunk := fh.read(_SCAN_BYTES):
            pending = decoder.getstate()[0]  # a character cut at the end of the previous chunk
            if not pending and chunk.isascii():
                offset += len(chunk)
                continue
            start = offset - len(pending)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                before = (pending + chunk)[:exc.start]
                if non_ascii is None and not before.isascii():
                    non_ascii = start + _NON_ASCII.search(before).start()
                return start + exc.start, non_ascii
            if non_ascii is None:  # of what was decoded: not a character cut at the end of this chunk
                m = _NON_ASCII.search(pending + chunk, 0, len(pending) + len(chunk) - len(decoder.getstate()[0]))
                non_ascii = None if m is None else start + m.start()
            offset += len(chunk)
        pending = decoder.getstate()[0]
    return (offset - len(pending) if pending else None), non_ascii  # the file ends inside a character


def _first_match(path: Path, pattern: re.Pattern) -> tuple[int, int] | None:
    """(offset, byte) of the file's first byte `pattern` (one byte long) matches."""
    offset = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_SCAN_BYTES):
            m = pattern.search(chunk)
            if m:
                return offset + m.start(), chunk[m.start()]
            offset += len(chunk)
    return None


def _line_at(path: Path, offset: int) -> int:
    """The physical line of the file (from 1) that holds the byte at `offset`."""
    newlines = returns = 0
    with open(path, "rb") as fh:
        while offset > 0 and (chunk := fh.read(min(offset, _SCAN_BYTES))):
            newlines, returns = newlines + chunk.count(b"\n"), returns + chunk.count(b"\r")
            offset -= len(chunk)
    return (newlines or returns) + 1  # a file of old Mac line ends has only returns


_DELIMITERS = (",", ";", "\t")


def _detect_delimiter(sample: str) -> str:
    """The one of `_DELIMITERS` that splits the header row into the most cells (a comma when none
    splits it). The tools export commas; a spreadsheet re-saves with semicolons where the decimal
    mark is a comma (most of Europe), and with tabs as "Unicode Text"."""
    best, most = ",", 1
    for delimiter in _DELIMITERS:
        try:
            header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(header) > most:
            best, most = delimiter, len(header)
    return best


@dataclass
class CsvRows:
    """An open export: its header, its rows as (first physical line, cells), and how far we are."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    bytes_read: Callable[[], int]
    total_bytes: int
    close: Callable[[], None]
    sample: str = ""  # the start of the file, decoded
    delimiter: str = ","
    encoding: str = "utf-8"

    def sample_cells(self) -> Iterator[tuple[int, str]]:
        """(line, cell) for the cells of the rows at the start of the file (the last row maybe cut short)."""
        reader = csv.reader(io.StringIO(self.sample), delimiter=self.delimiter)
        try:
            next(reader, None)  # the header
            last = reader.line_num
            for row in reader:
                start, last = last + 1, reader.line_num
                for cell in row:
                    yield start, cell
        except csv.Error:  # the sample ends inside a quoted cell
            return


def open_rows(path: Path, encoding: str | None = None) -> CsvRows:
    """Open an export for streaming (ImportFileError if it cannot be read or has no header);
    `encoding` None reads the file through once to tell (`_detect_encoding`)."""
    raw = None
    try:
        raw = open(path, "rb", buffering=_SNIFF_BYTES)  # noqa: SIM115 -- closed with the rows
        total = path.stat().st_size
        head = raw.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
        encoding = encoding or _detect_encoding(path, head)
    except OSError as exc:
        if raw is not None:
            raw.close()
        raise ImportFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except ImportFileError:
        raw.close()
        raise
    text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
    if csv.field_size_limit() < 16 << 20:
        csv.field_size_limit(16 << 20)  # long descriptions are normal in exports
    sample = head.decode(encoding, errors="ignore")
    delimiter = _detect_delimiter(sample)
    reader = csv.reader(text, strict=True, delimiter=delimiter)  # a broken quote is reported, not merged into a cell
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeError) as exc:
        text.close()
        raise ImportFileError(f"{path}: not a CSV file ({exc})") from None
    if not header or not any(h.strip() for h in header):
        text.close()
        raise ImportFileError(f"{path}: the file is empty (no header row)")

    def rows() -> Iterator[tuple[int, list[str]]]:
        with text:
            last = reader.line_num
            try:
                for cells in reader:
                    start, last = last + 1, reader.line_num
                    if cells and (cells[0].strip() or "".join(cells).strip()):  # not blank, not only ";;"
                        yield start, cells
            except csv.Error as exc:
                raise _Malformed(last + 1, str(exc)) from None
            except UnicodeDecodeError as exc:  # changed since it was checked, or UTF-16 broken off
                raise _Malformed(last + 1, f"not {encoding} text ({exc.reason})") from None

    return CsvRows(header, rows(), raw.tell, total, text.close, sample, delimiter, encoding)


def import_csv(path: str | Path, fmt: ExportFormat | str, store: TaskStore, model: ValueModel, now: datetime,
               tz: ZoneInfo, *, dry_run: bool = False, provisional: bool = False, batch: int = BATCH,
               on_progress: Progress | None = None, workers: int | None = None,
               dates: str | None = None) -> ImportReport:
    """Import one export file. Raises ImportFileError when the file as a whole cannot be used.

    `dates` says how dates with slashes are read ("mdy" or "dmy", `SLASH_ORDERS`); None reads
    them in the order the start of the file shows, if it shows one, and refuses them otherwise.

    `workers` processes prepare the rows (`scoring.sources.prepare`); None picks by the file's
    size and this machine's cores, 0 does everything in this process. Either way the database
    ends up the same.

    A file that is not a regular one (a pipe, /dev/stdin) is copied to a temporary file first: it
    is read twice (`_last_lines`), and its size gives the progress bar its end."""
    path = Path(path)
    if path.exists() and not path.is_file():
        with _spooled(path) as copy:
            try:
                report = import_csv(copy, fmt, store, model, now, tz, dry_run=dry_run, provisional=provisional,
                                    batch=batch, on_progress=on_progress, workers=workers, dates=dates)
            except ImportFileError as exc:
                raise ImportFileError(str(exc).replace(str(copy), str(path))) from None
        report.file = str(path)
        return report
    fmt = FORMATS[fmt] if isinstance(fmt, str) else fmt
    if dates is not None and dates not in SLASH_ORDERS:
        raise ValueError(f"dates: '{dates}' is not one of {', '.join(SLASH_ORDERS)}")
    source = open_rows(path)
    header, rows, bytes_read, total = source.header, source.rows, source.bytes_read, source.total_bytes
    missing = fmt.missing_columns(header)
    if missing:
        source.close()
        hint = ""
        other = guess_format(header)
        if other is not None and other is not fmt:
            hint = f" -- this looks like {_a(other.label)} export (--from {other.name})"
        raise ImportFileError(f"{path}: not {_a(fmt.label)} export: missing column(s) {', '.join(missing)}{hint}")

    shown = {} if dates is not None else slash_orders_shown(source.sample_cells())
    order = dates if dates is not None else next(iter(shown)) if len(shown) == 1 else None
    report = ImportReport(file=str(path), format=fmt.name, dry_run=dry_run, dates=order,
                          dates_from_file=dates is None and order is not None,
                          dates_disagree=shown if len(shown) > 1 else None)
    owners = Owners(store)
    later: dict[str, int] | None = None  # {id: its last line} for ids the file repeats (and a few others)

    # (bytes read, rows) at the end of each chunk handed out and not written yet: the progress bar
    # and the summary count rows when their batch is written, not when read (workers read ahead)
    handed_out: deque[tuple[int, int]] = deque()

    def position() -> int:
        try:
            return bytes_read()
        except ValueError:  # the rows closed the file: nothing more is read
            return total

    def chunks() -> Iterator[list[Cells]]:
        """The file's rows, `batch` at a time; a break in the CSV itself ends them (reported)."""
        chunk: list[Cells] = []
        try:
            for line, cells in rows:
                chunk.append((line, cells))
                if len(chunk) >= batch:
                    handed_out.append((position(), len(chunk)))
                    yield chunk
                    chunk = []
        except _Malformed as exc:
            report.stopped = f"line {exc.line}: the CSV is malformed from here on ({exc})"
        if chunk:
            handed_out.append((position(), len(chunk)))
            yield chunk

    if dry_run:
        workers = 0  # nothing is judged or scored
    elif workers is None:
        workers = default_workers(total)
    try:
        with (import_collections(),
              Preparer(RowReader(fmt.convert, header, tz, report.dates), model, now, workers,
                       None if store.path == ":memory:" else store.path) as preparer,
              contextlib.nullcontext() if dry_run else store.bulk_writes(),
              contextlib.nullcontext() if dry_run else deferrable_indexes(store) as deferral):
            # the file's ids, read again in a worker while the others prepare the first batches (here,
            # without workers, once the first batch is prepared): needed before a batch is written
            ids = preparer.meanwhile(_last_lines, path, fmt, source.encoding)
            for prepared in preparer.batches(chunks()):
                if later is None:
                    later = ids()
                entries, task_of = prepared.prepared, prepared.task_of
                if later:
                    entries = _last_of_each_id(entries, later, report)
                if entries:
                    if dry_run:
                        outcomes = store.import_outcomes(keep_closed_by_people(store, entries, task_of, now))
                    else:
                        outcomes = [outcome for _, outcome in ingest_prepared(store, entries, task_of, model, now,
                                                                              provisional, keep_closed_here=True,
                                                                              owner_of=owners.slack_id)]
                    for entry, outcome in zip(entries, outcomes, strict=True):
                        report.count(outcome)
                        _note_owner(report, owners, entry)
                        if outcome == "created" and not dry_run and written_owner(entry, owners.slack_id):
                            report.assigned += 1  # written with its owner
                for line, reason in prepared.rejected:
                    report.reject(line, reason)
                done_bytes, rows_in_batch = handed_out.popleft()
                report.rows += rows_in_batch
                if deferral is not None and entries:
                    deferral.written(len(entries), outcomes.count("created"), report.rows, done_bytes, total)
                if on_progress is not None:
                    on_progress(done_bytes, total, report.rows)
    except WorkerLost as exc:
        report.interrupted = f"line {exc.line}: {exc}"
    finally:
        source.close()
    report.note_rejected_repeats()
    if on_progress is not None:
        on_progress(total, total, report.rows)
    if not dry_run:
        for email, slack_id in owners.known.items():
            if slack_id:
                report.assigned += store.assign_email(email, slack_id)
    return report


@contextlib.contextmanager
def _spooled(path: Path) -> Iterator[Path]:
    """A temporary regular file with what `path` (a pipe) gives, removed afterwards."""
    fd, name = tempfile.mkstemp(prefix="headwork-import-", suffix=".csv")
    copy = Path(name)
    try:
        try:
            with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except OSError as exc:
            raise ImportFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def _last_lines(path: Path, fmt: ExportFormat, encoding: str) -> dict[str, int]:
    """`repeats.last_lines` of the file's ids, read as `fmt.convert` reads them (a second pass
    over the file, ~5 us a row). A break in the CSV ends it: the import stops there too."""
    source = open_rows(path, encoding)
    columns = Columns(source.header)
    positions = columns[fmt.id_column]

    def ids() -> Iterator[tuple[int, str]]:
        try:
            if len(positions) == 1:  # what Row.get reads, without a Row per line
                i = positions[0]
                for line, cells in source.rows:
                    yield line, cells[i].strip() if i < len(cells) else ""
            else:
                for line, cells in source.rows:
                    yield line, Row(cells, columns).get(fmt.id_column)
        except _Malformed:
            return

    try:
        return last_lines(ids())
    finally:
        source.close()


def _last_of_each_id(entries: list[Prepared], later: dict[str, int], report: ImportReport) -> list[Prepared]:
    """These entries but those a later row of the file replaces (reported as repeats)."""
    kept = []
    for entry in entries:
        kept_line = replaced_by(later, entry.external_id, entry.line)
        if kept_line is None:
            kept.append(entry)
        else:
            report.repeat(entry.line, entry.external_id, kept_line)
    return kept


def _a(label: str) -> str:
    return ("an " if label[:1].lower() in "aeiou" else "a ") + label


def _note_owner(report: ImportReport, owners: Owners, entry: Prepared) -> None:
    if not entry.is_open:
        return
    email = entry.assignee_email
    if email is None:
        report.unowned += 1
    elif owners.slack_id(email) is None:
        report.unowned += 1
        if len(report.unmatched_emails) < 1000:
            report.unmatched_emails.add(email)


def summary_lines(report: ImportReport, label: str) -> list[str]:
    """The human summary printed at the end of `headwork import`."""
    verb = "Would import" if report.dry_run else "Imported"
    rows = f"{report.rows:,} row{'' if report.rows == 1 else 's'}"
    lines = [f"{verb} {report.file} ({label}): {rows} -- {report.created:,} created, {report.updated:,} updated, "
             f"{report.unchanged:,} unchanged, {report.rejected:,} rejected"
             + (f", {report.repeated:,} replaced by a later row." if report.repeated else ".")]
    if report.interrupted:
        lines.append(f"Interrupted at {report.interrupted}. Nothing from that line on was written; import the "
                     "file again to finish (the rows already imported come back unchanged).")
    if report.stopped:
        lines.append(f"Stopped early: {report.stopped}. Rows before it were "
                     f"{'checked' if report.dry_run else 'imported'}; fix the file and import it again.")
    if report.dates:
        lines.append(f"Dates with slashes were read {SLASH_ORDERS[report.dates]}"
                     + (", as the file's own dates show." if report.dates_from_file else f" (--dates {report.dates})."))
    if report.dates_disagree:
        (us_line, us), (uk_line, uk) = report.dates_disagree["mdy"], report.dates_disagree["dmy"]
        lines.append(f"Dates with slashes were not read: the file's own dates disagree (line {us_line}: {us} can "
                     f"only be month first, line {uk_line}: {uk} only day first). Import again with --dates mdy or "
                     "--dates dmy; the dates in the other order are then rejected by line.")
    for rejection in report.rejections:
        lines.append(f"  rejected {rejection}")
    if report.rejected > len(report.rejections):
        lines.append(f"  ... and {report.rejected - len(report.rejections):,} more rejected rows")
    if report.repeated:
        lines.append(f"{report.repeated:,} row{'' if report.repeated == 1 else 's'} not imported: a later row of "
                     "this file has the same id, and one task takes the last row's values. Check the ids if "
                     "they should be different tasks:")
        lines.extend(f"  {repeat}" for repeat in report.repeats)
        if report.repeated > len(report.repeats):
            lines.append(f"  ... and {report.repeated - len(report.repeats):,} more")
    if report.unowned:
        emails = sorted(report.unmatched_emails)
        shown = ", ".join(emails[:10]) + (f" and {len(emails) - 10} more" if len(emails) > 10 else "")
        lines.append(f"{report.unowned:,} open task(s) have no Slack owner yet"
                     + (f"; emails not yet matched to Slack users: {shown}" if emails else "")
                     + ". They are assigned as soon as the Slack app finds these people.")
    if report.assigned:
        lines.append(f"{report.assigned:,} task(s) given to their owners' Slack accounts.")
    if report.dry_run:
        lines.append("Dry run: nothing was written.")
    return lines


def print_progress_bar(stream=None, width: int = 30) -> Progress:
    """A plain text progress bar (no dependency) on stderr, redrawn when the percentage changes."""
    stream = stream or sys.stderr
    last = [-1]

    def draw(done: int, total: int, rows: int) -> None:
        pct = 100 if total <= 0 else min(100, done * 100 // total)
        if pct == last[0]:
            return
        last[0] = pct
        filled = width * pct // 100
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {pct:3d}%  {rows:,} rows")
        if pct == 100:
            stream.write("\n")
        stream.flush()

    return draw
