"""The sample organisation shipped with Headwork, turned into tasks relative to `now`."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import yaml

from .tasks import END_OF_DAY, Task

_URLS = {
    "asana": "https://app.asana.com/0/1200000000000/{n}",
    "jira": "https://northwind.atlassian.net/browse/NW-{n}",
    "linear": "https://linear.app/northwind/issue/ENG-{n}",
    "slack": "https://northwind.slack.com/archives/C0DEMOTASKS/p17000000{n:08d}",
}


DEMO_ORG = "data/demo_org.yml"  # in the scoring package


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    tz: str
    title: str = ""
    manager: str | None = None


@dataclass(frozen=True)
class DemoOrg:
    name: str
    timezone: str
    admins: tuple[str, ...]
    people: tuple[Person, ...]
    teams: tuple[dict, ...]
    tasks: tuple[Task, ...]
    channels: dict[str, str]  # {channel id: name}
    meetings: tuple[dict, ...]  # as in headwork.yml's `meetings:`
    digest: dict  # as in headwork.yml's `digest:`
    handed_back: dict[str, str]  # {task external_id: who handed it back with *Not mine*}

    def person(self, key: str) -> Person | None:
        key = plain_name(key.lstrip("@"))
        for p in self.people:
            if key in (p.id.lower(), p.email, plain_name(p.name), plain_name(p.name.split()[0])):
                return p
        return None


def plain_name(name: str) -> str:
    """A name as typed on any keyboard: `lucia` finds Lucía."""
    return "".join(c for c in unicodedata.normalize("NFKD", name.lower()) if not unicodedata.combining(c))


def load_demo_org(now: datetime) -> DemoOrg:
    raw = yaml.safe_load(resources.files("scoring").joinpath(DEMO_ORG).read_text("utf-8"))
    org_tz = ZoneInfo(raw["org"]["timezone"])
    people = tuple(Person(**p) for p in raw["people"])
    emails = {p.id: p.email for p in people}
    tasks, handed_back = [], {}
    for n, item in enumerate(raw["tasks"], start=1):
        if item.get("handed_back_by"):
            handed_back[f"demo-{n}"] = item["handed_back_by"]
        source = item.get("source", "slack")
        due = None
        if item.get("due_in_days") is not None:
            day = (now.astimezone(org_tz) + timedelta(days=item["due_in_days"])).date()
            due = datetime.combine(day, END_OF_DAY, org_tz)
        estimate = item.get("estimate_hours")
        owner = item.get("owner")
        tasks.append(Task(
            title=item["title"], source=source, external_id=f"demo-{n}", notes=item.get("notes", ""),
            url=_URLS[source].format(n=1000 + n), assignee_id=owner,
            assignee_email=item.get("email") or emails.get(owner), project=item.get("project", ""),
            tags=tuple(item.get("tags", ())), status=item.get("status", "open"), due=due, due_all_day=due is not None,
            estimate_hours=estimate, estimate_source="human" if estimate is not None else None,
            blocking=item.get("blocking", 0), created_at=now - timedelta(days=item.get("age_days", 0)),
            updated_at=now,
        ))
    return DemoOrg(raw["org"]["name"], raw["org"]["timezone"], tuple(raw["org"].get("admins", ())), people,
                   tuple(raw.get("teams", ())), tuple(tasks), dict(raw.get("channels", {})),
                   tuple(raw.get("meetings", ())), dict(raw.get("digest", {})), handed_back)


def seed_demo(store, model, now: datetime) -> DemoOrg:
    """Load the sample organisation into `store`, judge its bands with the offline rules and
    score every task at `now`: what `headwork demo` shows, and what the console and tests use."""
    from .categorize import categorize_pending
    from .rescore import recompute_all
    from .rules import RulesCategorizer

    org = load_demo_org(now)
    for task, (task_id, outcome) in zip(org.tasks, store.upsert_tasks(org.tasks, now)):
        if outcome == "created" and task.external_id in org.handed_back:  # as *Not mine* leaves it
            store.disown(task_id, org.handed_back[task.external_id])
    local_now = now.astimezone(ZoneInfo(org.timezone))
    categorize_pending(store, RulesCategorizer(), model, local_now)
    recompute_all(store, model, local_now)
    return org
