"""Block Kit as readable text, for the demo console: sections and context as lines, links as
'title <url>', and every button, menu option and form field numbered so a person can press
or fill it by typing its number."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from ..slack_text import plain_text



@dataclass
class Control:
    """Something on screen a person can use: a button (or menu option) to press, or a field to fill."""

    label: str
    kind: str  # 'button' | 'field' | 'pick' (a user menu outside a form: `N @name`)
    action: dict = field(default_factory=dict)  # the actions[] entry a press sends
    block_id: str = ""
    action_id: str = ""
    element: dict = field(default_factory=dict)


@dataclass
class Screen:
    lines: list[str]
    controls: list[Control]

    def text(self) -> str:
        return "\n".join(self.lines)


def mrkdwn_to_text(text: str, names: dict[str, str] | None = None) -> str:
    """`names`: a person's or a channel's name by its id, as Slack shows a mention of either."""
    names = names or {}
    text = plain_text(text, lambda slack_id: names.get(slack_id, slack_id))
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    return text.replace("`", "")


def render(blocks: list[dict], names: dict[str, str] | None = None, width: int = 100,
           title: str | None = None) -> Screen:
    lines: list[str] = [title, "─" * min(width, max(10, len(title)))] if title else []
    controls: list[Control] = []

    def text_of(obj) -> str:
        return mrkdwn_to_text(str((obj or {}).get("text", "")), names)

    def wrap(text: str, indent: str = "") -> None:
        for para in text.splitlines() or [""]:
            lines.extend(textwrap.wrap(para, width, initial_indent=indent, subsequent_indent=indent) or [indent])

    def add_button(element: dict, block: dict) -> str:
        kind = element.get("type")
        if kind == "button":
            controls.append(Control(text_of(element.get("text")), "button", {
                "type": "button", "action_id": element["action_id"], "block_id": block.get("block_id"),
                "value": element.get("value"), "text": element.get("text")}))
            return f"[{len(controls)} {controls[-1].label}]"
        if kind == "overflow":
            parts = []
            for option in element.get("options", []):
                controls.append(Control(text_of(option.get("text")), "button", {
                    "type": "overflow", "action_id": element["action_id"], "block_id": block.get("block_id"),
                    "selected_option": option}))
                parts.append(f"[{len(controls)} {controls[-1].label}]")
            return " ".join(parts)
        if kind == "users_select":
            controls.append(Control(text_of(element.get("placeholder")), "pick", {
                "type": "users_select", "action_id": element["action_id"], "block_id": block.get("block_id")}))
            return f"[{len(controls)} {controls[-1].label} — type {len(controls)} @name]"
        return ""

    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            wrap(text_of(block.get("text")).upper())
        elif kind == "section":
            if block.get("text"):
                wrap(text_of(block["text"]))
            for f in block.get("fields") or []:
                wrap(text_of(f), "  ")
            if isinstance(block.get("accessory"), dict):
                wrap(add_button(block["accessory"], block), "  ")
        elif kind == "context":
            wrap(" · ".join(text_of(e) for e in block.get("elements", []) if "text" in e), "  ")
        elif kind == "divider":
            lines.append("")
        elif kind == "actions":
            wrap(" ".join(filter(None, (add_button(e, block) for e in block.get("elements", [])))), "   ")
        elif kind == "input":
            element = block.get("element") or {}
            controls.append(Control(text_of(block.get("label")), "field", block_id=block.get("block_id", ""),
                                    action_id=element.get("action_id", ""), element=element))
            lines.append(f"  ({len(controls)}) {controls[-1].label}{'' if block.get('optional') else ' *'}: "
                         f"{describe_field(element)}")
    return Screen(lines, controls)


def describe_field(element: dict) -> str:
    kind = element.get("type")
    if kind in ("checkboxes", "multi_static_select"):
        chosen = {o["value"] for o in element.get("initial_options", [])}
        return ", ".join(f"{'[x]' if o['value'] in chosen else '[ ]'} {o['value']}" for o in element.get("options", []))
    current = (element.get("initial_value") or element.get("initial_date") or element.get("initial_user") or "")
    hint = {"datepicker": "YYYY-MM-DD", "number_input": "a number", "users_select": "a user id",
            "plain_text_input": "text"}.get(kind, kind)
    return f"{current}  ({hint})" if current else f"({hint})"


def field_value(control: Control, typed: str) -> dict:
    """What Slack puts in view.state.values for this field when a person types `typed`."""
    element = control.element
    kind = element.get("type")
    if kind in ("checkboxes", "multi_static_select"):
        wanted = {v.strip() for v in typed.split(",") if v.strip()}
        return {"type": kind, "selected_options": [o for o in element.get("options", []) if o["value"] in wanted]}
    if kind == "datepicker":
        return {"type": kind, "selected_date": typed or None}
    if kind == "users_select":
        return {"type": kind, "selected_user": typed or None}
    return {"type": kind, "value": typed}


def initial_value(control: Control) -> dict | None:
    element = control.element
    kind = element.get("type")
    if kind in ("checkboxes", "multi_static_select"):
        return {"type": kind, "selected_options": list(element.get("initial_options", []))}
    if kind == "datepicker" and element.get("initial_date"):
        return {"type": kind, "selected_date": element["initial_date"]}
    if kind == "users_select" and element.get("initial_user"):
        return {"type": kind, "selected_user": element["initial_user"]}
    if element.get("initial_value") is not None:
        return {"type": kind, "value": element["initial_value"]}
    return None
