"""The HTTP server `headwork run --http` uses (granian on a thread, bot/http_server.py), on
loopback: what a client notices — answers over keep-alive, a huge body refused before it is
read, a failing app answered with a 500 while the server goes on, and a stop that finishes the
request in flight and then frees the port."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest

from bot.http_server import MAX_BODY, HttpServer, Serving, SlackWsgiApp


class Recorder:
    """A WSGI app: `/slow` takes a while, `/boom` raises, anything else echoes the body length."""

    def __init__(self):
        self.started = threading.Event()
        self.finished = threading.Event()

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/slow":
            self.started.set()
            time.sleep(0.6)
            self.finished.set()
        if path == "/boom":
            raise RuntimeError("a bug in a listener")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        start_response("200 OK", [("content-type", "text/plain")])
        return [b"%s %d" % (path.encode(), len(body))]


@pytest.fixture
def served():
    app = Recorder()
    serving = Serving(HttpServer(app, "127.0.0.1", 0, threads=2)).start()
    yield app, serving
    serving.stop()


def test_requests_over_one_keep_alive_connection(served):
    _, serving = served
    conn = http.client.HTTPConnection("127.0.0.1", serving.server.effective_port, timeout=5)
    for n in (0, 10, 5000):
        conn.request("POST", "/echo", body=b"x" * n)
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"/echo %d" % n)
    conn.close()


def test_a_failing_app_gets_a_500_and_the_server_goes_on(served, caplog):
    _, serving = served
    conn = http.client.HTTPConnection("127.0.0.1", serving.server.effective_port, timeout=5)
    conn.request("GET", "/boom")
    response = conn.getresponse()
    assert response.status == 500 and b"a bug" not in response.read()  # no internals in the answer
    assert "request to /boom failed" in caplog.text
    conn = http.client.HTTPConnection("127.0.0.1", serving.server.effective_port, timeout=5)
    conn.request("GET", "/after")
    assert conn.getresponse().status == 200


def test_a_huge_body_is_refused_before_it_is_read(slack):
    serving = Serving(HttpServer(SlackWsgiApp(slack.app), "127.0.0.1", 0)).start()
    try:
        sock = socket.create_connection(("127.0.0.1", serving.server.effective_port), timeout=5)
        claimed = 300 * MAX_BODY
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % claimed + b"{" * 65536)
        answer = sock.recv(4096)  # comes back although almost all of the body is still to send
        assert answer.startswith(b"HTTP/1.1 413")
        sock.close()
    finally:
        serving.stop()


def test_stop_finishes_the_request_in_flight_then_frees_the_port(served):
    app, serving = served
    port = serving.server.effective_port
    answers = []

    def slow():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/slow")
        response = conn.getresponse()
        answers.append((response.status, response.read()))

    client = threading.Thread(target=slow)
    client.start()
    assert app.started.wait(5)
    serving.stop()
    assert app.finished.is_set()  # stop returned only once the app had answered
    client.join(5)
    assert answers == [(200, b"/slow 0")]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
