"""Bolt's per-request work, done without its generic machinery.

For every request Bolt (1.x) builds a brand-new `WebClient` for `context.client` (~40 µs:
the user-agent string and the proxy environment are worked out again each time), and calls
each listener through `build_required_kwargs`, which first builds all of the ~30 arguments a
listener *could* ask for (`say`, `respond`, `complete` ... objects) and then keeps the three
or four it names (~30 µs). Reaction events arrive by the thousand, and these two were a sixth
of the app's CPU per event.

- `direct_listener_args(app)` gives each listener that names only arguments listed in
  `_ARGS` (or context keys such as `deps`) exactly those, taken the way Bolt takes them; a
  listener naming anything else keeps Bolt's injection.
- `light_request_clients(app)` makes the per-request client a copy of the one Bolt would
  build, taken from a template built once: still a new instance per request (so a listener
  may change its token without touching another request's), with its own `default_params`
  and `retry_handlers` list, and the headers dict shared with the app's client as Bolt's are.

Both only change how Bolt's own values are reached; `tests/test_bolt_calls.py` checks them
against Bolt's own functions for every listener and request kind.
"""

from __future__ import annotations

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener.custom_listener import CustomListener
from slack_bolt.logger import get_bolt_app_logger
from slack_bolt.request.payload_utils import (
    to_action, to_command, to_event, to_message, to_options, to_shortcut, to_step, to_view,
)
from slack_sdk import WebClient

# How Bolt's `build_required_kwargs` computes each argument (slack_bolt/kwargs_injection/utils.py).
_ARGS = {
    "ack": lambda req, resp, listener: req.context.ack,
    "body": lambda req, resp, listener: req.body,
    "action": lambda req, resp, listener: to_action(req.body),
    "view": lambda req, resp, listener: to_view(req.body),
    "command": lambda req, resp, listener: to_command(req.body),
    "shortcut": lambda req, resp, listener: to_shortcut(req.body),
    "event": lambda req, resp, listener: to_event(req.body),
    "message": lambda req, resp, listener: to_message(req.body),
    "options": lambda req, resp, listener: to_options(req.body),
    "step": lambda req, resp, listener: to_step(req.body),
    "context": lambda req, resp, listener: req.context,
    "respond": lambda req, resp, listener: req.context.respond,
    "say": lambda req, resp, listener: req.context.say,
    "client": lambda req, resp, listener: req.context.client,
    "logger": lambda req, resp, listener: listener.logger,
    "request": lambda req, resp, listener: req,
    "req": lambda req, resp, listener: req,
    "response": lambda req, resp, listener: resp,
    "resp": lambda req, resp, listener: resp,
}
# Bolt's other argument names: a listener asking for one of these keeps Bolt's injection.
_BOLT_ONLY = {"payload", "complete", "fail", "set_status", "set_title", "set_suggested_prompts",
              "save_thread_context", "say_stream", "next", "next_", "error", "args", "self", "cls"}


class DirectCall:
    """`listener.run_ack_function`, with only the arguments the listener names."""

    def __init__(self, listener: CustomListener):
        self.listener = listener
        self.fixed = [(name, _ARGS[name]) for name in listener.arg_names if name in _ARGS]
        self.from_context = [name for name in listener.arg_names if name not in _ARGS]
        self.bolt = listener.run_ack_function

    def kwargs(self, request: BoltRequest, response: BoltResponse) -> dict | None:
        """The listener's arguments; None when a context key it names is missing (Bolt warns)."""
        kwargs = {name: get(request, response, self.listener) for name, get in self.fixed}
        context = request.context
        for name in self.from_context:
            if name not in context:
                return None
            kwargs[name] = context[name]
        return kwargs

    def __call__(self, *, request: BoltRequest, response: BoltResponse):
        kwargs = self.kwargs(request, response)
        if kwargs is None:  # let Bolt warn and go on as it would
            return self.bolt(request=request, response=response)
        return self.listener.ack_function(**kwargs)


def direct_listener_args(app: App) -> int:
    """Give every eligible listener of `app` its arguments directly; returns how many."""
    swapped = 0
    for listener in app._listeners:  # noqa: SLF001 - Bolt keeps its listeners here (1.x)
        if type(listener) is not CustomListener or listener.lazy_functions:
            continue
        names = listener.arg_names
        if not names or any(name in _BOLT_ONLY for name in names):
            continue
        listener.run_ack_function = DirectCall(listener)
        swapped += 1
    return swapped


def light_request_clients(app: App) -> None:
    """Build `context.client` per request from a template instead of from scratch."""
    bolt_init = app._init_context  # noqa: SLF001 - Bolt's per-request set-up (1.x), kept for its other keys
    base: WebClient = app._client  # noqa: SLF001
    template = WebClient(token=app._token, base_url=base.base_url, timeout=base.timeout,  # noqa: SLF001
                         ssl=base.ssl, proxy=base.proxy, headers=base.headers, logger=base.logger,
                         retry_handlers=list(base.retry_handlers) if base.retry_handlers is not None else None)

    def init_context(req: BoltRequest) -> None:
        req.context["logger"] = get_bolt_app_logger(app_name=app.name, base_logger=app._base_logger)  # noqa: SLF001
        req.context["token"] = app._token  # noqa: SLF001
        client = object.__new__(WebClient)  # copy.copy, without its reduce protocol (~10 us)
        client.__dict__.update(template.__dict__)
        client.default_params = {"team_id": req.context.team_id} if req.context.team_id is not None else {}
        client.retry_handlers = list(template.retry_handlers) if template.retry_handlers is not None else None
        req.context["client"] = client
        req.context["listener_runner"] = app.listener_runner

    init_context.bolt = bolt_init  # what it replaces, for the test that compares the two
    app._init_context = init_context  # noqa: SLF001
