"""`headwork run` refused at start-up for what the operator must fix — an app-level token Slack
refuses, an HTTP port already taken — says so in one `headwork: …` line, exits non-zero, and
leaves nothing running (the scheduler and the outbox never started)."""

from __future__ import annotations

import socket
import threading

from bot.devkit.fakeslack import FakeSlack
from tests.test_run import APP, BOT, SECRET, env, run_cli  # noqa: F401 - env: the fixture


def started_threads(before: set[threading.Thread]) -> list[str]:
    """Threads started since `before` that are still running once given a moment to stop."""
    left = []
    for thread in set(threading.enumerate()) - before:
        thread.join(5)
        if thread.is_alive():
            left.append(thread.name)
    return left


def test_an_app_token_slack_refuses_is_one_line_and_exit_2(env, capsys):  # noqa: F811
    with FakeSlack() as fake:
        fake.fail("apps.connections.open", error="invalid_auth", times=100)
        before = set(threading.enumerate())
        code, output = run_cli(["run"], {**env, "SLACK_BOT_TOKEN": BOT, "SLACK_APP_TOKEN": APP,
                                         "SLACK_API_URL": fake.api_url}, capsys)
        assert started_threads(before) == []
        assert fake.calls("chat.postMessage") == [] and fake.calls("conversations.history") == []
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, output
    assert lines[0].startswith("headwork: Slack refused SLACK_APP_TOKEN (invalid_auth)")
    assert APP not in output and BOT not in output


def test_an_http_port_already_taken_is_one_line_and_exit_1(env, capsys):  # noqa: F811
    taken = socket.create_server(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        with FakeSlack() as fake:
            before = set(threading.enumerate())
            code, output = run_cli(["run", "--http", "--host", "127.0.0.1", "--port", str(port)], {
                **env, "SLACK_BOT_TOKEN": BOT, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url},
                capsys)
            assert started_threads(before) == []
    finally:
        taken.close()
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1, output
    assert lines[0].startswith(f"headwork: cannot listen on 127.0.0.1:{port} (Address already in use)")
    assert SECRET not in output
