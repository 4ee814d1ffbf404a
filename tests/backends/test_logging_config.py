"""LoggingConfig: log format, log levels and log group, as AWS documents them.

https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
(formats and defaults), .../monitoring-cloudwatchlogs-log-level.html (levels need JSON),
.../telemetry-schema-reference.html (the platform.* events' records).
"""

from __future__ import annotations

import base64
import json
import time

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from lambda_lab.backends.local import LocalEndpoint
from lambda_lab.invocation import parse_report
from tests.conftest import make_zip

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
SOURCE = """
import logging
logger = logging.getLogger()
def handler(event, context):
    logger.debug("a debug line")
    logger.info("an info line")
    logger.warning("a warning line")
    print("a print")
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"ok": True}
"""
MODEL = botocore.session.get_session().get_service_model("lambda")


def assert_shape(operation: str, response: dict) -> None:
    shape = MODEL.operation_model(operation).output_shape
    answer = {k: v for k, v in response.items() if k != "ResponseMetadata" and k in shape.members}
    report = ParamValidator().validate(answer, shape)
    assert not report.has_errors(), report.generate_report()


@pytest.fixture(scope="module")
def endpoint():
    with LocalEndpoint(concurrency_limit=4) as ep:
        yield ep


@pytest.fixture
def lam(endpoint, request):
    client = endpoint.client("lambda")
    name = request.node.name.replace("[", "-").replace("]", "")[:60]
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": make_zip({"app.py": SOURCE})}, Timeout=10)
    client.test_function = name
    yield client
    client.delete_function(FunctionName=name)


def tail(lam, payload=None, **kwargs) -> list[str]:
    response = lam.invoke(FunctionName=kwargs.pop("name", lam.test_function), LogType="Tail",
                          Payload=json.dumps(payload or {}).encode(), **kwargs)
    response["Payload"].read()
    return base64.b64decode(response["LogResult"]).decode().splitlines()


def json_lines(lines):
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_every_function_has_a_text_logging_config_with_its_own_group_by_default(lam):
    config = lam.get_function_configuration(FunctionName=lam.test_function)
    assert_shape("GetFunctionConfiguration", config)
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{lam.test_function}"}
    listed = [f for f in lam.list_functions()["Functions"] if f["FunctionName"] == lam.test_function]
    assert listed[0]["LoggingConfig"]["LogFormat"] == "Text"
    lines = tail(lam)
    assert lines[0].startswith("INIT_START") and any(line.startswith("REPORT RequestId:") for line in lines)


def test_json_format_defaults_both_levels_to_info(lam):
    answer = lam.update_function_configuration(FunctionName=lam.test_function, LoggingConfig={"LogFormat": "JSON"})
    assert_shape("UpdateFunctionConfiguration", answer)
    assert answer["LoggingConfig"] == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO",
                                       "LogGroup": f"/aws/lambda/{lam.test_function}"}


def test_json_application_logs_are_objects_filtered_at_the_level(lam):
    lam.update_function_configuration(FunctionName=lam.test_function, LoggingConfig={"LogFormat": "JSON"})
    lines = tail(lam)
    records = [r for r in json_lines(lines) if "level" in r]
    assert [(r["level"], r["message"]) for r in records] == [("INFO", "an info line"), ("WARNING", "a warning line")]
    assert all(r["requestId"] and r["logger"] == "root" and r["timestamp"] for r in records)
    assert "a print" in lines, "print() output stays plain text: only the logging module's records become JSON"

    lam.update_function_configuration(FunctionName=lam.test_function, LoggingConfig={"ApplicationLogLevel": "WARN"})
    records = [r for r in json_lines(tail(lam)) if "level" in r]
    assert [r["message"] for r in records] == ["a warning line"]


def test_json_system_logs_are_platform_events_and_the_report_still_reads(lam):
    lam.update_function_configuration(FunctionName=lam.test_function, LoggingConfig={"LogFormat": "JSON"})
    lines = tail(lam)
    assert not any(line.startswith(("START", "END", "REPORT", "INIT_START")) for line in lines)
    events = {e["type"]: e for e in json_lines(lines) if "type" in e}
    assert {"platform.initStart", "platform.start", "platform.runtimeDone", "platform.report"} <= set(events)
    start, report = events["platform.start"]["record"], events["platform.report"]["record"]
    assert start["version"] == "$LATEST" and report["requestId"] == start["requestId"]
    assert report["status"] == "success"
    assert set(report["metrics"]) == {"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB",
                                      "initDurationMs"}
    parsed = parse_report("\n".join(lines))
    assert parsed.request_id == start["requestId"] and parsed.memory_mb == 128 and parsed.init_ms is not None

    warm = {e["type"]: e["record"] for e in json_lines(tail(lam, {"fail": True})) if "type" in e}
    assert "platform.initStart" not in warm and "initDurationMs" not in warm["platform.report"]["metrics"]
    assert warm["platform.report"]["status"] == "error"


def test_system_log_level_warn_leaves_out_the_info_events(lam):
    lam.update_function_configuration(FunctionName=lam.test_function,
                                      LoggingConfig={"LogFormat": "JSON", "SystemLogLevel": "WARN"})
    types = [e.get("type") for e in json_lines(tail(lam))]
    assert not [t for t in types if t], types


def test_log_levels_need_the_json_format(lam):
    with pytest.raises(ClientError) as caught:
        lam.update_function_configuration(FunctionName=lam.test_function,
                                          LoggingConfig={"ApplicationLogLevel": "DEBUG"})
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "JSON" in caught.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as caught:
        lam.update_function_configuration(FunctionName=lam.test_function,
                                          LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "LOUD"})
    assert "TRACE, DEBUG, INFO, WARN, ERROR, FATAL" in caught.value.response["Error"]["Message"]
    # the refused update changed nothing
    config = lam.get_function_configuration(FunctionName=lam.test_function)["LoggingConfig"]
    assert config["LogFormat"] == "Text"


def test_a_custom_log_group_receives_the_logs(endpoint, lam):
    lam.update_function_configuration(FunctionName=lam.test_function, LoggingConfig={"LogGroup": "/shared/app-logs"})
    tail(lam)
    logs = endpoint.client("logs")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName="/shared/app-logs").get("events", []) \
            if logs.describe_log_groups(logGroupNamePrefix="/shared/app-logs")["logGroups"] else []
        if any(e["message"].startswith("REPORT") for e in events):
            break
        time.sleep(0.1)
    assert any(e["message"].startswith("REPORT") for e in events)


def test_a_published_version_keeps_the_setting_it_was_published_with(lam):
    lam.update_function_configuration(FunctionName=lam.test_function, LoggingConfig={"LogFormat": "JSON"})
    version = lam.publish_version(FunctionName=lam.test_function)
    assert_shape("PublishVersion", version)
    assert version["LoggingConfig"]["LogFormat"] == "JSON"
    lam.update_function_configuration(FunctionName=lam.test_function, LoggingConfig={"LogFormat": "Text"})
    assert lam.get_function_configuration(FunctionName=lam.test_function,
                                          Qualifier=version["Version"])["LoggingConfig"]["LogFormat"] == "JSON"
    assert any('"platform.report"' in line for line in tail(lam, Qualifier=version["Version"]))
    assert any(line.startswith("REPORT") for line in tail(lam))
