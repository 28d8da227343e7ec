"""Who people are: time zones and names from `users.info`, Slack ids from emails via
`users.lookupByEmail`. Everything is cached in the database; Slack is asked only when the
cache is missing or stale, and never before an acknowledgement."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from scoring.store import TaskStore

from .store_people import PeopleStore, PersonRecord

log = logging.getLogger(__name__)

PROFILE_TTL = timedelta(days=1)
MATCHED_TTL = timedelta(days=7)
UNKNOWN_TTL = timedelta(hours=6)
NOT_FOUND_TTL = timedelta(hours=1)  # an id Slack does not know (a typo in headwork.yml) is asked again after


class Directory:
    def __init__(self, store: TaskStore, client: WebClient, default_tz: str):
        self.store = store
        self.people = PeopleStore(store)
        self.client = client
        self.default_tz = ZoneInfo(default_tz)
        # what the people table says, kept in memory: every /top5 needs the viewer's zone, and
        # this process is the only writer (`refresh`, `forget` keep it current)
        self._known: dict[str, PersonRecord | None] = {}
        self._not_found: dict[str, datetime] = {}  # user_not_found, and when Slack said so
        self._said_not_found: set[str] = set()  # ids already named in a warning (once per process)
        self._unreachable_said: datetime | None = None  # when it was said Slack cannot be reached (None: it answers)

    def person(self, user_id: str) -> PersonRecord | None:
        try:
            return self._known[user_id]
        except KeyError:
            record = self._known[user_id] = self.people.get(user_id)
            return record

    def cached_tz(self, user_id: str) -> ZoneInfo | None:
        person = self.person(user_id)
        if person is None or not person.tz:
            return None
        try:
            return ZoneInfo(person.tz)
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def tz_for(self, user_id: str) -> ZoneInfo:
        """The cached time zone, or the organisation's until Slack has told us."""
        return self.cached_tz(user_id) or self.default_tz

    def name_for(self, user_id: str) -> str:
        person = self.person(user_id)
        return person.name if person and person.name else user_id

    def is_fresh(self, user_id: str, now: datetime) -> bool:
        person = self.person(user_id)
        return person is not None and now - person.fetched_at < PROFILE_TTL

    def forget(self, user_id: str) -> None:
        self.people.forget(user_id)
        self._known.pop(user_id, None)

    def refresh(self, user_id: str, now: datetime) -> ZoneInfo | None:
        """Ask Slack (users.info) and cache the answer. Returns the time zone, if known; None when
        Slack cannot say now (the cached profile stays). An id Slack does not know is not asked
        again for NOT_FOUND_TTL (or until a user_change / team_join brings it), and named once."""
        missing = self._not_found.get(user_id)
        if missing is not None and timedelta(0) <= now - missing < NOT_FOUND_TTL:
            return None
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in ("user_not_found", "users_not_found"):
                self._not_found[user_id] = now
                if user_id not in self._said_not_found:
                    self._said_not_found.add(user_id)
                    log.warning("users.info: Slack knows no user %s (%s); is the id in headwork.yml right? "
                                "Asked again every hour", user_id, error)
                return None
            log.warning("users.info failed for %s: %s", user_id, error)
            return None
        except (SlackClientError, OSError) as exc:  # Slack unreachable: said once per outage, not per person
            if self._unreachable_said is None:
                self._unreachable_said = now
                log.warning("users.info: Slack cannot be reached (%s); cached profiles are used meanwhile",
                            type(exc).__name__)
            return None
        self._unreachable_said = None
        self.remember({**user, "id": user_id}, now)
        return self.cached_tz(user_id)

    def remember(self, user: dict, now: datetime, changed_ts: float | None = None) -> PersonRecord | None:
        """Cache a Slack user object (users.info's, or a `user_change` event's); None when it is
        not one (no id). `changed_ts`: when Slack made the change (an event's time); by default the
        object's own `updated`."""
        user_id = user.get("id")
        if not isinstance(user_id, str) or not user_id:
            return None
        name = user.get("real_name") or _profile(user).get("real_name") or user.get("name") or ""
        tz = user.get("tz") if isinstance(user.get("tz"), str) else None
        if changed_ts is None:
            changed_ts = unix_time(user.get("updated"))
        self.people.put(user_id, str(name), tz, bool(user.get("is_bot")), bool(user.get("deleted")), now, changed_ts)
        self._known.pop(user_id, None)
        self._not_found.pop(user_id, None)  # Slack told us of them (a team_join): they exist now
        return self.person(user_id)

    # --- identity: tasks owned by email ----------------------------------------------------

    def learn_email(self, user: dict, person: PersonRecord, now: datetime) -> int:
        """The email of a Slack user object (an event's: `users:read.email` puts it in the profile)
        is theirs: the open tasks owned by it become theirs, unless it is already known as theirs
        (then an import or the sync gave them their tasks as they came). Returns how many."""
        email = _profile(user).get("email")
        if not isinstance(email, str) or "@" not in email or person.is_bot or person.deleted:
            return 0
        email = email.strip().lower()
        known = self.store.identity(email)
        if known is not None and known[0] == person.slack_id and known[1] == "matched":
            return 0
        self.store.remember_identity(email, person.slack_id, now)
        given = self.store.assign_email(email, person.slack_id)
        if given:
            log.info("a new email matched: %d open task(s) given to their Slack user", given)
        return given

    def match_emails(self, now: datetime, limit: int = 200) -> dict:
        """Match task owners' emails to Slack users. Unknown emails are listed, never guessed.

        At most `limit` emails are asked of Slack per run: those never asked first, then those
        asked longest ago, so each gets its turn however many there are; an answer is never asked
        again before it is stale (`MATCHED_TTL`, `UNKNOWN_TTL`), and a fresh one costs no call."""
        matched = unknown = skipped = waiting = 0
        for email, slack_id, status, looked_up_at in self.store.emails_without_owner_stalest_first():
            if status is not None:
                age = now - datetime.fromisoformat(looked_up_at)
                if status == "matched" and age < MATCHED_TTL and slack_id:
                    person = self.person(slack_id)
                    if person is not None and person.deleted:  # deactivated before emails were marked
                        self.store.remember_identity(email, slack_id, now, left=True)
                    else:
                        self.store.assign_email(email, slack_id)
                    skipped += 1
                    continue
                if status == "unknown" and age < UNKNOWN_TTL:
                    skipped += 1
                    continue
                if status == "left" and age < MATCHED_TTL:
                    skipped += 1  # a deactivated account's: its tasks stay in *Tasks nobody owns*
                    continue
            if matched + unknown >= limit:
                waiting += 1  # the next run's, first in line then
                continue
            slack_id = self.lookup_email(email, now)
            person = self.person(slack_id) if slack_id else None
            left = person is not None and person.deleted
            self.store.remember_identity(email, slack_id, now, left=left)
            if slack_id and not left:
                self.store.assign_email(email, slack_id)
                matched += 1
            else:
                unknown += 1
        return {"matched": matched, "unknown": unknown, "cached": skipped, "waiting": waiting}

    def lookup_email(self, email: str, now: datetime) -> str | None:
        """The Slack user with this email (remembered: name, time zone, whether deactivated), or None."""
        try:
            user = self.client.users_lookupByEmail(email=email)["user"]
            if isinstance(user, dict) and isinstance(user.get("id"), str):
                self.remember(user, now)
                return user["id"]
            return None
        except SlackApiError as exc:
            if exc.response.get("error") != "users_not_found":
                log.warning("users.lookupByEmail failed: %s", exc.response.get("error"))
            return None


def unix_time(value: object) -> float | None:
    """A Unix time Slack gave (`1772438400`, an event_ts `"1772438400.000100"`), or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    return float(value) if isinstance(value, (int, float)) and 0 < value < 1e11 else None


def _profile(user: dict) -> dict:
    """A Slack user object's profile ({} when it has none, or not as a dict)."""
    profile = user.get("profile")
    return profile if isinstance(profile, dict) else {}
