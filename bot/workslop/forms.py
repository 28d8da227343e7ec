"""Reading the workslop modals (`view.state.values`): time lost, why, a note — with the errors
Slack shows next to the field when something is missing or out of range."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from .. import ids
from ..blocks.workslop import MAX_HOURS, TIME_CHOICES
from .tally import REASONS


@dataclass
class Rating:
    minutes: int | None = None
    reason: str | None = None
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def _value(values: dict, block: str, action: str) -> dict:
    got = (values.get(block) or {}).get(action)
    return got if isinstance(got, dict) else {}


def _hours(raw: object) -> int | None | str:
    """Minutes from typed hours; None when empty; an error message when unusable."""
    if raw in (None, ""):
        return None
    try:
        hours = float(str(raw).replace(",", "."))
    except ValueError:
        hours = math.nan
    if not (0 < hours <= MAX_HOURS):
        return f"Type the hours it cost you: more than 0, at most {MAX_HOURS:g}."
    return max(1, round(hours * 60))


def read_rating(view: dict, *, with_select: bool = True) -> Rating:
    """The shortcut's and Rate's modal (`with_select`), or Other…'s hours alone."""
    values = ((view.get("state") or {}).get("values")) or {}
    rating = Rating()
    hours = _hours(_value(values, ids.BLOCK_WS_HOURS, ids.INPUT_WS_HOURS).get("value"))
    if isinstance(hours, str):
        rating.errors[ids.BLOCK_WS_HOURS] = hours
    elif hours is not None:
        rating.minutes = hours
    if not with_select:
        if rating.minutes is None and not rating.errors:
            rating.errors[ids.BLOCK_WS_HOURS] = "Type the hours it cost you, for example 1.5."
        return rating
    picked = str((_value(values, ids.BLOCK_WS_TIME, ids.INPUT_WS_TIME).get("selected_option") or {}).get("value") or "")
    if rating.minutes is not None and picked.isdecimal() and int(picked) in dict(TIME_CHOICES):
        _settle_time_and_hours(view, rating, picked)
    if rating.minutes is None and not rating.errors:
        if picked.isdecimal() and int(picked) in dict(TIME_CHOICES):
            rating.minutes = int(picked)
        elif picked == "other":
            rating.errors[ids.BLOCK_WS_HOURS] = "You chose Other: type the hours here, for example 1.5."
        else:
            rating.errors[ids.BLOCK_WS_TIME] = "How much time did it cost you? Pick one, or type the hours below."
    reason = str((_value(values, ids.BLOCK_WS_REASON, ids.INPUT_WS_REASON).get("selected_option") or {})
                 .get("value") or "")
    if reason in REASONS:
        rating.reason = reason
    else:
        rating.errors[ids.BLOCK_WS_REASON] = "Pick the main reason it was hard to use."
    rating.note = str(_value(values, ids.BLOCK_WS_NOTE, ids.INPUT_WS_NOTE).get("value") or "").strip()[:500]
    return rating


def _opened_with(view: dict, block_id: str) -> dict:
    """The input's element as the modal was opened (Slack sends the view's blocks back with it)."""
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("block_id") == block_id and isinstance(block.get("element"), dict):
            return block["element"]
    return {}


def _settle_time_and_hours(view: dict, rating: Rating, picked: str) -> None:
    """A time picked from the menu and hours typed as well: the one the person changed wins. (Change
    on a flag rated in exact hours opens with those hours filled in, and Slack sends them back
    unchanged with the new pick.) Both changed: they are asked to keep one."""
    opened_pick = str((_opened_with(view, ids.BLOCK_WS_TIME).get("initial_option") or {}).get("value") or "")
    opened_hours = _hours(_opened_with(view, ids.BLOCK_WS_HOURS).get("initial_value"))
    pick_changed, hours_changed = picked != opened_pick, rating.minutes != opened_hours
    if pick_changed and not hours_changed:
        rating.minutes = int(picked)
    elif pick_changed:
        label = dict(TIME_CHOICES)[int(picked)]
        rating.minutes = None
        rating.errors[ids.BLOCK_WS_HOURS] = (f"You picked {label} above and typed hours here: clear this field to "
                                             f"keep {label}, or choose Other above to keep these hours.")


def read_metadata(view: dict) -> dict:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
