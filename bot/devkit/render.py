"""Block Kit as readable text, for the demo console: sections and context as lines, links as
'title <url>', and every button, menu option and form field numbered so a person can press
or fill it by typing its number."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

from ..slack_text import plain_text



@dataclass
class Control:
    """Something on screen a person can use: a button (or menu option) to press, or a field to fill."""

    label: str
    kind: str  # 'button' | 'field' | 'pick' (a user menu outside a form: `N @name`) | 'choose' (a dropdown: `N 2`)
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
        if kind in SINGLE_CHOICE:
            controls.append(Control(text_of(element.get("placeholder")) or "Choose", "choose", {
                "type": kind, "action_id": element["action_id"], "block_id": block.get("block_id")},
                element=element))
            chosen = element.get("initial_option")
            now = f" (now: {text_of(chosen.get('text'))})" if chosen else ""
            return (f"[{len(controls)} {controls[-1].label}{now}: {numbered_options(element, names)} — type "
                    f"{len(controls)} and a choice]")
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
                         f"{describe_field(element, names)}")
    return Screen(lines, controls)


SINGLE_CHOICE = ("static_select", "radio_buttons")  # one option, sent as `selected_option`


def numbered_options(element: dict, names: dict[str, str] | None = None) -> str:
    """A dropdown's choices as `1 Label · 2 Label`: a person picks one by its number (or its text)."""
    return " · ".join(f"{i} {mrkdwn_to_text(str(o['text'].get('text', '')), names)}"
                      for i, o in enumerate(element.get("options", []), start=1))


def describe_field(element: dict, names: dict[str, str] | None = None) -> str:
    names = names or {}
    kind = element.get("type")
    if kind in ("checkboxes", "multi_static_select"):
        chosen = {o["value"] for o in element.get("initial_options", [])}
        return ", ".join(f"{'[x]' if o['value'] in chosen else '[ ]'} {o['value']}" for o in element.get("options", []))
    if kind in SINGLE_CHOICE:
        chosen = element.get("initial_option")
        now = f"{mrkdwn_to_text(str(chosen['text'].get('text', '')), names)}  " if chosen else ""
        return f"{now}(pick one: {numbered_options(element, names)})"
    if kind == "multi_users_select":
        current = " ".join("@" + names.get(u, u) for u in element.get("initial_users", []))
    elif kind == "users_select" and element.get("initial_user"):
        current = "@" + names.get(element["initial_user"], element["initial_user"])
    else:
        current = (element.get("initial_value") or element.get("initial_date") or element.get("initial_time") or "")
    hint = {"datepicker": "YYYY-MM-DD", "timepicker": "HH:MM, such as 11:00", "number_input": "a number",
            "users_select": "@name", "multi_users_select": "@name @name …", "plain_text_input": "text"}.get(kind, kind)
    return f"{current}  ({hint})" if current else f"({hint})"


def choose_option(element: dict, typed: str) -> dict:
    """The option a person means by `typed`: its value, its text (any case) or its number from 1.
    Raises ValueError saying what can be typed."""
    options = element.get("options", [])
    want = typed.strip()
    for option in options:
        if want == option.get("value") or want.lower() == str(option["text"].get("text", "")).lower():
            return option
    if want.isdecimal() and 1 <= int(want) <= len(options):
        return options[int(want) - 1]
    raise ValueError(f"No choice {typed!r}: type its number, 1 to {len(options)}.")


def field_value(control: Control, typed: str, user_of: Callable[[str], str | None] | None = None) -> dict:
    """What Slack puts in view.state.values for this field when a person types `typed`; `user_of`
    turns a typed `@name` into a user id. Raises ValueError when Slack's own control would not let
    anyone enter it (no such choice, a time that is not HH:MM, nobody by that name)."""
    element = control.element
    kind = element.get("type")
    if kind in ("checkboxes", "multi_static_select"):
        wanted = {v.strip() for v in typed.split(",") if v.strip()}
        return {"type": kind, "selected_options": [o for o in element.get("options", []) if o["value"] in wanted]}
    if kind in SINGLE_CHOICE:
        return {"type": kind, "selected_option": choose_option(element, typed) if typed.strip() else None}
    if kind == "datepicker":
        return {"type": kind, "selected_date": typed or None}
    if kind == "timepicker":
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", typed.strip())
        if typed.strip() and not match:
            raise ValueError(f"{typed!r} is not a time: type it as HH:MM, such as 11:00.")
        return {"type": kind, "selected_time": f"{int(match.group(1)):02d}:{match.group(2)}" if match else None}
    if kind in ("users_select", "multi_users_select"):
        users = [_user(word, user_of) for word in re.split(r"[\s,]+", typed.strip()) if word]
        if kind == "users_select":
            if len(users) > 1:
                raise ValueError("One person only: `N @name`.")
            return {"type": kind, "selected_user": users[0] if users else None}
        return {"type": kind, "selected_users": list(dict.fromkeys(users))}
    return {"type": kind, "value": typed}


def _user(word: str, user_of: Callable[[str], str | None] | None) -> str:
    found = user_of(word) if user_of else None
    if found:
        return found
    if re.fullmatch(r"[UW][A-Z0-9]{2,}", word):  # a user id, as typed
        return word
    raise ValueError(f"Nobody called {word!r} here — type `people`.")


def initial_value(control: Control) -> dict | None:
    element = control.element
    kind = element.get("type")
    if kind in ("checkboxes", "multi_static_select"):
        return {"type": kind, "selected_options": list(element.get("initial_options", []))}
    if kind in SINGLE_CHOICE and element.get("initial_option"):
        return {"type": kind, "selected_option": element["initial_option"]}
    if kind == "datepicker" and element.get("initial_date"):
        return {"type": kind, "selected_date": element["initial_date"]}
    if kind == "timepicker" and element.get("initial_time"):
        return {"type": kind, "selected_time": element["initial_time"]}
    if kind == "users_select" and element.get("initial_user"):
        return {"type": kind, "selected_user": element["initial_user"]}
    if kind == "multi_users_select" and element.get("initial_users"):
        return {"type": kind, "selected_users": list(element["initial_users"])}
    if element.get("initial_value") is not None:
        return {"type": kind, "value": element["initial_value"]}
    return None
