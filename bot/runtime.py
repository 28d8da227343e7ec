"""What every CLI command needs, built once, lazily: settings, store, value model, clock.

This is the composition root's toolbox: the only place that opens the database and uses
the real clock. Logic below it receives `now` or a clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import cached_property
from zoneinfo import ZoneInfo

from scoring.model import ValueModel, load_model
from scoring.store import TaskStore

from .settings import Settings, load_settings

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def clock_from_environ(environ: dict[str, str]) -> Clock | None:
    """`HEADWORK_NOW` (tests only, e.g. `2026-03-02T09:35:00+01:00`): a clock that starts at that
    instant and then runs at real speed, so a child `headwork run` meets a meeting's post time or a
    digest's send time on cue. None when unset; ConfigError when it is not an ISO time with an offset."""
    raw = environ.get("HEADWORK_NOW", "").strip()
    if not raw:
        return None
    from .settings import ConfigError

    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        start = None
    if start is None or start.utcoffset() is None:
        raise ConfigError(f"environment: HEADWORK_NOW: {raw!r} is not an ISO 8601 time with an offset "
                          "(e.g. 2026-03-02T09:35:00+01:00)")
    started = time.monotonic()
    return lambda: (start + timedelta(seconds=time.monotonic() - started)).astimezone(timezone.utc)


class Runtime:
    def __init__(self, environ: dict[str, str], clock: Clock = system_clock, anthropic_http_client=None):
        self.environ = environ
        self.clock = clock
        self.anthropic_http_client = anthropic_http_client  # tests: an httpx2.Client with a MockTransport

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.environ)

    @cached_property
    def store(self) -> TaskStore:
        return TaskStore(self.settings.env.headwork_db)

    @cached_property
    def model(self) -> ValueModel:
        return load_model(self.settings.config.scoring.value_model)

    @cached_property
    def asana_client(self):
        """The official Asana client for `sources.asana`, its token read from the variable the
        config names. ConfigError (exit 2) when Asana is not configured or the token is missing."""
        from scoring.sources.asana_sync import make_client

        from .settings import ConfigError

        asana = self.settings.config.sources.asana
        if asana is None or not asana.projects:
            raise ConfigError(f"{self.settings.config_path}: sources.asana.projects: no Asana projects to follow "
                              "(add sources: asana: projects: [<project gid>, ...])")
        token = self.environ.get(asana.token_env, "").strip()
        if not token:
            raise ConfigError(f"environment: {asana.token_env}: not set (the Asana personal access token; "
                              "the variable's name comes from sources.asana.token_env)")
        return make_client(asana.base_url, token)

    @cached_property
    def categorizer(self):
        """Claude when ANTHROPIC_API_KEY is set, else the offline rules. Either way nothing
        in a Slack handler waits on it: the scheduler runs it (see scoring.categorize)."""
        from scoring.rules import RulesCategorizer

        key = self.settings.env.anthropic_api_key
        if key is None or not key.get_secret_value().strip():
            return RulesCategorizer()
        import anthropic

        from scoring.claude import ClaudeCategorizer

        ai = self.settings.config.ai
        client = anthropic.Anthropic(
            api_key=key.get_secret_value().strip(),
            # explicit, so the SDK never falls back to reading the process environment itself
            base_url=self.settings.env.anthropic_base_url or "https://api.anthropic.com",
            http_client=self.anthropic_http_client, max_retries=ai.max_retries, timeout=ai.timeout_seconds)
        return ClaudeCategorizer(client, ai.model)

    def categorizer_status(self) -> dict:
        """What the App Home and `headwork categorize` show: judge, queue, tokens, budget."""
        from scoring.categorize import status

        return status(self.store, self.settings.config.ai, self.now(), self.categorizer)

    @property
    def org_tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.org.timezone)

    def now(self) -> datetime:
        """The real time, in the organisation's time zone."""
        return self.clock().astimezone(self.org_tz)
