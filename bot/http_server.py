"""HTTP mode: Slack's requests to `POST /slack/events`, verified by Bolt, served by granian's
Rust HTTP/1.1 server (Bolt's own `app.start()` is a development server).

Also `GET /healthz` for load balancers. Bodies over 1 MiB are refused before they are read
(Slack's are a few KiB); a request without a valid signature (a missing, non-numeric or stale
timestamp, a wrong signature) gets a 401 before Bolt sees it, with one rate-limited WARNING line;
a body Bolt cannot parse gets a 400 instead of an exception, so nothing a client sends can take
the process down.

Why granian, and why on a thread of this process: its sockets, HTTP parsing and keep-alive run
in Rust, outside the interpreter lock, and Python runs only the app. Behind waitress, a
pure-Python server, the asyncore loop cost about as much CPU per request as Headwork itself and
competed with the request threads for the lock: a burst of reaction events reached ~350/s where
the same app behind granian serves ~1,000/s (docs/benchmarks.md). Headwork stays one process
per database (its write lock, outbox worker and scheduler assume it), so granian's own
multi-process runner is not used; its worker is started here the way granian's thread runner
(`granian.server.mt`) starts one. Those calls are not granian's documented API, so the
dependency is pinned to one minor version and every HTTP test goes through them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context

log = logging.getLogger("headwork.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1 << 20
MAX_AGE = 5 * 60  # Slack's rule: a request stamped more than five minutes off is refused (a replay)
REFUSALS_LOGGED_EVERY = 60.0  # seconds: a flood of unsigned requests is one WARNING line a minute


def bolt_request(raw: str, query: str | None, headers: dict) -> BoltRequest:
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


class SignatureCheck:
    """Slack's request signature (v0 HMAC-SHA256 of `v0:<timestamp>:<body>` under the signing secret),
    checked on the raw body before anything parses it. `why_not` says why a request is refused, or
    None for Slack's own; refusals are logged as one WARNING line at most every
    REFUSALS_LOGGED_EVERY seconds, with how many there were and never what they carried."""

    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic):
        self._secret = signing_secret.encode()
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._refused = 0
        self._logged_at: float | None = None

    def why_not(self, body: bytes, headers: dict) -> str | None:
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not timestamp:
            return "no X-Slack-Request-Timestamp"
        if not (timestamp.isascii() and timestamp.isdecimal()) or len(timestamp) > 12:
            return "a non-numeric X-Slack-Request-Timestamp"
        if abs(self._clock() - int(timestamp)) > MAX_AGE:
            return "a stale X-Slack-Request-Timestamp (more than 5 minutes off)"
        if not signature:
            return "no X-Slack-Signature"
        digest = hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(f"v0={digest}".encode(), signature.encode("utf-8", "replace")):
            return "a wrong X-Slack-Signature"
        return None

    def refused(self, why: str) -> None:
        with self._lock:
            self._refused += 1
            now = self._monotonic()
            if self._logged_at is not None and now - self._logged_at < REFUSALS_LOGGED_EVERY:
                return
            count, self._refused, self._logged_at = self._refused, 0, now
        log.warning("%d request(s) to %s refused with 401 since the last such line: not signed with "
                    "SLACK_SIGNING_SECRET (the latest had %s)", count, EVENTS_PATH, why)


class SlackWsgiApp:
    """The WSGI application: Slack's endpoint and a health check, nothing else. With a signing
    secret, every request's signature is checked here, before Bolt (which checks it again)."""

    def __init__(self, app: App, path: str = EVENTS_PATH, signing_secret: str | None = None):
        self.app = app
        self.path = path
        self.signature = SignatureCheck(signing_secret) if signing_secret else None

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
        why = self.signature.why_not(raw, headers) if self.signature is not None else None
        if why is not None:
            self.signature.refused(why)
            return _reply(start_response, 401, b'{"error":"invalid request"}', "application/json")
        try:
            request = bolt_request(raw.decode("utf-8"), environ.get("QUERY_STRING") or None, headers)
        except (UnicodeDecodeError, ValueError, TypeError, AttributeError) as exc:
            log.warning("unreadable request body refused (%s)", type(exc).__name__)
            return _reply(start_response, 400, b"Bad Request\n", "text/plain; charset=utf-8")
        odd = malformed(request.body)
        if odd is not None:
            log.warning("malformed Slack payload refused (%s)", odd)
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


# What Bolt indexes into before any listener (matchers, its own error handler's arguments), by the
# shape Slack always sends it in: anything else is a forged request, and Bolt would fail on it.
_SHAPES = {"view": dict, "actions": list, "event": dict, "container": dict}


def malformed(body) -> str | None:
    """Why this payload cannot be Slack's (a field of the wrong kind), or None."""
    if not isinstance(body, dict):
        return "not an object"
    for field, kind in _SHAPES.items():
        if field in body and not isinstance(body[field], kind):
            return f"'{field}' is not {'an object' if kind is dict else 'a list'}"
    actions = body.get("actions")
    if actions is not None and not (actions and all(isinstance(a, dict) for a in actions)):
        return "'actions' is not a list of actions"  # Slack sends at least one, each an object
    return None


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            413: "Payload Too Large", 500: "Internal Server Error"}


def _reply(start_response, status: int, body: bytes, content_type: str):
    start_response(f"{status} {_REASONS.get(status, 'OK')}",
                   [("content-type", content_type), ("content-length", str(len(body)))])
    return [body]


# Python threads running requests. One: every listener does store work only and hands Web API
# calls to `deps.background` (bot/app.py), so a request never waits on the network, and a second
# request thread only adds interpreter-lock handoffs: 880-995 us of CPU per reaction event with two
# against 627-715 with one, 958-1,089 events/s against 1,377-1,610 (docs/benchmarks.md).
DEFAULT_THREADS = 1
BACKLOG = 1024
_ENVIRON = {"SCRIPT_NAME": "", "SERVER_SOFTWARE": "headwork", "wsgi.multiprocess": False,
            "wsgi.multithread": True, "wsgi.run_once": False, "wsgi.version": (1, 0), "wsgi.input_terminated": True}


class _StartResponse:
    __slots__ = ("status", "headers")

    def __init__(self):
        self.status = 500
        self.headers: list = []

    def __call__(self, status: str, headers: list, exc_info=None):
        self.status = int(status.split(" ", 1)[0])
        self.headers = headers


class HttpServer:
    """granian's HTTP/1.1 worker on `host:port` (0: any free port, see `effective_port`), calling
    the WSGI app on `threads` Python threads. `run()` starts it and returns; `close()` stops
    accepting, lets the requests in flight finish and releases the port."""

    def __init__(self, wsgi, host: str, port: int, threads: int = DEFAULT_THREADS):
        from granian._granian import WorkerSignal

        self.wsgi = wsgi
        self.host = host
        self.threads = max(1, threads)
        self._sock = socket.create_server((host, port), backlog=BACKLOG)
        self._sock.setblocking(False)
        self.effective_port = self._sock.getsockname()[1]
        self._signal = WorkerSignal()
        self._idle = threading.Condition()
        self._in_flight = 0
        self._last_done = 0.0
        self._environ = {**_ENVIRON, "wsgi.errors": _LogStream()}
        self._loop = None

    def run(self) -> None:
        from granian._futures import _new_cbscheduler
        from granian._granian import MetricsAggregator, SocketHolder, WSGIWorker
        from granian.http import HTTP1Settings

        # the worker takes the descriptor over (and closes it when it stops): it gets its own copy
        holder = SocketHolder(os.dup(self._sock.fileno()), False, BACKLOG)
        # as granian.server.mt passes them: worker id, socket, -, runtime threads, runtime blocking
        # threads, Python threads, their idle timeout (s), backpressure, HTTP/1 only, its settings,
        # HTTP/2 settings, static files, TLS (off: Slack reaches us through the TLS-terminating
        # proxy), metrics (off)
        worker = WSGIWorker(1, (None, holder), None, 1, 512, self.threads, 30, BACKLOG, "1",
                            HTTP1Settings(header_read_timeout=30_000, keep_alive=True), None, None,
                            False, None, None, None, "tls1.3", None, [], False, (None, MetricsAggregator(1)))
        self._loop = asyncio.new_event_loop()  # granian's scheduler wants one; WSGI calls never run on it
        worker.serve_str(_new_cbscheduler(self._loop, self._call, impl_asyncio=False), self._loop, self._signal)

    def _call(self, proto, scope) -> int:
        with self._idle:
            self._in_flight += 1
        try:
            start = _StartResponse()
            try:
                result = self.wsgi(self._environ | scope, start)
                try:
                    body = b"".join(result)
                finally:
                    if hasattr(result, "close"):
                        result.close()
            except Exception:
                log.exception("request to %s failed", scope.get("PATH_INFO", "?"))
                start.status, start.headers = 500, [("content-type", "text/plain; charset=utf-8")]
                body = b"Internal Server Error\n"
            proto.response_bytes(start.status, start.headers, body)
            return start.status
        finally:
            with self._idle:
                self._in_flight -= 1
                self._last_done = time.monotonic()
                self._idle.notify_all()

    def close(self, timeout: float = 5) -> bool:
        """Stop; True once no request has been in the app for a moment (False: some still are)."""
        self._signal.set()
        deadline = time.monotonic() + timeout
        settle = 0.05  # the worker may still hand over a request it had read before the signal
        with self._idle:
            while self._in_flight or time.monotonic() - self._last_done < settle:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._idle.wait(min(left, settle))
            quiet = not self._in_flight
        self._sock.close()
        if self._loop is not None:
            self._loop.close()
        return quiet


class _LogStream:
    """`wsgi.errors`: what an app writes there goes to the log."""

    def write(self, text: str) -> None:
        if text.strip():
            log.warning("%s", text.rstrip())

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass


def make_server(app: App, host: str, port: int, threads: int = DEFAULT_THREADS,
                signing_secret: str | None = None) -> HttpServer:
    """The HTTP server (not yet running) for `app`, its port bound (`server.effective_port`; an
    OSError when it is taken). With `signing_secret`, unsigned requests get a 401 before Bolt."""
    return HttpServer(SlackWsgiApp(app, signing_secret=signing_secret), host, port, threads)


class Serving:
    """A server running, and stopped cleanly: `stop()` waits for the requests in flight."""

    def __init__(self, server: HttpServer):
        self.server = server

    def start(self) -> "Serving":
        self.server.run()
        return self

    def stop(self, timeout: float = 5) -> None:
        if not self.server.close(timeout):
            log.warning("HTTP server stopped with requests still in the app after %.0f s", timeout)
