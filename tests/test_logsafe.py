"""Secrets never reach a log line, whoever logs them and however."""

from __future__ import annotations

import logging

from bot.logsafe import RedactSecrets

SECRET = "0123456789abcdef0123456789abcdef"


def test_known_secrets_and_token_shapes_are_blanked(caplog):
    log = logging.getLogger("test.logsafe")
    log.addFilter(RedactSecrets([SECRET]))
    with caplog.at_level(logging.INFO, logger="test.logsafe"):
        log.info("signing with %s", SECRET)
        log.info("header Authorization: Bearer xoxb-1234567890-abcdefghij")
        log.info("app token xapp-1-A0123-4567-abcdef and key sk-ant-api03-abcdefghijkl")
        try:
            raise ValueError(f"bad secret {SECRET}")
        except ValueError:
            log.exception("failed")
    text = caplog.text
    assert SECRET not in text and "xoxb-1234567890" not in text and "xapp-1-A0123" not in text
    assert "sk-ant-api03" not in text
    assert text.count("[redacted]") >= 5
    assert "signing with [redacted]" in text


def test_serving_requests_never_silences_headworks_own_log_lines(slack, caplog):
    import logging

    from bot.cli import quiet_libraries

    quiet_libraries(verbose=False)  # as `headwork run` does: Bolt's own lines at WARNING
    assert slack.command("U0DEMOCEO", "/top5").status == 200
    assert logging.getLogger("headwork").level == logging.NOTSET
    with caplog.at_level(logging.INFO):
        logging.getLogger("headwork.a_logger_first_used_later").info("still heard")
    assert "still heard" in caplog.text
