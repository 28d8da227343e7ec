"""Sending the weekly digest: who gets it, when (their own day and time), exactly once.

One scheduler job (`DigestJob`, every minute) does it all, taking `now` from the scheduler:
1. the user group's members are refreshed from Slack when the cached list is over an hour old;
2. each recipient's profile (time zone) is refreshed when over a day old; their send time is the
   configured day and time of their current local ISO week (DST-correct), and the digest covers
   the ISO week before it, in the organisation's time zone; when that week is not over there yet
   at their send time (far east of the organisation), the same time on the first local day after;
3. due (send time passed, still the same local day) and not yet claimed: the DM is opened and the
   message is claimed in the outbox as `digest:<user>:<iso week>` — claimed once, delivered by the
   outbox (paced, retried, never duplicated after a crash); later than that day it is skipped with
   one log line;
4. once the outbox has delivered a message, its chart is uploaded into the same DM under a claim of
   its own (`DigestStore.claim_chart`), recovered like the outbox's after a crash: never twice.

A week that was over before Headwork first ran here (`DigestStore.running_since`) gets no digest
(one INFO line per recipient); the week it started in says since when its figures run.

The week's figures are frozen at the first send (`DigestStore.freeze_edition`), so every leader
gets the same numbers, whatever their time zone, and a later preview of that week shows what was sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError, SlackClientError

from ..blocks.digest import build_digest_blocks, fallback_text
from ..outbox import TRANSIENT_ERRORS
from ..settings import WEEKDAYS
from ..store_digest import DigestStore
from ..workslop.tally import iso_week, week_bounds, week_of
from .chart import render_chart
from .figures import build_figures

log = logging.getLogger("headwork.digest")

USERGROUP_TTL = timedelta(hours=1)
UPLOADS_PER_RUN = 20  # files.* is rate-limited per minute; the rest go on the next run
MAX_CHART_ATTEMPTS = 6


# --- what is sent ------------------------------------------------------------------------------

def digest_message(figures: dict, chart: bool = True) -> dict:
    """The one message: what the DM carries and what every preview shows (`chart`: `digest.chart`)."""
    return {"text": fallback_text(figures), "blocks": build_digest_blocks(figures, chart=chart)}


def chart_png(figures: dict) -> bytes:
    return render_chart(figures["history"])


def live_figures(deps, week: str, now: datetime) -> dict:
    return build_figures(deps.store, deps.model, deps.settings, week, now)


def figures_for(deps, week: str, now: datetime) -> dict:
    return week_figures(deps.store, deps.model, deps.settings, week, now)


def week_figures(store, model, settings, week: str, now: datetime) -> dict:
    """The frozen figures of a week already sent, else the figures as of `now` (not frozen)."""
    return DigestStore(store).edition(week) or build_figures(store, model, settings, week, now)


def default_week(now: datetime, tz: tzinfo) -> str:
    """The week the next digest covers: the last full ISO week before `now`'s."""
    return week_of(now - timedelta(days=7), tz)


# --- who and when ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Slot:
    week: str  # the ISO week the digest covers
    send_at: datetime  # the recipient's local send time this week
    send_day: date  # their local day of sending (catch-up ends with it)


def slot_for(now: datetime, tz: tzinfo, day: str, at: time, org_tz: tzinfo | None = None) -> Slot:
    """This local week's send time for someone in `tz`: `datetime.combine` with the zone gives the
    right offset on either side of a DST change (09:00 stays 09:00 on the wall clock).

    The digest covers the organisation's week before, which must be over first: someone far east of
    `org_tz` (Tokyo for a New York organisation) whose send time comes before it ends gets it at the
    same local time on the first day after it has ended (Tuesday 09:00), never a week skipped."""
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    week = iso_week(monday - timedelta(days=7))
    send_day = monday + timedelta(days=WEEKDAYS.index(day))
    send_at = _wall(send_day, at, tz)
    if org_tz is not None:
        ends = week_bounds(week, org_tz)[1]
        while send_at < ends:  # at most two days: no zone is more than 26 hours ahead of another
            send_day += timedelta(days=1)
            send_at = _wall(send_day, at, tz)
    return Slot(week, send_at, send_day)


def _wall(day: date, at: time, tz: tzinfo) -> datetime:
    # a wall time that does not exist that day (skipped by DST) lands just after the gap
    return datetime.combine(day, at, tz).astimezone(timezone.utc).astimezone(tz)


def recipients(deps) -> list[str]:
    return recipients_of(deps.settings, deps.store)


def recipients_of(settings, task_store) -> list[str]:
    """Configured ids, the user group's members (as last fetched) and those added from Slack,
    less everyone who opted out; each once, in that order."""
    config = settings.config.digest
    store = DigestStore(task_store)
    wanted = list(config.recipients)
    if config.usergroup:
        wanted += store.usergroup_members(config.usergroup)[0]
    wanted += store.added_recipients()
    out = set(store.opted_out())
    result = []
    for user in wanted:
        if user not in out:
            out.add(user)
            result.append(user)
    return result


def is_recipient(deps, user: str) -> bool:
    return user in recipients(deps)


def refresh_usergroup(deps, now: datetime, force: bool = False) -> bool:
    """Ask Slack who is in the configured user group when the cached answer is stale. A failure
    keeps the last good list (a Slack hiccup must not drop a leader from the digest)."""
    group = deps.settings.config.digest.usergroup
    if not group:
        return False
    store = DigestStore(deps.store)
    _, fetched = store.usergroup_members(group)
    if not force and fetched is not None and now - fetched < USERGROUP_TTL:
        return False
    try:
        users = deps.client.usergroups_users_list(usergroup=group)["users"]
    except SlackApiError as exc:
        log.warning("usergroups.users.list failed for the digest's user group: %s (keeping the last list)",
                    exc.response.get("error"))
        return False
    except (SlackClientError, OSError) as exc:
        log.warning("usergroups.users.list failed: %s (keeping the last list)", type(exc).__name__)
        return False
    store.put_usergroup_members(group, list(users), now)
    return True


# --- the job ---------------------------------------------------------------------------------------

class DigestJob:
    """`run(now)`: send what is due, then upload the charts of what the outbox has delivered."""

    def __init__(self, deps):
        self.deps = deps
        self.store = DigestStore(deps.store)
        self._recovered = False
        self._since: datetime | None = None  # when Headwork started here (the first run notes it)
        self._charts: dict[str, bytes] = {}
        self._open_failures: dict[str, str | None] = {}  # key -> why its DM could not be opened (said once)

    def __call__(self, now: datetime) -> dict:
        return self.run(now)

    def run(self, now: datetime) -> dict:
        if not self._recovered:
            self.recover()
        if self._since is None:
            with self.deps.store.transaction():
                self._since = self.store.note_running(now)
        stats = {"sent": 0, "skipped": 0, "charts": 0}
        failed: Exception | None = None
        config = self.deps.settings.config.digest
        if config.enabled:
            refresh_usergroup(self.deps, now)
            for user in recipients(self.deps):
                try:
                    outcome = self.send_if_due(user, now)
                except Exception as exc:  # noqa: BLE001 - one recipient's failure holds up nobody else's digest
                    failed = failed or exc
                    continue
                if outcome in stats:
                    stats[outcome] += 1
        stats["charts"] = self.upload_charts(now)
        if failed is not None:
            raise failed  # the scheduler says it (once, then while it lasts); the others went ahead
        return stats

    def recover(self) -> int:
        """After a restart: a chart caught mid-upload is reported and left alone (a duplicate chart in
        a leader's DM is worse than a missing one)."""
        self._recovered = True
        interrupted = self.store.recover_uploads()
        for send in interrupted:
            log.error("the digest chart for %s was interrupted mid-upload by a crash; not uploaded again",
                      send.key)
        return len(interrupted)

    def send_if_due(self, user: str, now: datetime) -> str:
        deps, config = self.deps, self.deps.settings.config.digest
        if not deps.directory.is_fresh(user, now):
            deps.directory.refresh(user, now)  # their time zone may have changed since last week
        tz = deps.directory.tz_for(user)
        org_tz = ZoneInfo(deps.settings.org.timezone)
        slot = slot_for(now, tz, config.day, config.time, org_tz)
        key = f"digest:{user}:{slot.week}"
        if now < slot.send_at or self.store.send(key) or deps.outbox.db.get(key):
            return "early" if now < slot.send_at else "claimed"
        if self._since is not None and week_bounds(slot.week, org_tz)[1] <= self._since:
            # a new install: that week was over before Headwork started, nothing in it was measured
            if self.store.note_skip(key, now):
                log.info("no digest for %s for week %s: it ended before Headwork started here (%s)", user,
                         slot.week, self._since.isoformat(timespec="minutes"))
            return "skipped"
        person = deps.directory.person(user)
        if person is not None and (person.deleted or person.is_bot):
            if self.store.note_skip(key, now):
                log.warning("digest for %s (week %s) not sent: that Slack account is %s", user, slot.week,
                            "deactivated" if person.deleted else "an app")
            return "skipped"
        if now.astimezone(tz).date() != slot.send_day:
            if self.store.note_skip(key, now):
                log.warning("digest for %s (week %s) skipped: its send time, %s, was on an earlier day "
                            "(Headwork was not running then)", user, slot.week, slot.send_at.isoformat())
            return "skipped"
        try:
            channel = deps.client.conversations_open(users=user)["channel"]["id"]
        except SlackApiError as exc:
            self._open_failed(key, exc.response.get("error"))
            return "failed"
        except (SlackClientError, OSError) as exc:
            self._open_failed(key, type(exc).__name__)
            return "failed"
        self._open_failures.pop(key, None)
        figures = self.store.edition(slot.week) or self.store.freeze_edition(
            slot.week, live_figures(deps, slot.week, now), now)
        message = digest_message(figures, chart=config.chart)
        with deps.store.transaction():
            claimed = deps.outbox.send(key, "chat.postMessage", {
                "channel": channel, "text": message["text"], "blocks": message["blocks"],
                "unfurl_links": False, "unfurl_media": False})
            if claimed:
                self.store.record_send(key, user, slot.week, channel, now, chart=config.chart)
        if claimed:
            log.info("digest %s queued", key)
        return "sent" if claimed else "claimed"

    def _open_failed(self, key: str, why: str | None) -> None:
        """Said once while it fails the same way (Slack down: every minute until it is back)."""
        level = logging.DEBUG if self._open_failures.get(key) == why else logging.WARNING
        self._open_failures[key] = why
        log.log(level, "conversations.open failed for %s: %s (the digest is tried again every minute)", key, why)

    def upload_charts(self, now: datetime) -> int:
        done = 0
        for send in self.store.charts_waiting(now, limit=UPLOADS_PER_RUN):
            item = self.deps.outbox.db.get(send.key)
            if item is None or item.state in ("failed", "unknown"):
                # the message never (knowingly) arrived: a chart on its own would make no sense
                self.store.chart_give_up(send.key, "skipped", f"message {item.state if item else 'missing'}")
                continue
            if item.state != "sent" or not self.store.claim_chart(send.key):
                continue
            if self._upload(send, now):
                done += 1
        return done

    def _upload(self, send, now: datetime) -> bool:
        figures = self.store.edition(send.week)
        if figures is None:
            self.store.chart_give_up(send.key, "failed", "no figures stored for the week")
            return False
        png = self._charts.get(send.week)
        if png is None:
            png = self._charts[send.week] = chart_png(figures)
        try:
            response = self.deps.client.files_upload_v2(
                channel=send.channel, content=png, filename=f"headwork-digest-{send.week}.png",
                title=f"Workslop hours and value delivered, 8 weeks to {send.week}",
                alt_txt=_alt_text(figures))
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error") if exc.response is not None else "unknown_error"
            status = getattr(exc.response, "status_code", 200)
            if (error in TRANSIENT_ERRORS or status >= 500) and send.chart_attempts < MAX_CHART_ATTEMPTS:
                self._retry(send, f"{error} (HTTP {status})", now)
            else:
                self.store.chart_give_up(send.key, "failed", error)
                log.error("digest chart for %s refused by Slack: %s (not retried)", send.key, error)
            return False
        except (SlackClientError, OSError) as exc:
            if send.chart_attempts < MAX_CHART_ATTEMPTS:
                self._retry(send, type(exc).__name__, now)
            else:
                self.store.chart_give_up(send.key, "failed", type(exc).__name__)
            return False
        file = response.get("file") or (response.get("files") or [{}])[0]
        self.store.chart_done(send.key, file.get("id"))
        return True

    def _retry(self, send, error: str, now: datetime) -> None:
        delay = timedelta(seconds=30 * 2 ** send.chart_attempts)
        self.store.chart_retry(send.key, error, now + delay)
        log.warning("digest chart for %s failed (%s); retry in %ds", send.key, error, delay.total_seconds())


def _alt_text(figures: dict) -> str:
    cells = ", ".join(f"{h['week']}: {h['workslop_hours']:g} h workslop, {h['value_points']:g} points"
                      if h.get("measured", True) else f"{h['week']}: before Headwork started"
                      for h in figures["history"])
    return ("Bar and line chart by week. " + cells)[:1000]


def digest_jobs(deps) -> list:
    from ..scheduler import JobSpec

    return [JobSpec("digest", DigestJob(deps), every=timedelta(minutes=1), run_at_start=True,
                    misfire_grace=timedelta(minutes=5), name="send each leader's weekly digest")]
