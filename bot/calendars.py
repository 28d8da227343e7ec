"""ICS calendars for meetings that follow a calendar feed or file.

A feed is fetched at most every `REFRESH` (it may be a large company calendar, and the agenda
job runs every minute); a file is re-read when it changes. When a fetch fails the last good
copy is used and a warning logged, so a flaky calendar server never silences an agenda;
`CalendarUnavailable` only when there has never been a good copy.

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
TIMEOUT_SECONDS = 10
MAX_BYTES = 5 * 1024 * 1024


class CalendarUnavailable(Exception):
    """No good copy of a meeting's calendar yet (the message says why, never a secret)."""


class Calendars:
    def __init__(self, base_dir: Path | None = None):
        self.base_dir = base_dir or Path(".")
        self._cache: dict[str, tuple[datetime, object, float | None]] = {}
        self._never_read: dict[str, str] = {}  # why a calendar with no good copy yet could not be read
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
            if hit and now - hit[0] < REFRESH:
                return hit[1]
            return self._load(source, now, hit, self._fetch)
        path = Path(source)
        path = path if path.is_absolute() else self.base_dir / path
        try:
            mtime = path.stat().st_mtime
        except OSError as exc:
            return self._stale(source, hit, f"cannot read {path} ({exc.strerror})")
        if hit and hit[2] == mtime:
            return hit[1]
        return self._load(source, now, hit, lambda _: path.read_bytes(), mtime)

    def _load(self, source: str, now: datetime, hit, read, mtime: float | None = None):
        import icalendar

        try:
            raw = read(source)
            calendar = icalendar.Calendar.from_ical(raw)
        except Exception as exc:  # noqa: BLE001 - any bad feed: keep the last good copy
            return self._stale(source, hit, f"{type(exc).__name__}: {exc}"[:200])
        with self._lock:
            self._cache[source] = (now, calendar, mtime)
            self._never_read.pop(source, None)
        return calendar

    def _stale(self, source: str, hit, why: str):
        if hit:
            log.warning("calendar %s: %s; using the copy from %s", _safe(source), why, hit[0].isoformat())
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
