"""A loopback fake of the Asana REST API (the part Headwork's sync uses), for tests.

The sync under test talks through the *official* `asana` client over real HTTP to this
stdlib server on 127.0.0.1 (port 0), so the client's own URL building, query encoding,
pagination (`next_page.offset`) and error handling are exercised.

Answers:
- GET  /projects/{gid}                    -> {"data": project} or 404
- GET  /tasks?project=&modified_since=&completed_since=&limit=&offset=
                                          -> {"data": [...], "next_page": {"offset": ...} | null}
- GET  /tasks/{gid}                       -> {"data": task} or 404
- PUT  /tasks/{gid}  {"data": {...}}      -> updates the task (completing sets completed_at)

Every request is recorded (`calls`). The token is checked (401 otherwise). `fail(status, n)`
makes the next n requests answer `status`; `fail_path(prefix, status)` every request under a
path; `fail_when(predicate, status)` every request the predicate picks.

    with FakeAsana(token="t") as fake:
        fake.add_project("111", "Onboarding")
        fake.add_task("1", "Call Brightline", projects=["111"])
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: dict | None
    authorization: str | None


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class FakeAsana:
    token: str = "asana-test-token"
    now: datetime = field(default_factory=lambda: datetime(2025, 11, 20, 8, 0, tzinfo=timezone.utc))
    projects: dict[str, dict] = field(default_factory=dict)
    tasks: dict[str, dict] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._failures: list[int] = []
        self._path_failures: dict[str, int] = {}
        self._predicates: list[tuple[Callable[[Call], bool], int]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- state -----------------------------------------------------------------------------

    def add_project(self, gid: str, name: str) -> dict:
        self.projects[gid] = {"gid": gid, "resource_type": "project", "name": name}
        return self.projects[gid]

    def add_task(self, gid: str, name: str, projects: list[str], *, notes: str = "", assignee: str | None = None,
                 assignee_name: str = "", due_on: str | None = None, due_at: str | None = None,
                 tags: list[str] = (), completed: bool = False, section: str | None = None,
                 modified_at: datetime | None = None) -> dict:
        task = {
            "gid": gid, "resource_type": "task", "name": name, "notes": notes, "completed": completed,
            "completed_at": _iso(self.now) if completed else None, "due_on": due_on, "due_at": due_at,
            "assignee": {"gid": f"u-{assignee}", "email": assignee, "name": assignee_name or assignee}
            if assignee else None,
            "tags": [{"gid": f"tag-{t}", "name": t} for t in tags],
            "projects": [{"gid": p, "name": self.projects[p]["name"]} for p in projects],
            "memberships": [{"project": {"gid": p, "name": self.projects[p]["name"]},
                             "section": {"gid": f"sec-{p}", "name": section or "To do"}} for p in projects],
            "permalink_url": f"https://app.asana.com/1/1/project/{projects[0]}/task/{gid}",
            "created_at": _iso(self.now), "modified_at": _iso(modified_at or self.now), "dependents": [],
        }
        self.tasks[gid] = task
        return task

    def modify(self, gid: str, **fields) -> dict:
        """Change a task upstream (as a person in Asana would); it counts as modified now."""
        task = self.tasks[gid]
        task.update(fields)
        if fields.get("completed") is True and not task.get("completed_at"):
            task["completed_at"] = _iso(self.now)
        elif fields.get("completed") is False:
            task["completed_at"] = None
        task["modified_at"] = _iso(self.now)
        return task

    def fail(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def fail_path(self, prefix: str, status: int) -> None:
        self._path_failures[prefix] = status

    def fail_when(self, predicate: Callable[[Call], bool], status: int) -> None:
        """Answer `status` to every request the predicate picks (e.g. the second page of a listing)."""
        self._predicates.append((predicate, status))

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()
            self._path_failures.clear()
            self._predicates.clear()

    def requests(self, method: str | None = None, path_prefix: str = "") -> list[Call]:
        return [c for c in self.calls if (method is None or c.method == method) and c.path.startswith(path_prefix)]

    # --- server ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "use FakeAsana as a context manager"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/1.0"

    def __enter__(self) -> "FakeAsana":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_PUT(self) -> None:
                fake._handle(self, "PUT")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        path = url.path.removeprefix("/api/1.0")
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        body = None
        length = int(handler.headers.get("Content-Length") or 0)
        if length:
            body = json.loads(handler.rfile.read(length) or b"null")
        auth = handler.headers.get("Authorization")
        call = Call(method, path, query, body, auth)
        with self._lock:
            self.calls.append(call)
            forced = self._failures.pop(0) if self._failures else None
        for predicate, status in self._predicates:
            if predicate(call):
                forced = status
        for prefix, status in self._path_failures.items():
            if path.startswith(prefix):
                forced = status
        if auth != f"Bearer {self.token}":
            return self._send(handler, 401, {"errors": [{"message": "Not Authorized"}]})
        if forced is not None:
            message = {404: "Unknown object", 429: "Rate limited", 500: "Server error"}.get(forced, "Error")
            return self._send(handler, forced, {"errors": [{"message": message}]})
        parts = [p for p in path.split("/") if p]
        if method == "GET" and parts[:1] == ["projects"] and len(parts) == 2:
            project = self.projects.get(parts[1])
            return self._found(handler, project, parts[1])
        if method == "GET" and parts == ["tasks"]:
            return self._list_tasks(handler, query)
        if parts[:1] == ["tasks"] and len(parts) == 2:
            task = self.tasks.get(parts[1])
            if method == "PUT" and task is not None:
                task = self.modify(parts[1], **(body or {}).get("data", {}))
            return self._found(handler, task, parts[1])
        return self._send(handler, 404, {"errors": [{"message": f"No route for {method} {path}"}]})

    def _found(self, handler, obj: dict | None, gid: str) -> None:
        if obj is None:
            return self._send(handler, 404, {"errors": [{"message": f"{gid}: Unknown object: {gid}"}]})
        return self._send(handler, 200, {"data": obj})

    def _list_tasks(self, handler, query: dict[str, str]) -> None:
        project = query.get("project")
        if project not in self.projects:
            return self._send(handler, 404, {"errors": [{"message": f"project: Unknown object: {project}"}]})
        since = _parse(query["modified_since"]) if "modified_since" in query else None
        completed_since = _parse(query["completed_since"]) if "completed_since" in query else None
        rows = []
        for task in self.tasks.values():
            if project not in [p["gid"] for p in task["projects"]]:
                continue
            if since is not None and _parse(task["modified_at"]) < since:
                continue
            if (completed_since is not None and task["completed"]
                    and _parse(task["completed_at"]) < completed_since):
                continue
            rows.append(task)
        limit = int(query.get("limit") or 100)
        start = int(query.get("offset") or 0)
        page = rows[start:start + limit]
        next_page = None
        if start + limit < len(rows):
            offset = str(start + limit)
            next_page = {"offset": offset, "path": f"/tasks?project={project}&offset={offset}",
                         "uri": f"{self.base_url}/tasks?project={project}&offset={offset}"}
        return self._send(handler, 200, {"data": page, "next_page": next_page})

    @staticmethod
    def _send(handler, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=UTF-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
