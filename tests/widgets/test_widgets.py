"""Every widget driven headless: set values, click, and check what it shows."""

from __future__ import annotations

import pytest

from lambda_lab import Lab
from lambda_lab.widgets import (ColdWarmExplorer, CostEstimator, DeployWidget, DurableWidget, FireWidget, LogsWidget,
                                highlight)

ECHO = """
import json
def handler(event, context):
    print("got", json.dumps(event)[:60])
    return {"statusCode": 200, "body": json.dumps({"seen": True})}
"""


@pytest.fixture(scope="module")
def lab():
    with Lab.local(concurrency_limit=5) as lab:
        yield lab


@pytest.fixture(scope="module")
def fn(lab):
    return lab.deploy("widgeted", code=ECHO, handler="app.handler")


def test_deploy_widget_deploys_what_the_controls_say(lab):
    console = DeployWidget(lab, name="from-widget")
    console.memory.value = 512
    console.timeout.value = 7
    console.env.value = "STAGE=dev\nCOLOR = blue"
    console.deploy_button.click()
    assert console.error.value == "", console.last_traceback
    assert "Deployed <b>from-widget</b>" in console.result.value and "512 MB" in console.result.value
    config = console.function.configuration
    assert (config["MemorySize"], config["Timeout"]) == (512, 7)
    assert config["Environment"]["Variables"] == {"STAGE": "dev", "COLOR": "blue"}
    assert console.function.invoke({"name": "Ada"}).ok


@pytest.mark.parametrize("change, words", [
    ({"env": "not a pair"}, "needs the form KEY=value"),
    ({"name": "bad name!"}, "is not valid"),
    ({"code": "def handler(event, context)\n    return 1\n"}, None),   # deploys; the syntax error shows on invoke
])
def test_deploy_widget_shows_errors_inside_the_widget(lab, change, words):
    console = DeployWidget(lab, name="widget-errors")
    for attribute, value in change.items():
        getattr(console, attribute).value = value
    console.deploy_button.click()     # never raises: ipywidgets would swallow it
    if words:
        assert words in console.error.value and "color:#b00020" in console.error.value
    else:
        assert console.error.value == "" and console.function.invoke().error["errorType"] == "Runtime.UserCodeSyntaxError"


@pytest.mark.parametrize("source, body, n", [
    ("Invoke (direct)", '{"name": "Ada"}', 2),
    ("S3 upload", "hello", 1),
    ("SQS message", '{"order": 1}', 3),
    ("SNS publish", "hi", 1),
    ("API Gateway (HTTP)", '{"a": 1}', 1),
    ("EventBridge", '{"total": 1}', 1),
    ("DynamoDB stream", '{"id": "o-1"}', 1),
])
def test_fire_widget_fires_each_trigger_and_shows_what_ran(lab, fn, source, body, n):
    widget = FireWidget(lab, fn)
    widget.source.value = source
    widget.body.value = body
    widget.count.value = n
    widget.fire_button.click()
    assert widget.error.value == "", widget.last_traceback
    assert "invocation(s) ran" in widget.results.value and "REPORT RequestId" in widget.logs.value
    assert len(widget.invocations) >= 1


def test_fire_widget_says_when_the_event_is_not_json(lab, fn):
    widget = FireWidget(lab, fn)
    widget.body.value = "{oops"
    widget.fire_button.click()
    assert "must be JSON" in widget.error.value


def test_cold_warm_explorer_shows_cold_then_warm_then_cold_after_idle(lab, fn):
    explorer = ColdWarmExplorer(lab, fn)
    explorer.idle.value = 660
    explorer.wait_button.click()          # anything warm ages out
    explorer.count.value = 3
    explorer.sequence_button.click()
    assert [i.cold for i in explorer.invocations] == [True, False, False]
    assert "3 invocations on 1 environment" in explorer.status.value
    explorer.burst_button.click()
    explorer.wait_button.click()
    explorer.count.value = 1
    explorer.sequence_button.click()
    assert explorer.invocations[-1].cold
    assert explorer.last_figure is not None and explorer.error.value == ""


def test_cost_estimator_updates_live_and_reproduces_awss_example():
    estimator = CostEstimator()
    assert "2.73" in estimator.breakdown.value          # AWS's mobile-backend example
    estimator.memory.value = 3008
    assert estimator.estimate.total_usd > 2.73 and "$" in estimator.breakdown.value
    estimator.architecture.value = "arm64"
    assert estimator.estimate.inputs["architecture"] == "arm64"
    assert estimator.last_figure is not None


def test_cost_estimator_shows_bad_input_in_the_widget_and_recovers():
    estimator = CostEstimator()
    estimator.requests.value = -5
    assert "color:#b00020" in estimator.error.value and "requests" in estimator.error.value
    estimator.requests.value = 3_000_000
    assert estimator.error.value == "" and "2.73" in estimator.breakdown.value


def test_logs_widget_highlights_platform_lines(lab, fn):
    fn.invoke({"x": 1})
    widget = LogsWidget(lab, fn)
    assert "REPORT RequestId" in widget.text.value and "font-weight:bold" in widget.text.value
    assert widget.refresh().count("START RequestId") >= 1


def test_highlight_marks_errors_and_escapes_html():
    text = highlight("START RequestId: 1 Version: $LATEST\n[ERROR] boom <b>\nREPORT RequestId: 1\tDuration: 1 ms")
    assert "color:#b00020" in text and "&lt;b&gt;" in text and text.count("font-weight:bold") == 2


def test_highlight_reads_json_format_logs_too():
    text = highlight('{"time":"t","type":"platform.start","record":{}}\n'
                     '{"timestamp": "t", "level": "ERROR", "message": "boom"}\n'
                     '{"time":"t","type":"platform.report","record":{}}\n'
                     '{"timestamp": "t", "level": "INFO", "message": "fine"}')
    assert text.count("font-weight:bold") == 2 and text.count("color:#b00020") == 1


APPROVAL = """
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context):
    approval = context.create_callback(name="approval")
    answer = approval.result()
    context.wait(Duration.from_days(1), name="cooling-off")
    return {"answer": answer}
"""


def test_durable_widget_answers_a_callback_and_moves_the_lab_clock(lab):
    fn = lab.deploy("widget-approval", code=APPROVAL, durable=7 * 86400)
    run = fn.start_execution({"order": 1})
    run.wait_until("CallbackStarted")
    view = DurableWidget(run)
    assert view.error.value == "", view.last_traceback
    assert list(view.callback.options) == ["approval"] and not view.succeed_button.disabled
    assert "RUNNING" in view.status.value and "approval" in view.status.value

    view.payload.value = '{"approved": true}'
    view.succeed_button.click()
    assert view.error.value == "", view.last_traceback
    run.wait_until("WaitStarted")
    view.refresh()
    assert list(view.callback.options) == [] and view.succeed_button.disabled

    view.succeed_button.click()   # nothing waits: told so in the widget, nothing raised
    assert "No callback is waiting" in view.error.value

    view.clock_step.value = "1 day"
    view.advance_button.click()
    assert view.error.value == "", view.last_traceback
    assert run.wait(timeout_s=30).result == {"answer": '{"approved": true}'}
    assert "SUCCEEDED" in view.status.value and view.last_figure is not None
