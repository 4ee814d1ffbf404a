"""Exercise 17's checks fail for the mistake each one is about, and pass for AWS's other fixes.

tests/test_course.py grades the solution (full marks) and the starter (less). These run every check
on the starter itself (the exercise as the learner gets it), and on handlers in between, built from
the solution's own SOURCE: half a fix, or a fix that gives up multi-concurrency. Each row deploys a
function on the capacity provider, and the checks one of their own, and sends real bursts (~5 s).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lambda_lab import Lab
from lambda_lab.grading.build import exercise_source
from lambda_lab.grading.checks import run_checks

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _solution_source() -> str:
    cells = json.loads((ROOT / "solutions" / "ex17_multi_concurrency.ipynb").read_text(encoding="utf-8"))["cells"]
    cell = next("".join(c["source"]) for c in cells if c["cell_type"] == "code" and 'SOURCE = """' in "".join(c["source"]))
    return cell.split('SOURCE = """', 1)[1].split('\n"""', 1)[0].replace('\\"\\"\\"', '"""')


_BLOCK = re.compile(r"^( *)# BEGIN SOLUTION\n.*?^ *# END SOLUTION\n", re.MULTILINE | re.DOTALL)


def _with(source: str, **blocks: str) -> str:
    """The solution with some of its three solution blocks (rates, path, cleanup) replaced by other lines."""
    found = list(_BLOCK.finditer(source))
    assert len(found) == 3, "the solution has three blocks: the rates, the report's path, its clean-up"
    out, at = [], 0
    for name, match in zip(("rates", "path", "cleanup"), found):
        out.append(source[at:match.start()])
        lines = blocks.get(name)
        if lines is None:
            out.append(match.group(0))
        else:
            out.extend(f"{match.group(1)}{line}\n" for line in lines.splitlines())
        at = match.end()
    return "".join(out) + source[at:]


SOLUTION = _solution_source()
STARTER = exercise_source(SOLUTION)          # exactly what the exercise notebook deploys

NO_CLEANUP = _with(SOLUTION, cleanup="pass")
NAMED_AFTER_THE_CUSTOMER = _with(SOLUTION, path='path = os.path.join(SCRATCH, f"report-{event[\'customer\']}.csv")')
RATES_HALF_WRITTEN = _with(SOLUTION, rates="download_rates(RATES_FILE)")

_LOAD_RATES = re.compile(r"^    if not os\.path\.exists\(RATES_FILE\):\n.*?^        return json\.load\(f\)\n",
                         re.MULTILINE | re.DOTALL)
_LOCK = ('with open(RATES_FILE + ".lock", "w") as lock:\n'
         "    fcntl.flock(lock, fcntl.LOCK_EX)   # one request at a time in here; the others wait\n"
         "    if not os.path.exists(RATES_FILE):\n"
         "        download_rates(RATES_FILE)\n")
_READ = "with open(RATES_FILE) as f:\n    return json.load(f)\n"


def _indented(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line for line in text.splitlines(keepends=True))


def _rates_locked(source: str, *, readers_too: bool) -> str:
    """load_rates() with a file lock: around the download and the read, or (half a fix) the download only."""
    if readers_too:
        body = _indented(_LOCK + _indented(_READ, 4), 4)
    else:
        body = "    if not os.path.exists(RATES_FILE):\n" + _indented(_LOCK, 8) + _indented(_READ, 4)
    changed, count = _LOAD_RATES.subn(lambda _: body, source.replace("import csv\n", "import csv\nimport fcntl\n"))
    assert count == 1
    return changed


# AWS's other advice: a file lock around the shared file, and a temporary file made for each request.
LOCK_AND_MKSTEMP = _rates_locked(
    _with(SOLUTION, path='descriptor, path = tempfile.mkstemp(dir=SCRATCH, suffix=".csv")\nos.close(descriptor)'),
    readers_too=True)
LOCKED_WRITER_ONLY = _rates_locked(SOLUTION, readers_too=False)   # a reader may still find the file half written

ALL = {"still_runs_on_managed_instances", "every_report_is_its_own", "rates_are_never_read_half_written",
       "tmp_does_not_fill_up", "two_reports_for_one_customer_stay_apart", "the_published_version_is_safe"}


def test_the_variants_are_what_they_say():
    assert "# STUB" not in STARTER and 'os.path.join(SCRATCH, "report.csv")' in STARTER
    assert "download_rates(RATES_FILE)" in STARTER and "os.replace" not in STARTER and "os.remove" not in STARTER
    assert "os.replace" not in RATES_HALF_WRITTEN and "aws_request_id" in RATES_HALF_WRITTEN
    assert "os.remove" not in NO_CLEANUP and "report-{event['customer']}" in NAMED_AFTER_THE_CUSTOMER
    assert "fcntl.flock" in LOCK_AND_MKSTEMP and "mkstemp" in LOCK_AND_MKSTEMP and "os.replace" not in LOCK_AND_MKSTEMP
    assert "fcntl.flock" in LOCKED_WRITER_ONLY and "os.replace" not in LOCKED_WRITER_ONLY


@pytest.mark.parametrize("source, placement, failing", [
    (SOLUTION, {"max_concurrency": 4}, set()),
    (LOCK_AND_MKSTEMP, {"max_concurrency": 4}, set()),                    # AWS's other way: a lock, mkstemp
    (STARTER, {"max_concurrency": 4}, ALL - {"still_runs_on_managed_instances"}),
    (NO_CLEANUP, {"max_concurrency": 4}, {"tmp_does_not_fill_up"}),
    (NAMED_AFTER_THE_CUSTOMER, {"max_concurrency": 4}, {"two_reports_for_one_customer_stay_apart"}),
    (RATES_HALF_WRITTEN, {"max_concurrency": 4}, {"rates_are_never_read_half_written"}),
    (LOCKED_WRITER_ONLY, {"max_concurrency": 4}, {"rates_are_never_read_half_written"}),
    (SOLUTION, {"max_concurrency": 1}, {"still_runs_on_managed_instances"}),   # "fixed": one request at a time
    (SOLUTION, None, {"still_runs_on_managed_instances"}),                     # "fixed": back to standard Lambda
], ids=["solution", "lock and mkstemp", "starter", "no cleanup", "named after the customer",
        "rates half written", "only the download locked", "one at a time", "standard lambda"])
def test_each_check_fails_for_its_own_mistake(source, placement, failing):
    # GIVEN the learner's notebook state: SOURCE deployed as ex17-reports and VERSION published
    with Lab.local() as lab:
        provider = lab.capacity_provider()
        if placement is None:
            fn = lab.deploy("ex17-reports", code=source, runtime="python3.13", timeout_s=10)
            version = fn.publish_version()
        else:
            fn = lab.deploy("ex17-reports", code=source, capacity_provider=provider, timeout_s=10, **placement)
            version = fn.publish_version()
            fn.set_scaling(1)
        namespace = {"lab": lab, "SOURCE": source, "VERSION": version, "reports": fn, "provider": provider}
        # WHEN every check runs, hidden ones included
        results = run_checks("ex17", namespace, hidden=True)
    # THEN exactly the checks about that mistake fail
    assert {r.check for r in results} == ALL
    assert {r.check for r in results if not r.passed} == failing, [(r.check, r.message) for r in results]
