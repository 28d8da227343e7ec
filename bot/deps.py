"""Everything a listener needs, handed to it by name (`deps`) through one Bolt middleware:
no globals, no module state, easy to build in a test."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from scoring.model import ValueModel
from scoring.store import TaskStore
from scoring.tasks import Task

from .directory import Directory
from .outbox import Outbox
from .settings import Settings

log = logging.getLogger(__name__)


class Background:
    """Work that happens after the acknowledgement (Web API calls, refreshes).

    Errors are logged, never raised into Bolt. `wait()` lets tests and the console wait
    until everything submitted so far has finished."""

    def __init__(self, workers: int = 4):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="headwork-after")
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable, *args, **kwargs) -> Future:
        future = self._pool.submit(self._run, fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    @staticmethod
    def _run(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception:
            log.exception("background work %s failed", getattr(fn, "__name__", fn))
            return None

    def wait(self, timeout: float = 10) -> bool:
        """Block until all submitted work (and work it submitted) is done. False on timeout."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return True
            wait_futures(pending, timeout=max(0.0, deadline - time.monotonic()))
        return False

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


@dataclass
class Deps:
    settings: Settings
    store: TaskStore
    model: ValueModel
    client: WebClient
    clock: Callable[[], datetime]
    directory: Directory
    outbox: Outbox
    background: Background = field(default_factory=Background)
    status: Callable[[], dict] | None = None  # categorizer status for admins (name, pending, budget)
    # Done in Slack -> done upstream (the Asana sync's complete_upstream), run after the ack
    complete_upstream: Callable[[Task, datetime], str] | None = None
    agenda: object = None  # bot.agenda.AgendaService, built by build_deps
    events: object = None  # bot.store_events.EventLog: which Events API deliveries were processed

    def now(self) -> datetime:
        return self.clock()

    def now_for(self, user_id: str) -> datetime:
        """Now, in this person's own time zone (cached from users.info; the org's until known)."""
        return self.clock().astimezone(self.directory.tz_for(user_id))

    def is_admin(self, user_id: str) -> bool:
        return self.settings.is_admin(user_id)

    def may_view(self, viewer: str, owner: str) -> bool:
        return self.settings.may_view(viewer, owner)

    def org_tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.org.timezone)


def build_deps(settings: Settings, store: TaskStore, client: WebClient, clock: Callable[[], datetime], *,
               model: ValueModel | None = None, outbox: Outbox | None = None, background: Background | None = None,
               status: Callable[[], dict] | None = None,
               complete_upstream: Callable[[Task, datetime], str] | None = None) -> Deps:
    """Everything the listeners and the scheduled services share, from the four injected parts.

    `model` defaults to the one the settings name; `outbox` and `background` can be handed in so a
    test holds the very objects the app uses (to drain the outbox, or wait for after-ack work)."""
    from scoring.model import load_model

    model = model or load_model(settings.config.scoring.value_model)
    deps = Deps(settings=settings, store=store, model=model, client=client, clock=clock,
                directory=Directory(store, client, settings.org.timezone),
                outbox=outbox or Outbox(store, client, clock),
                background=background or Background(), status=status, complete_upstream=complete_upstream)
    from .agenda import AgendaService
    from .store_events import EventLog

    deps.agenda = AgendaService(settings, store, model, deps.outbox)
    deps.events = EventLog(store)
    return deps
