"""Following Asana projects with the official `asana` client (v5).

`sync_asana` is the scheduler's job (and `headwork sync asana`'s): for each followed project
it asks Asana for the tasks modified since the start of the last good sync (a minute of
overlap absorbs clock skew: an upsert of an unchanged task is a no-op), upserts them by
(source "asana", task gid) -- the same key a CSV export from Asana uses -- judges new tasks
and scores every changed one at once.

- **Closed, never deleted.** A task completed upstream is closed here. Once a day (and on
  the first sync, or `full=True`) the project is listed in full -- open tasks plus those
  completed since the last sync -- and an open task Headwork knows in that project but Asana
  no longer lists is looked up: deleted (404), no longer visible to the token (403: moved to a
  project the token's user is not in) or no longer in any followed project closes it as
  cancelled; completed closes it as done. One such task never holds up the rest of its project.
- **One transaction per project.** Everything is fetched first, then written in one
  transaction together with the project's new cursor. A failure writes nothing for that
  project, and the next sync starts again from its last good cursor. A wrong token (401) or
  an unreachable API stops the whole sync with one clear line (the client's retries are logged
  at debug level only), and the project it was on is not reported as synced; an unknown
  project (404) is reported and the other projects still sync.
- **Done in Slack completes the task in Asana** (`complete_upstream`). If Asana cannot be
  reached, the completion is queued in the store and pushed at the start of the next sync;
  until then the task stays closed here.
- **Owners by email**: the assignee's email is kept; emails already matched to a Slack user
  get that owner at once, the others wait for the Slack app's lookup.

The access token is handed in by the composition root (it reads the environment variable
named by `sources.asana.token_env`); it never appears in a message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

import asana
import urllib3
from asana.rest import ApiException
from urllib3.util.retry import Retry

from ..model import ValueModel
from ..store import TaskStore, iso
from ..tasks import END_OF_DAY, Task
from .ingest import Owners, ingest

log = logging.getLogger(__name__)

SOURCE = "asana"
OVERLAP = timedelta(minutes=1)
FULL_LISTING_EVERY = timedelta(hours=24)
TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
TASK_FIELDS = ",".join((
    "name", "notes", "completed", "completed_at", "due_on", "due_at", "assignee.email", "assignee.name",
    "tags.name", "projects.name", "memberships.project.name", "memberships.section.name", "permalink_url",
    "created_at", "modified_at", "dependents",
))
_SECTIONS = {"in progress": "in_progress", "doing": "in_progress", "in review": "in_progress",
             "waiting": "waiting", "on hold": "waiting", "blocked": "blocked"}
_PENDING = "asana.complete_pending."


class AsanaUnavailable(Exception):
    """The whole sync cannot go on (wrong token, API unreachable or failing): one clear line."""


class ProjectUnavailable(Exception):
    """One followed project cannot be synced (unknown project, no access)."""


class _Gone(Exception):
    """The object asked for does not exist (any more) in Asana."""


class _Hidden(ProjectUnavailable):
    """The token may not read the object asked for (403): a project, or a single task in it."""


class _QuietRetry(Retry):
    """urllib3's Retry, told apart so that its "Retrying (...)" warnings can go to debug: the one
    line the sync reports says what failed, once the retries are spent."""


def _retries_to_debug(record: logging.LogRecord) -> bool:
    if record.args and isinstance(record.args, tuple) and isinstance(record.args[0], _QuietRetry):
        log.debug("Asana API: %s", record.getMessage())
        return False
    return True


def make_client(base_url: str, token: str, *, retries: int = 3, backoff: float = 0.5) -> asana.ApiClient:
    """An `asana.ApiClient` for this API root, retrying 429/5xx and connection errors with backoff."""
    configuration = asana.Configuration()
    configuration.host = base_url.rstrip("/")
    configuration.access_token = token
    for logger in configuration.logger.values():  # its own stream handler repeats every line on stderr
        logger.removeHandler(configuration.logger_stream_handler)
    pool_log = logging.getLogger("urllib3.connectionpool")
    if _retries_to_debug not in pool_log.filters:
        pool_log.addFilter(_retries_to_debug)
    configuration.retry_strategy = _QuietRetry(
        total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504), respect_retry_after_header=True, raise_on_status=False)
    return asana.ApiClient(configuration)


def _describe(exc: ApiException) -> str:
    try:
        errors = json.loads(exc.body or b"{}").get("errors") or []
        detail = errors[0].get("message") if errors else ""
    except (ValueError, AttributeError):
        detail = ""
    return f"HTTP {exc.status}" + (f": {detail}" if detail else "")


def _call(client: asana.ApiClient, what: str, fn: Callable):
    """Run one API interaction, turning the client's errors into ours (never showing the token)."""
    host = client.configuration.host
    try:
        return fn()
    except ApiException as exc:
        if exc.status == 401:
            raise AsanaUnavailable(f"Asana refused the access token ({_describe(exc)}) -- check the personal "
                                   "access token in the variable named by sources.asana.token_env") from None
        if exc.status == 404:
            raise _Gone(what) from None
        if exc.status == 403:
            raise _Hidden(f"no access to {what} ({_describe(exc)})") from None
        if exc.status == 402:
            raise ProjectUnavailable(f"no access to {what} ({_describe(exc)})") from None
        if exc.status == 0:
            raise AsanaUnavailable(f"cannot reach the Asana API at {host} ({exc.reason})") from None
        raise AsanaUnavailable(f"Asana failed while reading {what} ({_describe(exc)}); will retry next sync") from None
    except urllib3.exceptions.HTTPError as exc:
        reason = getattr(exc, "reason", None) or exc
        detail = str(reason).rsplit(": ", 1)[-1]  # "[Errno 111] Connection refused", "Read timed out."
        raise AsanaUnavailable(f"cannot reach the Asana API at {host} ({detail})") from None


# --- Asana task -> Task ---------------------------------------------------------------------------

def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def task_from_asana(item: dict, followed: list[str], tz: tzinfo) -> Task | None:
    """A Task from an Asana task record (None for a blank task someone started and never named)."""
    name = (item.get("name") or "").strip()
    if not name:
        return None
    projects = {p["gid"]: p.get("name") or "" for p in item.get("projects") or []}
    memberships = {m["project"]["gid"]: m for m in item.get("memberships") or [] if m.get("project")}
    home = next((gid for gid in followed if gid in projects), next(iter(projects), None))
    section = ((memberships.get(home) or {}).get("section") or {}).get("name") or ""
    completed = bool(item.get("completed"))
    due, all_day = None, False
    if item.get("due_at"):
        due = _when(item["due_at"])
    elif item.get("due_on"):
        due, all_day = datetime.combine(datetime.fromisoformat(item["due_on"]).date(), END_OF_DAY, tz), True
    assignee = item.get("assignee") or {}
    email = (assignee.get("email") or "").strip().lower() or None
    extra = {"asana_projects": sorted(projects), "section": section, "assignee": assignee.get("name") or ""}
    return Task(
        title=name, source=SOURCE, external_id=item["gid"], notes=(item.get("notes") or "").strip(),
        url=item.get("permalink_url") or f"https://app.asana.com/0/0/{item['gid']}", assignee_email=email,
        project=projects.get(home, "") if home else "", tags=tuple(t["name"] for t in item.get("tags") or []),
        status="done" if completed else _SECTIONS.get(section.casefold(), "open"), due=due, due_all_day=all_day,
        blocking=len(item.get("dependents") or []), created_at=_when(item.get("created_at")),
        updated_at=_when(item.get("modified_at")),
        completed_at=_when(item.get("completed_at")) if completed else None,
        extra={k: v for k, v in extra.items() if v},
    )


# --- the sync --------------------------------------------------------------------------------------

@dataclass
class ProjectSync:
    gid: str
    name: str = ""
    full: bool = False
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    error: str | None = None

    def line(self) -> str:
        if self.error:
            return f"project {self.gid}: not synced -- {self.error}"
        kind = "full listing" if self.full else "changes"
        return (f"project {self.name or self.gid} ({self.gid}): {self.fetched} fetched ({kind}) -- "
                f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.closed} closed")


@dataclass
class SyncReport:
    projects: list[ProjectSync] = field(default_factory=list)
    error: str | None = None  # the whole sync stopped
    completions_pushed: int = 0
    unowned_emails: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return self.error is None and not any(p.error for p in self.projects)

    def lines(self) -> list[str]:
        """What went well (for stdout)."""
        out = [p.line() for p in self.projects if not p.error]
        if self.completions_pushed:
            out.append(f"{self.completions_pushed} completion(s) made in Slack pushed to Asana")
        if self.unowned_emails:
            out.append(f"{len(self.unowned_emails)} assignee email(s) not yet matched to Slack users: "
                       + ", ".join(sorted(self.unowned_emails)[:10]))
        return out

    def problems(self) -> list[str]:
        """One clear line per thing that failed (for stderr and the log)."""
        out = [p.line() for p in self.projects if p.error]
        if self.error:
            out.append(f"Asana sync stopped: {self.error}")
        return out

    def to_dict(self) -> dict:
        return {"ok": self.ok, "error": self.error, "completions_pushed": self.completions_pushed,
                "unowned_emails": sorted(self.unowned_emails),
                "projects": [vars(p).copy() for p in self.projects]}


def _cursor_key(gid: str) -> str:
    return f"asana.project.{gid}.synced_from"


def _full_key(gid: str) -> str:
    return f"asana.project.{gid}.full_listing_at"


def sync_asana(store: TaskStore, client: asana.ApiClient, config, model: ValueModel, now: datetime, *,
               tz: tzinfo | None = None, provisional: bool = False, full: bool = False) -> SyncReport:
    """One sync of every followed project (`config` is `sources.asana`). `now` is when this sync
    started; it becomes each project's cursor once that project is written. What failed is in the
    report (`problems()`), for the caller to print or log once."""
    tz = tz or now.tzinfo
    report = SyncReport()
    try:
        report.completions_pushed = _push_pending_completions(store, client, now)
        for gid in config.projects:
            result = ProjectSync(gid)
            try:
                _sync_project(store, client, gid, list(config.projects), model, now, tz, provisional, full,
                              result, report)
            except ProjectUnavailable as exc:
                result.error = str(exc)
            report.projects.append(result)  # not the project a stop (below) broke off: it wrote nothing
    except AsanaUnavailable as exc:
        report.error = str(exc)
    return report


def _sync_project(store, client, gid, followed, model, now, tz, provisional, full, result, report) -> None:
    tasks_api, projects_api = asana.TasksApi(client), asana.ProjectsApi(client)
    try:
        project = _call(client, f"project {gid}",
                        lambda: projects_api.get_project(gid, {"opt_fields": "name"}, _request_timeout=TIMEOUT))
    except _Gone:
        raise ProjectUnavailable(f"Asana has no project {gid} (404) -- check sources.asana.projects") from None
    result.name = project.get("name") or ""
    since = _when(store.get_meta(_cursor_key(gid)))
    last_full = _when(store.get_meta(_full_key(gid)))
    result.full = full or since is None or last_full is None or now - last_full >= FULL_LISTING_EVERY
    opts = {"project": gid, "opt_fields": TASK_FIELDS, "limit": 100}
    if result.full:  # open tasks, and those completed since we last looked
        opts["completed_since"] = iso(since or now)
    else:
        opts["modified_since"] = iso(since - OVERLAP)
    try:
        items = _call(client, f"the tasks of project {gid}",
                      lambda: list(tasks_api.get_tasks(opts, _request_timeout=TIMEOUT)))
    except _Gone:
        raise ProjectUnavailable(f"Asana has no project {gid} (404) -- check sources.asana.projects") from None
    result.fetched = len(items)
    pending = {key.removeprefix(_PENDING) for key in store.meta_with_prefix(_PENDING)}
    tasks = [t for t in (task_from_asana(item, followed, tz) for item in items)
             if t is not None and not (t.external_id in pending and t.is_open)]
    if result.full:
        tasks += _vanished(store, client, tasks_api, gid, {item["gid"] for item in items}, followed, now, tz)

    owners = Owners(store)
    with store.transaction():  # the project's tasks and its cursor, or nothing
        outcomes = ingest(store, tasks, model, now, provisional, owner_of=owners.slack_id)
        for task, (_, outcome) in zip(tasks, outcomes):
            setattr(result, outcome, getattr(result, outcome) + 1)
            if outcome != "unchanged" and not task.is_open:
                result.closed += 1
        for email in {t.assignee_email for t in tasks if t.assignee_email}:
            slack_id = owners.slack_id(email)
            if slack_id:
                store.assign_email(email, slack_id)  # the tasks that were here already
            else:
                report.unowned_emails.add(email)
        store.set_meta(_cursor_key(gid), iso(now))
        if result.full:
            store.set_meta(_full_key(gid), iso(now))


def _vanished(store, client, tasks_api, project_gid, listed, followed, now, tz) -> list[Task]:
    """Open tasks Headwork has in this project that Asana no longer lists: closed, never deleted."""
    out = []
    for gid in store.open_external_ids_listing(SOURCE, "asana_projects", project_gid):
        if gid in listed:
            continue
        current = store.find_task(SOURCE, gid)
        try:
            item = _call(client, f"task {gid}",
                         lambda: tasks_api.get_task(gid, {"opt_fields": TASK_FIELDS}, _request_timeout=TIMEOUT))
        except _Gone:
            out.append(current.with_(status="cancelled", completed_at=now,
                                     extra={**current.extra, "closed_because": "deleted in Asana"}))
            continue
        except _Hidden:  # e.g. moved to a private project: if it comes back, the listing reopens it
            out.append(current.with_(status="cancelled", completed_at=now, extra={
                **current.extra, "closed_because": "no longer visible to Headwork's Asana token (HTTP 403)"}))
            continue
        task = task_from_asana(item, followed, tz)
        if task is None:
            continue  # renamed to nothing upstream: leave it as it was
        if task.is_open and not set(task.extra.get("asana_projects", ())) & set(followed):
            out.append(current.with_(status="cancelled", completed_at=now,
                                     extra={**current.extra, "closed_because": "no longer in a followed project"}))
        else:
            out.append(task)
    return out


# --- completing upstream ---------------------------------------------------------------------------

def complete_upstream(store: TaskStore, client: asana.ApiClient | None, task: Task, now: datetime) -> str:
    """Done in Slack -> completed in Asana. Returns 'completed', 'gone' (deleted in Asana: nothing
    to do), 'queued' (Asana unreachable: pushed at the next sync) or 'skipped' (not an Asana task,
    or no Asana configured). Never raises for an API problem: a Slack handler calls this."""
    if task.source != SOURCE or client is None:
        return "skipped"
    try:
        _complete(client, task.external_id)
    except _Gone:
        store.delete_meta(_PENDING + task.external_id)
        return "gone"
    except (AsanaUnavailable, ProjectUnavailable) as exc:
        store.set_meta(_PENDING + task.external_id, iso(now))
        log.warning("Asana task %s not completed upstream yet (%s); will retry at the next sync",
                    task.external_id, exc)
        return "queued"
    store.delete_meta(_PENDING + task.external_id)
    return "completed"


def _complete(client: asana.ApiClient, gid: str) -> None:
    tasks_api = asana.TasksApi(client)
    _call(client, f"task {gid}", lambda: tasks_api.update_task({"data": {"completed": True}}, gid,
                                                              {"opt_fields": "completed"}, _request_timeout=TIMEOUT))


def _push_pending_completions(store: TaskStore, client: asana.ApiClient, now: datetime) -> int:
    pushed = 0
    for key in store.meta_with_prefix(_PENDING):
        gid = key.removeprefix(_PENDING)
        try:
            _complete(client, gid)
            pushed += 1
        except _Gone:
            pass
        except ProjectUnavailable as exc:
            log.warning("Asana task %s cannot be completed upstream: %s", gid, exc)
            continue
        store.delete_meta(key)
    return pushed
