"""HTTP mode: Slack's requests to `POST /slack/events`, verified by Bolt, served by waitress
(a production WSGI server; Bolt's own `app.start()` is a development server).

Also `GET /healthz` for load balancers. Bodies over 1 MiB are refused (Slack's are a few KiB);
a body Bolt cannot parse gets a 400 instead of an exception, so nothing a client sends can
take the process down.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context

log = logging.getLogger("headwork.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1 << 20
DEFAULT_THREADS = 8


def bolt_request(raw: str, query: str, headers: dict) -> BoltRequest:
    """A BoltRequest, minus an upstream quirk: slack_bolt 1.30 reads any form body that merely
    *contains* "payload" as an interactivity payload, so `/top5 payload` would arrive empty and
    go unanswered. A form body without a `payload` field is a slash command: parse it as one."""
    request = BoltRequest(body=raw, query=query, headers=headers)
    if request.content_type != "application/json" and not raw.startswith("{") and "payload" in raw:
        fields = dict(parse_qsl(raw, keep_blank_values=True))
        if "payload" not in fields:
            request.body = fields
            request.context = build_context(BoltContext({}), fields)
    return request


class SlackWsgiApp:
    """The WSGI application: Slack's endpoint and a health check, nothing else."""

    def __init__(self, app: App, path: str = EVENTS_PATH):
        self.app = app
        self.path = path

    def __call__(self, environ: dict, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return _reply(start_response, 200, b"ok\n", "text/plain; charset=utf-8")
        if path != self.path:
            return _reply(start_response, 404, b"Not Found\n", "text/plain; charset=utf-8")
        if method != "POST":
            return _reply(start_response, 405, b"Method Not Allowed\n", "text/plain; charset=utf-8")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            return _reply(start_response, 413, b"Payload Too Large\n", "text/plain; charset=utf-8")
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
                   if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        try:
            request = bolt_request(raw.decode("utf-8"), environ.get("QUERY_STRING", ""), headers)
        except (UnicodeDecodeError, ValueError, TypeError, AttributeError) as exc:
            log.warning("unreadable request body refused (%s)", type(exc).__name__)
            return _reply(start_response, 400, b"Bad Request\n", "text/plain; charset=utf-8")
        response = self.app.dispatch(request)
        body = (response.body or "").encode("utf-8")
        out_headers = [(name, value) for name, values in response.headers.items() for value in values
                       if name.lower() != "content-length"]
        if not any(name.lower() == "content-type" for name, _ in out_headers):
            out_headers.append(("content-type", "text/plain; charset=utf-8"))
        out_headers.append(("content-length", str(len(body))))
        start_response(f"{response.status} {_REASONS.get(response.status, 'OK')}", out_headers)
        return [body]


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            413: "Payload Too Large", 500: "Internal Server Error"}


def _reply(start_response, status: int, body: bytes, content_type: str):
    start_response(f"{status} {_REASONS.get(status, 'OK')}",
                   [("content-type", content_type), ("content-length", str(len(body)))])
    return [body]


def make_server(app: App, host: str, port: int, threads: int = 8):
    """A waitress server (not yet running) for `app`; `server.effective_port` is the bound port."""
    from waitress.server import create_server

    # waitress warns "Task queue depth is N" whenever a request waits for a free thread: under a
    # burst of events that is a log line per request (6% of the CPU at 1,000 events/s) and no news.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return create_server(SlackWsgiApp(app), host=host, port=port, threads=threads, ident="headwork",
                         clear_untrusted_proxy_headers=True, max_request_body_size=MAX_BODY)


class Serving:
    """A waitress server running on a thread, stopped cleanly: closing the listening socket under
    waitress's select loop can raise EBADF in that loop, which after a stop means nothing."""

    def __init__(self, server):
        import threading

        self.server = server
        self._stopping = False
        self.thread = threading.Thread(target=self._run, name="headwork-http", daemon=True)

    def start(self) -> "Serving":
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            self.server.run()
        except OSError:
            if not self._stopping:
                raise

    def stop(self, timeout: float = 5) -> None:
        self._stopping = True
        self.server.close()
        self.server.task_dispatcher.shutdown(timeout=timeout)
        self.thread.join(timeout=timeout)
