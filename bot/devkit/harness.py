"""The whole Slack app on loopback: the real Bolt `App` from `create_app`, a real
`WebClient` talking HTTP to `FakeSlack`, a real SQLite store, and a clock the caller moves.

Tests, the demo console and the benchmarks drive Headwork through it the way Slack does:
signed requests into `App.dispatch`, Web API calls recorded by the fake.

    with SlackHarness(store, config={"org": {"admins": ["U0ADMIN"]}}, now=t0) as slack:
        slack.add_user("U0ANA", tz="Europe/Berlin")
        reply = slack.command("U0ANA", "/top5")
        slack.click("U0ANA", reply.button("Done", 0))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bot.app import create_app
from bot.deps import Background, build_deps
from bot.outbox import Outbox
from bot.settings import Env, Settings, parse_config
from scoring.model import ValueModel
from scoring.store import TaskStore

from . import blockkit
from .fakeslack import FakeSlack
from .slack_requests import (app_home_opened, block_actions, dispatch, event_callback, message_shortcut,
                             slash_command, view_submission)

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"
BOT_TOKEN = "xoxb-0000000000-loopback-test-token"



GENERAL = "C0GENERAL"  # the channel commands are typed in, unless a test names another

class ManualClock:
    """`now` only moves when told to."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)
        return self.now


@dataclass
class Reply:
    """What the app answered a request with, parsed."""

    status: int
    body: Any

    @property
    def blocks(self) -> list[dict]:
        return self.body.get("blocks", []) if isinstance(self.body, dict) else []

    @property
    def text(self) -> str:
        return self.body.get("text", "") if isinstance(self.body, dict) else str(self.body or "")


def buttons(blocks: list[dict]) -> list[tuple[dict, dict]]:
    """Every interactive element in `blocks` as (element, its actions block), in reading order."""
    out = []
    for block in blocks:
        if block.get("type") == "actions":
            out += [(e, block) for e in block.get("elements", [])]
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            out.append((block["accessory"], block))
    return out


def find_button(blocks: list[dict], label: str, index: int = 0) -> dict:
    """The `index`-th button whose text is `label` (or overflow whose option starts with it),
    returned as the `actions[]` entry Slack would send for a click on it."""
    found = []
    for element, block in buttons(blocks):
        if element.get("type") == "button" and element["text"]["text"] == label:
            found.append({"type": "button", "action_id": element["action_id"], "block_id": block.get("block_id"),
                          "value": element.get("value"), "text": element["text"]})
        elif element.get("type") == "overflow":
            for option in element.get("options", []):
                if option["text"]["text"].startswith(label):
                    found.append({"type": "overflow", "action_id": element["action_id"],
                                  "block_id": block.get("block_id"), "selected_option": option})
    if len(found) <= index:
        raise AssertionError(f"no button {label!r} #{index} in the blocks")
    return found[index]


class SlackHarness:
    def __init__(self, store: TaskStore, config: dict | None = None, now: datetime | None = None,
                 model: ValueModel | None = None, fake: FakeSlack | None = None, env: dict | None = None,
                 pace_seconds: float = 0.0):
        self.fake = fake or FakeSlack()
        self._own_fake = fake is None
        self.fake.start()
        self.clock = ManualClock(now or datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc))
        self.settings = Settings(
            env=Env(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=self.fake.api_url,
                    headwork_db=Path(store.path), **(env or {})),
            config=parse_config(config or {}, Path("headwork.yml")), config_path=Path("headwork.yml"),
            config_found=config is not None)
        self.client = WebClient(token=BOT_TOKEN, base_url=self.fake.api_url, timeout=10)
        self.store = store
        self.background = Background()
        self.outbox = Outbox(store, self.client, self.clock, sleep=lambda s: None, pace_seconds=pace_seconds)
        self.deps = build_deps(self.settings, store, self.client, self.clock, model=model, outbox=self.outbox,
                               background=self.background)
        self.app = create_app(self.deps, http=True)

    # --- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        self.background.wait(10)
        self.background.shutdown()
        if self._own_fake:
            self.fake.stop()

    def __enter__(self) -> "SlackHarness":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add_user(self, user_id: str, name: str | None = None, tz: str = "UTC", **extra) -> dict:
        return self.fake.add_user(user_id, name=name, tz=tz, **extra)

    def settle(self, drain: bool = True) -> None:
        """Wait for the after-ack work, then deliver what the outbox holds."""
        assert self.background.wait(10), "background work did not finish"
        if drain:
            self.outbox.drain(self.clock())
            assert self.background.wait(10)

    # --- requests, as Slack sends them ------------------------------------------------------------

    def send(self, request) -> Reply:
        response = dispatch(self.app, request, secret=SIGNING_SECRET)
        body: Any = response.body
        if body and response.headers.get("content-type", [""])[0].startswith("application/json"):
            body = json.loads(body)
        elif body and body.startswith("{"):
            body = json.loads(body)
        reply = Reply(response.status, body)
        if isinstance(reply.body, dict) and reply.status == 200:
            problems = (blockkit.view_problems(reply.body["view"]) if "view" in reply.body
                        else blockkit.message_problems(reply.body) if "response_action" not in reply.body else [])
            assert not problems, f"the acknowledgement breaks Block Kit: {problems}"
        return reply

    def command(self, user: str, command: str, text: str = "", channel: str = GENERAL,
                tag: str | None = None) -> Reply:
        """A slash command; `tag` names the response_url sink its later replies go to."""
        return self.send(slash_command(command, text, user_id=user, channel_id=channel,
                                       response_url=self.fake.response_url(tag or f"cmd-{command.strip('/')}-{user}")))

    def click(self, user: str, action: dict, *, tag: str | None = None, home: bool = False,
              channel: str = GENERAL, message: dict | None = None) -> Reply:
        """Press a button found with `find_button`: on an ephemeral message (its replies go to
        the response_url sink `tag`) or, with `home=True`, on the App Home tab."""
        if home:
            view = {"id": "VHOME" + user, "type": "home", "blocks": []}
            request = block_actions(user, [action], view=view)
        else:
            container = {"type": "message", "message_ts": "1700000000.000100", "channel_id": channel,
                         "is_ephemeral": message is None}
            request = block_actions(user, [action], channel_id=channel, message=message, container=container,
                                    response_url=self.fake.response_url(tag or f"click-{user}"))
        return self.send(request)

    def submit(self, user: str, view: dict, values: dict) -> Reply:
        """Submit a modal the app opened (`view` as sent to views.open), with `values` as
        view.state.values: {block_id: {action_id: {...}}}."""
        return self.send(view_submission(user, view.get("callback_id", ""), values,
                                         private_metadata=view.get("private_metadata", ""),
                                         blocks=view.get("blocks", [])))

    def shortcut(self, user: str, callback_id: str, message: dict, channel: str = GENERAL) -> Reply:
        return self.send(message_shortcut(user, callback_id, message, channel))

    def event(self, event: dict, **envelope) -> Reply:
        return self.send(event_callback(event, **envelope))

    def open_home(self, user: str) -> Reply:
        return self.send(app_home_opened(user))

    # --- what Slack received ------------------------------------------------------------------------

    def last_view(self, method: str = "views.open") -> dict:
        self.settle(drain=False)
        return self.fake.last(method).json_arg("view")

    def home_of(self, user: str) -> dict:
        self.settle(drain=False)
        published = [c for c in self.fake.calls("views.publish") if c.args.get("user_id") == user]
        assert published, f"no Home tab was published for {user}"
        return published[-1].json_arg("view")

    def responses(self, tag: str) -> list:
        self.settle(drain=False)
        return self.fake.responses(tag)
