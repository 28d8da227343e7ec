"""`headwork run`: the Slack app, its scheduler and its outbox, in one process.

Socket Mode by default (SLACK_BOT_TOKEN, SLACK_APP_TOKEN); `--http` serves Slack's requests
on granian, a production HTTP server (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET). SIGTERM or Ctrl-C
stops it cleanly: no new work is taken, the scheduler and outbox stop, queued messages wait
in the database for the next start.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from slack_sdk.errors import SlackApiError, SlackClientError

from .. import logsafe
from ..http_server import DEFAULT_THREADS
from ..service import Service
from ..settings import slack_credentials

log = logging.getLogger("headwork.run")

APP_TOKEN_REFUSED = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
                     "not_allowed_token_type", "missing_scope", "invalid_token"}


def register(sub) -> None:
    p = sub.add_parser("run", help="run the Slack app (Socket Mode; --http for HTTP), the scheduler and the outbox")
    p.add_argument("--http", action="store_true", help="serve Slack's HTTP requests instead of Socket Mode")
    p.add_argument("--host", default="0.0.0.0", help="HTTP mode: address to listen on (default 0.0.0.0)")
    p.add_argument("--port", type=int, default=3000, help="HTTP mode: port (default 3000; 0 picks a free one)")
    p.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                   help=f"HTTP mode: Python threads running requests (default {DEFAULT_THREADS})")
    p.set_defaults(handler=run)


def run(args, runtime) -> int:
    credentials = slack_credentials(runtime.settings, http=args.http)
    logsafe.install(credentials.secrets() + _other_secrets(runtime))
    service = Service.build(runtime, credentials, http=args.http)
    sdk_log = logging.getLogger("slack_sdk.web.base_client")
    quiet = _ErrorsSaidOnce()  # slack_sdk logs each failed try before raising: the one line below says it
    sdk_log.addFilter(quiet)
    try:
        who = service.check_token()
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error") if exc.response is not None else "unknown_error"
        print(f"headwork: Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token of this "
              "app from OAuth & Permissions", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"headwork: cannot reach Slack at {runtime.settings.env.slack_api_url} ({type(exc).__name__}); "
              "check the network or SLACK_API_URL", file=sys.stderr)
        return 1
    finally:
        sdk_log.removeFilter(quiet)
    try:  # what the operator must fix is said before anything starts: a taken port, a refused app token
        transport = service.listen(args.host, args.port, args.threads) if args.http else service.connect()
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error") if exc.response is not None else "unknown_error"
        if error not in APP_TOKEN_REFUSED:
            print(f"headwork: Slack could not open the Socket Mode connection ({error}); try again in a minute",
                  file=sys.stderr)
            return 1
        print(f"headwork: Slack refused SLACK_APP_TOKEN ({error}): generate an app-level token of this app with "
              "the connections:write scope (Basic Information → App-Level Tokens)", file=sys.stderr)
        return 2
    except (OSError, SlackClientError) as exc:
        if args.http:
            errno = getattr(exc, "errno", None)
            why = os.strerror(errno) if errno and errno > 0 else getattr(exc, "strerror", None) or type(exc).__name__
            print(f"headwork: cannot listen on {args.host}:{args.port} ({why}); stop what uses that port "
                  "or pick another with --port", file=sys.stderr)
        else:
            print(f"headwork: cannot open Slack's Socket Mode connection ({type(exc).__name__}); check the network",
                  file=sys.stderr)
        return 1
    stop = threading.Event()
    _on_signals(stop)
    log.info("connected to workspace %s as %s", who.get("team", "?"), who.get("user", "?"))
    if not runtime.settings.config.org.admins:
        log.warning("no org.admins in %s: nobody sees the tasks handed back with Not mine or left by a "
                    "deactivated account, nor hears of agendas Slack refuses; add your Slack member id there",
                    runtime.settings.config_path)
    try:
        service.start()
        (service.serve_http if args.http else service.serve_socket_mode)(transport, stop)
    finally:
        service.stop()
    log.info("stopped")
    return 0


def _other_secrets(runtime) -> list[str]:
    key = runtime.settings.env.anthropic_api_key
    return [key.get_secret_value()] if key is not None else []


def _on_signals(stop: threading.Event) -> None:
    def handler(signum, frame):
        log.info("signal %s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


class _ErrorsSaidOnce(logging.Filter):
    """Keeps slack_sdk's ERROR lines about a failed try out of the log while `run` checks the token:
    what failed is then said in one line, with what to do."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR
