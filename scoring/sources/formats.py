"""What each tool's CSV export means: one column mapping per tool, from its real headers.

- **Asana** (project → Export → CSV): Task ID, Created At, Completed At, Last Modified, Name,
  Section/Column, Assignee, Assignee Email, Start Date, Due Date, Tags, Notes, Projects,
  Parent task, Blocked By (Dependencies), Blocking (Dependencies), then custom fields.
  Dates are YYYY-MM-DD. A non-empty Completed At closes the task. There is no estimate.
- **Jira** (Filters → Export → CSV, all or current fields): Summary, Issue key, Issue id,
  Issue Type, Status, Priority, Assignee, Reporter, Created, Updated, Due date, Resolved,
  Labels (one column *per label*: the header repeats), Description, Original Estimate
  (seconds), Outward issue link (Blocks) (repeated) ... Dates look like "21/Nov/25 3:04 PM"
  (ISO is accepted too). The Issue key is the external id. Original Estimate is a person's
  time estimate, so it becomes `estimate_hours` with `estimate_source="human"`.
- **Linear** (Settings → Import/Export → Export CSV): ID, Team, Title, Description, Status,
  Estimate, Priority, Project ID, Project, Creator, Assignee, Labels, Cycle Number, Cycle Name,
  Cycle Start, Cycle End, Created, Updated, Started, Triaged, Completed, Canceled, Archived,
  Due Date, Parent issue, Initiatives, Project Milestone ID, Project Milestone, SLA Status,
  Roadmaps. Timestamps are ISO 8601. **Estimate is in points, not hours** (the team picks
  the scale: exponential, Fibonacci, linear or t-shirt), so it is kept as
  `extra["estimate_points"]` and `estimate_hours` stays empty: a "quick win" needs hours
  from a person, and guessing hours from points would invent them.
- **csv** (Headwork's own, for everything else): title, external_id, assignee_email, due,
  status, tags, notes, url, project, estimate_hours. `due` is ISO or day first with dots (a
  date alone means the end of that day); `estimate_hours` is a person's estimate in hours
  ("1,5" too); tags are separated by commas or semicolons; `status` is one of open,
  in_progress, waiting, blocked, done, cancelled (or a common synonym such as "to do",
  "doing", "complete").

An id a spreadsheet has rounded to scientific notation ("1.20988E+15": Excel does that to a
long number unless its column is text) is refused row by row: its digits are gone, and
importing it would merge different tasks under one id.

Headers are matched without regard to case or surrounding spaces. Owners are kept by email
(Jira and Linear may export display names: an owner that is not an email address is kept in
`extra["assignee"]` and the task stays unowned). Priority and other source details go to
`extra`, which is part of what makes a re-import "updated" rather than "unchanged".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from ..tasks import Task
from .dates import DateError, parse_due, parse_when

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_SPLIT_TAGS = re.compile(r"\s*[,;]\s*")
_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$")


class RowError(ValueError):
    """A row that cannot become a task; the message is the reason shown to the person."""


@lru_cache(maxsize=1024)
def header_key(name: str) -> str:
    """How headers are compared: case, surrounding spaces, a BOM and doubled spaces don't matter."""
    return " ".join(name.replace("\ufeff", "").split()).casefold()


class Columns(dict):
    """Where each column is in a file: {column name: positions} (several when the header repeats).
    Looked up by the names the mappings use; each name is matched against the header once."""

    def __init__(self, header: list[str]):
        super().__init__()
        self._by_key: dict[str, tuple[int, ...]] = {}
        for i, name in enumerate(header):
            key = header_key(name)
            self._by_key[key] = self._by_key.get(key, ()) + (i,)

    def __missing__(self, column: str) -> tuple[int, ...]:
        positions = self[column] = self._by_key.get(header_key(column), ())
        return positions


class Row:
    """One data row, read by column name. A header that repeats (Jira's Labels) has all its cells.
    `slashes` is how its dates with slashes are read (`dates.SLASH_ORDERS`; None: refused)."""

    __slots__ = ("cells", "columns", "slashes")

    def __init__(self, cells: list[str], columns: Columns, slashes: str | None = None):
        self.cells = cells
        self.columns = columns
        self.slashes = slashes

    def get(self, column: str) -> str:
        """The first non-empty cell under this header, stripped; '' when absent or empty."""
        cells = self.cells
        positions = self.columns[column]
        if len(positions) == 1:  # nearly every column: no loop (an Asana row is 16 reads; ~1% of its instructions)
            i = positions[0]
            return cells[i].strip() if i < len(cells) else ""
        for i in positions:
            if i < len(cells):
                value = cells[i].strip()
                if value:
                    return value
        return ""

    def values(self, column: str) -> list[str]:
        cells = self.cells
        return [v for v in (cells[i].strip() for i in self.columns[column] if i < len(cells)) if v]


@dataclass(frozen=True)
class ExportFormat:
    name: str  # what --from takes
    label: str  # what people call the tool
    source: str  # Task.source: upserts are keyed by (source, external id)
    required: tuple[str, ...]
    convert: Callable[[Row, ZoneInfo], Task]
    id_column: str  # the column `convert` reads the task's external id from (`Row.get`)

    def missing_columns(self, header: list[str]) -> list[str]:
        present = {header_key(h) for h in header}
        return [c for c in self.required if header_key(c) not in present]


# --- shared helpers ---------------------------------------------------------------------------

@lru_cache(maxsize=4096)  # pure; an export names the same few people on every row
def email_or_none(text: str) -> str | None:
    text = text.strip().strip("<>")
    return text.lower() if text and _EMAIL.match(text) else None


def split_list(text: str) -> list[str]:
    """'a, b;c' -> ['a', 'b', 'c'], order kept, duplicates and blanks dropped."""
    return list(_split(text)) if text else []


@lru_cache(maxsize=4096)  # projects and tag lists repeat across an export's rows
def _split(text: str) -> tuple[str, ...]:
    """`split_list`, as a tuple (immutable, so it can be cached and shared)."""
    return tuple(dict.fromkeys(p for p in _SPLIT_TAGS.split(text.strip()) if p))


def _required(row: Row, column: str, what: str) -> str:
    value = row.get(column)
    if not value:
        raise RowError(f"no {what} ({column} is empty)")
    return value


# A long numeric id as a spreadsheet saves it when the column was not formatted as text:
# "1209876543210001" becomes "1.20988E+15" (or "1,20988E+15"), and its digits are gone.
_SCIENTIFIC = re.compile(r"^\d(?:[.,]\d+)?E\+?\d+$", re.IGNORECASE)


def _identifier(row: Row, column: str, what: str) -> str:
    """A required id cell; refused when a spreadsheet has rounded it: importing it would merge
    different tasks under one id, or create a duplicate of each."""
    value = _required(row, column, what)
    if _SCIENTIFIC.match(value):
        raise RowError(f"{column}: '{value}' was rounded by a spreadsheet (its digits are lost); import the "
                       "export as the tool wrote it, or format the column as text before saving")
    return value


def _when(row: Row, column: str, tz: ZoneInfo, style: str = "iso") -> datetime | None:
    try:
        return parse_when(row.get(column), tz, style, row.slashes)
    except DateError as exc:
        raise RowError(f"{column}: {exc}") from None


def _due(row: Row, column: str, tz: ZoneInfo, style: str = "iso", date_field: bool = True):
    try:
        return parse_due(row.get(column), tz, style, date_field, row.slashes)
    except DateError as exc:
        raise RowError(f"{column}: {exc}") from None


def _status(value: str, table: dict[str, str]) -> str | None:
    return table.get(" ".join(value.split()).casefold()) if value else None


def _extra(**values) -> dict:
    return {k: v for k, v in values.items() if v not in (None, "", [], ())}


def _owner(text: str) -> tuple[str | None, str]:
    """(email, display name): a cell that holds an email gives the email, else the name."""
    email = email_or_none(text)
    return (email, "") if email else (None, text)


# --- Asana ----------------------------------------------------------------------------------------

_ASANA_SECTIONS = {"in progress": "in_progress", "doing": "in_progress", "in review": "in_progress",
                   "waiting": "waiting", "on hold": "waiting", "blocked": "blocked"}


ASANA_ID = "Task ID"


def asana_task(row: Row, tz: ZoneInfo) -> Task:
    gid = _identifier(row, ASANA_ID, "task id")
    title = _required(row, "Name", "title")
    completed = _when(row, "Completed At", tz)
    section = row.get("Section/Column")
    status = "done" if completed else _ASANA_SECTIONS.get(section.casefold(), "open")
    due, all_day = _due(row, "Due Date", tz)
    created = _when(row, "Created At", tz)
    modified = _when(row, "Last Modified", tz)
    email = email_or_none(row.get("Assignee Email"))
    projects = split_list(row.get("Projects"))
    tags, blocking = row.get("Tags"), row.get("Blocking (Dependencies)")
    return Task(
        title=title, source="asana", external_id=gid, notes=row.get("Notes"),
        url=f"https://app.asana.com/0/0/{gid}", assignee_email=email, project=projects[0] if projects else "",
        tags=_split(tags) if tags else (), status=status, due=due, due_all_day=all_day,
        blocking=len(_split(blocking)) if blocking else 0,
        created_at=created, updated_at=modified, completed_at=completed,
        extra=_extra(section=section, assignee=row.get("Assignee"), parent=row.get("Parent task"),
                     blocked_by=row.get("Blocked By (Dependencies)"), start=row.get("Start Date"),
                     projects=projects[1:]),
    )


# --- Jira -----------------------------------------------------------------------------------------

_JIRA_STATUSES = {
    **dict.fromkeys(("to do", "open", "new", "backlog", "selected for development", "reopened", "todo", "ready",
                     "ready for development", "triage"), "open"),
    **dict.fromkeys(("in progress", "in review", "code review", "review", "in development", "in testing",
                     "testing", "qa", "in qa", "under review"), "in_progress"),
    **dict.fromkeys(("waiting", "waiting for customer", "waiting for support", "pending", "on hold"), "waiting"),
    **dict.fromkeys(("blocked", "impeded"), "blocked"),
    **dict.fromkeys(("done", "closed", "resolved", "complete", "completed", "fixed"), "done"),
    **dict.fromkeys(("won't do", "won't fix", "wont do", "cancelled", "canceled", "declined", "rejected",
                     "duplicate", "obsolete"), "cancelled"),
}
_JIRA_CATEGORIES = {"to do": "open", "new": "open", "in progress": "in_progress", "indeterminate": "in_progress",
                    "done": "done", "complete": "done"}


JIRA_ID = "Issue key"


def jira_task(row: Row, tz: ZoneInfo) -> Task:
    key = _identifier(row, JIRA_ID, "issue key")
    title = _required(row, "Summary", "title")
    raw_status = row.get("Status")
    resolved = _when(row, "Resolved", tz, "jira")
    status = (_status(raw_status, _JIRA_STATUSES) or _status(row.get("Status Category"), _JIRA_CATEGORIES)
              or ("done" if resolved else None))
    if status is None:
        if not raw_status:
            raise RowError("no status (Status is empty)")
        raise RowError(f"unknown Status '{raw_status}', and no Status Category or Resolved date says "
                       "whether it is open, in progress or done")
    created = _when(row, "Created", tz, "jira")
    updated = _when(row, "Updated", tz, "jira")
    due, all_day = _due(row, "Due date", tz, "jira")  # a date field: the time Jira prints is noise
    estimate = None
    seconds = row.get("Original Estimate")
    if seconds:
        if not seconds.isdecimal():
            raise RowError(f"Original Estimate: '{seconds}' is not a number of seconds")
        estimate = round(int(seconds) / 3600, 2) or None
    email, name = _owner(row.get("Assignee"))
    labels: list[str] = []
    for cell in row.values("Labels"):
        labels.extend(cell.replace(",", " ").split())
    closed = status in ("done", "cancelled")
    return Task(
        title=title, source="jira", external_id=key, notes=row.get("Description"),
        assignee_email=email, project=row.get("Project name") or row.get("Project key"),
        tags=tuple(dict.fromkeys(labels)), status=status, due=due, due_all_day=all_day,
        estimate_hours=estimate, estimate_source="human" if estimate else None,
        blocking=len(row.values("Outward issue link (Blocks)")),
        created_at=created, updated_at=updated, completed_at=resolved if closed else None,
        extra=_extra(issue_id=row.get("Issue id"), type=row.get("Issue Type"), priority=row.get("Priority"),
                     assignee=name, jira_status=raw_status, parent=row.get("Parent") or row.get("Parent id"),
                     blocked_by=row.values("Inward issue link (Blocks)")),
    )


# --- Linear ---------------------------------------------------------------------------------------

_LINEAR_STATUSES = {
    **dict.fromkeys(("backlog", "todo", "to do", "triage", "unstarted"), "open"),
    **dict.fromkeys(("in progress", "in review", "started"), "in_progress"),
    **dict.fromkeys(("waiting", "waiting on customer", "on hold"), "waiting"),
    **dict.fromkeys(("blocked",), "blocked"),
    **dict.fromkeys(("done", "completed"), "done"),
    **dict.fromkeys(("canceled", "cancelled", "duplicate"), "cancelled"),
}


LINEAR_ID = "ID"


def linear_task(row: Row, tz: ZoneInfo) -> Task:
    ident = _identifier(row, LINEAR_ID, "issue id")
    title = _required(row, "Title", "title")
    raw_status = row.get("Status")
    completed = _when(row, "Completed", tz)
    canceled = _when(row, "Canceled", tz)
    started = _when(row, "Started", tz)
    status = _status(raw_status, _LINEAR_STATUSES)
    if status is None:  # a team's own workflow state: its timestamps say which kind it is
        status = "done" if completed else "cancelled" if canceled else "in_progress" if started else None
    if status is None:
        if not raw_status:
            raise RowError("no status (Status is empty)")
        raise RowError(f"unknown Status '{raw_status}', and no Started, Completed or Canceled time says "
                       "whether it is open, in progress or closed")
    created = _when(row, "Created", tz)
    updated = _when(row, "Updated", tz)
    due, all_day = _due(row, "Due Date", tz)
    email, name = _owner(row.get("Assignee"))
    priority = row.get("Priority")
    return Task(
        title=title, source="linear", external_id=ident, notes=row.get("Description"), url=row.get("URL"),
        assignee_email=email, project=row.get("Project") or row.get("Team"),
        tags=tuple(split_list(row.get("Labels"))), status=status, due=due, due_all_day=all_day,
        created_at=created, updated_at=updated,
        completed_at=(completed if status == "done" else canceled if status == "cancelled" else None),
        extra=_extra(team=row.get("Team"), priority=None if priority.casefold() == "no priority" else priority,
                     estimate_points=row.get("Estimate"), assignee=name, linear_status=raw_status,
                     parent=row.get("Parent issue")),
    )


# --- Headwork's generic CSV ---------------------------------------------------------------------

GENERIC_COLUMNS = ("title", "external_id", "assignee_email", "due", "status", "tags", "notes", "url", "project",
                   "estimate_hours")
_GENERIC_STATUSES = {
    **{s: s for s in ("open", "in_progress", "waiting", "blocked", "done", "cancelled")},
    **dict.fromkeys(("to do", "todo", "new", "backlog", "not started"), "open"),
    **dict.fromkeys(("in progress", "doing", "started", "active", "in review"), "in_progress"),
    **dict.fromkeys(("on hold", "pending"), "waiting"),
    **dict.fromkeys(("complete", "completed", "closed", "resolved", "finished"), "done"),
    **dict.fromkeys(("canceled", "won't do", "wontfix", "dropped"), "cancelled"),
}


GENERIC_ID = "external_id"


def generic_task(row: Row, tz: ZoneInfo) -> Task:
    external_id = _identifier(row, GENERIC_ID, "external id")
    title = _required(row, "title", "title")
    raw_status = row.get("status")
    status = _status(raw_status, _GENERIC_STATUSES) if raw_status else "open"
    if status is None:
        raise RowError(f"unknown status '{raw_status}' (use open, in_progress, waiting, blocked, done or cancelled)")
    raw_email = row.get("assignee_email")
    email = email_or_none(raw_email)
    if raw_email and email is None:
        raise RowError(f"assignee_email: '{raw_email}' is not an email address")
    due, all_day = _due(row, "due", tz, date_field=False)
    estimate = None
    raw_estimate = row.get("estimate_hours")
    if raw_estimate:
        try:
            # "1,5": a decimal comma (a European spreadsheet); "1,500" would be a thousands separator: refused
            estimate = float(raw_estimate.replace(",", ".") if _DECIMAL_COMMA.match(raw_estimate) else raw_estimate)
        except ValueError:
            raise RowError(f"estimate_hours: '{raw_estimate}' is not a number of hours") from None
        if not 0 < estimate < 10_000:
            raise RowError(f"estimate_hours: {raw_estimate} is not a sensible number of hours")
    return Task(
        title=title, source="csv", external_id=external_id, notes=row.get("notes"), url=row.get("url"),
        assignee_email=email, project=row.get("project"), tags=tuple(split_list(row.get("tags"))), status=status,
        due=due, due_all_day=all_day, estimate_hours=estimate, estimate_source="human" if estimate else None,
    )


FORMATS: dict[str, ExportFormat] = {
    "asana": ExportFormat("asana", "Asana", "asana", (ASANA_ID, "Name", "Completed At"), asana_task, ASANA_ID),
    "jira": ExportFormat("jira", "Jira", "jira", ("Summary", JIRA_ID, "Status"), jira_task, JIRA_ID),
    "linear": ExportFormat("linear", "Linear", "linear", (LINEAR_ID, "Title", "Status"), linear_task, LINEAR_ID),
    "csv": ExportFormat("csv", "generic CSV", "csv", ("title", GENERIC_ID), generic_task, GENERIC_ID),
}


def guess_format(header: list[str]) -> ExportFormat | None:
    """The format whose required columns this header has (to suggest the right --from)."""
    for fmt in FORMATS.values():
        if not fmt.missing_columns(header):
            return fmt
    return None
