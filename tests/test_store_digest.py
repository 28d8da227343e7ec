"""The organisation's top N from per-owner index walks equals sorting every open score."""

from __future__ import annotations

import random
from datetime import timedelta

from bot.store_digest import DigestStore
from tests.conftest import DEMO_T0


def test_org_top_open_equals_a_full_sort(demo):
    _, store = demo
    rnd = random.Random(5)
    ids = [t.id for t in store.iter_tasks()]
    for task_id in rnd.sample(ids, 10):  # some unowned, some snoozed, some tied
        store.disown(task_id, "U0X")
    for task_id in rnd.sample(ids, 5):
        store.snooze(task_id, DEMO_T0 + timedelta(days=1))
    store.conn.execute("UPDATE scores SET total = 100 WHERE task_id IN (SELECT task_id FROM scores LIMIT 6)")
    expected = [r[0] for r in store.conn.execute(
        "SELECT task_id FROM scores WHERE active = 1 AND (snoozed_until_ts IS NULL OR snoozed_until_ts <= ?) "
        "ORDER BY total DESC, task_id LIMIT 10", (DEMO_T0.timestamp(),))]
    got = [t.task_id for t in DigestStore(store).org_top_open(10, DEMO_T0)]
    assert got == expected and len(got) == 10
