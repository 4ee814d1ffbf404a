"""Print the conformance table: ``python -m tests.durable.conformance [suite or id ...]``."""

import sys
import time

from .harness import handler_path, requirement_ids, summary_table
from .test_conformance import run_all

wanted = sys.argv[1:]
ids = [(s, r) for s, r in requirement_ids() if not wanted or s in wanted or r in wanted]
started = time.monotonic()
outcomes = run_all(ids)
for outcome in outcomes.values():
    print(outcome.describe(), f"({outcome.seconds:.1f} s)")
print(summary_table(list(outcomes.values())))
print(f"{len(ids)} requirements in {time.monotonic() - started:.0f} s"
      f" ({sum(not handler_path(s, r).exists() for s, r in ids)} without a handler)")
