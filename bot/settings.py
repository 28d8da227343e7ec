"""One settings object: secrets and paths from the environment, everything else from one
YAML file (`headwork.yml` by default) an admin can read in one sitting.

A missing file means defaults; an invalid one is refused with the file, the field and the
reason. Secrets are `SecretStr`, so they never show up in a repr, a log line or an error.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError, field_validator,
                      model_validator)
from pydantic_settings import BaseSettings, SettingsConfigDict

from .zones import HINT as ZONE_HINT
from .zones import canonical_zone

SLACK_ID = r"^[UWB][A-Z0-9]{2,}$"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _user_id(value: str) -> str:
    if not re.match(SLACK_ID, value):
        raise ValueError(f"'{value}' is not a Slack user id (like U012ABC3DEF: in Slack, the person's profile "
                         "→ ⋯ → Copy member ID)")
    return value


# A Slack user id in headwork.yml: an email, a name or "@someone" there would match nobody, silently
# (an admin without admin rights, a digest that goes to no one), so it is refused with the field.
SlackUserId = Annotated[str, AfterValidator(_user_id)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_tz(value: str) -> str:
    """The zone's canonical name ('europe/berlin' is Europe/Berlin); refused unless a region/city or UTC."""
    canonical = canonical_zone(value)
    if canonical is not None:
        return canonical
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{value}' ({ZONE_HINT})") from None
    raise ValueError(f"'{value}' is not a place's time zone ({ZONE_HINT})")


def _clock_time(value: object) -> object:
    """A time of day as written in headwork.yml; unquoted, YAML reads 10:30 as the number 630 (base 60),
    which would be taken as seconds (00:10:30): refused, saying to quote it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError('write the time in quotes, like "10:30" (unquoted, YAML reads 10:30 as a number)')
    return value


ClockTime = Annotated[dtime, BeforeValidator(_clock_time)]


class Team(_Section):
    name: str = Field(min_length=1)
    manager: SlackUserId
    members: list[SlackUserId] = []


class OrgConfig(_Section):
    timezone: str = "UTC"
    admins: list[SlackUserId] = []
    teams: list[Team] = []

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_tz(v)))

    def manages(self, manager_id: str, user_id: str) -> bool:
        return any(user_id in t.members for t in self.teams_led_by(manager_id))

    def teams_led_by(self, manager_id: str) -> list[Team]:
        return [t for t in self.teams if t.manager == manager_id]


class ScoringConfig(_Section):
    value_model: Path | None = None  # None: the model shipped with Headwork
    rescore_minutes: int = Field(default=60, ge=1, le=24 * 60)


class AIConfig(_Section):
    model: str = "claude-haiku-4-5"
    batch_size: int = Field(default=40, ge=1, le=200)
    categorize_minutes: int = Field(default=5, ge=1, le=24 * 60)
    daily_token_budget: int = Field(default=2_000_000, ge=0)
    timeout_seconds: float = Field(default=60, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    batch_api_threshold: int = Field(default=2_000, ge=1)  # backfills this large go through Message Batches
    # USD per million tokens (Claude Haiku 4.5 list prices)
    price_input: float = Field(default=1.00, ge=0)
    price_output: float = Field(default=5.00, ge=0)
    price_cache_read: float = Field(default=0.10, ge=0)
    price_cache_write: float = Field(default=1.25, ge=0)


class WorkslopConfig(_Section):
    reactions: list[str] = ["workslop"]
    hourly_rate: float = Field(default=75.0, ge=0)
    currency: str = "USD"
    daily_cap: int = Field(default=10, ge=1)
    k_anonymity: int = Field(default=3, ge=1)
    author_note: bool = False


class DigestConfig(_Section):
    recipients: list[SlackUserId] = []
    usergroup: str | None = None
    day: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"
    time: ClockTime = dtime(9, 0)
    # --- digest ---
    enabled: bool = True
    high_value_points: float = Field(default=100.0, ge=0)  # "overdue high-value" and "stuck" start here
    stuck_days: int = Field(default=14, ge=1, le=365)
    chart: bool = True


class AsanaConfig(_Section):
    token_env: str = "ASANA_TOKEN"
    workspace: str | None = None
    projects: list[str] = []
    sync_minutes: int = Field(default=10, ge=1)
    base_url: str = "https://app.asana.com/api/1.0"


class SourcesConfig(_Section):
    asana: AsanaConfig | None = None


# --- agendas ----------------------------------------------------------------------------------

CHANNEL_ID = r"^[CG][A-Z0-9]{2,}$"
MEETING_ID = r"^[a-z0-9][a-z0-9_-]{0,39}$"


def _channel_id(value: str) -> str:
    if not re.match(CHANNEL_ID, value):
        raise ValueError(f"'{value}' is not a Slack channel id (like C0123ABCD: in Slack, the channel's details → "
                         "the bottom of the About tab); a channel's name can change, its id cannot")
    return value


def _meeting_id(value: str) -> str:
    if not re.match(MEETING_ID, value):
        raise ValueError(f"'{value}' is not a meeting id: up to 40 lowercase letters, digits, - and _, starting "
                         "with a letter or digit (it keys each agenda, so it must not change)")
    return value


class MeetingConfig(_Section):
    """One meeting series whose agenda Headwork posts (the `meetings:` list of headwork.yml).

    Exactly one recurrence: weekly `days` + `time`, an iCalendar `rrule` (+ `time` unless the rule
    has BYHOUR; `starts` anchors INTERVAL>1 rules), or an `ics` file path / http(s) URL (the
    calendar's own times, moves and cancellations win; `ics_match` keeps only the events whose
    title contains it, and every occurrence of their series). Times are wall-clock times in `timezone`
    (default: the org's), so a DST change never moves the meeting. The scope narrows the open
    tasks an agenda draws from: the attendees' tasks, in `project`, carrying any of `tags` —
    every given part must hold; at least one part is needed.
    """

    id: Annotated[str, AfterValidator(_meeting_id)]
    name: str = Field(min_length=1, max_length=80)
    channel: Annotated[str, AfterValidator(_channel_id)]
    days: list[Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]] = []
    time: ClockTime | None = None
    rrule: str | None = None
    starts: date | None = None
    ics: str | None = None
    ics_match: str | None = None
    timezone: str | None = None
    lead_minutes: int = Field(default=30, ge=5, le=24 * 60)
    attendees: list[SlackUserId] = []
    project: str | None = None
    tags: list[str] = []
    max_items: int = Field(default=7, ge=1, le=20)
    owner: SlackUserId | None = None

    _tz = field_validator("timezone")(classmethod(lambda cls, v: v if v is None else _check_tz(v)))

    @field_validator("rrule")
    @classmethod
    def _rule(cls, rule: str | None) -> str | None:
        if rule is None:
            return None
        from dateutil.rrule import rrulestr

        text = rule.strip()
        body = text[6:] if text.upper().startswith("RRULE:") else text
        try:
            rrulestr(body, dtstart=datetime(2026, 1, 5))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not an iCalendar RRULE ({exc}); e.g. FREQ=WEEKLY;BYDAY=MO,TH") from None
        if "FREQ=" not in body.upper():
            raise ValueError("an RRULE needs FREQ=..., e.g. FREQ=WEEKLY;BYDAY=MO,TH")
        return body

    @field_validator("ics")
    @classmethod
    def _ics(cls, ics: str | None) -> str | None:
        if ics is None:
            return None
        if not ics.strip():
            raise ValueError("give a file path or an http(s):// URL")
        if "://" in ics and not ics.startswith(("http://", "https://")):
            raise ValueError("only http:// and https:// calendar URLs (or a file path) are supported")
        return ics.strip()

    @field_validator("ics_match")
    @classmethod
    def _ics_match(cls, text: str | None) -> str | None:
        if text is not None and not text.strip():
            raise ValueError("give the words the meeting's events are named with, e.g. \"Team standup\"")
        return None if text is None else text.strip()

    @model_validator(mode="after")
    def _one_recurrence(self) -> "MeetingConfig":
        kinds = [k for k, given in (("days", bool(self.days)), ("rrule", self.rrule is not None),
                                    ("ics", self.ics is not None)) if given]
        if len(kinds) != 1:
            raise ValueError("give exactly one recurrence: `days` + `time`, `rrule`, or `ics`"
                             + (f" (found {', '.join(kinds)})" if kinds else ""))
        if kinds == ["days"] and self.time is None:
            raise ValueError("weekly `days` need a `time` (HH:MM, in the meeting's time zone)")
        if kinds == ["rrule"] and self.time is None and "BYHOUR" not in self.rrule.upper():
            raise ValueError("an `rrule` needs a `time` (HH:MM), or BYHOUR/BYMINUTE in the rule")
        if self.ics_match is not None and self.ics is None:
            raise ValueError("`ics_match` picks events of an `ics` calendar: give `ics` too, or drop it")
        if not (self.attendees or self.project or self.tags):
            raise ValueError("give a scope: `attendees`, `project` and/or `tags`")
        return self


class FileConfig(_Section):
    org: OrgConfig = OrgConfig()
    scoring: ScoringConfig = ScoringConfig()
    ai: AIConfig = AIConfig()
    workslop: WorkslopConfig = WorkslopConfig()
    meetings: list[MeetingConfig] = []
    digest: DigestConfig = DigestConfig()
    sources: SourcesConfig = SourcesConfig()

    @model_validator(mode="before")
    @classmethod
    def _empty_sections(cls, data: object) -> object:
        """A section with nothing but comments under it (`org:` then `# admins: [...]`) means its defaults."""
        if isinstance(data, dict):
            empty = {name: [] if name == "meetings" else {} for name in cls.model_fields}
            return {k: empty[k] if v is None and k in empty else v for k, v in data.items()}
        return data

    @field_validator("meetings")
    @classmethod
    def _unique_meetings(cls, meetings: list[MeetingConfig]) -> list[MeetingConfig]:
        seen: set[str] = set()
        for m in meetings:
            if m.id in seen:
                raise ValueError(f"two meetings have the id '{m.id}'")
            seen.add(m.id)
        return meetings


class Env(BaseSettings):
    """What comes from the environment. Nothing else reads os.environ."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    headwork_db: Path = Path("headwork.db")
    headwork_config: Path = Path("headwork.yml")
    slack_api_url: str = "https://slack.com/api/"

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        # Only what the composition root hands in: tests and the demo never see the real env.
        return (init_settings,)


class ConfigError(Exception):
    """An invalid configuration: the message names the file, the field and the problem."""


class Settings(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    env: Env
    config: FileConfig
    config_path: Path
    config_found: bool

    @property
    def org(self) -> OrgConfig:
        return self.config.org

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.config.org.admins

    def may_view(self, viewer: str, person: str) -> bool:
        """Whose tasks someone may see: their own, anyone's for an admin, their team's for a manager
        (`/top5 @someone`, and the attendees of an agenda its owner sets up)."""
        return viewer == person or self.is_admin(viewer) or self.config.org.manages(viewer, person)


def _field(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(error: dict) -> str:
    """A validation error's text: our own checks' messages without pydantic's "Value error, " prefix."""
    raised = (error.get("ctx") or {}).get("error")
    return str(raised) if isinstance(raised, ValueError) else error["msg"]


def parse_config(data: object, path: Path) -> FileConfig:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the file must be a YAML mapping (org:, scoring:, ai:, ...)")
    try:
        return FileConfig.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}: {_field(e['loc'])}: {_message(e)}" for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from None


def load_config(path: Path) -> tuple[FileConfig, bool]:
    if not path.exists():
        return FileConfig(), False
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise ConfigError(f"{path}: {where}not valid YAML ({getattr(exc, 'problem', exc)})") from None
    config = parse_config(data, path)
    if config.scoring.value_model is not None and not config.scoring.value_model.is_absolute():
        # a relative model path is relative to the config file, not to wherever we were started
        scoring = config.scoring.model_copy(update={"value_model": path.parent / config.scoring.value_model})
        config = config.model_copy(update={"scoring": scoring})
    return config, True


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (the composition root passes os.environ)."""
    environ = dict(environ or {})
    lowered = {k.lower(): v for k, v in environ.items()}
    try:
        env = Env(**{k: v for k, v in lowered.items() if k in Env.model_fields})
    except ValidationError as exc:
        lines = [f"environment: {_field(e['loc']).upper()}: {_message(e)}" for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from None
    config, found = load_config(env.headwork_config)
    return Settings(env=env, config=config, config_path=env.headwork_config, config_found=found)


# --- what `headwork run` needs from the environment ------------------------------------------

_TOKEN_SHAPES = {
    "slack_bot_token": ("SLACK_BOT_TOKEN", "xoxb-", "the Bot User OAuth Token (OAuth & Permissions)"),
    "slack_app_token": ("SLACK_APP_TOKEN", "xapp-", "an app-level token with connections:write (Basic Information)"),
}


class SlackCredentials(BaseModel):
    model_config = ConfigDict(frozen=True)

    bot_token: SecretStr
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None

    def secrets(self) -> list[str]:
        return [s.get_secret_value() for s in (self.bot_token, self.app_token, self.signing_secret) if s]


def _secret(env: Env, field: str) -> str:
    value = getattr(env, field)
    return value.get_secret_value().strip() if value is not None else ""


def slack_credentials(settings: Settings, http: bool) -> SlackCredentials:
    """The tokens `headwork run` needs, or one ConfigError line naming the variable and what is
    wrong with it, never its value. Socket Mode: bot + app token; HTTP: bot token + signing secret."""
    needed = ["slack_bot_token", "slack_app_token"] if not http else ["slack_bot_token"]
    for field in needed:
        name, prefix, what = _TOKEN_SHAPES[field]
        value = _secret(settings.env, field)
        if not value:
            raise ConfigError(f"environment: {name}: not set ({what}, starting with {prefix})")
        if not value.startswith(prefix):
            raise ConfigError(f"environment: {name}: does not look like {what} (it should start with {prefix})")
        if any(c.isspace() or not c.isascii() or not c.isprintable() for c in value):  # "xoxb-…" from the README
            raise ConfigError(f"environment: {name}: does not look like {what} (it holds a space or a character a "
                              "token never has: copy the whole token again)")
        if len(value) < len(prefix) + 8:
            raise ConfigError(f"environment: {name}: does not look like {what} (too short: copy the whole token)")
    secret = _secret(settings.env, "slack_signing_secret")
    if http and not secret:
        raise ConfigError("environment: SLACK_SIGNING_SECRET: not set (HTTP mode verifies every request with "
                          "the Signing Secret from Basic Information)")
    if http and (len(secret) != 32 or not all(c in "0123456789abcdefABCDEF" for c in secret)):  # a character
        # lost in a copy would make every request fail its signature check: 401 for all, and nothing said
        raise ConfigError("environment: SLACK_SIGNING_SECRET: does not look like a Slack signing secret "
                          "(32 hexadecimal characters, from Basic Information)")
    return SlackCredentials(bot_token=_secret(settings.env, "slack_bot_token"),
                            app_token=_secret(settings.env, "slack_app_token") or None if not http else None,
                            signing_secret=secret or None)
