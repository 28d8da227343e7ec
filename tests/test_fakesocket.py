"""Socket Mode end to end: Bolt's real SocketModeHandler against the loopback fakes.

slack_sdk's builtin client asks FakeSlack's ``apps.connections.open`` for a
URL, connects over a real socket to FakeSocketMode and runs envelopes
through the real Bolt app, so what these tests see is what Slack would.

One connected bot is shared by the module: slack_sdk's ``close()`` always
waits out an internal 1 s queue poll, so a bot per test would cost a
second each.  Every test clears the fake's records first.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import time

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot.devkit.fakeslack import FakeSlack
from bot.devkit.fakesocket import FakeSocketMode
from bot.devkit.slack_requests import (
    block_actions,
    button,
    message_event,
    send_socket,
    slash_command,
    socket_envelope,
)

SECRET = "test-signing-secret"


def build_app(fake: FakeSlack) -> App:
    """A minimal Bolt app wired to the fake, as the real bot will be."""
    app = App(signing_secret=SECRET, client=WebClient(base_url=fake.api_url, token="xoxb-test"))

    @app.command("/ping")
    def ping(ack, command):
        ack(text=f"pong {command['text']}".strip())

    @app.event("message")
    def echo(event, say, request):
        # Socket Mode puts the envelope's retry_attempt in this header; echo it to show it arrives.
        say(f"{event['text']} (retry {request.headers['x-slack-retry-num'][0]})")

    @app.action("approve")
    def approve(ack, action, respond):
        ack()
        respond(f"approved {action['value']}")

    return app


@pytest.fixture(scope="module")
def fake():
    with FakeSlack() as server:
        yield server


@pytest.fixture(scope="module")
def connected(fake):
    sock = fake.socket_mode()
    handler = SocketModeHandler(build_app(fake), app_token="xapp-test")
    handler.connect()
    yield sock
    handler.close()


@pytest.fixture
def sock(fake, connected) -> FakeSocketMode:
    fake.clear()
    return connected


# ---------------------------------------------------------------------- Bolt over the socket


def test_slash_command_ack_carries_the_listeners_text(sock):
    envelope_id = send_socket(sock, slash_command("/ping", "hello", user_id="U1"))
    assert sock.wait_ack(envelope_id) == {"text": "pong hello"}


def test_slash_command_mentioning_payload_is_handled(sock):
    """Bolt's HTTP body parser drops this one (see test_fakeslack); over the
    socket the body arrives already decoded, so it reaches the listener."""
    envelope_id = send_socket(sock, slash_command("/ping", "payload"))
    assert sock.wait_ack(envelope_id) == {"text": "pong payload"}


def test_event_reaches_its_listener(fake, sock):
    envelope_id = send_socket(sock, message_event("U1", "hi", "C9"))
    assert sock.wait_ack(envelope_id) == {}  # events are acked empty, before the listener runs
    post = fake.wait_for("chat.postMessage")[0]
    assert (post.args["channel"], post.args["text"]) == ("C9", "hi (retry 0)")


def test_event_redelivery_carries_its_retry_attempt(fake, sock):
    send_socket(sock, message_event("U1", "again", "C9", retry_num=2))
    assert fake.wait_for("chat.postMessage")[0].args["text"] == "again (retry 2)"


def test_block_action_reaches_its_listener(fake, sock):
    message = {"type": "message", "ts": "1700000000.000100", "text": "ship it?"}
    req = block_actions("U1", [button("approve", "yes")], channel_id="C9", message=message,
                        response_url=fake.response_url("approve"))
    assert sock.wait_ack(send_socket(sock, req)) == {}
    assert fake.wait_for_responses("approve")[0]["text"] == "approved yes"


def test_client_reconnects_after_disconnect_and_keeps_working(fake, sock):
    before = sock.connections()
    assert sock.disconnect_all() == 1
    assert fake.wait_for("apps.connections.open")[0].token == "xapp-test"
    sock.wait_connections(before + 1)

    envelope_id = send_socket(sock, slash_command("/ping", "again"))
    assert sock.wait_ack(envelope_id) == {"text": "pong again"}
    _wait_until(lambda: sock.open_connections() == 1)  # the old connection was retired


def test_close_ends_cleanly():
    with FakeSlack() as fake:
        sock = fake.socket_mode()
        handler = SocketModeHandler(build_app(fake), app_token="xapp-test")
        handler.connect()
        assert sock.wait_ack(send_socket(sock, slash_command("/ping"))) == {"text": "pong"}

        started = time.monotonic()
        handler.close()
        assert time.monotonic() - started < 2  # slack_sdk's own 1 s queue poll, plus headroom
        sock.wait_closed(timeout=1)
        assert len(fake.calls("apps.connections.open")) == 1  # and it did not reconnect


def test_socket_envelope_decodes_each_kind_of_request():
    kind, payload = socket_envelope(slash_command("/ping", "a b", user_id="U1"))
    assert kind == "slash_commands"
    assert (payload["command"], payload["text"], payload["user_id"]) == ("/ping", "a b", "U1")
    assert payload["is_enterprise_install"] == "false"  # form fields stay strings

    kind, payload = socket_envelope(block_actions("U1", [button("approve")], view={"id": "V1"}))
    assert (kind, payload["type"], payload["actions"][0]["action_id"]) == (
        "interactive", "block_actions", "approve")

    kind, payload = socket_envelope(message_event("U1", "hi", "C1"))
    assert (kind, payload["type"], payload["event"]["text"]) == ("events_api", "event_callback", "hi")


# ---------------------------------------------------------------------- the protocol itself


def test_hello_and_envelope_shapes_match_slack():
    with FakeSocketMode() as server:
        ws = _RawClient(server.url("A1"))
        hello = json.loads(ws.recv_text())
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": "A1"}
        assert set(hello["debug_info"]) >= {"host", "approximate_connection_time"}

        server.send_envelope("events_api", {"event": {}})
        server.send_envelope("slash_commands", {"command": "/x"})
        server.send_envelope("interactive", {"type": "view_submission"})
        got = [json.loads(ws.recv_text()) for _ in range(3)]
        assert [(e["type"], e["accepts_response_payload"], e.get("retry_attempt")) for e in got] == [
            ("events_api", False, 0), ("slash_commands", True, None), ("interactive", True, None)]
        assert got[0]["retry_reason"] == "" and all(len(e["envelope_id"]) == 36 for e in got)
        ws.close()


def test_fragmented_64bit_ack_with_a_ping_between_fragments():
    """What the builtin client never sends but RFC 6455 allows: fragments,
    a control frame in between, and a 64-bit length."""
    with FakeSocketMode() as server:
        ws = _RawClient(server.url())
        ws.recv_text()  # hello
        body = json.dumps({"envelope_id": "e1", "payload": {"text": "x" * 70_000}}).encode()
        ws.send(0x1, body[:10], fin=False)
        ws.send(0x9, b"are you there")
        ws.send(0x0, body[10:200], fin=False)
        ws.send(0x0, body[200:])  # > 65535 bytes: 64-bit length
        assert ws.recv() == (0xA, b"are you there")  # pong echoes the ping
        assert server.wait_ack("e1") == {"text": "x" * 70_000}
        ws.close()


def test_close_handshake_is_echoed_and_counted():
    with FakeSocketMode() as server:
        ws = _RawClient(server.url())
        ws.recv_text()
        assert (server.connections(), server.open_connections()) == (1, 1)
        ws.send(0x8, struct.pack("!H", 1000) + b"bye")
        assert ws.recv() == (0x8, struct.pack("!H", 1000))
        server.wait_closed(timeout=1)
        assert (server.connections(), server.open_connections()) == (1, 0)
        ws.close()


def test_envelopes_wait_for_the_next_connection():
    with FakeSocketMode() as server:
        envelope_id = server.send_envelope("events_api", {"event": {}})  # nobody connected yet
        ws = _RawClient(server.url())
        assert json.loads(ws.recv_text())["type"] == "hello"
        assert json.loads(ws.recv_text())["envelope_id"] == envelope_id
        ws.close()


def test_disconnect_all_asks_for_a_refresh_then_retires_the_connection():
    with FakeSocketMode(retire_after=0.1) as server:
        ws = _RawClient(server.url())
        ws.recv_text()
        assert server.disconnect_all() == 1
        message = json.loads(ws.recv_text())
        assert (message["type"], message["reason"]) == ("disconnect", "refresh_requested")
        assert ws.recv()[0] == 0x8  # a client that ignores it is closed after retire_after
        ws.close()


def test_a_plain_http_request_is_refused():
    with FakeSocketMode() as server, socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"GET /link/ HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 400")


# ---------------------------------------------------------------------- helpers


class _RawClient:
    """A bare RFC 6455 client, to drive frames slack_sdk never sends."""

    def __init__(self, url: str):
        host_port, _, path = url.removeprefix("ws://").partition("/")
        host, _, port = host_port.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=2)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(f"GET /{path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                          f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                          "Sec-WebSocket-Version: 13\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        digest = hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        assert head.startswith(b"HTTP/1.1 101 ")
        assert f"Sec-WebSocket-Accept: {base64.b64encode(digest).decode()}".encode() in head

    def send(self, opcode: int, data: bytes, fin: bool = True) -> None:
        n, mask = len(data), os.urandom(4)
        head = bytes([(0x80 if fin else 0) | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 1 << 16:
            head += struct.pack("!BH", 0x80 | 126, n)
        else:
            head += struct.pack("!BQ", 0x80 | 127, n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self) -> tuple[int, bytes]:
        """The next frame that is not a keepalive ping."""
        while True:
            b1, b2 = self._exactly(2)
            n = b2 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._exactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._exactly(8))[0]
            assert not b2 & 0x80, "server frames are never masked"
            frame = (b1 & 0x0F, self._exactly(n))
            if frame[0] != 0x9:
                return frame

    def recv_text(self) -> str:
        opcode, data = self.recv()
        assert opcode == 0x1
        return data.decode()

    def close(self) -> None:
        self.sock.close()

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            assert chunk, "connection closed"
            data += chunk
        return data


def _wait_until(predicate, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
