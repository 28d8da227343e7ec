"""Slack's message markup (mentions, links, channels) as a person reads it."""

from __future__ import annotations

import re

_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#(C[A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")


def plain_text(text: str, name_for=lambda slack_id: slack_id) -> str:
    """Slack's message markup as a person reads it: `<@U1|ana>` → @ana, `<https://x|label>` → label.
    A mention without its label is named by `name_for(id)`: a person's, or a channel's, id."""
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _USER.sub(lambda m: "@" + (m.group(2) or name_for(m.group(1))), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or name_for(m.group(1))), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _SUBTEAM.sub(lambda m: m.group(1) or "@group", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_LEADING_USER = re.compile(r"^\s*<@([UW][A-Z0-9]+)(?:\|[^>]*)?>[\s,:]*")


def leading_mention(text: str) -> tuple[str | None, str]:
    """(the user a line starts by mentioning, the rest of the line): "<@U1|ana> Review the deck" ->
    ("U1", "Review the deck"); (None, text) when it starts with anything else."""
    m = _LEADING_USER.match(text)
    return (m.group(1), text[m.end():]) if m else (None, text)
