"""`headwork demo --console`: Slack in a terminal. The same app and listeners as `headwork
run`, the loopback Slack instead of slack.com: type a slash command as one of the sample
people, press a button by its number, fill a modal, and read the replies as text."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from datetime import timedelta
from scoring.demo import plain_name as plain
from scoring.rescore import rescore_all

from ..digest.service import DigestJob
from ..ids import SLASH_COMMANDS
from .harness import SlackHarness
from .render import Control, Screen, choose_option, field_value, initial_value, render
from .slack_requests import reaction_added

STEP = timedelta(minutes=5)  # `advance` moves the clock this much at a time, running what is due

HELP = """Commands:
  /top5 [N] [@name] [help]   your top tasks (any slash command of the app works: /task, ...)
  home                       open the App Home tab
  N  or  press N             press button N of what is on screen
  N some value               in a form: fill field N (bands: comma-separated ids; a dropdown: the
                             number of its choice; a time: 11:00; people: @mei @tom)
  N @name                    pick a person in menu N (Give to… on an admin's Home)
  N 2                        pick choice 2 in dropdown N (Why was it hard to use? in a workslop DM)
  submit | cancel            send or close the open form
  react [@name]              react with the workslop emoji to AI output a colleague posted in #general
  as NAME                    become another sample person (first name or id): DMs they got meanwhile show
  people                     who is in the sample organisation
  advance 1d | 3h            move the clock: agendas post when their time comes, the hourly rescore
                             runs, snoozed tasks come back
  help | quit"""


class Console:
    def __init__(self, harness: SlackHarness, people: list, start_as: str, out: Callable[[str], None] = print,
                 channels: dict[str, str] | None = None):
        self.h = harness
        self.people = people
        self.channels = dict(channels or {})  # {id: name}
        self.names = {p.id: p.name for p in people} | self.channels
        self.out = out
        self.user = start_as
        self.screen: Screen | None = None
        self.posted: tuple[str, dict] | None = None
        self.on_home = False
        self.modal: dict | None = None
        self.form: dict[str, dict] = {}
        self.unread: dict[str, list] = {}  # DMs Headwork sent to the others, until you become them
        self.seen_calls = len(self.h.fake.calls())
        self.seen_responses = len(self.h.fake.responses())
        self.turn = 0
        self.digest = DigestJob(harness.deps)

    # --- the loop -------------------------------------------------------------------------------

    def run(self, read: Callable[[str], str] = input, echo: bool = False) -> None:
        """Read commands until `quit` or the end of input; `echo` repeats each one (for piped input)."""
        self.out(f"You are {self.names[self.user]} ({self.user}). Type `help` for commands, `quit` to leave.")
        while True:
            try:
                line = read(f"{self.first_name(self.user)}> ")
            except EOFError:
                return
            if echo:
                self.out(line)
            if not self.handle(line):
                return

    def handle(self, line: str) -> bool:
        line = line.strip()
        if not line:
            return True
        word, _, rest = line.partition(" ")
        if word in ("quit", "exit"):
            return False
        if word == "help":
            self.out(HELP)
        elif word == "people":
            for p in self.people:
                self.out(f"  {p.id}  {p.name} — {p.title} ({p.tz})")
        elif word == "as":
            self.become(rest)
        elif word == "home":
            self.modal = None
            self.h.open_home(self.user)
            self.on_home = True
            self.follow_up(show_home=True)
        elif word.startswith("/"):
            self.modal = None
            self.command(word, rest)
        elif word == "advance":
            self.advance(rest)
        elif word == "react":
            self.react(rest)
        elif word in ("submit", "cancel"):
            if self.modal is None:
                self.out("No form is open (`submit` and `cancel` are for a form Headwork opened).")
            else:
                self.submit() if word == "submit" else self.close_modal()
        elif word == "press":
            if rest.strip().isdecimal():
                self.press(int(rest))
            else:
                self.out("Say which button: `press 3` (or just `3`) presses button 3 of what is on screen.")
        elif word.isdecimal() and self.modal is not None and rest:
            self.fill(int(word), rest)
        elif word.isdecimal() and rest:
            self.pick(int(word), rest)
        elif word.isdecimal():
            self.press(int(word))
        else:
            self.out(f"I don't know `{word}` — type `help`.")
        return True

    # --- what a person does -------------------------------------------------------------------

    def person(self, who: str, people: list | None = None):
        """The sample person `who` names (an id, a name or a first name, @ or not), or None."""
        key = plain(who.strip().lstrip("@"))
        return next((p for p in (self.people if people is None else people)
                     if key in (plain(p.id), plain(p.name), plain(p.name.split()[0]))), None)

    def become(self, who: str) -> None:
        p = self.person(who)
        if p is None:
            self.out(f"Nobody called {who!r} here — type `people`.")
            return
        self.user, self.screen, self.modal, self.on_home, self.posted = p.id, None, None, False, None
        self.out(f"You are now {p.name} ({p.title}, {p.tz}).")
        waiting = self.unread.pop(p.id, [])
        if waiting:
            self.out(f"({len(waiting)} DM{'' if len(waiting) == 1 else 's'} from Headwork came while you were "
                     "someone else:)")
        for call in waiting:
            self.show_message(call, "— a DM from Headwork —")

    def react(self, who: str) -> None:
        """The workslop emoji on a message someone else posted in the console's channel: Headwork
        records it and asks, privately, what it cost."""
        others = [p for p in self.people if p.id != self.user]
        author = self.person(who, others) if who.strip() else others[0]
        if author is None or not self.channels:
            self.out(f"Nobody else called {who!r} here — type `people`." if author is None else "No channel here.")
            return
        channel = next(iter(self.channels))
        emoji = self.h.deps.settings.config.workslop.reactions[0]
        self.turn += 1
        self.h.send(reaction_added(self.user, emoji, item_user=author.id, channel=channel))
        self.out(f"(you reacted :{emoji}: to a message {author.name} posted in #{self.channels[channel]}; like "
                 "any reaction, everyone in the channel can see who added it — in Slack, the message shortcut "
                 "Flag as workslop leaves no trace)")
        self.follow_up()

    def command(self, command: str, text: str) -> None:
        if command not in SLASH_COMMANDS:
            self.out(f"No such command: {command} (try `help`; Headwork's are {', '.join(SLASH_COMMANDS)}).")
            return
        text = self.mentions(text)
        self.turn += 1
        tag = f"console-{self.turn}"
        reply = self.h.command(self.user, command, text, tag=tag)
        self.tag, self.on_home = tag, False
        if reply.status != 200:
            self.out(f"(Slack would show: {command} failed, HTTP {reply.status})")
        elif reply.blocks or reply.text:
            self.show(reply.blocks or [{"type": "section", "text": {"type": "mrkdwn", "text": reply.text}}],
                      f"{command} (only you can see this)")
        self.follow_up()

    def mentions(self, text: str) -> str:
        """`@tom` → `<@U0DEMOCS2|tom>`, as Slack sends a picked mention."""
        def swap(match: re.Match) -> str:
            name = match.group(1).lower()
            for p in self.people:
                if plain(name) in (plain(p.name.split()[0]), p.id.lower()):
                    return f"<@{p.id}|{name}>"
            return match.group(0)

        return re.sub(r"@([\wÀ-ÿ]+)", swap, text)

    def press(self, number: int) -> None:
        control = self.control(number, "button")
        if control is not None:
            self.act(control.action)

    def act(self, action: dict) -> None:
        """Send what a press or a choice sends, from where it is on screen: the Home tab, a message
        Headwork posted (a DM, the channel), or an ephemeral reply."""
        self.turn += 1
        if self.on_home:
            self.h.click(self.user, action, home=True)
        elif self.posted is not None:
            channel, message = self.posted
            self.h.click(self.user, action, channel=channel, message=message)
        else:
            self.h.click(self.user, action, tag=getattr(self, "tag", "console"))
        self.follow_up(show_home=self.on_home)

    def pick(self, number: int, typed: str) -> None:
        """Choose in menu N, as Slack sends the choice: a person (*Give to…*: `N @mei`) or one of a
        dropdown's options (a workslop prompt's *Why was it hard to use?*: `N 2`)."""
        control = self.control(number, ("pick", "choose"))
        if control is None:
            return
        if control.kind == "choose":
            try:
                self.act({**control.action, "selected_option": choose_option(control.element, typed)})
            except ValueError as exc:
                self.out(f"  ! {exc}")
            return
        p = self.person(typed)
        if p is None:
            self.out(f"Nobody called {typed!r} here — type `people`.")
            return
        self.act({**control.action, "selected_user": p.id})

    def fill(self, number: int, typed: str) -> None:
        control = self.control(number, "field")
        if control is None:
            return
        try:
            typed = " ".join(shlex.split(typed))
        except ValueError:
            pass
        try:
            value = field_value(control, typed, lambda who: p.id if (p := self.person(who)) else None)
        except ValueError as exc:
            self.out(f"  ! {exc}")
            return
        self.form[control.block_id] = {control.action_id: value}
        self.out(f"  ({number}) {control.label} = {self.shown(value) or typed}")

    def shown(self, value: dict) -> str:
        """What a filled field now shows, when that is not just what was typed: a choice's text, people's names."""
        if value.get("selected_option"):
            return str(value["selected_option"]["text"].get("text", ""))
        if value.get("selected_time"):
            return value["selected_time"]
        users = value.get("selected_users") or ([value["selected_user"]] if value.get("selected_user") else [])
        return ", ".join(f"@{self.names.get(u, u)}" for u in users)

    def submit(self) -> None:
        reply = self.h.submit(self.user, self.modal, self.form)
        body = reply.body if isinstance(reply.body, dict) else {}
        if body.get("response_action") == "errors":
            for block_id, message in body["errors"].items():
                self.out(f"  ! {message}")
            return
        self.modal = None
        if body.get("response_action") == "update":
            self.open_modal(body["view"])
        self.follow_up(show_home=self.on_home)

    def close_modal(self) -> None:
        self.modal, self.screen = None, None
        self.out("(form closed)")

    def advance(self, text: str) -> None:
        match = re.fullmatch(r"\+?(\d+)\s*([dh])", text.strip())
        if not match:
            self.out("Say how long: `advance 1d` or `advance 3h`.")
            return
        amount, unit = int(match.group(1)), match.group(2)
        end = self.h.clock() + timedelta(**({"days": amount} if unit == "d" else {"hours": amount}))
        # what `headwork run`'s scheduler would have done meanwhile: an agenda is posted when its
        # time comes (its lead time is at least 5 minutes: a step never jumps over it); the hourly
        # rescore runs once at the end, which gives the same scores as every hour on the way
        while self.h.clock() < end:
            now = self.h.clock.advance(seconds=min(STEP.total_seconds(), (end - self.h.clock()).total_seconds()))
            self.h.deps.agenda.run(now)
            self.digest.run(now)
        stats = rescore_all(self.h.store, self.h.deps.model, end)
        local = self.h.deps.now_for(self.user)
        self.out(f"(it is now {local:%a %d %b, %H:%M} for you; the hourly rescore moved {stats.written} scores)")
        self.follow_up()
        if self.digest.run(end)["charts"]:  # a digest's chart follows it once the DM is delivered
            self.follow_up()

    # --- what Slack shows -------------------------------------------------------------------------

    def control(self, number: int, kind: str | tuple[str, ...]) -> Control | None:
        controls = self.screen.controls if self.screen else []
        kinds = (kind,) if isinstance(kind, str) else kind
        if not 1 <= number <= len(controls) or controls[number - 1].kind not in kinds:
            self.out(f"There is no {dict(button='button', pick='menu').get(kinds[0], 'field')} {number} on screen.")
            return None
        return controls[number - 1]

    def show(self, blocks: list[dict], title: str) -> None:
        self.screen = render(blocks, self.names, title=title)
        self.posted = None  # (channel, message) when the screen is a message in a channel
        self.out(self.screen.text())

    def open_modal(self, view: dict) -> None:
        self.modal, self.posted = view, None
        title = (view.get("title") or {}).get("text", "Form")
        self.screen = render(view.get("blocks", []), self.names, title=f"[{title}]")
        self.form = {c.block_id: {c.action_id: value} for c in self.screen.controls
                     if c.kind == "field" and (value := initial_value(c)) is not None}
        self.out(self.screen.text())
        if any(c.kind == "field" for c in self.screen.controls):
            self.out(f"  fill a field: `N value` · then `submit` ({(view.get('submit') or {}).get('text', 'Submit')})"
                     " or `cancel`")

    def follow_up(self, show_home: bool = False) -> None:
        """After the ack: whatever Slack received since — a redrawn list, a modal, a DM, the Home tab."""
        self.h.settle()
        calls = self.h.fake.calls()[self.seen_calls:]
        responses = self.h.fake.responses()[self.seen_responses:]
        self.seen_calls += len(calls)
        self.seen_responses += len(responses)
        for body in responses:
            if isinstance(body, dict) and body.get("blocks"):
                self.show(body["blocks"], "(updated, only you can see this)")
            elif isinstance(body, dict) and body.get("text"):
                self.out(body["text"])
        for call in calls:
            if call.method in ("views.open", "views.push", "views.update"):
                self.open_modal(call.json_arg("view"))
            elif call.method in ("chat.postMessage", "chat.update") and (
                    self.in_my_dm(call.args.get("channel")) or call.args.get("channel") in self.channels):
                # shown as the screen: its buttons (an agenda's Discussed, a workslop prompt's answers)
                # are pressed on the message itself
                channel = call.args["channel"]
                new = call.method == "chat.postMessage"
                if channel in self.channels:
                    title = f"#{self.channels[channel]} · {'posted in' if new else 'updated in'} the channel, " \
                            "for everyone there"
                else:
                    title = "— a DM from Headwork —" if new else "— the DM, updated —"
                self.show_message(call, title)
            elif call.method == "chat.postMessage" and (someone := self.dm_of(call.args.get("channel"))):
                self.unread.setdefault(someone, []).append(call)  # shown when you become them
            elif call.method == "files.completeUploadExternal" and self.in_my_dm(call.args.get("channel_id")):
                for item in call.json_arg("files") or []:
                    self.out(f"(and a picture in the DM: {item.get('title') or 'a file'})")
        if show_home and self.modal is None:
            published = [c for c in calls if c.method == "views.publish" and c.args.get("user_id") == self.user]
            if published:
                self.show(published[-1].json_arg("view")["blocks"], "Headwork · Home")

    def show_message(self, call, title: str) -> None:
        """A message Headwork posted or updated, as the screen: its buttons are pressed on it."""
        blocks = call.json_arg("blocks") or [{"type": "section", "text": {"type": "mrkdwn",
                                                                          "text": call.args.get("text", "")}}]
        self.show(blocks, title)
        ts = call.args.get("ts") or call.response.get("ts")
        self.posted = (call.response.get("channel") or call.args["channel"], {"type": "message", "ts": ts, "blocks": blocks})

    def dm_of(self, channel: str | None) -> str | None:
        """The sample person whose DM with Headwork this channel is (their id, or D + it), or None."""
        if not channel:
            return None
        person = channel[1:] if channel.startswith("D") and channel[1:] in self.names else channel
        return person if any(p.id == person for p in self.people) else None

    def in_my_dm(self, channel: str | None) -> bool:
        """Whether Headwork sent this to the person you are (to their id, or their DM channel)."""
        return channel in (self.user, "D" + self.user)

    def first_name(self, user_id: str) -> str:
        return self.names.get(user_id, user_id).split()[0].lower()

