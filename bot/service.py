"""What `headwork run` assembles: the Bolt app, its dependencies, the scheduler with every
feature's jobs, the outbox worker, and the transport (Socket Mode or HTTP).

The composition root (`bot.commands.run`) builds it from the Runtime; tests build the same
Service against the loopback Slack."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from slack_bolt import App

from .app import create_app
from .deps import Deps, build_deps
from .outbox import OutboxLease
from .scheduler import build_scheduler, scoring_jobs, slack_jobs
from .settings import ConfigError, SlackCredentials
from .slack_client import make_web_client

log = logging.getLogger("headwork.service")


class DatabaseInUse(ConfigError):
    """Another live `headwork run` holds this database's outbox lease (said as one `headwork:` line)."""

    def __init__(self, holder, path: str):
        super().__init__(f"another headwork run (pid {holder.pid} on {holder.host}) is using {path}: "
                         "run one process per database")


@dataclass
class Service:
    runtime: object
    deps: Deps
    app: App
    http: bool
    app_token: str | None = None
    scheduler: object = None
    lease: OutboxLease | None = None

    @classmethod
    def build(cls, runtime, credentials: SlackCredentials, http: bool) -> "Service":
        settings = runtime.settings
        client = make_web_client(credentials.bot_token.get_secret_value(), settings.env.slack_api_url)
        sdk_log = logging.getLogger("slack_sdk.web.base_client")
        if not any(isinstance(f, _UnreachableSaidByHeadwork) for f in sdk_log.filters):
            sdk_log.addFilter(_UnreachableSaidByHeadwork())
        deps = build_deps(settings, runtime.store, client, runtime.clock, model=runtime.model,
                          status=runtime.categorizer_status, complete_upstream=_upstream(runtime))
        # One process per database: two would each run the scheduler and the outbox (two agendas, two
        # digests). Refused here, before anything connects, with the one line an operator needs.
        lease = OutboxLease(runtime.store)
        holder = lease.live_holder()
        if holder is not None:
            raise DatabaseInUse(holder, runtime.store.path)
        app = create_app(deps, http=http)
        token = credentials.app_token.get_secret_value() if credentials.app_token else None
        return cls(runtime, deps, app, http, token, lease=lease)

    def check_token(self) -> dict:
        """auth.test: fails fast, with Slack's own error, when the bot token is wrong."""
        return self.deps.client.auth_test().data

    def jobs(self) -> list:
        from .commands.sync import source_jobs
        from .digest.service import digest_jobs

        from .agenda import agenda_jobs
        from .workslop.author_notes import workslop_jobs

        return (scoring_jobs(self.runtime) + source_jobs(self.runtime) + slack_jobs(self.deps)
                + agenda_jobs(self.deps.agenda) + digest_jobs(self.deps) + workslop_jobs(self.deps))

    def start(self) -> None:
        holder = self.lease.acquire()
        if holder is not None:  # started meanwhile, between build and start
            raise DatabaseInUse(holder, self.runtime.store.path)
        self.lease.keep(on_lost=self.deps.outbox.pause)
        self.deps.outbox.start()
        self.scheduler = build_scheduler(self.runtime.clock, self.jobs(), timezone=self.deps.settings.org.timezone)
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        self.deps.outbox.stop()
        if self.lease is not None and self.lease.held:  # held: the next start needs no wait
            self.lease.release()
        self.deps.background.wait(timeout=10)
        self.deps.background.shutdown()

    def listen(self, host: str, port: int, threads: int):
        """HTTP mode: the server, its port bound (OSError when it cannot be: taken, not allowed)."""
        from .http_server import Serving, make_server

        secret = self.deps.settings.env.slack_signing_secret
        return Serving(make_server(self.app, host, port, threads,
                                   signing_secret=secret.get_secret_value() if secret else None))

    def connect(self):
        """Socket Mode: the WebSocket, open (SlackApiError when Slack refuses the app-level token,
        OSError when Slack cannot be reached); nothing is left running when it fails."""
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        socket_log = logging.getLogger("headwork.socket")
        handler = SocketModeHandler(self.app, app_token=self.app_token, logger=socket_log)
        quiet = _ErrorsRaisedInstead()  # slack_sdk logs a failed connect before raising it: said once, by the caller
        socket_log.addFilter(quiet)
        try:
            handler.connect()
        except BaseException:
            handler.close()
            raise
        finally:
            socket_log.removeFilter(quiet)
        return handler

    def serve_http(self, serving, stop: threading.Event) -> None:
        from .http_server import EVENTS_PATH

        try:
            serving.start()
            log.info("HTTP mode: listening on http://%s:%s%s", serving.server.host, serving.server.effective_port,
                     EVENTS_PATH)
            wait_for(stop)
        finally:
            serving.stop()

    def serve_socket_mode(self, handler, stop: threading.Event) -> None:
        try:
            log.info("Socket Mode: connected; waiting for Slack")
            wait_for(stop)
        finally:
            handler.close()


class _UnreachableSaidByHeadwork(logging.Filter):
    """slack_sdk logs an ERROR for every call that cannot reach Slack (hundreds an hour while it is
    down), then raises it; Headwork's outbox, directory and scheduler say the outage themselves, once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno >= logging.ERROR and isinstance(record.msg, str)
                    and record.msg.startswith("Failed to send a request to Slack API server"))


class _ErrorsRaisedInstead(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR


def wait_for(stop: threading.Event, every: float = 0.25) -> None:
    """Block the main thread until `stop` is set, waking every `every` seconds. Python runs signal
    handlers on the main thread, but the kernel may deliver SIGTERM to any of the process's threads
    (granian's Rust threads among them); a main thread asleep in a plain `wait()` would then never
    run the handler, and `headwork run` would ignore the signal (seen: 11 of 40 quick stops under
    load). Waking up lets the pending handler run within `every`."""
    while not stop.wait(every):
        pass


def _upstream(runtime):
    """Done in Slack -> completed in Asana, when Asana is configured."""
    asana = runtime.settings.config.sources.asana
    if asana is None or not asana.projects:
        return None
    from scoring.sources.asana_sync import complete_upstream

    return lambda task, now: complete_upstream(runtime.store, runtime.asana_client, task, now)
