"""`headwork demo --console`: the Slack app in a terminal, driven like a person would."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from bot.cli import main

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)  # Monday 09:00 in Berlin


def console(script: str, tmp_path, capsys, monkeypatch) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(script))
    env = {"HEADWORK_DB": str(tmp_path / "unused.db"), "HEADWORK_CONFIG": str(tmp_path / "none.yml")}
    assert main(["demo", "--console"], environ=env, clock=lambda: T0) == 0
    out = capsys.readouterr().out.split("Headwork console:", 1)[1]
    return out


def test_top5_then_done_by_number_redraws_the_list(tmp_path, capsys, monkeypatch):
    out = console("/top5\n1\nquit\n", tmp_path, capsys, monkeypatch)
    assert "You are Tom Okafor" in out
    first, after = out.split("tom> 1", 1)
    assert "Your top 5 · Mon 02 Mar, 08:00 (Europe/London)" in first
    assert "[1 Done] [2 Snooze until tomorrow]" in first
    top = first.split("1. ", 1)[1].split("  ·", 1)[0]
    assert "(updated, only you can see this)" in after and f"Done: {top}" in after
    assert f"1. {top}" not in after


def test_why_opens_the_modal_and_a_band_correction_is_saved(tmp_path, capsys, monkeypatch):
    out = console("/top5\n6\n1 customer_onboarding,internal_efficiency\nsubmit\nquit\n", tmp_path, capsys,
                  monkeypatch)
    assert "[Why this score]" in out and "Terms add up to the total" in out
    assert "(1) Which value bands apply?" in out
    flat = " ".join(out.split())  # lines are wrapped at 100 columns
    assert "corrected (+An hour today saves two tomorrow; still ticked: Customer in onboarding)" in flat
    assert "bands by offline rules + a person" in out


def test_switching_person_and_asking_for_someone_elses_list(tmp_path, capsys, monkeypatch):
    out = console("/top5 @priya\nas priya\n/top5 @tom\nquit\n", tmp_path, capsys, monkeypatch)
    assert "Sorry — only admins and @Priya Raman's manager can see their list." in out
    assert "You are now Priya Raman" in out and "Top 5 for @Tom Okafor" in out


def test_task_form_and_home_tab(tmp_path, capsys, monkeypatch):
    out = console("/task\n1 Call Kestrel about SSO\n4 1\nsubmit\nhome\nquit\n", tmp_path, capsys, monkeypatch)
    assert "[New task]" in out and "[Task added]" in out and "Added Call Kestrel about SSO" in out
    assert "Headwork · Home" in out and "YOUR TOP 5" in out


def test_snooze_and_advance_the_clock(tmp_path, capsys, monkeypatch):
    out = console("/top5\n2\nadvance 1d\n/top5\nquit\n", tmp_path, capsys, monkeypatch)
    snoozed = out.split("Snoozed ", 1)[1].split(" until", 1)[0]
    assert "until Tue 03 Mar, 09:00" in out
    assert "(it is now Tue 03 Mar, 08:00 for you" in out
    last = out.rsplit("Your top 5", 1)[1]
    assert snoozed not in last  # 08:00 in London: still asleep until 09:00
    assert "I don't know" not in out


def test_a_channel_is_named_as_slack_shows_it(tmp_path, capsys, monkeypatch):
    out = console("/agenda list\nquit\n", tmp_path, capsys, monkeypatch)
    assert "Meetings with an agenda in #general" in out and "<#" not in out


def test_the_demo_meeting_posts_its_agenda_in_the_channel_and_discussed_marks_an_item(tmp_path, capsys,
                                                                                      monkeypatch):
    out = console("/agenda post\n1\nquit\n", tmp_path, capsys, monkeypatch)
    posted, pressed = out.split("tom> 1", 1)
    assert "#general · posted in the channel, for everyone there" in posted
    assert "AGENDA · CS WEEKLY" in posted and "[1 Discussed]" in posted
    assert "#general · updated in the channel" in pressed and "✅ discussed · marked by @Tom Okafor" in pressed
    assert "INFO" not in out  # Headwork's own log lines stay out of the screens


def test_react_flags_a_colleagues_message_and_the_private_prompt_takes_an_answer(tmp_path, capsys, monkeypatch):
    out = console("react @priya\n2\n/workslop\nquit\n", tmp_path, capsys, monkeypatch)
    reacted, answered = out.split("tom> 2", 1)
    assert "(you reacted :workslop: to a message Priya Raman posted in #general" in reacted
    assert "— a DM from Headwork —" in reacted and "How much time did it cost you?" in reacted
    assert "[2 30 min]" in reacted
    assert "— the DM, updated —" in answered and "So far — time: 30 min." in " ".join(answered.split())
    assert "1 flag · 30 min reported" in answered.split("tom> /workslop", 1)[1]


def test_the_weeks_flags_reach_the_leaders_digest_as_totals_only(tmp_path, capsys, monkeypatch):
    out = console("react\n3\nas priya\nreact @tom\n4\nadvance 7d\nas hanna\n/digest preview\nquit\n",
                  tmp_path, capsys, monkeypatch)
    digest = " ".join(out.split("hanna> /digest preview", 1)[1].split())
    assert "WEEKLY DIGEST · MON 02 MAR – SUN 08 MAR 2026" in digest
    assert "2 flag(s) from 2 people · 3 h lost" in digest  # 1 h from Tom, 2 h from Priya
    assert "Tom" not in digest.split("Priorities")[0] and "Priya" not in digest.split("Priorities")[0]


def test_advance_posts_the_agenda_when_its_time_comes(tmp_path, capsys, monkeypatch):
    """09:00 in Berlin; the CS weekly meets at 10:00 and its agenda is posted 30 minutes before."""
    out = console("advance 20m\nadvance 1h\n/agenda post\nquit\n", tmp_path, capsys, monkeypatch)
    early, rest = out.split("tom> advance 1h", 1)
    assert "Say how long" in early and "AGENDA" not in early  # minutes are not a unit: nothing moved
    posted, again = rest.split("tom> /agenda post", 1)
    assert "#general · posted in the channel, for everyone there" in posted and "AGENDA · CS WEEKLY" in posted
    assert posted.count("AGENDA · CS WEEKLY") == 1
    assert "Mon 2 Mar, 10:00 (Europe/Berlin)" in posted
    assert "Posting the agenda for CS weekly (Mon 9 Mar" in again  # today's is done: the next one


def test_the_leader_gets_the_weekly_digest_by_dm_on_monday_morning_and_nobody_else_sees_it(tmp_path, capsys,
                                                                                           monkeypatch):
    out = console("advance 1h\nas hanna\nadvance 7d\nquit\n", tmp_path, capsys, monkeypatch)
    as_tom, as_hanna = out.split("You are now Hanna Vogel", 1)
    assert "WEEKLY DIGEST" not in as_tom  # Tom is no recipient: Hanna's DM is hers
    dm = as_hanna.split("— a DM from Headwork —", 1)[1]
    assert "WEEKLY DIGEST · MON 02 MAR – SUN 08 MAR 2026" in dm  # Monday 9 March, 09:00 her time
    assert "(and a picture in the DM: Workslop hours and value delivered, 8 weeks to 2026-W10)" in dm


def test_an_admin_gives_a_task_nobody_owns_from_home(tmp_path, capsys, monkeypatch):
    """Hanna hands her first task back, finds it under *Tasks nobody owns* and gives it to Mei."""
    script = "as hanna\nhome\n7\n{menu} @mei\nas mei\n/top5\nquit\n"
    first = console(script.format(menu=0), tmp_path, capsys, monkeypatch)
    listed = first.split("hanna> 7", 1)[1].split("Tasks nobody owns (3)", 1)[1]
    assert listed.lstrip().startswith("Approve Brightline onboarding plan")
    assert "handed back by Hanna Vogel (Not mine)" in listed
    menu = listed.split(" Give to… — type ", 1)[1].split(" ", 1)[0]
    out = console(script.format(menu=menu), tmp_path, capsys, monkeypatch)
    assert "Gave Approve Brightline onboarding plan to @Mei Chen. They are told by DM." in out
    assert "Tasks nobody owns (2)" in out.split(f"hanna> {menu} @mei", 1)[1]
    became_mei = out.split("You are now Mei Chen", 1)[1].split("mei> /top5", 1)[0]
    assert "(1 DM from Headwork came while you were someone else:)" in became_mei  # what she missed, once
    assert "@Hanna Vogel gave you a task: Approve Brightline onboarding plan" in " ".join(became_mei.split())
    assert "1. Approve Brightline onboarding plan" in out.split("mei> /top5", 1)[1]


def test_the_reaction_line_says_a_reaction_shows_who_added_it_and_the_shortcut_does_not(tmp_path, capsys,
                                                                                       monkeypatch):
    out = " ".join(console("react @priya\nquit\n", tmp_path, capsys, monkeypatch).split())
    assert "nobody else sees who reacted" not in out
    assert ("(you reacted :workslop: to a message Priya Raman posted in #general; like any reaction, everyone in "
            "the channel can see who added it — in Slack, the message shortcut Flag as workslop leaves no trace)"
            ) in out


def test_a_mistyped_command_and_form_words_with_no_form_open_are_answered_plainly(tmp_path, capsys, monkeypatch):
    out = console("/top\nsubmit\ncancel\npress abc\nquit\n", tmp_path, capsys, monkeypatch)
    assert "No such command: /top (try `help`; Headwork's are /top5, /task, /agenda, /digest, /workslop)." in out
    assert "handle_some_command" not in out and "HTTP 404" not in out
    assert out.count("No form is open (`submit` and `cancel` are for a form Headwork opened).") == 2
    assert "Say which button: `press 3` (or just `3`) presses button 3 of what is on screen." in out
    assert "I don't know" not in out


def test_starting_as_someone_not_in_the_sample_organisation_is_refused_with_the_people(tmp_path, capsys,
                                                                                      monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("quit\n"))
    env = {"HEADWORK_DB": str(tmp_path / "unused.db"), "HEADWORK_CONFIG": str(tmp_path / "none.yml")}
    assert main(["demo", "--as", "nobody", "--console"], environ=env, clock=lambda: T0) == 2
    out, err = capsys.readouterr()
    assert out == ""  # nothing ran: not the demo, not a console as someone else
    assert err == ("headwork: --as: nobody called 'nobody' in the sample organisation; choose one of: hanna, "
                   "priya, tom, lucía, jonas, mei, sam, aisha, diego\n")
    assert main(["demo", "--as", "lucia", "--console"], environ=env, clock=lambda: T0) == 0  # as typed, no accent
    assert "You are Lucía Fernández (U0DEMOCS3)" in capsys.readouterr().out


def test_the_workslop_prompts_why_dropdown_takes_a_choice_by_its_number(tmp_path, capsys, monkeypatch):
    out = console("react @priya\n7 2\n7 9\nquit\n", tmp_path, capsys, monkeypatch)
    prompt, chosen = out.split("tom> 7 2", 1)
    flat = " ".join(prompt.split())
    assert ("[7 Why was it hard to use?: 1 Missing context · 2 Wrong or unchecked facts · 3 Padded or too long · "
            "4 Did not answer the ask · 5 Other — type 7 and a choice] [8 Undo]") in flat
    assert "— the DM, updated —" in chosen and "why: Wrong or unchecked facts" in " ".join(chosen.split())
    assert "(now: Wrong or unchecked facts)" in chosen  # the dropdown shows what was picked
    assert "! No choice '9': type its number, 1 to 5." in chosen.split("tom> 7 9", 1)[1]


def test_the_rate_form_is_filled_by_a_choices_number_or_value_and_saved(tmp_path, capsys, monkeypatch):
    out = console("react @priya\n/workslop\n1\n1 2\n3 missing_context\nsubmit\nquit\n", tmp_path, capsys,
                  monkeypatch)
    form = out.split("tom> /workslop", 1)[1]
    assert "[Rate a flag]" in form
    assert "(1) How much time did it cost you?: (pick one: 1 15 min · 2 30 min · 3 1 h" in form
    assert "(1) How much time did it cost you? = 30 min" in form
    assert "(3) Why was it hard to use? = Missing context" in form
    saved = form.split("tom> submit", 1)[1]
    assert "!" not in saved.split("(updated", 1)[0]  # no error: the form was accepted
    assert "Recorded: a message in #general cost you 30 min — Missing context." in " ".join(saved.split())


def test_agenda_setup_takes_a_time_and_attendees_and_saves_the_meeting(tmp_path, capsys, monkeypatch):
    script = ("as priya\n/agenda setup\n1 Onboarding sync\n2 tuesday\n3 2\n5 25:00\n5 9:30\n8 @tom @lucia\n"
              "8 @nobody\nsubmit\n/agenda list\nquit\n")
    out = console(script, tmp_path, capsys, monkeypatch)
    form = out.split("priya> /agenda setup", 1)[1]
    assert "(5) Starts at *: 10:00  (HH:MM, such as 11:00)" in form  # the picker's own default
    assert "(3) Repeats *: Every week  (pick one: 1 Every week · 2 Every other week" in form
    assert "(3) Repeats = Every other week" in form
    assert "! '25:00' is not a time: type it as HH:MM, such as 11:00." in form
    assert "(5) Starts at = 09:30" in form
    assert "(8) Attendees (their tasks) = @Tom Okafor, @Lucía Fernández" in form
    assert "! Nobody called '@nobody' here — type `people`." in form
    saved = " ".join(form.split("priya> submit", 1)[1].split())
    assert "[Agenda saved]" in saved and "!" not in saved.split("[Agenda saved]", 1)[0]
    made, listed = saved.split("priya> /agenda list", 1)
    assert "Set up Onboarding sync in #general: every other week on Tue at 09:30" in made
    assert "up to 7 items from 2 attendees" in made
    assert "Onboarding sync · every other week on Tue at 09:30" in listed and "set up in Slack by @Priya Raman" in listed


def test_the_readmes_step_as_hanna_home_gives_a_task_nobody_owns_to_mei(tmp_path, capsys, monkeypatch):
    """README, "Try it": `as hanna` and `home` to see, as an admin, the tasks nobody owns and give one
    to someone (`N @mei` picks Mei in menu N) — as written, with nothing handed back first: the demo
    has a Slack task Diego handed back with Not mine."""
    home = console("as hanna\nhome\nquit\n", tmp_path, capsys, monkeypatch)
    listed = home.split("Tasks nobody owns (2)", 1)[1]
    assert listed.lstrip().startswith("Set up the sandbox workspace for Orion Freight's pilot")
    task = listed.split("handed back by Diego Morales (Not mine)", 1)[0]
    menu = task.split(" Give to… — type ", 1)[1].split(" ", 1)[0]
    out = console(f"as hanna\nhome\n{menu} @mei\nas mei\n/top5\nquit\n", tmp_path, capsys, monkeypatch)
    given = out.split(f"hanna> {menu} @mei", 1)[1]
    assert "Gave Set up the sandbox workspace for Orion Freight's pilot to @Mei Chen. They are told by DM." in given
    admin_home = given.split("Tasks nobody owns (1)", 1)[1].split("hanna> as mei", 1)[0]
    assert "Orion Freight's pilot" not in admin_home and "Translate help centre into German" in admin_home
    became_mei = out.split("You are now Mei Chen", 1)[1].split("mei> /top5", 1)[0]
    assert "@Hanna Vogel gave you a task: Set up the sandbox workspace for Orion Freight's pilot" in \
        " ".join(became_mei.split())
    assert "Set up the sandbox workspace for Orion Freight's pilot" in out.split("mei> /top5", 1)[1]
