"""What a learner types: lab.deploy(durable=...), fn.start_execution, callbacks, the clock, the timeline."""

from __future__ import annotations

import pytest

from lambda_lab import Execution, Lab, LambdaLabError
from lambda_lab.viz import durable_timeline, summary

ORDER = '''
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration

@durable_execution
def handler(event, context):
    order = context.step(lambda _: {"id": event["order"], "total": 30}, name="reserve stock")
    approval = context.create_callback(name="approval", config=CallbackConfig(timeout=Duration.from_days(3)))
    if approval.result() != "ok":
        return {"order": order["id"], "status": "rejected"}
    context.wait(Duration.from_days(1), name="cooling-off")
    context.step(lambda _: "charged", name="charge")
    return {"order": order["id"], "status": "shipped"}
'''


@pytest.fixture(scope="module")
def lab():
    with Lab.local() as lab:
        yield lab


@pytest.fixture(scope="module")
def orders(lab):
    return lab.deploy("orders", code=ORDER, durable=7 * 86400, memory_mb=1024, timeout_s=30)


def test_deploy_durable_sets_the_config_and_a_durable_runtime(orders):
    config = orders.configuration
    assert config["DurableConfig"] == {"ExecutionTimeout": 604800, "RetentionPeriodInDays": 14}
    assert config["Runtime"] == "python3.13" and orders.durable


def test_a_multi_day_order_runs_in_seconds_on_the_lab_clock(lab, orders):
    run = orders.start_execution({"order": 42}, name="order-42")
    assert isinstance(run, Execution) and run.name == "order-42"
    run.wait_until("CallbackStarted", name="approval")
    assert run.status == "RUNNING" and list(run.callbacks()) == ["approval"]
    run.send_callback("approval", "ok")
    run.wait_until("WaitStarted", name="cooling-off")
    lab.clock.advance(86400)
    assert run.wait(timeout_s=30).result == {"order": 42, "status": "shipped"}
    kinds = [e["EventType"] for e in run.history()]
    assert kinds.count("InvocationCompleted") == 3   # first run, after the callback, after the day
    assert run.callbacks() == {}
    assert [i["error"] for i in run.invocations()] == [None, None, None]
    assert orders.durable_executions(status="SUCCEEDED")[0].arn == run.arn
    frame = run.events()
    assert list(frame["type"][:2]) == ["ExecutionStarted", "StepStarted"]
    html = run._repr_html_()
    assert "SUCCEEDED" in html and "cooling-off" in html


def test_the_timeline_shows_operations_and_invocations(lab, orders):
    run = orders.start_execution({"order": 7})
    run.wait_until("CallbackStarted")
    run.fail_callback("approval", "Rejected", "over budget")
    run.wait(timeout_s=30)
    assert run.status == "FAILED" and run.error["ErrorType"]
    fig = run.timeline()
    rows = {t.y[0] for t in fig.data}
    assert {"invocations", "reserve stock (step)", "approval (callback)"} <= rows
    assert summary(fig).startswith("2 operations over 2 invocations")
    assert summary(durable_timeline([])).startswith("No history yet")


def test_clear_errors(lab, orders):
    plain = lab.deploy("plain", code="def handler(e, c):\n    return 1\n")
    with pytest.raises(LambdaLabError, match="durable=True"):
        plain.start_execution({})
    with pytest.raises(LambdaLabError, match="durable="):
        lab.deploy("bad", code=ORDER, durable="yes")
    run = orders.start_execution({"order": 1})
    with pytest.raises(LambdaLabError, match="no callback 'nope'"):
        run.send_callback("nope", 1)
    with pytest.raises(LambdaLabError, match="no result yet"):
        run.result
    run.stop()
    assert run.status == "STOPPED"
    with pytest.raises(LambdaLabError, match="still RUNNING|STOPPED"):
        orders.start_execution({"order": 2}).wait(timeout_s=0.5)
