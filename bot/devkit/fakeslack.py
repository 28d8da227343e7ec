"""A loopback fake of the Slack Web API for tests.

House rule: the app under test talks to Slack through a *real*
``slack_sdk.WebClient`` over *real* HTTP.  Mocking the client would hide
the very things that break in production (form vs. JSON encoding, retry
handlers, ``files_upload_v2``'s three-step dance, ``response_url`` posts),
so instead this module runs a tiny stdlib HTTP server on 127.0.0.1 that
answers like Slack does and records every call for assertions.

Typical use::

    with FakeSlack() as fake:
        fake.add_user("U1", name="ada", tz="Europe/Berlin")
        client = WebClient(base_url=fake.api_url, token="xoxb-test")
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.last("chat.postMessage").args["text"] == "hi"

For Socket Mode, :meth:`FakeSlack.socket_mode` starts the WebSocket side
(``bot.devkit.fakesocket``) that ``apps.connections.open`` then points at.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from . import blockkit
from .fakesocket import FakeSocketMode

TEAM_ID = "T0HEADWORK"
TEAM_NAME = "Headwork"
TEAM_DOMAIN = "headwork"
BOT_USER_ID = "UBOTHEADWORK"
BOT_ID = "BHEADWORK"
APP_ID = "AHEADWORK"
WORKSPACE_URL = f"https://{TEAM_DOMAIN}.slack.com/"

# Slack shows long zone names ("Central European Summer Time"); zoneinfo only
# knows abbreviations, so translate the common ones and fall back to the rest.
_TZ_LABELS = {
    "UTC": "Coordinated Universal Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "EET": "Eastern European Time",
    "EEST": "Eastern European Summer Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "IST": "India Standard Time",
    "JST": "Japan Standard Time",
    "AEST": "Australian Eastern Standard Time",
    "AEDT": "Australian Eastern Daylight Time",
}

Responder = Callable[["Call"], dict]


@dataclass
class Call:
    """One Web API request as the fake saw it.

    ``args`` merges the query string with the body (form, JSON or
    multipart), exactly as sent: JSON-string fields stay strings so tests
    can see what went over the wire; use :meth:`json_arg` to decode them.
    """

    method: str
    args: dict[str, Any]
    token: str | None
    content_type: str = ""
    failed: bool = False
    status: int = 200
    response: dict = field(default_factory=dict)

    def json_arg(self, name: str, default: Any = None) -> Any:
        """Return ``args[name]`` decoded if it was sent as a JSON string."""
        value = self.args.get(name, default)
        if isinstance(value, (str, bytes)):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value


@dataclass
class _Failure:
    """A queued failure for one method (see :meth:`FakeSlack.fail`)."""

    error: str
    status: int
    retry_after: int
    remaining: int


class SlackError(Exception):
    """Raised by a built-in handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


class FakeSlack:
    """Loopback Slack Web API, upload endpoint and ``response_url`` sink."""

    def __init__(self, host: str = "127.0.0.1", clock: Callable[[], datetime] | None = None):
        self._host = host
        # Message ts follow this clock when set (so `oldest` filters agree with the app's own clock),
        # else a counter from 2023; either way unique and increasing.
        self.clock = clock
        self._messages: dict[str, list[dict]] = {}  # channel -> its top-level messages, oldest first
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._responses: list[tuple[str, Any]] = []
        self._uploads: dict[str, bytes] = {}
        self._pending_files: dict[str, dict] = {}
        self._failures: dict[str, _Failure] = {}
        self._overrides: dict[str, Responder] = {}
        self._users: dict[str, dict] = {}
        self._channels: dict[str, dict] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._block_kit_problems: list[str] = []
        self._socket: FakeSocketMode | None = None
        self._ids = itertools.count(1)
        self._ts_micros = itertools.count(1_700_000_000_000_100, 100)
        self._handlers: dict[str, Callable[[Call], dict]] = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "chat.scheduleMessage": self._chat_schedule_message,
            "views.open": self._views_write,
            "views.push": self._views_write,
            "views.update": self._views_write,
            "views.publish": self._views_write,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "usergroups.users.list": self._usergroups_users_list,
            "team.info": self._team_info,
            "reactions.add": lambda call: {},
            "apps.connections.open": self._apps_connections_open,
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "FakeSlack":
        """Bind an ephemeral port and serve from a daemon thread."""
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer((self._host, 0), handler)
        self._server.daemon_threads = True
        # A short poll interval keeps stop() (and so every test) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
            name="FakeSlack", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the servers down and release the ports."""
        if self._socket is not None:
            self._socket.stop()
            self._socket = None
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> "FakeSlack":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>`` — no trailing slash."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``; ends with ``/api/``."""
        return f"{self.root_url}/api/"

    def socket_mode(self) -> FakeSocketMode:
        """Start (once) and return the Socket Mode server; from now on
        ``apps.connections.open`` hands out ``ws://`` URLs to it."""
        with self._cond:
            if self._socket is None:
                self._socket = FakeSocketMode(self._host).start()
            return self._socket

    # ------------------------------------------------------------------ fixtures

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "UTC",
        email: str | None = None,
        is_bot: bool = False,
        is_admin: bool = False,
        **extra: Any,
    ) -> dict:
        """Register a user for ``users.info`` / ``users.lookupByEmail``.

        ``extra`` is merged into the user object (``deleted=True``,
        ``is_restricted=True``...) so edge cases need no new parameters.
        """
        name = name or user_id.lower()
        user = {
            "id": user_id,
            "name": name,
            "real_name": real_name or name.title(),
            "tz": tz,
            "email": email if email is not None else f"{name}@example.com",
            "is_bot": is_bot,
            "is_admin": is_admin,
            **extra,
        }
        with self._cond:
            self._users[user_id] = user
        return user

    def add_channel(
        self, channel_id: str, name: str = "general", is_private: bool = False, **extra: Any
    ) -> dict:
        """Register a channel for ``conversations.info``."""
        channel = {"id": channel_id, "name": name, "is_private": is_private, **extra}
        with self._cond:
            self._channels[channel_id] = channel
        return channel

    def add_usergroup(self, usergroup_id: str, user_ids: list[str]) -> None:
        """Register a user group for ``usergroups.users.list``."""
        with self._cond:
            self._usergroups[usergroup_id] = list(user_ids)

    def on(self, method: str, responder: dict | Responder) -> None:
        """Override a method's answer with a dict or ``callable(call) -> dict``.

        Also the way to add methods the fake does not know.  ``"ok": True``
        is added unless the answer sets ``ok`` itself.
        """
        fn = responder if callable(responder) else (lambda call, r=responder: dict(r))
        with self._cond:
            self._overrides[method] = fn

    def fail(
        self,
        method: str,
        error: str | None = None,
        status: int | None = None,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail.

        * ``status=429`` (the default when no error is given, or for
          ``error="ratelimited"``): HTTP 429 with ``Retry-After``.
        * any other ``error`` without a status: HTTP 200 with
          ``{"ok": false, "error": error}`` — a normal Slack API error.
        * ``status>=500``: HTTP error status with an ``internal_error`` body.
        """
        if status is None:
            status = 429 if error in (None, "ratelimited") else 200
        if error is None:
            error = {429: "ratelimited", 200: "fatal_error"}.get(status, "internal_error")
        with self._cond:
            self._failures[method] = _Failure(error, status, retry_after, times)

    # ------------------------------------------------------------------ assertions

    def calls(self, method: str | None = None, failed: bool | None = None) -> list[Call]:
        """Recorded calls, oldest first; filter by method and/or ``failed``."""
        with self._cond:
            return [c for c in self._calls if _matches(c, method, failed)]

    def last(self, method: str) -> Call:
        """The most recent call to ``method`` (AssertionError if none)."""
        found = self.calls(method)
        if not found:
            seen = sorted({c.method for c in self.calls()})
            raise AssertionError(f"no {method} call recorded; saw {seen}")
        return found[-1]

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5, failed: bool | None = False
    ) -> list[Call]:
        """Block until ``count`` matching calls exist; return them.

        Bolt runs event/action listeners on worker threads after the ack,
        so tests must wait for side effects rather than assert at once.
        Counts only successful deliveries unless ``failed`` says otherwise.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls if _matches(c, method, failed)]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    break
                self._cond.wait(remaining)
        if len(found) < count:
            raise AssertionError(
                f"waited {timeout}s for {count} {method} call(s), got {len(found)}"
            )
        return found

    def clear(self) -> None:
        """Forget recorded calls, responses, uploads and queued failures."""
        with self._cond:
            self._calls.clear()
            self._responses.clear()
            self._uploads.clear()
            self._failures.clear()

    def uploads(self) -> dict[str, bytes]:
        """Bytes POSTed to upload URLs, keyed by file id."""
        with self._cond:
            return dict(self._uploads)

    def response_url(self, tag: str = "default") -> str:
        """A URL that records JSON POSTed to it, for ``response_url`` flows."""
        return f"{self.root_url}/respond/{tag}"

    def responses(self, tag: str | None = None) -> list[Any]:
        """JSON bodies POSTed to :meth:`response_url` (for one tag or all)."""
        with self._cond:
            return [body for t, body in self._responses if tag is None or t == tag]

    def wait_for_responses(self, tag: str, count: int = 1, timeout: float = 5) -> list[Any]:
        """Block until ``count`` bodies were POSTed to ``response_url(tag)``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [body for t, body in self._responses if t == tag]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    break
                self._cond.wait(remaining)
        if len(found) < count:
            raise AssertionError(f"waited {timeout}s for {count} response(s) to {tag!r}")
        return found

    # ------------------------------------------------------------------ dispatch (server threads)

    def _handle_api(self, call: Call) -> tuple[int, dict, dict[str, str]]:
        """Answer one Web API call and record it; returns (status, body, headers)."""
        with self._cond:
            failure = self._take_failure(call.method)
            override = self._overrides.get(call.method)
        if failure is not None:
            status, body, headers = _failure_answer(failure)
            call.failed = True
        else:
            status, headers = 200, {}
            body = self._answer(call, override)
        call.status, call.response = status, body
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        return status, body, headers

    def _take_failure(self, method: str) -> _Failure | None:
        failure = self._failures.get(method)
        if failure is None:
            return None
        failure.remaining -= 1
        if failure.remaining <= 0:
            del self._failures[method]
        return failure

    def builtin(self, call: Call) -> dict:
        """Answer ``call`` as the built-in handler would (recording a post in the channel's
        history): for responders that let Slack get the message and then hang or fail."""
        handler = self._handlers.get(call.method)
        if handler is None:
            raise SlackError("unknown_method")
        return handler(call)

    def history(self, channel: str) -> list[dict]:
        """A channel's top-level messages as ``conversations.history`` would return them, oldest first."""
        with self._cond:
            return [dict(m) for m in self._messages.get(channel, [])]

    def _answer(self, call: Call, override: Responder | None) -> dict:
        handler = override or self._handlers.get(call.method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        problems = self._check_block_kit(call)
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        try:
            body = handler(call)
        except SlackError as err:
            return {"ok": False, "error": err.error}
        return {"ok": True, **body}

    def _handle_upload(self, file_id: str, data: bytes) -> bool:
        with self._cond:
            if file_id not in self._pending_files:
                return False
            self._uploads[file_id] = data
            self._cond.notify_all()
            return True

    def _handle_response(self, tag: str, body: Any) -> None:
        problems = blockkit.message_problems(body) if isinstance(body, dict) else []
        with self._cond:
            self._record_problems(f"response_url {tag}", problems)
            self._responses.append((tag, body))
            self._cond.notify_all()

    # ------------------------------------------------------------------ Block Kit, checked like Slack does

    def _check_block_kit(self, call: Call) -> list[str]:
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage"):
            message = {k: call.json_arg(k) for k in ("text", "blocks", "attachments") if k in call.args}
            problems = blockkit.message_problems(message)
        elif call.method in ("views.open", "views.push", "views.update", "views.publish"):
            view = call.json_arg("view")
            problems = blockkit.view_problems(view) if isinstance(view, dict) else ["view is not an object"]
        else:
            return []
        with self._cond:
            self._record_problems(call.method, problems)
        return problems

    def _record_problems(self, where: str, problems: list[str]) -> None:
        self._block_kit_problems.extend(f"{where}: {p}" for p in problems)

    def block_kit_problems(self) -> list[str]:
        """Every Block Kit limit broken by anything sent to this fake (empty when all was valid)."""
        with self._cond:
            return list(self._block_kit_problems)

    # ------------------------------------------------------------------ ids

    def _next_ts(self) -> str:
        """Unique, increasing message ts shaped like Slack's."""
        with self._cond:
            micros = next(self._ts_micros)
            if self.clock is not None:
                micros = max(micros, int(self.clock().timestamp() * 1_000_000))
                self._ts_micros = itertools.count(micros + 100, 100)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    # ------------------------------------------------------------------ method handlers

    def _auth_test(self, call: Call) -> dict:
        return {
            "url": WORKSPACE_URL,
            "team": TEAM_NAME,
            "user": "headwork",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _users_info(self, call: Call) -> dict:
        user = self._users.get(str(call.args.get("user", "")))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": _user_object(user)}

    def _users_lookup_by_email(self, call: Call) -> dict:
        wanted = str(call.args.get("email", "")).lower()
        for user in list(self._users.values()):
            if str(user.get("email", "")).lower() == wanted:
                return {"user": _user_object(user)}
        raise SlackError("users_not_found")

    def _conversations_open(self, call: Call) -> dict:
        if call.args.get("channel"):
            return {"no_op": True, "already_open": True, "channel": {"id": call.args["channel"]}}
        users = [u for u in str(call.args.get("users", "")).split(",") if u]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) == 1:
            channel_id = "D" + users[0]
        else:
            channel_id = "G" + "".join(sorted(u[-3:] for u in users))
        return {"no_op": True, "already_open": True, "channel": {"id": channel_id}}

    def _conversations_info(self, call: Call) -> dict:
        channel_id = str(call.args.get("channel", ""))
        if channel_id.startswith("D"):
            return {"channel": {"id": channel_id, "is_im": True, "user": channel_id[1:],
                                "created": 1_700_000_000, "is_org_shared": False}}
        channel = self._channels.get(channel_id)
        if channel is None:
            raise SlackError("channel_not_found")
        return {"channel": _channel_object(channel)}

    def _chat_post_message(self, call: Call) -> dict:
        channel = _dm_channel(str(call.args.get("channel", "")))
        if not channel:
            raise SlackError("channel_not_found")
        ts = self._next_ts()
        message = _message_echo(call, ts)
        if not call.args.get("thread_ts") or str(call.args.get("reply_broadcast")).lower() in ("1", "true"):
            with self._cond:  # thread replies are not in conversations.history
                self._messages.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, call: Call) -> dict:
        if not call.args.get("user"):
            raise SlackError("user_not_in_channel")
        return {"message_ts": self._next_ts()}

    def _chat_update(self, call: Call) -> dict:
        channel, ts = call.args.get("channel"), call.args.get("ts")
        if not channel or not ts:
            raise SlackError("message_not_found")
        echo = _message_echo(call, ts)
        with self._cond:
            for message in self._messages.get(channel, []):
                if message["ts"] == ts:  # what is not sent stays as it was (metadata included)
                    message.update({k: v for k, v in echo.items() if k in ("text", "blocks", "attachments",
                                                                          "metadata")})
                    message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {"channel": channel, "ts": ts, "text": call.args.get("text", ""), "message": echo}

    def _chat_delete(self, call: Call) -> dict:
        channel, ts = call.args.get("channel"), call.args.get("ts")
        if not channel or not ts:
            raise SlackError("message_not_found")
        with self._cond:
            kept = [m for m in self._messages.get(channel, []) if m["ts"] != ts]
            if channel in self._messages:
                self._messages[channel] = kept
        return {"channel": channel, "ts": ts}

    def _conversations_history(self, call: Call) -> dict:
        """Newest first, ``oldest``/``latest`` exclusive unless ``inclusive``, ``limit`` (default 100,
        at most 999) and cursor paging; metadata only with ``include_all_metadata``."""
        channel = str(call.args.get("channel", ""))
        with self._cond:
            known = channel in self._messages or channel in self._channels
            messages = [dict(m) for m in reversed(self._messages.get(channel, []))]
        if not known and channel[:1] not in ("D", "G"):
            raise SlackError("channel_not_found")
        inclusive = _truthy(call.args.get("inclusive"))
        oldest, latest = float(call.args.get("oldest") or 0), float(call.args.get("latest") or "inf")
        messages = [m for m in messages if (oldest <= float(m["ts"]) <= latest if inclusive
                                            else oldest < float(m["ts"]) < latest)]
        if not _truthy(call.args.get("include_all_metadata")):
            for m in messages:
                m.pop("metadata", None)
        limit = min(int(call.args.get("limit") or 100), 999)
        start = int(str(call.args.get("cursor") or "offset:0").partition(":")[2] or 0)
        page, more = messages[start:start + limit], len(messages) > start + limit
        return {"messages": page, "has_more": more, "pin_count": 0,
                "response_metadata": {"next_cursor": f"offset:{start + limit}" if more else ""}}

    def _chat_get_permalink(self, call: Call) -> dict:
        channel = str(call.args.get("channel", ""))
        ts = str(call.args.get("message_ts", ""))
        return {"channel": channel,
                "permalink": f"{WORKSPACE_URL}archives/{channel}/p{ts.replace('.', '')}"}

    def _chat_schedule_message(self, call: Call) -> dict:
        post_at = int(call.args.get("post_at", 0))
        if post_at <= time.time():
            raise SlackError("time_in_past")
        return {"channel": call.args.get("channel"),
                "scheduled_message_id": self._next_id("Q"),
                "post_at": post_at,
                "message": _message_echo(call, None)}

    def _views_write(self, call: Call) -> dict:
        view = call.json_arg("view") or {}
        if not isinstance(view, dict):
            raise SlackError("invalid_arguments")
        view_id = call.args.get("view_id") or self._next_id("V")
        return {"view": _view_object(view, view_id, call)}

    def _files_get_upload_url(self, call: Call) -> dict:
        if not call.args.get("filename") or not call.args.get("length"):
            raise SlackError("invalid_arguments")
        file_id = self._next_id("F")
        with self._cond:
            self._pending_files[file_id] = dict(call.args)
        return {"upload_url": f"{self.root_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, call: Call) -> dict:
        files = call.json_arg("files") or []
        out = []
        for item in files:
            meta = self._pending_files.get(item.get("id"))
            if meta is None or item["id"] not in self._uploads:
                raise SlackError("file_not_found")
            out.append(_file_object(item, meta, len(self._uploads[item["id"]])))
        return {"files": out}

    def _usergroups_users_list(self, call: Call) -> dict:
        users = self._usergroups.get(str(call.args.get("usergroup", "")))
        if users is None:
            raise SlackError("no_such_subteam")
        return {"users": list(users)}

    def _team_info(self, call: Call) -> dict:
        return {"team": {"id": TEAM_ID, "name": TEAM_NAME, "domain": TEAM_DOMAIN,
                         "email_domain": "example.com", "icon": {"image_default": True},
                         "url": WORKSPACE_URL}}

    def _apps_connections_open(self, call: Call) -> dict:
        if self._socket is not None:
            return {"url": self._socket.url(APP_ID)}
        # Without socket_mode() nothing listens; answer with Slack's real shape anyway.
        return {"url": "wss://wss-primary.slack.com/link/?ticket=fake&app_id=" + APP_ID}


# ---------------------------------------------------------------------- HTTP layer


class _Handler(BaseHTTPRequestHandler):
    """Routes ``/api/<method>``, ``/upload/<file_id>`` and ``/respond/<tag>``."""

    fake: FakeSlack  # set on the per-server subclass
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (stdlib naming)
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        route, _, rest = parts.path.lstrip("/").partition("/")
        if route == "api" and rest:
            self._api(rest, parts.query, body)
        elif route == "upload" and rest:
            ok = self.fake._handle_upload(rest, body)
            self._send(200 if ok else 404, f"OK - {len(body)}" if ok else "Not Found", {})
        elif route == "respond" and rest:
            self.fake._handle_response(rest, _loads_or_text(body))
            self._send(200, "ok", {})
        else:
            self._send(404, "Not Found", {})

    do_GET = do_POST  # Slack accepts GET for most methods too

    def _api(self, method: str, query: str, body: bytes) -> None:
        content_type = self.headers.get("Content-Type", "")
        args = _parse_args(query, body, content_type)
        call = Call(method=method, args=args, token=_token(self.headers, args),
                    content_type=content_type.split(";")[0].strip())
        status, answer, headers = self.fake._handle_api(call)
        self._send(status, answer, headers)

    def _send(self, status: int, body: dict | str, headers: dict[str, str]) -> None:
        if isinstance(body, dict):
            data, ctype = json.dumps(body).encode(), "application/json; charset=utf-8"
        else:
            data, ctype = body.encode(), "text/plain; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the caller is gone (a test killed it mid-request): nobody to answer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep test output quiet; the call log is the record."""


# ---------------------------------------------------------------------- helpers


def _matches(call: Call, method: str | None, failed: bool | None) -> bool:
    return (method is None or call.method == method) and (failed is None or call.failed == failed)


def _failure_answer(failure: _Failure) -> tuple[int, dict, dict[str, str]]:
    headers = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else {}
    return failure.status, {"ok": False, "error": failure.error}, headers


def _parse_args(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query string and body the way Slack does (body wins)."""
    args = _form(query)
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/json":
        parsed = json.loads(body or b"{}")
        args.update(parsed if isinstance(parsed, dict) else {})
    elif ctype == "multipart/form-data":
        args.update(_multipart(body, content_type))
    elif body:
        args.update(_form(body.decode("utf-8")))
    return args


def _form(text: str) -> dict[str, Any]:
    """Form-decode; repeated keys become lists, single ones stay strings."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key in out:
            prev = out[key]
            out[key] = prev + [value] if isinstance(prev, list) else [prev, value]
        else:
            out[key] = value
    return out


def _multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """Decode multipart bodies (legacy ``files.upload``); files stay bytes."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    out: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        is_file = part.get_filename() is not None
        out[name] = payload if is_file else payload.decode("utf-8")
    return out


def _token(headers: Any, args: dict[str, Any]) -> str | None:
    auth = headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth[len("Bearer "):]
    return args.get("token")


def _loads_or_text(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def _dm_channel(channel: str) -> str:
    """Posting to a user id lands in that user's DM, as on real Slack."""
    return "D" + channel if channel[:1] in ("U", "W") else channel


def _tz_fields(tz: str) -> dict[str, Any]:
    now = datetime.now(ZoneInfo(tz))
    offset = now.utcoffset()
    abbrev = now.tzname() or tz
    if abbrev[:1] in "+-":
        abbrev_label = f"UTC{abbrev}"
    else:
        abbrev_label = _TZ_LABELS.get(abbrev, abbrev)
    return {"tz": tz, "tz_label": abbrev_label,
            "tz_offset": int(offset.total_seconds()) if offset else 0}


def _user_object(user: dict) -> dict:
    """Shape a stored user like ``users.info``'s ``user`` field."""
    base_keys = {"id", "name", "real_name", "tz", "email", "is_bot", "is_admin"}
    profile = {
        "real_name": user["real_name"],
        "real_name_normalized": user["real_name"],
        "display_name": user["name"],
        "display_name_normalized": user["name"],
        "email": user["email"],
        "team": TEAM_ID,
    }
    if user["is_bot"]:
        profile["bot_id"] = "B" + user["id"][1:]
    return {
        "id": user["id"],
        "team_id": TEAM_ID,
        "name": user["name"],
        "deleted": False,
        "real_name": user["real_name"],
        **_tz_fields(user["tz"]),
        "profile": profile,
        "is_admin": user["is_admin"],
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user["is_bot"],
        "is_app_user": False,
        "updated": 1_700_000_000,
        **{k: v for k, v in user.items() if k not in base_keys},
    }


def _channel_object(channel: dict) -> dict:
    return {
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_archived": False,
        "is_general": channel["name"] == "general",
        "is_shared": False,
        "is_org_shared": False,
        "is_ext_shared": False,
        "is_member": True,
        "created": 1_700_000_000,
        "creator": "U0CREATOR",
        "name_normalized": channel["name"],
        "context_team_id": TEAM_ID,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
        **channel,
    }


def _message_echo(call: Call, ts: str | None) -> dict:
    """The ``message`` Slack echoes back for a bot post."""
    message = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": call.args.get("text", ""),
    }
    if ts is not None:
        message["ts"] = ts
    for key in ("blocks", "attachments", "thread_ts", "metadata"):
        if key in call.args:
            message[key] = call.json_arg(key)
    return message


def _view_object(view: dict, view_id: str, call: Call) -> dict:
    """The stored-view shape the ``views.*`` methods answer with."""
    return {
        "id": view_id,
        "team_id": TEAM_ID,
        "type": view.get("type", "modal"),
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{view_id}",
        "title": view.get("title"),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "clear_on_close": view.get("clear_on_close", False),
        "notify_on_close": view.get("notify_on_close", False),
        "external_id": view.get("external_id", call.args.get("external_id", "")),
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": APP_ID,
        "app_installed_team_id": TEAM_ID,
        "bot_id": BOT_ID,
    }


def _file_object(item: dict, meta: dict, size: int) -> dict:
    file_id, name = item["id"], meta.get("filename", "file")
    return {
        "id": file_id,
        "created": int(time.time()),
        "timestamp": int(time.time()),
        "name": name,
        "title": item.get("title") or name,
        "mimetype": "",
        "filetype": "",
        "user": BOT_USER_ID,
        "user_team": TEAM_ID,
        "size": size,
        "mode": "hosted",
        "is_external": False,
        "is_public": False,
        "url_private": f"https://files.slack.com/files-pri/{TEAM_ID}-{file_id}/{name}",
        "permalink": f"{WORKSPACE_URL}files/{BOT_USER_ID}/{file_id}/{name}",
        "shares": {},
        "channels": [],
        "groups": [],
        "ims": [],
    }
