"""`headwork run --http`: a request Slack did not sign — no or a non-numeric timestamp, a stale one,
no or a wrong signature — gets a 401 before Bolt sees it, and a flood of them is one WARNING line
in the log, without a traceback and without what they carried."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from bot.devkit.slack_requests import post_http, sign, slash_command
from tests.test_run import SECRET, env, http_server  # noqa: F401 - fixtures: `headwork run --http` in a child

COMMAND = slash_command("/top5", user_id="U0DEMOCS2")


def send(url: str, headers: dict[str, str], body: str = COMMAND.body) -> int:
    request = urllib.request.Request(url, data=body.encode(), method="POST",
                                     headers={"content-type": COMMAND.content_type, **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_requests_slack_did_not_sign_get_401_and_one_warning_line(http_server):  # noqa: F811
    server, base, _ = http_server
    url = base + "/slack/events"
    good = sign(COMMAND.body, SECRET)
    refused = {
        "a non-numeric timestamp": {"x-slack-request-timestamp": "abc", "x-slack-signature": "v0=00"},
        "a non-numeric timestamp, no signature": {"x-slack-request-timestamp": "abc"},
        "a non-numeric timestamp on an interaction": {"x-slack-request-timestamp": "1e9",
                                                     "x-slack-signature": good["x-slack-signature"]},
        "a huge timestamp": {"x-slack-request-timestamp": "9" * 5000, "x-slack-signature": "v0=00"},
        "no timestamp": {"x-slack-signature": good["x-slack-signature"]},
        "no signature": {"x-slack-request-timestamp": good["x-slack-request-timestamp"]},
        "a wrong signature": {**good, "x-slack-signature": "v0=" + "0" * 64},
        "a stale timestamp": sign(COMMAND.body, SECRET, time.time() - 600),
        "a future timestamp": sign(COMMAND.body, SECRET, time.time() + 600),
        "another secret": sign(COMMAND.body, "f" * 32),
    }
    answers = {why: send(url, headers) for why, headers in refused.items()}
    assert answers == {why: 401 for why in refused}
    assert post_http(url, COMMAND, secret=SECRET).status == 200  # Slack's own still answered
    assert server.stop() == 0
    log = "".join(server.lines)
    assert "Traceback" not in log and " ERROR " not in log and "listener failed" not in log
    warnings = [line for line in log.splitlines() if "refused with 401" in line]
    assert len(warnings) == 1 and " WARNING " in warnings[0]  # the first one, the rest counted for the next line
    assert SECRET not in log and "abc" not in log and "v0=00" not in log
