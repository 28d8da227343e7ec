"""Workslop's Block Kit: the private prompt a flagger gets, its modals, the /workslop list, and
the kind note an author may get. Everything here is addressed to one person about their own
flags (or, for the author note, about nobody in particular)."""

from __future__ import annotations

import json
from datetime import datetime

from .. import ids
from ..workslop.tally import REASONS
from .common import button, context, divider, esc, header, modal, option, section

TIME_CHOICES = ((15, "15 min"), (30, "30 min"), (60, "1 h"), (120, "2 h"), (240, "Half a day"))
MAX_HOURS = 40.0  # a working week: more than that on one item is a typo
LIST_MAX = 20  # flags shown by /workslop (2 blocks each, under Slack's 50 per message)
PRIVATE = "Only you can see this."


def minutes_text(minutes: int | None) -> str:
    if minutes is None:
        return "not rated yet"
    if minutes == 240:
        return "half a day (4 h)"
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def reason_text(reason: str | None) -> str:
    return REASONS.get(reason or "", "no reason given")


def item_phrase(item: str, channel: str | None) -> str:
    """What was flagged, for the flagger's own eyes (they know where they saw it)."""
    if item.startswith("file:"):
        return "a file"
    if channel and channel[0] == "D":
        return "a direct message"
    if channel:
        return f"a message in <#{channel}>"
    return "a message"


def _time_buttons(flag_id: int, chosen: int | None) -> dict:
    # Slack wants each action_id once per block: one per choice, matched by prefix (time_action_pattern)
    elements = [button(label, f"{ids.ACTION_WS_TIME}_{m}", f"{flag_id}:{m}", style="primary" if m == chosen else None)
                for m, label in TIME_CHOICES]
    other_chosen = chosen is not None and chosen not in dict(TIME_CHOICES)
    elements.append(button(f"Other ({minutes_text(chosen)})" if other_chosen else "Other…",
                           ids.ACTION_WS_OTHER_TIME, str(flag_id), style="primary" if other_chosen else None))
    return {"type": "actions", "block_id": f"ws_time_{flag_id}", "elements": elements}


def time_action_pattern():
    import re

    return re.compile(rf"^{ids.ACTION_WS_TIME}_\d+$")


def _reason_select(flag_id: int, chosen: str | None) -> dict:
    options = [option(label, f"{flag_id}:{rid}") for rid, label in REASONS.items()]
    select = {"type": "static_select", "action_id": ids.ACTION_WS_REASON, "options": options,
              "placeholder": {"type": "plain_text", "text": "Why was it hard to use?"}}
    initial = next((o for o in options if o["value"] == f"{flag_id}:{chosen}"), None)
    if initial:
        select["initial_option"] = initial
    return select


def _undo(flag_id: int, action_id: str = ids.ACTION_WS_UNDO) -> dict:
    return button("Undo", action_id, str(flag_id), confirm={
        "title": {"type": "plain_text", "text": "Remove this flag?"},
        "text": {"type": "plain_text", "text": "It will no longer count in your team's tally."},
        "confirm": {"type": "plain_text", "text": "Remove"}, "deny": {"type": "plain_text", "text": "Keep it"}})


def build_prompt(flag, editing: bool = False) -> dict:
    """The DM to the flagger: what it cost and why, or — once both are answered — what was
    recorded, with Change and Undo. `flag` is a store_workslop.Flag."""
    what = item_phrase(flag.item, flag.channel)
    if flag.minutes is not None and flag.reason and not editing:
        text = f"Recorded: {what} cost you {minutes_text(flag.minutes)} ({reason_text(flag.reason)})."
        return {"text": text, "blocks": [
            section(f":white_check_mark: Recorded: {what} cost you *{minutes_text(flag.minutes)}* — "
                    f"{esc(reason_text(flag.reason))}."),
            context(f"{PRIVATE} It counts in your team's weekly total without your name. "
                    "See all your flags with `/workslop`."),
            {"type": "actions", "block_id": f"ws_done_{flag.id}", "elements": [
                button("Change", ids.ACTION_WS_CHANGE, str(flag.id)), _undo(flag.id)]}]}
    so_far = []
    if flag.minutes is not None:
        so_far.append(f"time: *{minutes_text(flag.minutes)}*")
    if flag.reason:
        so_far.append(f"why: *{esc(reason_text(flag.reason))}*")
    blocks = [section(f"You flagged {what} as workslop. How much time did it cost you?"),
              _time_buttons(flag.id, flag.minutes),
              {"type": "actions", "block_id": f"ws_reason_{flag.id}",
               "elements": [_reason_select(flag.id, flag.reason), _undo(flag.id)]},
              context(f"{PRIVATE} Nobody is told who flagged what; leaders see team totals only."
                      + (f" So far — {', '.join(so_far)}." if so_far else
                         " Skip it if you like: the flag still counts, at an estimate."))]
    return {"text": f"You flagged {what} as workslop. How much time did it cost you? ({PRIVATE})",
            "blocks": blocks}


def build_prompt_gone(why: str) -> dict:
    """The prompt once its flag is gone (Undo, the reaction taken off, an ignored bot)."""
    return {"text": why, "blocks": [section(why), context(f"{PRIVATE} Nothing about it is counted.")]}


def _time_input(initial: int | str | None) -> dict:
    options = [option(label, str(m)) for m, label in TIME_CHOICES] + [option("Other (type the hours below)", "other")]
    element = {"type": "static_select", "action_id": ids.INPUT_WS_TIME, "options": options,
               "placeholder": {"type": "plain_text", "text": "Pick one"}}
    pick = next((o for o in options if o["value"] == str(initial)), None)
    if pick:
        element["initial_option"] = pick
    return {"type": "input", "block_id": ids.BLOCK_WS_TIME, "optional": True,
            "label": {"type": "plain_text", "text": "How much time did it cost you?"}, "element": element}


def _hours_input(initial: int | None, optional: bool) -> dict:
    element = {"type": "number_input", "action_id": ids.INPUT_WS_HOURS, "is_decimal_allowed": True,
               "min_value": "0.1", "max_value": f"{MAX_HOURS:g}"}
    if initial is not None:
        element["initial_value"] = f"{initial / 60:g}"
    return {"type": "input", "block_id": ids.BLOCK_WS_HOURS, "optional": optional,
            "label": {"type": "plain_text", "text": "Hours lost" if not optional else "Or the exact hours"},
            "hint": {"type": "plain_text", "text": "For example 1.5 for an hour and a half."}, "element": element}


def _reason_input(initial: str | None) -> dict:
    options = [option(label, rid) for rid, label in REASONS.items()]
    element = {"type": "static_select", "action_id": ids.INPUT_WS_REASON, "options": options,
               "placeholder": {"type": "plain_text", "text": "Pick the main reason"}}
    pick = next((o for o in options if o["value"] == initial), None)
    if pick:
        element["initial_option"] = pick
    return {"type": "input", "block_id": ids.BLOCK_WS_REASON,
            "label": {"type": "plain_text", "text": "Why was it hard to use?"}, "element": element}


def _note_input(initial: str) -> dict:
    element = {"type": "plain_text_input", "action_id": ids.INPUT_WS_NOTE, "multiline": True, "max_length": 500}
    if initial:
        element["initial_value"] = initial
    return {"type": "input", "block_id": ids.BLOCK_WS_NOTE, "optional": True,
            "label": {"type": "plain_text", "text": "Note (only you see it)"},
            "hint": {"type": "plain_text", "text": "A reminder for yourself. It is never shown to anyone else."},
            "element": element}


def build_other_time_modal(flag_id: int, metadata: dict) -> dict:
    blocks = [_hours_input(None, optional=False), context(PRIVATE)]
    return modal(ids.VIEW_WS_OTHER_TIME, "Time lost", blocks, submit="Save",
                 private_metadata=json.dumps({"flag": flag_id, **metadata}))


def build_flag_modal(callback_id: str, intro: str, metadata: dict, flag=None) -> dict:
    """The shortcut's modal (flag and rate at once) and /workslop's Rate: time, reason, note."""
    minutes = flag.minutes if flag is not None else None
    preset = minutes if minutes in dict(TIME_CHOICES) else ("other" if minutes is not None else None)
    blocks = [section(intro), _time_input(preset), _hours_input(minutes if preset == "other" else None, True),
              _reason_input(flag.reason if flag is not None else None), _note_input(flag.note if flag else ""),
              context(f"{PRIVATE} The author is never told who flagged it; leaders see team totals only.")]
    title = "Flag as workslop" if callback_id == ids.VIEW_WS_FLAG else "Rate a flag"
    return modal(callback_id, title, blocks, submit="Save", private_metadata=json.dumps(metadata))


def build_notice_modal(title: str, text: str) -> dict:
    return modal(ids.VIEW_WS_DONE, title, [section(text), context(PRIVATE)])


# --- /workslop ------------------------------------------------------------------------------


def build_my_week(flags: list, start: datetime, end_inclusive: datetime) -> dict:
    """Someone's own flags this week (newest first), in their own zone."""
    rated = [f for f in flags if f.minutes is not None]
    reported = sum(f.minutes for f in rated)
    span = f"{start:%a %d %b} – {end_inclusive:%a %d %b}"
    blocks = [header("Your workslop flags this week"), context(f"{PRIVATE} {span}, your time.")]
    if not flags:
        blocks.append(section("You haven't flagged anything this week. When AI output costs you time, react "
                              "with the workslop emoji or choose *Flag as workslop* from the message's ⋯ menu."))
        return {"response_type": "ephemeral", "text": "You have no workslop flags this week.", "blocks": blocks}
    unrated = len(flags) - len(rated)
    blocks.append(section(f"*{len(flags)}* flag{'s' if len(flags) != 1 else ''} · "
                          f"*{minutes_text(reported) if rated else '0 min'}* reported"
                          + (f" · *{unrated}* not rated yet" if unrated else "")))
    blocks.append(divider())
    for flag in flags[:LIST_MAX]:
        local = flag.flagged_at.astimezone(start.tzinfo)
        cost = (f"{minutes_text(flag.minutes)} · {esc(reason_text(flag.reason))}" if flag.minutes is not None
                else "_not rated yet_")
        blocks.append(section(f"*{local:%a %H:%M}* · {item_phrase(flag.item, flag.channel)} · {cost}",
                              block_id=f"ws_flag_{flag.id}"))
        blocks.append({"type": "actions", "block_id": f"ws_flag_actions_{flag.id}", "elements": [
            button("Rate" if flag.minutes is None else "Change", ids.ACTION_WS_RATE, str(flag.id),
                   style="primary" if flag.minutes is None else None),
            _undo(flag.id, ids.ACTION_WS_LIST_UNDO)]})
    if len(flags) > LIST_MAX:
        blocks.append(context(f"…and {len(flags) - LIST_MAX} earlier this week."))
    blocks.append(context("Leaders see your team's totals — never who flagged what. `/workslop help` says more."))
    return {"response_type": "ephemeral", "text": f"Your workslop flags this week: {len(flags)}", "blocks": blocks}


def build_help(reactions: list[str], daily_cap: int, author_note: bool) -> dict:
    emoji = ", ".join(f":{r}:" for r in reactions)
    lines = [
        "*Workslop* is AI output that looks finished but leaves the real work to you.",
        f"• *Flag it*: choose *Flag as workslop* from the message's ⋯ menu — nobody sees it — or react with "
        f"{emoji}: like any reaction, that one shows your name to whoever hovers over it in the channel.",
        "• *Say what it cost*: I'll DM you two quick questions — time lost and why. Skipping is fine.",
        "• `/workslop` — your own flags this week, what you reported, Rate and Undo.",
        "• Taking the reaction off withdraws the flag.",
        f"• Your own messages can't be flagged, and each person can flag up to {daily_cap} items a day.",
        "*Privacy*: Headwork never tells anyone — not your manager, not an admin — who flagged what. Leaders see "
        "weekly totals only, and a channel is named only when enough different people flagged there. (A "
        "reaction is Slack's, and visible as any reaction is; the shortcut leaves nothing to see.)",
        ("The author may get a private, kind note that a recipient found something hard to use, and why — "
         "never who, never where, and only at the end of their day." if author_note else
         "Authors are never notified."),
    ]
    return {"response_type": "ephemeral", "text": "How /workslop works", "blocks": [section("\n".join(lines))]}


def build_cap_notice(cap: int) -> dict:
    text = (f"Thanks for flagging — you've reached today's limit of {cap} flags, so the last one wasn't counted. "
            "You can flag again tomorrow.")
    return {"text": text, "blocks": [section(text), context(PRIVATE)]}


def build_author_note(items: int, people: int, reasons: dict[str, int]) -> dict:
    """A private, kind note to an author: recipients found `items` things hard to use, and why
    (`reasons`: how many of those items were given each). Built from counts only — it cannot say
    who, where or when."""
    order = {rid: i for i, rid in enumerate(REASONS)}
    told = [REASONS[r].lower() + (f" ({n})" if n > 1 else "")
            for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99))) if r in REASONS]
    who = "A recipient" if people == 1 else "Some recipients"
    what = "something you shared recently was" if items == 1 else f"{items} things you shared recently were"
    why = f" What made it hard: {', '.join(told)}." if told else ""
    text = (f"Hi — a quick, private note from Headwork. {who} said {what} hard to use and cost them time."
            f"{why} AI drafts land best with the context your reader needs, facts you have checked, and only "
            "as long as it needs to be. Nobody else sees this note, and it never says who or where.")
    return {"text": text, "blocks": [section(text)]}
