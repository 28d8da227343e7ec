"""The 'Why?' modal: every term of a score, and the value bands a person can correct."""

from __future__ import annotations

import json
from datetime import datetime

from scoring.model import ValueModel, share_text
from scoring.ranking import RankedTask
from scoring.store import Judgement

from .. import ids
from .common import PRIVATE_METADATA_MAX, context, divider, esc, header, modal, option, section
from .top5 import due_text, judged_by_text

BANDS_SHOWN = "bands_shown"  # private_metadata: the bands the modal showed ticked
KIND_LABELS = {"band": "value band", "bump": "extra band (proportional bump)", "signal": "signal"}


def build_why_modal(entry: RankedTask, model: ValueModel, now: datetime, can_correct: bool,
                    metadata: str = "", no_band: Judgement | None = None) -> dict:
    """`metadata` travels with the modal (private_metadata): which task, and which list to redraw.
    `no_band`: the categorizer's verdict that no band applies, shown with its reason when none does."""
    task = entry.task
    blocks = [header(task.title),
              section(f"*{entry.score.total:g} points*"
                      + (f" · #{entry.rank} in its owner's list" if entry.rank else "")
                      + f"\n_{due_text(entry, now)} · status: {task.status.replace('_', ' ')}_")]
    lines = [f"`{t.points:+8.2f}`  {esc(t.reason)}  _({KIND_LABELS[t.kind]})_" for t in entry.score.terms]
    blocks.append(section("\n".join(lines) if lines else "_No term applies yet._"))
    blocks.append(context(f"Terms add up to the total. Bands judged by {judged_by_text(entry.judged_by)}; "
                          f"strongest band counts fully, each further band adds {share_text(model.compound_share)} "
                          "of its points."))
    if no_band is not None and not entry.bands and no_band.rationale:
        sure = f" ({no_band.confidence:.0%} sure)" if no_band.confidence is not None else ""
        blocks.append(context(f"{judged_by_text(no_band.judge)} found no value band{sure}: "
                              f"“{esc(no_band.rationale)}”"))
    blocks.append(divider())
    if can_correct:
        options = [option(b.name, b.id, f"{b.points:g} pts") for b in sorted(model.bands, key=lambda b: -b.points)]
        initial = [o for o in options if o["value"] in entry.bands]
        element = {"type": "checkboxes" if len(options) <= 10 else "multi_static_select",
                   "action_id": ids.INPUT_BANDS, "options": options}
        if element["type"] == "multi_static_select":
            element["placeholder"] = {"type": "plain_text", "text": "Choose value bands"}
        if initial:
            element["initial_options"] = initial
        metadata = with_bands_shown(metadata, [o["value"] for o in initial])
        blocks.append({"type": "input", "block_id": ids.BLOCK_BANDS, "optional": True,
                       "label": {"type": "plain_text", "text": "Which value bands apply?"},
                       "hint": {"type": "plain_text",
                                "text": "Your correction is kept: no AI or rule will overwrite it."},
                       "element": element})
        return modal(ids.VIEW_WHY, "Why this score", blocks, submit="Save bands", private_metadata=metadata)
    return modal(ids.VIEW_WHY, "Why this score", blocks, private_metadata=metadata)


def with_bands_shown(metadata: str, shown: list[str]) -> str:
    """The modal's metadata plus the bands it shows ticked, so that "Save bands" stores what the
    person changed from what they saw (a pass that lands meanwhile is not their word). Left out
    when it would not fit Slack's limit: the save then compares with the bands at that moment."""
    try:
        data = json.loads(metadata) if metadata else {}
    except ValueError:
        return metadata
    if not isinstance(data, dict):
        return metadata
    out = json.dumps({**data, BANDS_SHOWN: sorted(shown)}, separators=(",", ":"))
    return out if len(out) <= PRIVATE_METADATA_MAX else metadata


def build_snooze_date_modal(today: str, metadata: str) -> dict:
    blocks = [{"type": "input", "block_id": ids.BLOCK_SNOOZE_DATE,
               "label": {"type": "plain_text", "text": "Snooze until"},
               "element": {"type": "datepicker", "action_id": ids.INPUT_SNOOZE_DATE, "initial_date": today}},
              context("The task comes back at 09:00 your time on that day.")]
    return modal(ids.VIEW_SNOOZE_DATE, "Snooze task", blocks, submit="Snooze", private_metadata=metadata)
