"""When a CSV import writes without the store's secondary indexes, and builds them at the end.

Inserting rows into `tasks_email` and `scores_rank` one by one touches index pages all over the
file: for a first import of 100,000 rows that is ~16% of its CPU, where building both indexes
once at the end takes ~0.3 s (`scoring.store.DEFERRABLE_INDEXES`, bench/bench_import.py). Only
a large import of mostly new rows gains from it, so the decision waits for the first written
batch that created most of its rows -- a re-import, whose rows are unchanged, never drops them --
and is taken once, when the rows still to come (estimated from the bytes still to read) are at
least `MIN_ROWS` and at least half the tasks already stored: rebuilding an index costs about a
fifth of what inserting the same rows into it one at a time does.

While they are gone every query still answers the same, only by reading more of its table (a
`/top5` served by `headwork run` during the import reads the scores in full). They are built again
when the import ends, however it ends; a store opened after a killed import builds them
(`TaskStore.__init__`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..store import TaskStore

MIN_ROWS = 5_000


class IndexDeferral:
    """One import's decision, fed each written batch (`written`)."""

    def __init__(self, store: TaskStore, min_rows: int = MIN_ROWS):
        self.store = store
        self.min_rows = min_rows
        self.decided = False
        self.dropped: list[str] = []

    def written(self, rows: int, created: int, rows_so_far: int, done_bytes: int, total_bytes: int) -> None:
        """A batch of `rows` rows was written, `created` of them new; `rows_so_far` rows of the
        file are written in all, which is `done_bytes` of its `total_bytes`."""
        if self.decided or rows == 0 or created * 2 < rows:
            return
        self.decided = True
        to_come = rows_so_far * (total_bytes - done_bytes) / done_bytes if done_bytes > 0 else 0
        # the tasks are counted only now (a count of a large store takes a while), those just written too
        if to_come >= self.min_rows and to_come * 2 >= self.store.count_tasks():
            self.dropped = self.store.drop_deferrable_indexes()

    def finish(self) -> list[str]:
        """Build what was dropped (and anything else missing); their names."""
        self.dropped = []
        return self.store.build_deferred_indexes()


@contextmanager
def deferrable_indexes(store: TaskStore, min_rows: int = MIN_ROWS) -> Iterator[IndexDeferral]:
    deferral = IndexDeferral(store, min_rows)
    try:
        yield deferral
    finally:
        if deferral.dropped:
            deferral.finish()
