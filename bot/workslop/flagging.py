"""Flagging: the rules every flag passes (no self-flags, no bots, the daily cap, one per person
per item), and the private prompt that asks the flagger what it cost.

Listeners call `record_flag` before their ack (fast store work only); everything that talks to
Slack (`after_flag`, `update_prompt`, `learn_channel`) runs in `deps.background`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time as clocks
from datetime import date, datetime, time, timedelta

from slack_sdk.errors import SlackApiError

from ..blocks.workslop import build_cap_notice, build_prompt, build_prompt_gone
from ..deps import Deps
from ..store_workslop import WorkslopLedger

log = logging.getLogger("headwork.workslop")

CHANNEL_RECHECK = timedelta(days=1)  # a public channel can be made private; ask Slack again daily

GONE_UNDONE = ("Undone — that flag is removed and won't count. If you reacted with the emoji, you can take it "
               "off too; it won't flag anything again.")
PROMPT_WINDOW = timedelta(days=2)  # after a long outage, flags older than this are not asked about
GONE_REMOVED = "You took the reaction off, so that flag is withdrawn."


def ledger_of(deps: Deps) -> WorkslopLedger:
    """One ledger per app (its migrations are checked once, not on every event)."""
    ledger = getattr(deps, "_workslop_ledger", None)
    if ledger is None:
        ledger = deps._workslop_ledger = WorkslopLedger(deps.store)
    return ledger


def prompt_key(flag_id: int) -> str:
    return f"workslop-prompt:{flag_id}"


def private_key(deps: Deps, kind: str, person: str, day: date) -> str:
    """The outbox key of a message about `person`'s `day` ('cap' notice, author 'note'): the same
    for the same message (so it is sent once), yet it names nobody where keys show — log lines,
    the message's metadata. An HMAC under the installation's secret: without the database, a list
    of user ids does not reverse it."""
    digest = hmac.new(ledger_of(deps).key_secret(), f"{kind}:{person}:{day.isoformat()}".encode(), hashlib.sha256)
    return f"workslop-{kind}:{digest.hexdigest()[:32]}"


def claimed(deps: Deps, kind: str, person: str, day: date) -> bool:
    """Was that message queued already — under its key, or under the key that named the person,
    which rows queued before the keys became anonymous still carry?"""
    return any(deps.outbox.db.get(key) is not None
               for key in (private_key(deps, kind, person, day), f"workslop-{kind}:{person}:{day.isoformat()}"))


def reaction_name(raw: object) -> str:
    """'workslop::skin-tone-2' -> 'workslop' (Slack sends skin tones on some clients)."""
    return str(raw or "").split("::", 1)[0].strip(":").lower()


def is_workslop_reaction(deps: Deps, raw: object) -> bool:
    return reaction_name(raw) in {r.strip(":").lower() for r in deps.settings.config.workslop.reactions}


def item_of(item: object) -> tuple[str | None, str | None]:
    """A reaction event's item -> ('msg:<channel>:<ts>' | 'file:<id>', channel), or (None, None)."""
    if not isinstance(item, dict):
        return None, None
    kind = item.get("type")
    if kind == "message" and item.get("channel") and item.get("ts"):
        return f"msg:{item['channel']}:{item['ts']}", str(item["channel"])
    if kind == "file" and item.get("file"):
        return f"file:{item['file']}", None
    return None, None


def day_start(deps: Deps, person: str, now: datetime) -> datetime:
    """00:00 today in the person's own zone: the daily cap counts from there."""
    return local_day_start(now, deps.directory.tz_for(person))


_DAYS: dict = {}  # zone -> (first second of a day, first second of the next, that day's 00:00)


def local_day_start(now: datetime, tz) -> datetime:
    """`datetime.combine(now.astimezone(tz).date(), time(0), tz)`, remembered per zone for the day
    (every reaction needs it). Only a day with one UTC offset throughout is remembered: there the
    local date is that day's from its first second to the next day's, with no repeated hour."""
    ts = now.timestamp()
    known = _DAYS.get(tz)
    if known is not None and known[0] <= ts < known[1]:
        return known[2]
    start = datetime.combine(now.astimezone(tz).date(), time(0), tz)
    end = datetime.combine(start.date() + timedelta(days=1), time(0), tz)
    if start.utcoffset() == (end - timedelta(seconds=1)).astimezone(tz).utcoffset() == end.utcoffset():
        if len(_DAYS) >= 1024:
            _DAYS.clear()
        _DAYS[tz] = (start.timestamp(), end.timestamp(), start)
    return start


def known_privacy(ledger: WorkslopLedger, channel: str | None) -> bool | None:
    if not channel:
        return None
    if channel[0] == "D":
        return True
    return ledger.channel_privacy(channel)[0]


def channel_ready(ledger: WorkslopLedger, channel: str | None, now: datetime) -> bool:
    """True when Slack need not be asked about the channel (no channel, a DM, or cached lately)."""
    if not channel or channel[0] not in ("C", "G"):
        return True
    checked = ledger.channel_privacy(channel)[1]
    return checked is not None and now - checked < CHANNEL_RECHECK


def record_flag(deps: Deps, *, flagger: str, item: str, channel: str | None, author: str | None, source: str,
                reaction: str | None = None, event_ts: float | None = None,
                event_id: str | None = None) -> tuple[str, int | None]:
    """('new' | 'existing', flag id), or ('self' | 'cap' | 'stale' | 'redelivered', None) when the
    rules say no.

    One transaction, one commit: the Events API delivery (`event_id`, claimed once), the reaction's
    order (`event_ts`), the cap and the insert. The prompt is queued by `PromptSweep`, many to a
    commit, right after the ack."""
    if author and author == flagger:
        return "self", None
    ledger = ledger_of(deps)
    now = deps.now()
    since = day_start(deps, flagger, now)
    private = known_privacy(ledger, channel)
    with deps.store.transaction():  # the cap and the insert together: two quick reactions can't both slip under it
        if event_id is not None and not deps.events.claim_here(event_id, now):
            return "redelivered", None
        if event_ts is not None and ledger.removed_after(flagger, item, event_ts):
            return "stale", None  # a removal newer than this reaction already arrived
        if ledger.count_since(flagger, since) >= deps.settings.config.workslop.daily_cap:
            existing = ledger.find(flagger, item)  # a second alias on an item flagged before the cap was hit
            if existing is None:
                return "cap", None
            flag = None
        else:
            flag = ledger.insert_if_new(flagger=flagger, item=item, channel=channel, author=author, source=source,
                                        now=now, reaction=reaction, channel_private=private, reaction_ts=event_ts)
            existing = ledger.find(flagger, item) if flag is None else None
        if existing is not None:
            if event_ts is not None:
                ledger.note_reaction(existing.id, event_ts)
            return "existing", existing.id
    return "new", flag.id


class PromptSweep:
    """Queues the prompts of new reaction flags in the outbox, many per transaction.

    Each reaction's ack then costs one commit (the flag) instead of two, and prompts are
    queued in batches while Slack sends more events. The mark (the highest flag id swept) is
    kept in the database, so after a crash the next sweep — `poke()` or the minutely job —
    catches up on flags that never got a prompt. A flagger not known yet (maybe a bot) is left
    to `after_flag`, which asks Slack first; the outbox key makes a double queue impossible."""

    META = "workslop.prompt_mark"
    # Reactions arriving within this window share one sweep: swept one at a time, each flag cost
    # a transaction of its own and ~0.5 ms of CPU (a burst of 1,000 reactions/s spent half the
    # machine on it); a prompt that waits 50 ms more is not noticed by anyone.
    GATHER_SECONDS = 0.05

    def __init__(self, deps: Deps, gather_seconds: float = GATHER_SECONDS):
        self.deps = deps
        self.gather_seconds = gather_seconds
        self._lock = threading.Lock()
        self._scheduled = False

    def poke(self) -> None:
        with self._lock:
            if self._scheduled:
                return
            self._scheduled = True
        self.deps.background.submit(self._run)

    def _run(self) -> None:
        if self.gather_seconds > 0:
            clocks.sleep(self.gather_seconds)  # pacing, not logic: what happens "now" is still the clock's
        with self._lock:
            self._scheduled = False
        self.run(self.deps.clock())

    def run(self, now: datetime) -> int:
        queued = 0
        ledger = ledger_of(self.deps)
        while True:
            mark = int(self.deps.store.get_meta(self.META, "0") or 0)
            flags = ledger.flags_after(mark)
            if not flags:
                return queued
            with self.deps.store.transaction():
                for flag in flags:
                    if flag.source == "reaction" and flag.minutes is None and now - flag.flagged_at < PROMPT_WINDOW \
                            and self._known_person(flag.flagger, now):
                        queued += self.deps.outbox.send(prompt_key(flag.id), "chat.postMessage",
                                                        {"channel": flag.flagger, **build_prompt(flag)})
                self.deps.store.set_meta(self.META, str(max(mark, flags[-1].id)))

    def _known_person(self, person: str, now: datetime) -> bool:
        record = self.deps.directory.person(person)
        return record is not None and not record.is_bot and self.deps.directory.is_fresh(person, now)


def sweep_of(deps: Deps) -> PromptSweep:
    sweep = getattr(deps, "_workslop_sweep", None)
    if sweep is None:
        sweep = deps._workslop_sweep = PromptSweep(deps)
    return sweep


def tell_cap_reached(deps: Deps, flagger: str) -> None:
    """Once a day at most, privately: over the cap nothing is recorded."""
    local_day = deps.now_for(flagger).date()
    if not claimed(deps, "cap", flagger, local_day):
        deps.outbox.send(private_key(deps, "cap", flagger, local_day), "chat.postMessage",
                         {"channel": flagger, **build_cap_notice(deps.settings.config.workslop.daily_cap)})


def after_flag(deps: Deps, flag_id: int, flagger: str, channel: str | None) -> None:
    """After the ack: make sure the flagger is a person (bots are discarded), learn whether the
    channel is private, then queue the prompt (sent once, retried)."""
    ledger = ledger_of(deps)
    now = deps.clock()
    if not deps.directory.is_fresh(flagger, now):
        deps.directory.refresh(flagger, now)
    person = deps.directory.person(flagger)
    if person is not None and person.is_bot:
        ledger.undo(flag_id, flagger)
        log.info("a bot's workslop reaction was ignored")
        return
    learn_channel(deps, channel, now)
    send_prompt(deps, flag_id)


def send_prompt(deps: Deps, flag_id: int) -> bool:
    flag = ledger_of(deps).get(flag_id)
    if flag is None:
        return False
    return deps.outbox.send(prompt_key(flag_id), "chat.postMessage", {"channel": flag.flagger, **build_prompt(flag)})


def learn_channel(deps: Deps, channel: str | None, now: datetime) -> None:
    """conversations.info (with its member count), cached for a day. Any failure (not in the
    channel, a missing scope) is cached as private: what we cannot confirm public is never named."""
    if not channel or channel[0] not in ("C", "G"):
        return
    ledger = ledger_of(deps)
    private, checked = ledger.channel_privacy(channel)
    if checked is not None and now - checked < CHANNEL_RECHECK:
        return
    members = None
    try:
        info = deps.client.conversations_info(channel=channel, include_num_members=True)["channel"]
        private = bool(info.get("is_private") or info.get("is_im") or info.get("is_mpim"))
        members = info.get("num_members") if isinstance(info.get("num_members"), int) else None
    except SlackApiError as exc:
        log.warning("conversations.info failed (%s); the channel counts as private", exc.response.get("error"))
        private = True
    ledger.set_channel_privacy(channel, private, now, members)


def update_prompt(deps: Deps, flag_id: int, *, container: dict | None = None, gone: str = GONE_UNDONE,
                  editing: bool = False) -> None:
    """Redraw the flagger's DM prompt in place: what is recorded now, or that the flag is gone.
    A prompt not sent yet is withdrawn when its flag is gone (and otherwise goes out as queued)."""
    key = prompt_key(flag_id)
    flag = ledger_of(deps).get(flag_id)
    item = deps.outbox.db.get(key)
    if item is not None and item.state == "pending":
        if flag is None:
            deps.outbox.cancel(key, "the flag was withdrawn before its prompt went out")
        return
    where = None
    if item is not None and item.state == "sent" and item.response and item.response.get("ts"):
        where = (item.response["channel"], item.response["ts"])
    elif container and container.get("channel_id") and container.get("message_ts"):
        where = (container["channel_id"], container["message_ts"])
    if where is None:
        return
    message = build_prompt(flag, editing=editing) if flag is not None else build_prompt_gone(gone)
    try:
        deps.client.chat_update(channel=where[0], ts=where[1], **message)
    except SlackApiError as exc:
        log.warning("chat.update of a workslop prompt failed: %s", exc.response.get("error"))


def still_reacted(deps: Deps, flagger: str, item: str) -> bool | None:
    """Does this person still have another configured alias on the item? None when Slack can't say."""
    kind, _, rest = item.partition(":")
    args = {"file": rest} if kind == "file" else dict(zip(("channel", "timestamp"), rest.split(":", 1)))
    try:
        data = deps.client.reactions_get(full=True, **args).data
    except SlackApiError as exc:
        log.warning("reactions.get failed (%s); the flag is withdrawn", exc.response.get("error"))
        return None
    target = data.get("message") or data.get("file") or {}
    for reaction in target.get("reactions") or []:
        if is_workslop_reaction(deps, reaction.get("name")) and flagger in (reaction.get("users") or []):
            return True
    return False


def retract_reaction(deps: Deps, flagger: str, item: str, event_ts: float, check_aliases: bool) -> None:
    """The reaction came off: the flag goes (unless another alias by the same person remains)."""
    if check_aliases and still_reacted(deps, flagger, item):
        return
    applied, flag_id = ledger_of(deps).retract_reaction(flagger, item, event_ts)
    if flag_id is not None:
        update_prompt(deps, flag_id, gone=GONE_REMOVED)
