"""What every CLI command needs, built once, lazily: settings, store, value model, clock.

This is the composition root's toolbox: the only place that opens the database and uses
the real clock. Logic below it receives `now` or a clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from functools import cached_property
from zoneinfo import ZoneInfo

from scoring.model import ValueModel, load_model
from scoring.store import TaskStore

from .settings import Settings, load_settings

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class Runtime:
    def __init__(self, environ: dict[str, str], clock: Clock = system_clock):
        self.environ = environ
        self.clock = clock

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.environ)

    @cached_property
    def store(self) -> TaskStore:
        return TaskStore(self.settings.env.headwork_db)

    @cached_property
    def model(self) -> ValueModel:
        return load_model(self.settings.config.scoring.value_model)

    @property
    def org_tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.org.timezone)

    def now(self) -> datetime:
        """The real time, in the organisation's time zone."""
        return self.clock().astimezone(self.org_tz)
