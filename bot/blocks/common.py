"""Small Block Kit pieces shared by every builder, with Slack's limits applied."""

from __future__ import annotations

SECTION_TEXT_MAX = 3000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
MODAL_TITLE_MAX = 24
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
PRIVATE_METADATA_MAX = 3000


def esc(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def plain(text: str, limit: int = SECTION_TEXT_MAX, emoji: bool = True) -> dict:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": emoji}


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> dict:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def section(text: str, block_id: str | None = None, accessory: dict | None = None) -> dict:
    block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def header(text: str) -> dict:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def context(*texts: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:10]]}


def divider() -> dict:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None, confirm: dict | None = None) -> dict:
    b = {"type": "button", "text": plain(text, BUTTON_TEXT_MAX), "action_id": action_id, "value": value[:2000]}
    if style:
        b["style"] = style
    if confirm:
        b["confirm"] = confirm
    return b


def option(text: str, value: str, description: str | None = None) -> dict:
    o = {"text": plain(text, OPTION_TEXT_MAX), "value": value[:150]}
    if description:
        o["description"] = plain(description, OPTION_TEXT_MAX)
    return o


def link(url: str, text: str) -> str:
    """A mrkdwn link; falls back to the bare text when there is no usable URL."""
    if url and url.startswith(("http://", "https://")) and "|" not in url and ">" not in url:
        return f"<{url}|{esc(text)}>"
    return esc(text)


def modal(callback_id: str, title: str, blocks: list[dict], submit: str | None = None,
          private_metadata: str = "", close: str = "Close") -> dict:
    view = {"type": "modal", "callback_id": callback_id, "title": plain(title, MODAL_TITLE_MAX),
            "close": plain(close, MODAL_TITLE_MAX), "blocks": blocks[:VIEW_BLOCKS_MAX],
            "private_metadata": private_metadata[:PRIVATE_METADATA_MAX]}
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE_MAX)
    return view
