"""A stand-in for Anthropic's Messages and Message Batches APIs behind `httpx2.MockTransport`.

House rule: Headwork talks to Claude through the real `anthropic` SDK; only the transport
is fake. This fake answers the real wire shapes — messages with structured output and
usage (with the cache fields), errors with their status and `error.type`, batches with
`processing_status`, `results_url` and a JSONL results stream — and records every request.

Usage is computed from the request the way the API bills it, with the local estimate of
≈ 4 characters per token: the system prompt up to the `cache_control` block is the cached
prefix — written once, then read — *if* it reaches the model's minimum cacheable length;
otherwise it is billed as plain input, as Claude does.

    fake = FakeClaude()
    fake.queue("529", "timeout")          # the next two calls fail, then answers are valid
    client = fake.client()                # anthropic.Anthropic(..., max_retries=0)
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import anthropic
import httpx2

from scoring.model import ValueModel, load_model
from scoring.rules import judge_task
from scoring.tasks import Task

BASE_URL = "https://claude.test"
CHARS_PER_TOKEN = 4


def tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass
class Seen:
    """One request the fake received."""

    method: str
    path: str
    body: dict | None
    headers: dict[str, str]

    @property
    def user_text(self) -> str:
        return "".join(m["content"] if isinstance(m["content"], str) else
                       "".join(b.get("text", "") for b in m["content"]) for m in self.body["messages"])

    @property
    def task_ids(self) -> list[int]:
        return [int(line.split("|", 1)[0]) for line in task_lines(self.user_text)]


@dataclass
class _Batch:
    id: str
    requests: list[dict]
    ended: bool = False
    results: list[dict] = field(default_factory=list)


def task_lines(user_text: str) -> list[str]:
    """The task lines of a categorization request (after the 'Tasks:' line)."""
    _, _, tail = user_text.partition("Tasks:\n")
    return [line for line in tail.splitlines() if re.match(r"^\d+\|", line)]


def parse_task_line(line: str) -> Task:
    id_, title, project, tags, status, notes = (line.split("|", 5) + [""] * 6)[:6]
    return Task(id=int(id_), title=title, project=project, tags=tuple(t for t in tags.split(",") if t),
                status=status or "open", notes=notes)


class FakeClaude:
    """Answers like the Messages API. By default every task gets a valid verdict (the offline
    rules' bands, so answers are plausible); `queue()` scripts failures for the next calls."""

    def __init__(self, model: ValueModel | None = None, min_cacheable_tokens: int = 4096,
                 judge: Callable[[Task], list[str]] | None = None, base_url: str = BASE_URL):
        self.model = model or load_model()
        self.min_cacheable_tokens = min_cacheable_tokens
        self.judge = judge or (lambda task: [j.band_id for j in judge_task(task, self.model)])
        self.base_url = base_url
        self.requests: list[Seen] = []
        self.batches: dict[str, _Batch] = {}
        self.finish_batches = True  # a batch has ended by the first time it is looked at
        self._script: deque = deque()
        self.default: str | Callable[[Seen], httpx2.Response] = "ok"  # when nothing is queued
        self._cached: set[str] = set()
        self._ids = itertools.count(1)

    # --- what tests use

    def client(self, **kwargs) -> anthropic.Anthropic:
        options = {"api_key": "test", "base_url": self.base_url, "max_retries": 0, **kwargs}
        return anthropic.Anthropic(http_client=httpx2.Client(transport=httpx2.MockTransport(self.handler)), **options)

    def queue(self, *answers: str | Callable[[Seen], httpx2.Response]) -> None:
        """Script the next message calls: '429', '529', '500', 'timeout', 'refusal',
        'malformed', 'unknown_band', 'cut_off', 'ok', or a function of the request."""
        self._script.extend(answers)

    @property
    def message_calls(self) -> list[Seen]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/messages"]

    # --- the transport

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content) if request.content else None
        seen = Seen(request.method, request.url.path, body, dict(request.headers))
        self.requests.append(seen)
        path = request.url.path
        if request.method == "POST" and path == "/v1/messages":
            return self._message(seen, request)
        if request.method == "POST" and path == "/v1/messages/batches":
            return self._create_batch(body)
        match = re.fullmatch(r"/v1/messages/batches/([^/]+)(/results)?", path)
        if request.method == "GET" and match and match.group(1) in self.batches:
            batch = self.batches[match.group(1)]
            if match.group(2):
                lines = "\n".join(json.dumps(r) for r in batch.results) + "\n"
                return httpx2.Response(200, content=lines.encode(), headers={"content-type": "application/binary"})
            if self.finish_batches and not batch.ended:
                self._finish(batch)
            return httpx2.Response(200, json=self._batch_json(batch))
        return _error(404, "not_found_error", f"no route {request.method} {path}")

    def _message(self, seen: Seen, request: httpx2.Request) -> httpx2.Response:
        step = self._script.popleft() if self._script else self.default
        if callable(step):
            return step(seen)
        if step == "timeout":
            raise httpx2.ReadTimeout("read timed out", request=request)
        if step == "429":
            return _error(429, "rate_limit_error", "Number of request tokens has exceeded your rate limit.",
                          {"retry-after": "30"})
        if step == "529":
            return _error(529, "overloaded_error", "Overloaded")
        if step == "500":
            return _error(500, "api_error", "Internal server error")
        return httpx2.Response(200, json=self.answer(seen.body, step))

    def answer(self, body: dict, variant: str = "ok") -> dict:
        """A Messages API response to a categorization request, usage computed from it."""
        tasks = [parse_task_line(line) for line in task_lines(_user_text(body))]
        verdicts = [{"id": t.id, "bands": bands, "confidence": 0.8,
                     "why": "matches the band's cues" if bands else "no band's cues in the title"}
                    for t in tasks for bands in [self.judge(t)]]
        stop = "end_turn"
        if variant == "unknown_band" and verdicts:
            verdicts[0]["bands"] = ["world_peace"]
        text = json.dumps({"tasks": verdicts})
        if variant == "malformed":
            text = text[: len(text) // 2]  # JSON cut in the middle
        elif variant == "cut_off":
            text, stop = text[: len(text) // 2], "max_tokens"
        elif variant == "refusal":
            text, stop = "", "refusal"
        return {
            "id": f"msg_{next(self._ids):06d}", "type": "message", "role": "assistant", "model": body["model"],
            "content": [{"type": "text", "text": text}] if text else [],
            "stop_reason": stop, "stop_sequence": None,
            "usage": self.usage(body, text),
        }

    def usage(self, body: dict, answer_text: str) -> dict:
        prefix, rest = _split_prefix(body)
        prefix_tokens = tokens(prefix)
        input_tokens = tokens(rest) + tokens(json.dumps(body.get("output_config", {})))
        read = write = 0
        if prefix and prefix_tokens >= self.min_cacheable_tokens:
            if prefix in self._cached:
                read = prefix_tokens
            else:
                write = prefix_tokens
                self._cached.add(prefix)
        else:
            input_tokens += prefix_tokens
        return {"input_tokens": input_tokens, "output_tokens": tokens(answer_text),
                "cache_creation_input_tokens": write, "cache_read_input_tokens": read}

    # --- batches

    def _create_batch(self, body: dict) -> httpx2.Response:
        batch = _Batch(id=f"msgbatch_{next(self._ids):06d}", requests=body["requests"])
        self.batches[batch.id] = batch
        return httpx2.Response(200, json=self._batch_json(batch))

    def _finish(self, batch: _Batch) -> None:
        for req in batch.requests:
            step = self._script.popleft() if self._script else "ok"
            if step in ("429", "529", "500", "timeout"):
                result = {"type": "errored", "error": {"type": "error", "error": {
                    "type": "overloaded_error" if step == "529" else "api_error", "message": "failed"}}}
            else:
                result = {"type": "succeeded", "message": self.answer(req["params"], step)}
            batch.results.append({"custom_id": req["custom_id"], "result": result})
        batch.ended = True

    def _batch_json(self, batch: _Batch) -> dict:
        n = len(batch.requests)
        ok = sum(1 for r in batch.results if r["result"]["type"] == "succeeded")
        return {
            "id": batch.id, "type": "message_batch",
            "processing_status": "ended" if batch.ended else "in_progress",
            "request_counts": {"processing": 0 if batch.ended else n, "succeeded": ok,
                               "errored": len(batch.results) - ok, "canceled": 0, "expired": 0},
            "created_at": "2025-01-06T09:00:00Z", "expires_at": "2025-01-07T09:00:00Z",
            "ended_at": "2025-01-06T09:30:00Z" if batch.ended else None,
            "archived_at": None, "cancel_initiated_at": None,
            "results_url": f"{self.base_url}/v1/messages/batches/{batch.id}/results" if batch.ended else None,
        }


def _user_text(body: dict) -> str:
    return Seen("POST", "/v1/messages", body, {}).user_text


def _split_prefix(body: dict) -> tuple[str, str]:
    """(the system text up to and including the cache_control block, everything else sent)."""
    system = body.get("system") or []
    if isinstance(system, str):
        system = [{"type": "text", "text": system}]
    cut = max((i for i, b in enumerate(system) if b.get("cache_control")), default=-1)
    prefix = "".join(b["text"] for b in system[:cut + 1])
    rest = "".join(b["text"] for b in system[cut + 1:]) + _user_text(body)
    return prefix, rest


def _error(status: int, etype: str, message: str, headers: dict | None = None) -> httpx2.Response:
    return httpx2.Response(status, json={"type": "error", "error": {"type": etype, "message": message},
                                         "request_id": "req_fake"}, headers=headers or {})
