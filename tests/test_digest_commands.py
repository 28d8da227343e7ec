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


def test_an_app_or_a_deactivated_account_is_not_added(slack):
    slack.add_user("U0KNOWNBOT", is_bot=True)
    slack.deps.directory.refresh("U0KNOWNBOT", slack.clock.now)  # seen before: refused at once
    reply = slack.command(CEO, "/digest", "add <@U0KNOWNBOT|helper>")
    assert reply.text == "Not added: <@U0KNOWNBOT> is an app, not a person: the digest would go nowhere."
    # not seen yet: added, then Slack is asked, and they come off again with a note
    slack.add_user("U0NEWBOT", is_bot=True)
    slack.add_user("U0LEFT", deleted=True)
    for user, why in (("U0NEWBOT", " is an app, not a person"), ("U0LEFT", "'s account is deactivated")):
        reply = slack.command(CEO, "/digest", f"add <@{user}>", tag=user)
        assert reply.text == f"<@{user}> will get the weekly digest."
        slack.settle()
        [note] = slack.responses(user)
        assert note["text"] == f"Taken off the digest again: <@{user}>{why}: the digest would go nowhere."
    # a person is added and stays
    slack.add_user("U0NEWLEAD", tz="Europe/Berlin")
    assert slack.command(CEO, "/digest", "add <@U0NEWLEAD>", tag="lead").text == \
        "<@U0NEWLEAD> will get the weekly digest."
    slack.settle()
    assert slack.responses("lead") == []
    assert DigestStore(slack.store).added_recipients() == ["U0NEWLEAD"]


def test_a_long_list_is_cut_at_a_whole_person_saying_how_many_more(slack):
    store = DigestStore(slack.store)
    for i in range(300):
        store.add_recipient(f"U{i:09d}", CEO, slack.clock.now)
    text = slack.command(CEO, "/digest", "list").text
    assert len(text) <= 3000
    shown = text.count("<@")
    assert text.count("<@") == text.count(">") and 50 < shown < 300  # no mention cut in half
    assert text.endswith(f"\n…and {300 - shown} more")


def test_stop_from_someone_who_was_not_getting_it_says_so_and_is_remembered(slack):
    reply = slack.command(TOM, "/digest", "stop")
    assert reply.text == ("You weren't getting the weekly digest. Your stop is remembered: if an admin adds "
                          "you, you won't get it until you say `/digest start`.")
    assert "They had opted out" in slack.command(CEO, "/digest", f"add <@{TOM}>").text
    assert slack.command(TOM, "/digest", "stop").text.startswith("You had already stopped the weekly digest.")
    assert slack.command(TOM, "/digest", "start").text == "You're getting the weekly digest again."
    assert slack.command(TOM, "/digest", "stop").text.startswith("Done — you won't get the weekly digest any more.")


def test_stop_start_stop_from_someone_not_on_the_list_says_what_each_one_did(slack):
    """Tom is no recipient: his stop is remembered, his start lifts it (it never says he hadn't
    opted out), and his next stop is a fresh one; an admin adding him then gives him the digest."""
    assert slack.command(TOM, "/digest", "stop").text.startswith("You weren't getting the weekly digest.")
    start = slack.command(TOM, "/digest", "start").text
    assert start == ("Your stop is lifted, but you're not on the digest list — ask a Headwork admin "
                     "(`/digest add @you`) if you want it.")
    assert slack.command(TOM, "/digest", "stop").text.startswith("You weren't getting the weekly digest.")
    assert slack.command(TOM, "/digest", "start").text == start
    assert slack.command(TOM, "/digest", "start").text.startswith("You haven't opted out, but you're not on")
    assert slack.command(CEO, "/digest", f"add <@{TOM}>").text == f"<@{TOM}> will get the weekly digest."
    assert slack.command(TOM, "/digest", "start").text == "You already get the weekly digest."
    assert slack.command(TOM, "/digest", "stop").text.startswith("Done — you won't get the weekly digest any more.")
    assert slack.command(TOM, "/digest", "start").text == "You're getting the weekly digest again."
