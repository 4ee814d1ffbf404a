"""The learner API: Lab.local(), deploy, invoke, logs, metrics; and the same scenario on Lab.aws()
pointed at `lambda-lab serve` (and at a real account when LAMBDA_LAB_REAL_AWS=1)."""

from __future__ import annotations

import json
import os

import boto3
import pytest

from lambda_lab import Invocation, Lab, LambdaLabError
from lambda_lab.backends.aws import TAG_KEY, CostLimitError
from lambda_lab.errors import InvalidParameterValueError, ServiceClosedError

HELLO = """
import json
count = 0
def handler(event, context):
    global count
    count += 1
    print("handling", event)
    if event.get("fail"):
        raise KeyError("missing")
    return {"statusCode": 200, "body": json.dumps({"greeting": "Hello " + event.get("name", "World"), "count": count})}
"""


@pytest.fixture
def lab():
    with Lab.local(concurrency_limit=3) as lab:
        yield lab


def test_deploy_invoke_reads_cold_and_warm_from_the_report_line(lab):
    fn = lab.deploy("hello", code=HELLO, handler="app.handler", memory_mb=256, timeout_s=5)
    first, second = fn.invoke({"name": "Ada"}), fn.invoke({"name": "Ada"})
    assert isinstance(first, Invocation)
    assert first.payload["statusCode"] == 200 and '"Hello Ada"' in first.payload["body"]
    assert (first.cold, second.cold) == (True, False)
    assert first.init_ms > 0 and second.init_ms is None
    assert first.billed_ms >= first.init_ms and second.billed_ms >= 1
    assert first.memory_mb == 256 and 0 < first.max_memory_mb <= 256
    assert first.environment == second.environment and first.environment.startswith("20")
    assert "handling {'name': 'Ada'}" in first.logs
    assert len(lab.invocations) == 2
    frame = lab.invocations.to_dataframe()
    assert list(frame["cold"]) == [True, False] and "duration_ms" in frame


def test_a_handler_error_is_data_not_an_exception(lab):
    fn = lab.deploy("failing", code=HELLO, handler="app.handler")
    result = fn.invoke({"fail": True})
    assert result.function_error == "Unhandled" and result.error["errorType"] == "KeyError"
    assert not result.ok and "KeyError" in repr(result) and "error" in result._repr_html_()


def test_throttles_come_back_as_invocations(lab):
    fn = lab.deploy("narrow", code=HELLO, handler="app.handler")
    fn.set_reserved_concurrency(0)
    result = fn.invoke()
    assert result.throttled and result.status_code == 429 and "throttled" in repr(result)


def test_logs_and_metrics_read_back_from_cloudwatch(lab):
    fn = lab.deploy("observed", code=HELLO, handler="app.handler")
    fn.invoke({"name": "Grace"})
    fn.invoke({"fail": True})
    assert "handling {'name': 'Grace'}" in fn.logs() and fn.logs().count("REPORT RequestId") == 2
    metrics = fn.metrics()
    assert metrics["Invocations"] == 2 and metrics["Errors"] == 1 and metrics["Duration"] > 0


def test_update_changes_configuration_and_starts_cold(lab):
    fn = lab.deploy("tuned", code=HELLO, handler="app.handler")
    fn.invoke()
    fn.update(memory_mb=512, env={"STAGE": "prod"})
    after = fn.invoke()
    assert after.cold and after.memory_mb == 512
    assert fn.configuration["Environment"]["Variables"] == {"STAGE": "prod"}


def test_invoke_async_returns_at_once(lab):
    fn = lab.deploy("queued", code=HELLO, handler="app.handler")
    request_id = fn.invoke_async({"name": "later"})
    assert request_id
    lab.backend.endpoint.invoker.wait_idle(10)
    assert "handling {'name': 'later'}" in fn.logs()


def test_plain_boto3_in_the_notebook_talks_to_the_lab_while_it_is_open():
    before = os.environ.get("AWS_ENDPOINT_URL")
    with Lab.local() as lab:
        lab.deploy("visible", code=HELLO, handler="app.handler")
        names = [f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]]
        assert names == ["visible"]
        assert os.environ["AWS_ENDPOINT_URL"] == lab.endpoint_url
    assert os.environ.get("AWS_ENDPOINT_URL") == before


@pytest.mark.parametrize("kwargs, words", [
    ({"memory_mb": 100}, "from 128 to 10,240"),
    ({"timeout_s": 1000}, "from 1 to 900"),
    ({"env": {"N": 1}}, "Environment variables are strings"),
])
def test_bad_deploy_arguments_say_what_to_do(lab, kwargs, words):
    with pytest.raises(InvalidParameterValueError, match=words):
        lab.deploy("bad", code=HELLO, handler="app.handler", **kwargs)


def test_an_invalid_name_is_refused(lab):
    with pytest.raises(InvalidParameterValueError, match="1-64 letters"):
        lab.deploy("no spaces", code=HELLO)


def test_a_missing_function_says_how_to_deploy_it(lab):
    with pytest.raises(LambdaLabError, match=r"deploy it first with lab.deploy\('ghost'"):
        lab.function("ghost")


def test_a_closed_lab_says_so():
    lab = Lab.local()
    lab.close()
    lab.close()  # idempotent
    with pytest.raises(ServiceClosedError, match="Lab.local"):
        lab.deploy("late", code=HELLO)


def test_opening_a_second_local_lab_closes_the_first_with_a_warning():
    first = Lab.local()
    first.deploy("old", code=HELLO, handler="app.handler")
    with pytest.warns(UserWarning, match="already running"):
        second = Lab.local()
    with second:
        assert [f["FunctionName"] for f in second.client("lambda").list_functions()["Functions"]] == []
    first.close()


# -- the real-account backend, against the local endpoint ---------------------------------------

real_aws = os.environ.get("LAMBDA_LAB_REAL_AWS") == "1"


@pytest.fixture
def aws_lab(served, monkeypatch):
    url, env, _ = served
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(key, env[key])
    lab = Lab.aws(region="us-east-1", endpoint_url=url, cost_limit_usd=0.5)
    yield lab
    lab.teardown()


def test_aws_lab_tags_what_it_creates_and_teardown_removes_exactly_that(aws_lab, served, capsys):
    url, _, _ = served
    outsider = Lab.connect(url)
    outsider.deploy("not-mine", code=HELLO, handler="app.handler", role="arn:aws:iam::123456789012:role/lambda-role")
    fn = aws_lab.deploy("mine", code=HELLO, handler="app.handler")
    assert fn.invoke({"name": "Ada"}).payload["statusCode"] == 200
    lam = aws_lab.client("lambda")
    config = lam.get_function(FunctionName="mine")
    assert config["Tags"] == {TAG_KEY: aws_lab.backend.lab_id}
    role = config["Configuration"]["Role"]
    assert role.endswith(f"role/lambda-lab-{aws_lab.backend.lab_id}")
    policy = aws_lab.client("iam").get_role_policy(RoleName=role.rsplit("/", 1)[1], PolicyName="write-own-logs")
    assert all("/aws/lambda/" in statement["Resource"] for statement in policy["PolicyDocument"]["Statement"])

    deleted = aws_lab.teardown()

    assert any(arn.endswith(":function:mine") for arn in deleted) and role in deleted
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert "mine" not in names and "not-mine" in names
    assert aws_lab.teardown() == []  # idempotent
    outsider.client("lambda").delete_function(FunctionName="not-mine")
    outsider.close()


def test_aws_lab_shows_the_account_it_uses(aws_lab, capsys):
    assert aws_lab.backend.account_id == "123456789012"


def test_aws_lab_refuses_work_over_its_cost_limit_unless_confirmed(aws_lab):
    with pytest.raises(CostLimitError, match=r"\$2.00.*over this lab's limit of \$0.50"):
        aws_lab.backend.check_cost(2.0, "This experiment")
    aws_lab.backend.check_cost(2.0, "This experiment", confirm=True)


def test_aws_lab_without_credentials_says_what_to_do(monkeypatch, tmp_path):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(LambdaLabError, match="aws configure"):
        Lab.aws(region="us-east-1")


@pytest.mark.real_aws
@pytest.mark.skipif(not real_aws, reason="set LAMBDA_LAB_REAL_AWS=1 (and AWS credentials) to run against a real account")
def test_the_same_scenario_on_a_real_account():
    lab = Lab.aws()
    try:
        fn = lab.deploy("lambda-lab-smoke", code=HELLO, handler="app.handler")
        first = fn.invoke({"name": "Ada"})
        assert first.payload["statusCode"] == 200 and first.cold
    finally:
        lab.teardown()


def test_a_function_that_invokes_itself_is_bounded_by_concurrency_not_a_hang():
    source = """
    import json, boto3, botocore.config
    client = boto3.client("lambda", config=botocore.config.Config(retries={"total_max_attempts": 1}, read_timeout=60))
    def handler(event, context):
        depth = event.get("depth", 0)
        answer = client.invoke(FunctionName=context.function_name, Payload=json.dumps({"depth": depth + 1}))
        return {"depth": depth, "inner": json.loads(answer["Payload"].read())}
    """
    with Lab.local(concurrency_limit=3) as lab:
        fn = lab.deploy("ouroboros", code=source, handler="app.handler", timeout_s=30)
        result = fn.invoke({})
        # Three nested calls hold the account's 3 slots; the fourth is throttled inside the third,
        # whose unhandled error is data to the second (as Invoke returns it): every level answers.
        assert result.ok and result.payload["depth"] == 0 and result.payload["inner"]["depth"] == 1
        innermost = result.payload["inner"]["inner"]
        assert innermost["errorType"] == "TooManyRequestsException"
        assert fn.invoke({}).ok  # and the lab still serves


def test_power_tuning_runs_the_same_on_the_real_account_backend_after_a_cost_check(aws_lab):
    fn = aws_lab.deploy("tuned-remote", code=HELLO, handler="app.handler")
    result = aws_lab.power_tune(fn, {"name": "Ada"}, memory=[128, 512], runs=2)
    assert [row["memory_mb"] for row in result.rows] == [128, 512]
    with pytest.raises(CostLimitError, match="Power tuning tuned-remote"):
        aws_lab.power_tune(fn, {}, memory=[3008], runs=100_000)   # worst case priced first: refused


def test_deleting_a_function_ends_its_execution_environments(lab):
    # AWS: a deleted function's environments are gone; a function of the same name starts cold.
    fn = lab.deploy("doomed", code=HELLO, handler="app.handler")
    fn.invoke({})
    assert len(_worker_processes_named("doomed")) == 1
    lab.client("lambda").delete_function(FunctionName="doomed")
    assert _eventually(lambda: _worker_processes_named("doomed") == [])
    again = lab.deploy("doomed", code=HELLO, handler="app.handler").invoke({})
    assert again.cold and json.loads(again.payload["body"])["count"] == 1


def test_reset_leaves_an_open_empty_lab_ready_for_the_next_demo(lab):
    fn = lab.deploy("demo", code=HELLO, handler="app.handler")
    fn.invoke({})
    s3, ddb, sqs = lab.client("s3"), lab.client("dynamodb"), lab.client("sqs")
    s3.create_bucket(Bucket="demo-bucket")
    ddb.create_table(TableName="demo-table", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    queue = sqs.create_queue(QueueName="demo-queue")["QueueUrl"]
    lab.client("lambda").create_event_source_mapping(
        FunctionName="demo", EventSourceArn=sqs.get_queue_attributes(
            QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])

    deleted = lab.reset()

    assert [arn.rsplit(":", 1)[-1] for arn in deleted] == ["demo"]
    assert lab.client("lambda").list_functions()["Functions"] == []
    assert lab.client("lambda").list_event_source_mappings()["EventSourceMappings"] == []
    assert s3.list_buckets()["Buckets"] == [] and ddb.list_tables()["TableNames"] == []
    assert sqs.list_queues().get("QueueUrls", []) == []
    assert len(lab.invocations) == 0
    assert _eventually(lambda: _worker_processes_named("demo") == [])
    # ... and the next demo works as on a fresh lab: the default execution role is back.
    fresh = lab.deploy("demo", code=HELLO, handler="app.handler").invoke({"name": "again"})
    assert fresh.cold and fresh.error is None and len(lab.invocations) == 1


def test_reset_on_a_connected_lab_clears_the_served_endpoint(served):
    url, _, _ = served
    with Lab.connect(url) as lab:
        lab.deploy("shared-demo", code=HELLO, handler="app.handler").invoke({})
        lab.client("s3").create_bucket(Bucket="shared-demo-bucket")
        assert [a.rsplit(":", 1)[-1] for a in lab.reset()] == ["shared-demo"]
        assert lab.client("s3").list_buckets()["Buckets"] == []
        assert lab.deploy("shared-demo", code=HELLO, handler="app.handler").invoke({}).cold


def _worker_processes_named(name: str) -> list:
    from tests.conftest import worker_processes
    found = []
    for process in worker_processes():
        try:
            if process.environ().get("AWS_LAMBDA_FUNCTION_NAME") == name:
                found.append(process)
        except Exception:  # noqa: BLE001 - a process that just ended
            pass
    return found


def _eventually(condition, timeout_s: float = 10.0) -> bool:
    import time
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
