"""Pure Block Kit builders: data in, dicts out. No I/O, no clock (callers pass `now`)."""
