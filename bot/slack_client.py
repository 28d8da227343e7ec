"""The one way Headwork builds a Slack Web API client: configurable base URL, and retries
for 429 (honouring Retry-After) and connection errors, which slack_sdk does not do by default.

A connection error is retried blindly only when the request can have had no effect: for any
method but a post, or for a post whose connection was refused or whose host name did not
resolve. A post cut off later (a reset, the server hanging up before it answered) may already
be in the channel; that is for the caller to find out (the outbox reads the channel's history),
never for a blind repeat that would post it twice."""

from __future__ import annotations

import socket
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

# Methods that add something each time they are called: the same request twice posts twice.
POSTING_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage", "chat.meMessage",
                             "files.upload", "files.completeUploadExternal"})


def never_left(error: BaseException) -> bool:
    """True when a failed call surely never reached Slack: the client refused it itself, the
    connection was refused, or the host name did not resolve."""
    if isinstance(error, SlackRequestError):
        return True
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, (ConnectionRefusedError, socket.gaierror))


def method_of(url: str) -> str:
    """'chat.postMessage' from 'https://slack.com/api/chat.postMessage?x=1'."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class SafeConnectionErrorRetryHandler(ConnectionErrorRetryHandler):
    """slack_sdk's ConnectionErrorRetryHandler, minus the blind repeat of a post that may have arrived."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        return method_of(request.url) not in POSTING_METHODS or never_left(error)


def make_web_client(token: str, base_url: str = "https://slack.com/api/", timeout: int = 15,
                    max_retries: int = 3) -> WebClient:
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        SafeConnectionErrorRetryHandler(max_retry_count=max_retries),
    ])
