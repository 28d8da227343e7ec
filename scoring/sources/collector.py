"""How often Python's garbage collector runs while an import works.

An import allocates millions of short-lived tuples and lists (cells, stored rows, verdicts,
scores, SQL parameters). Reference counting frees them; the cycle collector still walks every
one it finds alive. At the default thresholds (700, 10, 10) a 100,000-row Asana export cost the
writing process ~1,800 young collections, 164 middle and 14 full ones -- 1.3 s of its 6.4 s of
CPU -- and each worker process ~0.45 s (counted with `gc.callbacks`, bench/bench_import.py):
each batch of 2,000 rows the writer unpickles is walked again in every generation it lives
through.

An import makes almost no reference cycles (an exception's traceback, when a row is rejected),
so while it runs the collector starts a young collection when 100,000 objects are new instead
of 700, and a full one as rarely as Python's own rule allows (`gc` needs the survivors to have
grown by a quarter, too). Cyclic garbage is still collected, a batch or so later: the import's
memory stays flat (bench/bench_import.py measures it), and everything is as it was afterwards.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

IMPORT_THRESHOLDS = (100_000, 50, 100)

_lock = threading.Lock()
_depth = 0
_before: tuple[int, int, int] | None = None


@contextmanager
def import_collections() -> Iterator[None]:
    """`IMPORT_THRESHOLDS` for the length of the block, then the thresholds as they were. The
    setting is the process's: nested or concurrent blocks (two imports on two threads) keep it
    until the last one ends."""
    global _depth, _before
    with _lock:
        if _depth == 0:
            _before = gc.get_threshold()
            gc.set_threshold(*IMPORT_THRESHOLDS)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _before is not None:
                gc.set_threshold(*_before)
                _before = None


def for_worker() -> None:
    """A worker process of an import does nothing else for its life: `IMPORT_THRESHOLDS` from
    now on, and what it inherited from the importing process (forked: modules, the value model)
    moved out of the collector's sight, so it is neither walked again nor copied page by page
    when the collector would write its bookkeeping into those objects (`gc.freeze`)."""
    gc.freeze()
    gc.set_threshold(*IMPORT_THRESHOLDS)
