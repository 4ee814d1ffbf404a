"""The platform's log lines, character for character."""

from __future__ import annotations

import re

import pytest

from tests.conftest import python_function
from lambda_lab.runtime import logs


@pytest.mark.parametrize("duration, init, billed", [
    (0.2, None, 1), (1.0, None, 1), (1.01, None, 2), (4.42, None, 5), (4.42, 333.05, 338), (99.999, 0.001, 100),
])
def test_billed_duration_rounds_up_to_the_millisecond_and_includes_init(duration, init, billed):
    assert logs.billed_ms(duration, init) == billed


def test_report_line_matches_awss_format():
    line = logs.report_line("8f5a", duration_ms=4.42, billed=338, memory_mb=128, max_memory_mb=75, init_ms=333.05)
    assert line == ("REPORT RequestId: 8f5a\tDuration: 4.42 ms\tBilled Duration: 338 ms\tMemory Size: 128 MB\t"
                    "Max Memory Used: 75 MB\tInit Duration: 333.05 ms\t")


def test_log_stream_name_is_date_version_and_32_hex():
    assert logs.log_stream_name(1_764_167_400.0, "$LATEST", "a" * 32) == "2025/11/26/[$LATEST]" + "a" * 32


def test_an_invocations_logs_wrap_the_handlers_output_in_start_end_report(service):
    service.create_function(python_function("chatty", """
    import logging
    logging.getLogger().setLevel(logging.INFO)
    print("loading")
    def handler(event, context):
        print("hello from the handler")
        logging.info("structured %s", 42)
        return 1
    """))
    result = service.invoke("chatty")
    rid = result.request_id
    lines = result.logs.splitlines()
    start = lines.index(f"START RequestId: {rid} Version: $LATEST")
    assert re.fullmatch(r"INIT_START Runtime Version: python:3\.12\.lambda-lab\tRuntime Version ARN: "
                        r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}", lines[0])
    assert lines[1:start] == ["loading"]  # INIT output comes before START, as in CloudWatch
    assert lines[start + 1] == "hello from the handler"
    assert re.fullmatch(rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{rid}\tstructured 42", lines[start + 2])
    assert lines[start + 3] == f"END RequestId: {rid}"
    assert re.fullmatch(
        rf"REPORT RequestId: {rid}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\t"
        r"Max Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t", lines[start + 4])
    assert len(lines) == start + 5


@pytest.mark.parametrize("runtime, name", [("python3.12", "python:3.12"), ("nodejs20.x", "nodejs:20"),
                                           ("provided.al2023", "provided:al2023")])
def test_init_start_names_the_runtime(runtime, name):
    assert logs.init_start_line(runtime, "us-east-1").startswith(f"INIT_START Runtime Version: {name}.lambda-lab\t")


def test_warm_invocations_have_no_init_start(service):
    service.create_function(python_function("plain", "def handler(e, c):\n    return 1\n"))
    assert "INIT_START" in service.invoke("plain").logs
    assert "INIT_START" not in service.invoke("plain").logs
