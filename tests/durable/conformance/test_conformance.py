"""AWS's durable execution conformance requirements, every one, against the local lab.

Each requirement is deployed, run and judged by AWS's own matcher (see harness.py). They run
concurrently on one lab, as AWS's runner runs them concurrently on one account; each test below
reports one requirement. ``python -m tests.durable.conformance`` prints the table per suite.
"""

from __future__ import annotations

import concurrent.futures

import pytest

pytest.importorskip("aws_durable_execution_conformance_tests",
                    reason="AWS's conformance requirements are not installed: run `make install` (it installs "
                           "aws-durable-execution-conformance-tests with --ignore-requires-python)")

from lambda_lab import Lab  # noqa: E402

from .harness import ConformanceRun, requirement_ids, summary_table  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

#: Requirements the lab does not pass yet, each with the reason (strict: a fix must remove it here).
KNOWN_GAPS: dict[str, str] = {}

REQUIRED_PASS_RATE = 0.95
IDS = requirement_ids()
WORKERS = 6


def run_all(ids) -> dict[str, object]:
    with Lab.local(concurrency_limit=200) as lab:
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            return {o.rid: o for o in pool.map(lambda sr: ConformanceRun(lab, *sr).run(), ids)}


@pytest.fixture(scope="module")
def outcomes():
    return run_all(IDS)


@pytest.mark.parametrize("suite,rid", IDS, ids=[f"{s}-{r}" for s, r in IDS])
def test_requirement(outcomes, suite, rid):
    outcome = outcomes[rid]
    if rid in KNOWN_GAPS:
        if outcome.passed:
            pytest.fail(f"{rid} passes now: remove it from KNOWN_GAPS ({KNOWN_GAPS[rid]})")
        pytest.xfail(KNOWN_GAPS[rid])
    assert outcome.passed, outcome.describe()


def test_pass_rate(outcomes):
    values = list(outcomes.values())
    table = summary_table(values)
    print("\n" + table)
    passed = sum(o.passed for o in values)
    assert len(values) >= 150, f"expected AWS's ~155 requirements, found {len(values)}"
    assert passed / len(values) >= REQUIRED_PASS_RATE, table
