"""ICS calendars for meetings that follow a calendar feed or file.

A feed is fetched at most every `REFRESH` (it may be a large company calendar, and the agenda
job runs every minute), a failed fetch included; a file is re-read when it changes. When a fetch
fails the last good copy is used and one warning logged for the whole failure streak (saying when
that copy was read), so a flaky calendar server never silences an agenda; `CalendarUnavailable`
only when there has never been a good copy. A feed never read yet is tried again sooner: every
minute for its first `EAGER_FOR`, then less and less often, up to every `REFRESH`.

Only http:// and https:// URLs are fetched (checked in the config), with a timeout; the
base URL is whatever the meeting names, so tests point it at a loopback server.
"""

from __future__ import annotations

import logging
import threading
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

log = logging.getLogger("headwork.calendars")

REFRESH = timedelta(minutes=15)
EAGER_FOR = timedelta(minutes=5)  # a feed never read: tried every minute that long, then backing off
TIMEOUT_SECONDS = 10
MAX_BYTES = 5 * 1024 * 1024


class CalendarUnavailable(Exception):
    """No good copy of a meeting's calendar yet (the message says why, never a secret)."""


class _Streak:
    """A feed's failed fetches in a row: since when, the last try, how many."""

    def __init__(self, now: datetime):
        self.since = self.last = now
        self.tries = 0


class Calendars:
    def __init__(self, base_dir: Path | None = None, clock=None):
        """`clock`: the real time, for when a copy was read (the `now` of `get` may be the start of
        a caller's look-back window); without it, `get`'s `now`."""
        self.base_dir = base_dir or Path(".")
        self.clock = clock
        self._cache: dict[str, tuple[datetime, object, float | None]] = {}
        self._read_at: dict[str, datetime] = {}  # when each cached copy was read (the clock's time)
        self._never_read: dict[str, str] = {}  # why a calendar with no good copy yet could not be read
        self._failing: dict[str, _Streak] = {}
        self._lock = threading.Lock()

    def cached(self, source: str):
        hit = self._cache.get(source)
        return hit[1] if hit else None

    def failure(self, source: str) -> str | None:
        """Why this calendar has never been read (its last attempt failed); None once it has been,
        or before the first attempt."""
        return None if source in self._cache else self._never_read.get(source)

    def get(self, source: str, now: datetime):
        """The parsed calendar (`icalendar.Calendar`) for a path or URL, fetching when stale."""
        with self._lock:
            hit = self._cache.get(source)
        if source.startswith(("http://", "https://")):
            if hit and timedelta(0) <= now - hit[0] < REFRESH:
                return hit[1]
            streak = self._failing.get(source)
            if streak is not None and timedelta(0) <= now - streak.last < self._wait(streak, hit):
                if hit:
                    return hit[1]
                raise CalendarUnavailable(f"calendar {_safe(source)}: {self._never_read.get(source, 'unreadable')}")
            return self._load(source, now, hit, self._fetch)
        path = Path(source)
        path = path if path.is_absolute() else self.base_dir / path
        try:
            mtime = path.stat().st_mtime
        except OSError as exc:
            return self._stale(source, hit, f"cannot read {path} ({exc.strerror})", now)
        if hit and hit[2] == mtime:
            return hit[1]
        return self._load(source, now, hit, lambda _: path.read_bytes(), mtime)

    def _load(self, source: str, now: datetime, hit, read, mtime: float | None = None):
        import icalendar

        try:
            raw = read(source)
            calendar = icalendar.Calendar.from_ical(raw)
        except Exception as exc:  # noqa: BLE001 - any bad feed: keep the last good copy
            return self._stale(source, hit, f"{type(exc).__name__}: {exc}"[:200], now)
        with self._lock:
            self._cache[source] = (now, calendar, mtime)
            self._read_at[source] = self.clock() if self.clock else now
            self._never_read.pop(source, None)
            streak = self._failing.pop(source, None)
        if streak is not None:
            log.info("calendar %s: read again (it had failed %d time(s) since %s)", _safe(source), streak.tries,
                     streak.since.isoformat(timespec="minutes"))
        return calendar

    @staticmethod
    def _wait(streak: _Streak, hit) -> timedelta:
        """How long after a failed fetch the next one waits."""
        if hit or streak.last - streak.since >= REFRESH:
            return REFRESH
        if streak.last - streak.since < EAGER_FOR:
            return timedelta(minutes=1)
        return min(REFRESH, timedelta(minutes=2 ** max(0, streak.tries - 5)))

    def _stale(self, source: str, hit, why: str, now: datetime | None = None):
        first = True
        if now is not None:
            with self._lock:
                streak = self._failing.get(source)
                first = streak is None
                if streak is None:
                    streak = self._failing[source] = _Streak(now)
                streak.last = now
                streak.tries += 1
        if hit:
            read_at = self._read_at.get(source, hit[0])
            log.log(logging.WARNING if first else logging.DEBUG,
                    "calendar %s: %s; using the copy read at %s (tried again every %d minutes)", _safe(source), why,
                    read_at.isoformat(timespec="minutes"), REFRESH.total_seconds() // 60)
            return hit[1]
        with self._lock:
            self._never_read[source] = why
        raise CalendarUnavailable(f"calendar {_safe(source)}: {why}")

    @staticmethod
    def _fetch(url: str) -> bytes:
        request = urllib.request.Request(url, headers={"User-Agent": "Headwork agendas",
                                                       "Accept": "text/calendar"})
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only
            data = response.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise ValueError("calendar larger than 5 MiB")
        return data


def _safe(source: str) -> str:
    """A calendar URL without its query string: secret feed tokens often live there."""
    return source.split("?", 1)[0]
