"""The Why? modal's "Save bands": a person's word on which value bands apply. What they changed
from what the modal showed, and the bands they left ticked, are stored as human judgements (no
categorizer overwrites them), the task rescored at once, the list redrawn."""

from __future__ import annotations

from scoring.corrections import save_bands

from ... import ids
from ...blocks.common import esc
from ...blocks.why import BANDS_SHOWN
from ...delivery import redraw
from ...deps import Deps
from ...forms import read_selected
from ...screens import Origin


def handle_why_submission(ack, body: dict, view: dict, deps: Deps) -> None:
    user = body["user"]["id"]
    origin, extra = Origin.loads(view.get("private_metadata", ""))
    task_id = extra.get("task_id")
    task = deps.store.get_task(task_id) if isinstance(task_id, int) else None
    if task is None or not (task.assignee_id == user or deps.is_admin(user)):
        ack()  # nothing to save: the modal had no correction form for this person
        return
    shown = extra.get(BANDS_SHOWN)
    shown = [b for b in shown if isinstance(b, str)] if isinstance(shown, list) else None  # None: an older modal
    chosen = read_selected(view, ids.BLOCK_BANDS, ids.INPUT_BANDS)
    saved = save_bands(deps.store, deps.model, task.id, chosen, shown, user, deps.now_for(user))
    ack()
    if saved:
        parts = [", ".join(("+" if applies else "−") + deps.model.band(band).name for band, applies in saved.changed)]
        if saved.confirmed:
            parts.append("still ticked: " + ", ".join(deps.model.band(band).name for band in saved.confirmed))
        what = "corrected" if saved.changed else "saved"
        notice = (f"Bands of *{esc(task.title[:150])}* {what} ({esc('; '.join(p for p in parts if p))}); "
                  "your word is kept from now on.")
        deps.background.submit(redraw, deps, user, origin, notice)
