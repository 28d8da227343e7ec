"""The one way Headwork builds a Slack Web API client: configurable base URL, and retries
for 429 (honouring Retry-After) and connection errors, which slack_sdk does not do by default."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler


def make_web_client(token: str, base_url: str = "https://slack.com/api/", timeout: int = 15,
                    max_retries: int = 3) -> WebClient:
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ConnectionErrorRetryHandler(max_retry_count=max_retries),
    ])
