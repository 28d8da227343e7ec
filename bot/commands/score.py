"""`headwork score`: rescore every task now (what the hourly job does)."""

from __future__ import annotations

import json

from scoring.rescore import recompute_all, rescore_all


def register(sub) -> None:
    p = sub.add_parser("score", help="rescore all tasks now (the hourly job); --full recomputes every term")
    p.add_argument("--full", action="store_true", help="recompute every term, not only the clock-driven ones")
    p.add_argument("--json", action="store_true", help="print the statistics as JSON")
    p.set_defaults(handler=run)


def run(args, runtime) -> int:
    now = runtime.now()
    stats = (recompute_all if args.full else rescore_all)(runtime.store, runtime.model, now)
    if args.json:
        print(json.dumps(stats.to_dict()))
    else:
        kind = "full recompute" if stats.full else "clock-driven terms"
        print(f"Rescored {stats.scanned} tasks ({kind}) in {stats.seconds:.2f} s; {stats.written} scores changed.")
    return 0
