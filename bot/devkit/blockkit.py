"""Slack's Block Kit limits, checked the way Slack checks them: the loopback fake answers
`invalid_blocks` for a payload that breaks one (as Slack does), and tests check every
acknowledgement with `problems`. slack_sdk's own models validate only some of these.

Limits from Slack's Block Kit reference: 50 blocks per message, 100 per modal or Home tab;
section text 3,000 characters, header 150, button text 75, button value 2,000, option text
75 and value 150, action_id and block_id 255; modal title/submit/close 24, private_metadata
3,000; block_ids unique in a surface, action_ids unique in a block; no empty text.
"""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100

_TEXT_LIMITS = {"section": 3000, "header": 150, "context": 2000}
_ELEMENT_LIMITS = {"actions": 25, "context": 10}


def message_problems(message: dict) -> list[str]:
    """A chat message or a slash-command / response_url reply: {'text', 'blocks', ...}."""
    out: list[str] = []
    blocks = message.get("blocks")
    if blocks is None:
        if not str(message.get("text") or "").strip() and not message.get("attachments") \
                and not message.get("delete_original"):
            out.append("a message needs text or blocks")
        return out
    if not isinstance(blocks, list):
        return ["blocks must be a list"]
    if len(blocks) > MESSAGE_BLOCKS:
        out.append(f"{len(blocks)} blocks in a message (at most {MESSAGE_BLOCKS})")
    if len(str(message.get("text") or "")) > 40000:
        out.append("text longer than 40,000 characters")
    return out + _blocks(blocks, "blocks")


def view_problems(view: dict) -> list[str]:
    out: list[str] = []
    kind = view.get("type")
    blocks = view.get("blocks") or []
    if kind not in ("modal", "home"):
        return [f"view type {kind!r} (modal or home)"]
    if len(blocks) > VIEW_BLOCKS:
        out.append(f"{len(blocks)} blocks in a {kind} (at most {VIEW_BLOCKS})")
    if kind == "modal":
        out += _plain(view.get("title"), "title", 24, required=True)
        for key in ("submit", "close"):
            if key in view:
                out += _plain(view[key], key, 24)
        if any(b.get("type") == "input" for b in blocks if isinstance(b, dict)) and "submit" not in view:
            out.append("a modal with inputs needs a submit button")
    if len(str(view.get("private_metadata") or "")) > 3000:
        out.append("private_metadata longer than 3,000 characters")
    if len(str(view.get("callback_id") or "")) > 255:
        out.append("callback_id longer than 255 characters")
    return out + _blocks(blocks, "blocks")


def _blocks(blocks: list, where: str) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        at = f"{where}[{i}]"
        if not isinstance(block, dict) or "type" not in block:
            out.append(f"{at}: not a block")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > 255:
                out.append(f"{at}: block_id longer than 255 characters")
            if block_id in seen:
                out.append(f"{at}: block_id {block_id!r} used twice")
            seen.add(block_id)
        out += _block(block, at)
    return out


def _block(block: dict, at: str) -> list[str]:
    kind = block["type"]
    out: list[str] = []
    if kind == "section":
        if "text" not in block and "fields" not in block:
            out.append(f"{at}: a section needs text or fields")
        if "text" in block:
            out += _text(block["text"], f"{at}.text", 3000)
        for j, f in enumerate(block.get("fields") or []):
            out += _text(f, f"{at}.fields[{j}]", 2000)
        if len(block.get("fields") or []) > 10:
            out.append(f"{at}: more than 10 fields")
        if "accessory" in block:
            out += _element(block["accessory"], f"{at}.accessory")
    elif kind == "header":
        out += _plain(block.get("text"), f"{at}.text", 150, required=True)
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            out.append(f"{at}: a context has 1 to 10 elements")
        for j, e in enumerate(elements):
            if e.get("type") in ("mrkdwn", "plain_text"):
                out += _text(e, f"{at}.elements[{j}]", 2000)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            out.append(f"{at}: an actions block has 1 to 25 elements")
        out += _unique_actions(elements, at)
        for j, e in enumerate(elements):
            out += _element(e, f"{at}.elements[{j}]")
    elif kind == "input":
        out += _plain(block.get("label"), f"{at}.label", 2000, required=True)
        if "hint" in block:
            out += _plain(block["hint"], f"{at}.hint", 2000)
        if not isinstance(block.get("element"), dict):
            out.append(f"{at}: an input needs an element")
        else:
            out += _element(block["element"], f"{at}.element")
    elif kind in ("divider", "image", "rich_text", "file", "video"):
        pass
    else:
        out.append(f"{at}: unknown block type {kind!r}")
    return out


def _unique_actions(elements: list, at: str) -> list[str]:
    ids = [e.get("action_id") for e in elements if isinstance(e, dict) and e.get("action_id")]
    return [f"{at}: action_id {a!r} used twice in one block" for a in {a for a in ids if ids.count(a) > 1}]


def _element(e: Any, at: str) -> list[str]:
    if not isinstance(e, dict):
        return [f"{at}: not an element"]
    out: list[str] = []
    kind = e.get("type")
    if len(str(e.get("action_id") or "")) > 255:
        out.append(f"{at}: action_id longer than 255 characters")
    if kind == "button":
        out += _plain(e.get("text"), f"{at}.text", 75, required=True)
        if len(str(e.get("value") or "")) > 2000:
            out.append(f"{at}: button value longer than 2,000 characters")
        if len(str(e.get("url") or "")) > 3000:
            out.append(f"{at}: button url longer than 3,000 characters")
        if e.get("style") not in (None, "primary", "danger"):
            out.append(f"{at}: button style {e.get('style')!r}")
    elif kind in ("overflow", "static_select", "multi_static_select", "checkboxes", "radio_buttons"):
        options = e.get("options") or []
        lo, hi = {"overflow": (1, 5), "checkboxes": (1, 10), "radio_buttons": (1, 10)}.get(kind, (1, 100))
        if not lo <= len(options) <= hi:
            out.append(f"{at}: {kind} has {len(options)} options ({lo} to {hi})")
        values = [o.get("value") for o in options]
        if len(set(values)) != len(values):
            out.append(f"{at}: option values repeat")
        for j, o in enumerate(options):
            out += _option(o, f"{at}.options[{j}]", kind)
        for j, o in enumerate(e.get("initial_options") or []):
            if o not in options:
                out.append(f"{at}.initial_options[{j}]: not one of the options")
    elif kind == "plain_text_input":
        if int(e.get("max_length") or 0) > 3000:
            out.append(f"{at}: max_length over 3,000")
        if len(str(e.get("initial_value") or "")) > int(e.get("max_length") or 3000):
            out.append(f"{at}: initial_value longer than max_length")
    if "placeholder" in e:
        out += _plain(e["placeholder"], f"{at}.placeholder", 150)
    return out


def _option(o: Any, at: str, kind: str) -> list[str]:
    if not isinstance(o, dict):
        return [f"{at}: not an option"]
    limit = 75
    out = _text(o.get("text"), f"{at}.text", limit, plain_only=kind in ("overflow", "static_select",
                                                                          "multi_static_select"))
    if not 1 <= len(str(o.get("value") or "")) <= 150:
        out.append(f"{at}: option value must be 1 to 150 characters")
    if "description" in o:
        out += _text(o["description"], f"{at}.description", 75)
    return out


def _plain(t: Any, at: str, limit: int, required: bool = False) -> list[str]:
    if t is None:
        return [f"{at}: missing"] if required else []
    return _text(t, at, limit, plain_only=True)


def _text(t: Any, at: str, limit: int, plain_only: bool = False) -> list[str]:
    if not isinstance(t, dict) or t.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{at}: not a text object"]
    if plain_only and t["type"] != "plain_text":
        return [f"{at}: must be plain_text"]
    text = str(t.get("text") or "")
    if not text.strip():
        return [f"{at}: empty text"]
    if len(text) > limit:
        return [f"{at}: {len(text)} characters (at most {limit})"]
    return []
