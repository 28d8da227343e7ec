"""A loopback fake of Slack's Socket Mode WebSocket server for tests.

House rule: the bot under test runs exactly as it does in production, so
Socket Mode tests use Bolt's real ``SocketModeHandler`` on slack_sdk's
builtin client, over a real TCP socket.  This module is the other end: a
small stdlib RFC 6455 server on 127.0.0.1 that greets like Slack
(``hello``), delivers envelopes, records the acks the app sends back and
asks clients to refresh (``disconnect``) so reconnects can be tested.

:meth:`FakeSlack.socket_mode` starts one and points ``apps.connections.open``
at it::

    with FakeSlack() as fake:
        sock = fake.socket_mode()
        app = App(signing_secret="s", client=WebClient(base_url=fake.api_url, token="xoxb-test"))
        handler = SocketModeHandler(app, app_token="xapp-test")
        handler.connect()
        envelope_id = send_socket(sock, slash_command("/ping"))
        assert sock.wait_ack(envelope_id) == {"text": "pong"}
        handler.close()

``send_socket`` turns any ``slack_requests`` builder's request into an
envelope; :meth:`FakeSocketMode.send_envelope` takes a raw one.

The URL is plain ``ws://``: slack_sdk's builtin client only wraps the
socket in TLS when the port is 443, whatever the scheme says.
"""

from __future__ import annotations

import base64
import hashlib
import json
import select
import socket
import struct
import threading
import time
import uuid
from typing import Any, Callable
from urllib.parse import parse_qs, urlencode, urlsplit

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
_CONT, _TEXT, _BINARY, _CLOSE, _PING, _PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_POLL = 0.05  # how long an idle thread waits before looking at the clock again
_CLOSE_WAIT = 0.5  # how long a close we started waits for the client's close
_MAX_HEAD = 16 * 1024
_MAX_MESSAGE = 16 * 1024 * 1024

DEBUG_INFO = {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060}


class _Gone(Exception):
    """The connection ended (EOF, reset, close handshake, or the server stopping)."""


class _ProtocolError(Exception):
    """The client broke RFC 6455; we answer with close ``code``."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code = code


class _Conn:
    """One client connection, owned by its reader thread."""

    def __init__(self, sock: socket.socket, number: int):
        self.sock = sock
        self.number = number
        self.buf = bytearray()
        self.send_lock = threading.RLock()  # re-entrant: _greet holds it across sends
        self.open = False  # handshake done, not yet closed
        self.live = False  # gets new envelopes (greeted, not told to disconnect)
        self.retire_at: float | None = None  # told to disconnect; close by then
        self.close_sent_at: float | None = None
        self.next_ping = 0.0

    def send(self, opcode: int, payload: bytes) -> None:
        with self.send_lock:
            self.sock.sendall(_frame(opcode, payload))

    def send_json(self, message: dict) -> None:
        self.send(_TEXT, json.dumps(message).encode())

    def begin_close(self, code: int, reason: str = "") -> None:
        """Send our close frame once; the reader ends on the client's reply or a timeout."""
        with self.send_lock:
            if self.close_sent_at is not None:
                return
            self.close_sent_at = time.monotonic()
            try:
                self.sock.sendall(_frame(_CLOSE, struct.pack("!H", code) + reason.encode()))
            except OSError:
                pass

    def kill(self) -> None:
        """Wake the reader at once (select sees EOF); it closes the socket itself."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class FakeSocketMode:
    """Loopback Socket Mode server: ``hello``, envelopes, acks, ``disconnect``.

    ``ping_interval`` is how often idle connections get a ping, as Slack
    pings its clients.  The short default matters: the builtin client
    holds a lock across a blocking ``recv`` (3 s timeout) that its
    ``close()`` and reconnect also need, so traffic keeps them fast.
    ``retire_after`` is how long a connection told to disconnect may stay
    open if no replacement connects first.
    """

    def __init__(self, host: str = "127.0.0.1", ping_interval: float = 0.05,
                 retire_after: float = 1.0):
        self._host = host
        self._ping_interval = ping_interval
        self._retire_after = retire_after
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._cond = threading.Condition()
        self._conns: list[_Conn] = []
        self._threads: list[threading.Thread] = []
        self._accepted = 0
        self._pending: list[dict] = []
        self._acks: list[dict] = []

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "FakeSocketMode":
        """Bind an ephemeral port and accept connections from a daemon thread."""
        if self._listener is not None:
            return self
        self._stopping.clear()
        self._listener = socket.create_server((self._host, 0))
        self._listener.settimeout(_POLL)  # lets the accept loop notice stop()
        self._thread = threading.Thread(target=self._accept_loop, name="FakeSocketMode",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Say goodbye (close 1001) to every client, drop them and release the port."""
        if self._listener is None:
            return
        self._stopping.set()
        with self._cond:
            conns, threads = list(self._conns), list(self._threads)
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept() now on Linux
        except OSError:
            pass  # elsewhere the accept loop's poll notices within _POLL
        for conn in conns:
            if conn.open:
                conn.begin_close(1001, "server stopping")
            conn.kill()
        for thread in [self._thread, *threads]:
            if thread is not None:
                thread.join(timeout=2)
        self._listener.close()
        self._listener = self._thread = None
        with self._cond:
            self._threads.clear()

    def __enter__(self) -> "FakeSocketMode":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("FakeSocketMode is not started")
        return self._listener.getsockname()[1]

    def url(self, app_id: str = "") -> str:
        """A fresh ``ws://`` URL like the ones ``apps.connections.open`` hands out."""
        query = urlencode({"ticket": uuid.uuid4().hex, "app_id": app_id})
        return f"ws://{self._host}:{self.port}/link/?{query}"

    # ------------------------------------------------------------------ acting like Slack

    def send_envelope(
        self,
        type: str,  # noqa: A002 (Slack's field name)
        payload: dict,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> str:
        """Deliver one envelope to the newest live connection; return its id.

        ``type`` is ``"events_api"``, ``"slash_commands"`` or
        ``"interactive"``.  With no live connection (between a
        ``disconnect`` and the reconnect) the envelope waits and goes out
        right after the next ``hello``, as Slack holds undelivered ones.
        ``accepts_response_payload`` defaults to what Slack sends: true for
        slash commands and for interactions that can answer in the ack
        (``view_submission``, ``block_suggestion``).  Only Events API
        envelopes carry ``retry_attempt``/``retry_reason`` unless given.
        """
        if accepts_response_payload is None:
            accepts_response_payload = type == "slash_commands" or (
                type == "interactive"
                and payload.get("type") in ("view_submission", "block_suggestion"))
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type == "events_api" or retry_attempt is not None:
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ""
        self._deliver(envelope)
        return envelope["envelope_id"]

    def disconnect_all(self, reason: str = "refresh_requested") -> int:
        """Ask every live connection to reconnect, as Slack does before a refresh.

        Each gets ``{"type": "disconnect", "reason": ...}`` and no new
        envelopes; it is closed once a newer connection says hello (or
        after ``retire_after``).  Returns how many were asked.
        """
        with self._cond:
            targets = [c for c in self._conns if c.live]
            for conn in targets:
                conn.live = False
                conn.retire_at = time.monotonic() + self._retire_after
        for conn in targets:
            try:
                conn.send_json({"type": "disconnect", "reason": reason,
                                "debug_info": {"host": DEBUG_INFO["host"]}})
            except OSError:
                pass
        return len(targets)

    # ------------------------------------------------------------------ assertions

    def acks(self) -> list[dict]:
        """Every ack received (``{"envelope_id", "payload"?}``), oldest first."""
        with self._cond:
            return list(self._acks)

    def wait_ack(self, envelope_id: str, timeout: float = 5) -> dict:
        """Block until ``envelope_id`` is acked; return the ack's payload or ``{}``."""
        found = self._wait(lambda: next(
            (a for a in self._acks if a.get("envelope_id") == envelope_id), None), timeout)
        if found is None:
            raise AssertionError(f"waited {timeout}s for an ack of {envelope_id}; "
                                 f"acked: {[a.get('envelope_id') for a in self.acks()]}")
        return found.get("payload") or {}

    def connections(self) -> int:
        """WebSocket connections accepted so far; each reconnect adds one."""
        with self._cond:
            return self._accepted

    def open_connections(self) -> int:
        """Connections currently open (what ``hello`` calls ``num_connections``)."""
        with self._cond:
            return sum(c.open for c in self._conns)

    def wait_connections(self, count: int, timeout: float = 5) -> None:
        """Block until at least ``count`` connections have been accepted."""
        if not self._wait(lambda: self._accepted >= count, timeout):
            raise AssertionError(f"waited {timeout}s for {count} connection(s), "
                                 f"got {self.connections()}")

    def wait_closed(self, timeout: float = 5) -> None:
        """Block until no connection is open."""
        if not self._wait(lambda: not any(c.open for c in self._conns), timeout):
            raise AssertionError(f"{self.open_connections()} connection(s) still open "
                                 f"after {timeout}s")

    # ------------------------------------------------------------------ internals

    def _wait(self, probe: Callable[[], Any], timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (result := probe()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return result

    def _deliver(self, envelope: dict) -> None:
        with self._cond:
            live = [c for c in self._conns if c.live]
            if not live:
                self._pending.append(envelope)
                return
        try:
            live[-1].send_json(envelope)
        except OSError:
            with self._cond:  # the client vanished mid-send; the next one gets it
                self._pending.append(envelope)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except (socket.timeout, BlockingIOError):
                continue
            except OSError:
                return
            sock.settimeout(None)  # reads wait in select(); sends may block briefly
            with self._cond:
                conn = _Conn(sock, len(self._threads) + 1)
                thread = threading.Thread(target=self._serve, args=(conn,), daemon=True,
                                          name=f"FakeSocketMode-{conn.number}")
                self._conns.append(conn)
                self._threads.append(thread)
            thread.start()

    def _serve(self, conn: _Conn) -> None:
        try:
            query = self._handshake(conn)
            if query is not None:
                self._greet(conn, query)
                self._read_messages(conn)
        except _ProtocolError as err:
            conn.begin_close(err.code, str(err))
        except (_Gone, OSError, ValueError):
            pass
        finally:
            with self._cond:
                conn.open = conn.live = False
                self._conns.remove(conn)
                self._cond.notify_all()
            conn.kill()
            conn.sock.close()

    def _handshake(self, conn: _Conn) -> dict[str, str] | None:
        """Answer the HTTP Upgrade (RFC 6455 4.2); the query string on success."""
        while b"\r\n\r\n" not in conn.buf:
            if len(conn.buf) > _MAX_HEAD:
                raise _Gone
            self._fill(conn, len(conn.buf) + 1)
        head, _, rest = bytes(conn.buf).partition(b"\r\n\r\n")
        conn.buf = bytearray(rest)
        request_line, *lines = head.decode("latin-1").split("\r\n")
        method, target, _ = (request_line.split(" ", 2) + ["", ""])[:3]
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts = urlsplit(target)
        key = headers.get("sec-websocket-key", "")
        if parts.path.rstrip("/") != "/link":
            return _refuse(conn, "404 Not Found")
        if (method != "GET" or not key
                or "websocket" not in headers.get("upgrade", "").lower()
                or "upgrade" not in headers.get("connection", "").lower()):
            return _refuse(conn, "400 Bad Request")
        if headers.get("sec-websocket-version") != "13":
            return _refuse(conn, "426 Upgrade Required", "Sec-WebSocket-Version: 13\r\n")
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        conn.sock.sendall(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode())
        return {k: v[0] for k, v in parse_qs(parts.query).items()}

    def _greet(self, conn: _Conn, query: dict[str, str]) -> None:
        """``hello`` first, then envelopes that waited, then retire replaced connections."""
        # The connection is live (and counted) before the client can read its hello,
        # but holding its send lock keeps anyone else's frame from overtaking it.
        with conn.send_lock:
            with self._cond:
                conn.open = conn.live = True
                self._accepted += 1
                count = sum(c.open for c in self._conns)
                waiting, self._pending = self._pending, []
                retired = [c for c in self._conns if c.retire_at is not None]
                self._cond.notify_all()
            conn.next_ping = time.monotonic() + self._ping_interval
            conn.send_json({"type": "hello", "num_connections": count, "debug_info": DEBUG_INFO,
                            "connection_info": {"app_id": query.get("app_id", "")}})
            for envelope in waiting:
                conn.send_json(envelope)
        for old in retired:
            old.begin_close(1001, "replaced by a new connection")

    def _read_messages(self, conn: _Conn) -> None:
        """Read frames until the close handshake; answer pings, record acks."""
        fragments: list[bytes] = []
        message_op: int | None = None
        while True:
            fin, opcode, data = self._read_frame(conn)
            if opcode & 0x8:  # control frames may arrive between fragments
                if not fin or len(data) > 125:
                    raise _ProtocolError(1002, "bad control frame")
                if opcode == _PING:
                    conn.send(_PONG, data)
                elif opcode == _CLOSE:
                    # Echo the status code back (RFC 6455 5.5.1); a no-op if we started.
                    code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1000
                    conn.begin_close(code)
                    return
                elif opcode != _PONG:
                    raise _ProtocolError(1002, f"unknown opcode {opcode}")
                continue
            if (opcode == _CONT) != (message_op is not None):
                raise _ProtocolError(1002, "unexpected continuation state")
            message_op = message_op if opcode == _CONT else opcode
            fragments.append(data)
            if sum(map(len, fragments)) > _MAX_MESSAGE:
                raise _ProtocolError(1009, "message too big")
            if fin:
                if message_op == _TEXT:
                    self._on_text(b"".join(fragments).decode("utf-8"))
                fragments, message_op = [], None

    def _on_text(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            return
        if isinstance(message, dict) and "envelope_id" in message:
            with self._cond:
                self._acks.append(message)
                self._cond.notify_all()

    def _read_frame(self, conn: _Conn) -> tuple[bool, int, bytes]:
        """One client frame (RFC 6455 5.2): clients must mask, lengths may be 16/64-bit."""
        self._fill(conn, 2)
        b1, b2 = conn.buf[0], conn.buf[1]
        if b1 & 0x70:
            raise _ProtocolError(1002, "reserved bits set")
        if not b2 & 0x80:
            raise _ProtocolError(1002, "client frames must be masked")
        length, offset = b2 & 0x7F, 2
        if length == 126:
            self._fill(conn, 4)
            length, offset = struct.unpack_from("!H", conn.buf, 2)[0], 4
        elif length == 127:
            self._fill(conn, 10)
            length, offset = struct.unpack_from("!Q", conn.buf, 2)[0], 10
        if length > _MAX_MESSAGE:
            raise _ProtocolError(1009, "frame too big")
        end = offset + 4 + length
        self._fill(conn, end)
        key, masked = bytes(conn.buf[offset:offset + 4]), bytes(conn.buf[offset + 4:end])
        del conn.buf[:end]
        return bool(b1 & 0x80), b1 & 0x0F, _unmask(masked, key)

    def _fill(self, conn: _Conn, size: int) -> None:
        """Read until ``conn.buf`` holds ``size`` bytes, doing timed chores while idle."""
        while len(conn.buf) < size:
            if self._stopping.is_set():
                raise _Gone
            readable, _, _ = select.select([conn.sock], [], [], _POLL)
            if readable:
                chunk = conn.sock.recv(65536)
                if not chunk:
                    raise _Gone
                conn.buf += chunk
            self._chores(conn)

    def _chores(self, conn: _Conn) -> None:
        now = time.monotonic()
        if conn.close_sent_at is not None:
            if now - conn.close_sent_at > _CLOSE_WAIT:
                raise _Gone
            return
        if conn.retire_at is not None and now >= conn.retire_at:
            conn.begin_close(1001, "refresh")
        elif conn.open and now >= conn.next_ping:
            conn.next_ping = now + self._ping_interval
            conn.send(_PING, str(now).encode())  # non-empty: the builtin parser needs >2 bytes


def _frame(opcode: int, payload: bytes) -> bytes:
    """An unmasked, unfragmented server frame."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


def _unmask(data: bytes, key: bytes) -> bytes:
    """XOR with the repeating 4-byte key, as one big integer (fast for big frames)."""
    n = len(data)
    if not n:
        return b""
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")


def _refuse(conn: _Conn, status: str, extra: str = "") -> None:
    conn.sock.sendall(f"HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\n"
                      "Connection: close\r\n\r\n".encode())
    return None
