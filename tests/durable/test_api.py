"""The durable execution API on the lab endpoint: shapes per botocore's model, AWS's errors.

Every answer is parsed by botocore (as a learner's boto3 would) and then checked against the
operation's output shape in botocore's Lambda model, required members included.
https://docs.aws.amazon.com/lambda/latest/api/API_Operations.html (2025-12-01 operations)
"""

from __future__ import annotations

import io
import json
import time
import zipfile

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from lambda_lab import Lab
from tests.conftest import eventually

MODEL = botocore.session.get_session().get_service_model("lambda")

WAITING = '''
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context):
    greeting = context.step(lambda _: f"Hello, {event['name']}!", name="greet")
    context.wait(Duration.from_seconds(event.get("wait", 86400)), name="a day")
    return greeting
'''

CALLBACK = '''
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration

@durable_execution
def handler(event, context):
    callback = context.create_callback(name="approval", config=CallbackConfig(timeout=Duration.from_seconds(600)))
    return {"approved": callback.result()}
'''

PLAIN = "def handler(event, context):\n    return event\n"


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def assert_shape(operation: str, response: dict) -> None:
    """The parsed answer fits the operation's output shape in botocore's model."""
    shape = MODEL.operation_model(operation).output_shape
    answer = {k: v for k, v in response.items() if k != "ResponseMetadata" and k in shape.members}
    if "Payload" in answer and hasattr(answer["Payload"], "read"):
        answer["Payload"] = answer["Payload"].read()
    report = ParamValidator().validate(answer, shape)
    assert not report.has_errors(), report.generate_report()


def wait_for(predicate, timeout_s=30.0):
    return eventually(predicate, timeout_s)


@pytest.fixture(scope="module")
def lab():
    with Lab.local() as lab:
        lam = lab.client("lambda")
        for name, source, durable in (("waiting", WAITING, True), ("approve", CALLBACK, True), ("plain", PLAIN, False)):
            spec = dict(FunctionName=name, Runtime="python3.13", Handler="app.handler", MemorySize=1024, Timeout=30,
                        Role=lab.backend.execution_role_arn(), Code={"ZipFile": _zip(source)})
            if durable:
                spec["DurableConfig"] = {"ExecutionTimeout": 3 * 86400}
            created = lam.create_function(**spec)
            assert_shape("CreateFunction", created)
        yield lab


@pytest.fixture
def lam(lab):
    return lab.client("lambda")


def error_of(call, **kwargs) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    error = info.value.response["Error"]
    return error["Code"], error["Message"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]


# -- DurableConfig on the function --------------------------------------------------------------

def test_durable_config_is_returned_with_aws_default_retention(lam):
    # AWS: ExecutionTimeout is required, RetentionPeriodInDays defaults to 14.
    configuration = lam.get_function_configuration(FunctionName="waiting")
    assert_shape("GetFunctionConfiguration", configuration)
    assert configuration["DurableConfig"] == {"ExecutionTimeout": 3 * 86400, "RetentionPeriodInDays": 14}
    assert lam.get_function(FunctionName="waiting")["Configuration"]["DurableConfig"]["ExecutionTimeout"] == 259200
    listed = {f["FunctionName"]: f.get("DurableConfig") for f in lam.list_functions()["Functions"]}
    assert listed["waiting"]["ExecutionTimeout"] == 259200 and listed["plain"] is None


def test_durable_settings_can_change_but_durability_cannot_be_added(lam):
    updated = lam.update_function_configuration(FunctionName="waiting",
                                                DurableConfig={"ExecutionTimeout": 3 * 86400, "RetentionPeriodInDays": 7})
    assert_shape("UpdateFunctionConfiguration", updated)
    assert updated["DurableConfig"]["RetentionPeriodInDays"] == 7
    code, message, _ = error_of(lam.update_function_configuration, FunctionName="plain",
                                DurableConfig={"ExecutionTimeout": 60})
    assert code == "InvalidParameterValueException" and "create a new function" in message


@pytest.mark.parametrize("config", [{"RetentionPeriodInDays": 7}, {"ExecutionTimeout": 0},
                                    {"ExecutionTimeout": 31_622_401}, {"ExecutionTimeout": 60, "RetentionPeriodInDays": 91}])
def test_invalid_durable_config_is_refused(lab, lam, config):
    # botocore checks ranges itself; other SDKs do not, so the endpoint must too.
    unchecked = lab.client("lambda", config=Config(parameter_validation=False))
    code, message, status = error_of(unchecked.create_function, FunctionName="bad-config", Runtime="python3.13",
                                     Handler="app.handler", Role=lab.backend.execution_role_arn(),
                                     Code={"ZipFile": _zip(WAITING)}, DurableConfig=config)
    assert (code, status) == ("InvalidParameterValueException", 400) and "DurableConfig" in message
    assert "bad-config" not in {f["FunctionName"] for f in lam.list_functions()["Functions"]}


# -- invoking ---------------------------------------------------------------------------------

def test_unqualified_invoke_of_a_durable_function_is_refused(lam):
    code, message, _ = error_of(lam.invoke, FunctionName="waiting", Payload=b'{"name": "Ada"}')
    assert code == "InvalidParameterValueException" and "$LATEST" in message


def test_a_day_long_wait_passes_when_the_lab_clock_moves(lab, lam):
    started = lam.invoke(FunctionName="waiting", Qualifier="$LATEST", InvocationType="Event",
                         Payload=json.dumps({"name": "Ada"}).encode())
    assert_shape("Invoke", started)
    arn = started["DurableExecutionArn"]
    assert started["StatusCode"] == 202 and ":function:waiting:$LATEST/durable-execution/" in arn
    history = wait_for(lambda: [e for e in lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
                                if e["EventType"] == "InvocationCompleted"])
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"   # suspended in its wait
    lab.clock.advance(86400)
    wait_for(lambda: lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED")
    described = lam.get_durable_execution(DurableExecutionArn=arn)
    assert_shape("GetDurableExecution", described)
    assert json.loads(described["Result"]) == "Hello, Ada!"
    history = lam.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)
    assert_shape("GetDurableExecutionHistory", history)
    types = [e["EventType"] for e in history["Events"]]
    assert types == ["ExecutionStarted", "StepStarted", "StepSucceeded", "WaitStarted", "InvocationCompleted",
                     "WaitSucceeded", "InvocationCompleted", "ExecutionSucceeded"]
    assert [e["EventId"] for e in history["Events"]] == list(range(1, 9))
    assert history["Events"][3]["WaitStartedDetails"]["Duration"] == 86400


def test_synchronous_invoke_waits_for_the_whole_execution(lam):
    answer = lam.invoke(FunctionName="waiting:$LATEST", Payload=json.dumps({"name": "Bo", "wait": 1}).encode())
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == "Hello, Bo!"
    assert answer["DurableExecutionArn"]


def test_same_execution_name_is_idempotent_and_a_different_input_conflicts(lam):
    first = lam.invoke(FunctionName="approve", Qualifier="$LATEST", InvocationType="Event",
                       DurableExecutionName="order-1", Payload=b'{"order": 1}')
    again = lam.invoke(FunctionName="approve", Qualifier="$LATEST", InvocationType="Event",
                       DurableExecutionName="order-1", Payload=b'{"order": 1}')
    assert first["DurableExecutionArn"] == again["DurableExecutionArn"]
    code, _, status = error_of(lam.invoke, FunctionName="approve", Qualifier="$LATEST", InvocationType="Event",
                               DurableExecutionName="order-1", Payload=b'{"order": 2}')
    assert (code, status) == ("DurableExecutionAlreadyStartedException", 409)
    lam.stop_durable_execution(DurableExecutionArn=first["DurableExecutionArn"])


# -- callbacks --------------------------------------------------------------------------------

def _open_callback(lam, arn) -> str:
    def started():
        events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        return [e["CallbackStartedDetails"]["CallbackId"] for e in events if e["EventType"] == "CallbackStarted"]
    return wait_for(started)[0]


def test_callback_success_resumes_the_execution_and_a_second_answer_is_refused(lam):
    arn = lam.invoke(FunctionName="approve", Qualifier="$LATEST", InvocationType="Event", Payload=b"{}")[
        "DurableExecutionArn"]
    callback_id = _open_callback(lam, arn)
    lam.send_durable_execution_callback_heartbeat(CallbackId=callback_id)
    assert_shape("SendDurableExecutionCallbackSuccess",
                 lam.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"yes"))
    wait_for(lambda: lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED")
    # The SDK hands a callback's result over as sent (its default serdes for callbacks passes text through).
    assert json.loads(lam.get_durable_execution(DurableExecutionArn=arn)["Result"]) == {"approved": "yes"}
    code, message, status = error_of(lam.send_durable_execution_callback_success, CallbackId=callback_id, Result=b"1")
    assert (code, status) == ("ResourceNotFoundException", 404) and "not active" in message


def test_callback_failure_fails_the_execution(lam):
    arn = lam.invoke(FunctionName="approve", Qualifier="$LATEST", InvocationType="Event", Payload=b"{}")[
        "DurableExecutionArn"]
    lam.send_durable_execution_callback_failure(CallbackId=_open_callback(lam, arn),
                                                Error={"ErrorType": "Rejected", "ErrorMessage": "no budget"})
    wait_for(lambda: lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "FAILED")
    events = lam.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)["Events"]
    failed = [e for e in events if e["EventType"] == "CallbackFailed"][0]
    assert failed["CallbackFailedDetails"]["Error"]["Payload"]["ErrorType"] == "Rejected"


def test_unknown_callback_id_is_not_found(lam):
    code, _, status = error_of(lam.send_durable_execution_callback_success, CallbackId="bm8tc3VjaA==", Result=b"1")
    assert (code, status) == ("ResourceNotFoundException", 404)


# -- listing, stopping, deleting, pausing -----------------------------------------------------

def test_list_stop_and_delete(lam):
    arn = lam.invoke(FunctionName="approve", Qualifier="$LATEST", InvocationType="Event",
                     DurableExecutionName="to-stop", Payload=b"{}")["DurableExecutionArn"]
    _open_callback(lam, arn)
    listed = lam.list_durable_executions_by_function(FunctionName="approve", Statuses=["RUNNING"])
    assert_shape("ListDurableExecutionsByFunction", listed)
    assert arn in [e["DurableExecutionArn"] for e in listed["DurableExecutions"]]
    code, _, _ = error_of(lam.delete_durable_execution, DurableExecutionArn=arn)
    assert code == "ResourceConflictException"          # a running execution must be stopped first
    stopped = lam.stop_durable_execution(DurableExecutionArn=arn, Error={"ErrorType": "Cancelled",
                                                                          "ErrorMessage": "by the operator"})
    assert_shape("StopDurableExecution", stopped)
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "STOPPED"
    assert [e for e in lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]][-1]["EventType"] \
        == "ExecutionStopped"
    code, _, _ = error_of(lam.stop_durable_execution, DurableExecutionArn=arn)
    assert code == "InvalidParameterValueException"     # already ended
    assert_shape("DeleteDurableExecution", lam.delete_durable_execution(DurableExecutionArn=arn))
    code, _, status = error_of(lam.get_durable_execution, DurableExecutionArn=arn)
    assert (code, status) == ("ResourceNotFoundException", 404)


def test_history_and_lists_paginate(lam):
    for n in range(3):
        lam.invoke(FunctionName="waiting", Qualifier="$LATEST", Payload=json.dumps({"name": str(n), "wait": 1}).encode())
    page = lam.list_durable_executions_by_function(FunctionName="waiting", MaxItems=2)
    assert len(page["DurableExecutions"]) == 2 and page["NextMarker"]
    rest = lam.list_durable_executions_by_function(FunctionName="waiting", MaxItems=2, Marker=page["NextMarker"])
    assert rest["DurableExecutions"] and not set(e["DurableExecutionArn"] for e in rest["DurableExecutions"]) & \
        set(e["DurableExecutionArn"] for e in page["DurableExecutions"])
    arn = page["DurableExecutions"][0]["DurableExecutionArn"]
    paginator = lam.get_paginator("get_durable_execution_history") if lam.can_paginate(
        "get_durable_execution_history") else None
    first = lam.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=3)
    assert [e["EventId"] for e in first["Events"]] == [1, 2, 3] and first["NextMarker"]
    second = lam.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=3, Marker=first["NextMarker"])
    assert [e["EventId"] for e in second["Events"]] == [4, 5, 6]
    newest_first = lam.get_durable_execution_history(DurableExecutionArn=arn, ReverseOrder=True)["Events"]
    assert newest_first[0]["EventType"] == "ExecutionSucceeded"
    assert paginator is None or list(paginator.paginate(DurableExecutionArn=arn))


def test_without_execution_data_payloads_are_left_out(lam):
    arn = lam.list_durable_executions_by_function(FunctionName="waiting", Statuses=["SUCCEEDED"])[
        "DurableExecutions"][0]["DurableExecutionArn"]
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    assert "Payload" not in events[0]["ExecutionStartedDetails"].get("Input", {})
    described = lam.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=False)
    assert "InputPayload" not in described and "Result" not in described


def test_pause_and_resume(lam):
    arn = lam.invoke(FunctionName="approve", Qualifier="$LATEST", InvocationType="Event", Payload=b"{}")[
        "DurableExecutionArn"]
    callback_id = _open_callback(lam, arn)
    lam.pause_durable_execution(DurableExecutionArn=arn, Reason="maintenance")
    assert lam.get_durable_execution(DurableExecutionArn=arn)["PauseDetails"]["Reason"] == "maintenance"
    code, _, _ = error_of(lam.pause_durable_execution, DurableExecutionArn=arn)
    assert code == "ResourceConflictException"
    lam.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"true")
    time.sleep(0.5)
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"   # paused: not re-invoked
    lam.resume_durable_execution(DurableExecutionArn=arn)
    wait_for(lambda: lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED")


# -- the handler's side -----------------------------------------------------------------------

def test_checkpoint_with_a_stale_token_or_for_an_unknown_execution_is_refused(lam):
    answer = lam.invoke(FunctionName="waiting", Qualifier="$LATEST", Payload=json.dumps({"name": "x", "wait": 1}).encode())
    arn = answer["DurableExecutionArn"]
    code, message, _ = error_of(lam.checkpoint_durable_execution, DurableExecutionArn=arn, CheckpointToken="c3RhbGU=",
                                Updates=[])
    assert (code, message) == ("InvalidParameterValueException", "Invalid checkpoint token")
    unknown = arn.rsplit("/", 1)[0] + "/0000"
    code, _, status = error_of(lam.get_durable_execution, DurableExecutionArn=unknown)
    assert (code, status) == ("ResourceNotFoundException", 404)


OVERSIZED = '''
from aws_durable_execution_sdk_python import durable_execution

@durable_execution
def handler(event, context):
    return len(context.step(lambda _: "x" * 300_000, name="too big"))
'''


def test_an_oversized_checkpoint_fails_the_execution_with_aws_error(lab, lam):
    lam.create_function(FunctionName="oversized", Runtime="python3.13", Handler="app.handler", MemorySize=1024,
                        Timeout=30, Role=lab.backend.execution_role_arn(), Code={"ZipFile": _zip(OVERSIZED)},
                        DurableConfig={"ExecutionTimeout": 60})
    answer = lam.invoke(FunctionName="oversized:$LATEST", Payload=b"{}")
    assert answer.get("FunctionError") == "Unhandled"
    events = lam.get_durable_execution_history(DurableExecutionArn=answer["DurableExecutionArn"],
                                               IncludeExecutionData=True)["Events"]
    assert events[-1]["EventType"] == "ExecutionFailed"
    assert "InvalidParameterValueException" in json.dumps(events[-1], default=str)


def test_durable_operations_on_a_plain_function(lam):
    # A function without DurableConfig has no durable executions; invoking it works as always.
    assert lam.list_durable_executions_by_function(FunctionName="plain")["DurableExecutions"] == []
    assert json.loads(lam.invoke(FunctionName="plain", Payload=b'{"a": 1}')["Payload"].read()) == {"a": 1}
