"""Exercise 16's checks fail for the mistake each one is about, and pass for AWS's other fix.

tests/test_course.py grades the solution (full marks) and the starter (less). These run the checks
on handlers in between, built from the solution's own SOURCE: half a fix, or a fix that breaks
what SnapStart is for. Each row deploys a SnapStart function and places real orders (~7 s).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lambda_lab import Lab
from lambda_lab.grading.checks import run_checks

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _solution_source() -> str:
    cells = json.loads((ROOT / "solutions" / "ex16_snapstart_uniqueness.ipynb").read_text(encoding="utf-8"))["cells"]
    cell = next("".join(c["source"]) for c in cells if c["cell_type"] == "code" and 'SOURCE = """' in "".join(c["source"]))
    return cell.split('SOURCE = """', 1)[1].split('\n"""', 1)[0].replace('\\"\\"\\"', '"""')


SOLUTION = _solution_source()
STARTER = re.sub(r"# BEGIN SOLUTION.*?# END SOLUTION\n", "", SOLUTION, flags=re.DOTALL)
_ORDER_ID = 'order_id = f"{ENVIRONMENT_ID}-{orders_taken}"'
_TOKEN = 'token = f"{tokens.getrandbits(64):016x}"'

HANDLER_MAKES_THEM = (STARTER.replace(_ORDER_ID, "order_id = uuid.uuid4().hex")
                      .replace(_TOKEN, "token = secrets.token_hex(8)")
                      .replace("import random\n", "import random\nimport secrets\n"))
ONLY_THE_ID = SOLUTION.replace("    tokens.seed()", "    pass")
NO_COUNTER = SOLUTION.replace(_ORDER_ID, "order_id = ENVIRONMENT_ID")
PRICES_IN_THE_HOOK = SOLUTION.replace("    tokens.seed()", "    tokens.seed()\n    global PRICES\n    PRICES = load_prices()")
PRICES_IN_THE_HANDLER = (SOLUTION.replace("PRICES = load_prices()\nPRICES_LOADED_AT = time.time()",
                                          "PRICES = PRICES_LOADED_AT = None")
                         .replace("    global orders_taken\n", "    global orders_taken, PRICES, PRICES_LOADED_AT\n"
                                  "    if PRICES is None:\n"
                                  "        PRICES, PRICES_LOADED_AT = load_prices(), time.time()\n"))

ALL = {"snapstart_stays_on", "order_ids_never_repeat", "tokens_never_repeat", "prices_still_load_once_at_init",
       "the_published_version_never_repeats", "ids_stay_unique_across_versions"}
UNIQUE = {"order_ids_never_repeat", "tokens_never_repeat", "the_published_version_never_repeats",
          "ids_stay_unique_across_versions"}


@pytest.mark.parametrize("source, snap_start, failing", [
    (HANDLER_MAKES_THEM, True, set()),                       # AWS's other way: unique things made in the handler
    (ONLY_THE_ID, True, UNIQUE - {"order_ids_never_repeat"}),  # new ids, the same tokens
    (NO_COUNTER, True, UNIQUE - {"tokens_never_repeat"}),    # one id per environment, reused by its orders
    (PRICES_IN_THE_HOOK, True, {"prices_still_load_once_at_init"}),
    (PRICES_IN_THE_HANDLER, True, {"prices_still_load_once_at_init"}),
    (SOLUTION, False, {"snapstart_stays_on"}),               # "fixed" by switching SnapStart off
], ids=["made in the handler", "only the id", "no counter", "prices in the hook",
        "prices in the handler", "snapstart off"])
def test_each_check_fails_for_its_own_mistake(source, snap_start, failing):
    # GIVEN the learner's notebook state: SOURCE deployed as ex16-orders and VERSION published
    with Lab.local() as lab:
        fn = lab.deploy("ex16-orders", code=source, snap_start=snap_start, timeout_s=10)
        namespace = {"lab": lab, "SOURCE": source, "VERSION": fn.publish_version(), "orders": fn}
        # WHEN every check runs, hidden ones included
        results = run_checks("ex16", namespace, hidden=True)
    # THEN exactly the checks about that mistake fail
    assert {r.check for r in results} == ALL
    assert {r.check for r in results if not r.passed} == failing, [(r.check, r.message) for r in results]
