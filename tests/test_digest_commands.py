"""/digest as people type it in Slack: a plain @name (no mention), adding an app or a deactivated
account, a long recipient list, and a stop from someone who was not getting it."""

from __future__ import annotations

from bot.store_digest import DigestStore

CEO, TOM = "U0DEMOCEO", "U0DEMOCS2"  # the demo's admin; Tom is no recipient


def test_a_plain_at_name_is_explained_and_changes_nothing(slack):
    """What Slack sends when the person was not picked from the list: the name, as text."""
    for verb in ("add", "remove"):
        reply = slack.command(CEO, "/digest", f"{verb} @tom")
        assert reply.status == 200
        assert "I couldn't tell who `@tom` is" in reply.text and "plain text" in reply.text
        assert "pick the person from the list" in reply.text
    assert DigestStore(slack.store).added_recipients() == []
