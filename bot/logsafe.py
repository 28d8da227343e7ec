"""Secrets never reach a log line: a filter on every handler that blanks the secret values
`headwork run` holds (and anything shaped like a Slack or Anthropic token), whatever logged it."""

from __future__ import annotations

import logging
import re

_TOKEN_SHAPE = re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{8,}|sk-ant-[A-Za-z0-9_-]{8,})")
REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: let logging report it as it always does
            return True
        clean = self.scrub(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def install(secrets: list[str]) -> RedactSecrets:
    """Add the filter to every handler of the root logger (and to the root itself)."""
    redactor = RedactSecrets(secrets)
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(redactor)
    return redactor
