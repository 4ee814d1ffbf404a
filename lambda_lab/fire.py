"""Fire real events at a function through the real path, and get back what ran.

    lab.fire.s3_put(fn, "photos", "cat.jpg", b"meow")       # upload: S3 notifies the function
    lab.fire.sqs(fn, ["order-1", "order-2"])                 # send: the poller delivers batches
    lab.fire.http(fn, "GET", "/hello?name=Ada")              # a real HTTP request through API Gateway

Each helper creates what the trigger needs the first time (bucket and notification, queue and
event source mapping, topic and subscription, rule and target, API and route), fires, and waits
for the invocations to appear in the function's CloudWatch Logs, which it parses into
``Invocation`` records (with the same REPORT parser as ``fn.invoke``). They are added to
``lab.invocations``. The payload a trigger's invocation returned is not logged, so it is None.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .errors import LambdaLabError
from .invocation import Invocation, platform_kind

if TYPE_CHECKING:
    from .function import Function
    from .lab import Lab

__all__ = ["Fire"]

_LAMBDA_PRINCIPALS = {"s3": "s3.amazonaws.com", "sns": "sns.amazonaws.com", "events": "events.amazonaws.com",
                      "apigateway": "apigateway.amazonaws.com"}


class Fire:
    def __init__(self, lab: "Lab"):
        self._lab = lab

    # -- the triggers ---------------------------------------------------------------------

    def s3_put(self, fn: "Function", bucket: str, key: str, body: bytes | str = b"", *, timeout_s: float = 30) -> list[Invocation]:
        """Upload an object; S3 invokes the function asynchronously with an ObjectCreated:Put event."""
        s3 = self._lab.client("s3")
        self._ensure_bucket(s3, bucket)
        arn = self._arn(fn)
        config = s3.get_bucket_notification_configuration(Bucket=bucket)
        lambdas = config.get("LambdaFunctionConfigurations", [])
        if not any(c["LambdaFunctionArn"] == arn for c in lambdas):
            self._allow(fn, "s3", f"arn:aws:s3:::{bucket}")
            lambdas.append({"Id": f"lambda-lab-{fn.name}", "LambdaFunctionArn": arn,
                            "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]})
            s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
                **{k: v for k, v in config.items() if k != "ResponseMetadata"}, "LambdaFunctionConfigurations": lambdas})
        return self._fired(fn, 1, timeout_s, lambda: s3.put_object(Bucket=bucket, Key=key, Body=body))

    def s3_delete(self, fn: "Function", bucket: str, key: str, *, timeout_s: float = 30) -> list[Invocation]:
        """Delete an object; the function sees ObjectRemoved:Delete (after s3_put set up the notification)."""
        s3 = self._lab.client("s3")
        return self._fired(fn, 1, timeout_s, lambda: s3.delete_object(Bucket=bucket, Key=key))

    def sqs(self, fn: "Function", messages: Sequence[Any], *, queue: str | None = None, batch_size: int = 10,
            batching_window_s: int = 0, timeout_s: float = 60) -> list[Invocation]:
        """Send messages to a queue that an event source mapping polls for the function."""
        sqs = self._lab.client("sqs")
        name = queue or f"{fn.name}-queue"
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        lam = self._lab.client("lambda")
        mappings = lam.list_event_source_mappings(EventSourceArn=queue_arn, FunctionName=fn.name)["EventSourceMappings"]
        if not mappings:
            lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn.name, BatchSize=batch_size,
                                            MaximumBatchingWindowInSeconds=batching_window_s)
        bodies = [m if isinstance(m, str) else json.dumps(m) for m in messages]

        def send():
            for start in range(0, len(bodies), 10):
                sqs.send_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start:start + 10])])

        def drained() -> bool:
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            return attributes["ApproximateNumberOfMessages"] == attributes["ApproximateNumberOfMessagesNotVisible"] == "0"

        return self._fired(fn, None, timeout_s, send, done=drained)

    def sns(self, fn: "Function", message: Any, *, topic: str | None = None, subject: str | None = None,
            attributes: dict[str, str] | None = None, timeout_s: float = 30) -> list[Invocation]:
        """Publish to a topic the function is subscribed to."""
        sns = self._lab.client("sns")
        topic_arn = sns.create_topic(Name=topic or f"{fn.name}-topic")["TopicArn"]
        arn = self._arn(fn)
        subscribed = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
        if not any(s["Endpoint"] == arn for s in subscribed):
            self._allow(fn, "sns", topic_arn)
            sns.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=arn)
        params = {"TopicArn": topic_arn, "Message": message if isinstance(message, str) else json.dumps(message)}
        if subject:
            params["Subject"] = subject
        if attributes:
            params["MessageAttributes"] = {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()}
        return self._fired(fn, 1, timeout_s, lambda: sns.publish(**params))

    def eventbridge(self, fn: "Function", detail: dict, *, source: str = "lambda-lab.demo",
                    detail_type: str = "Demo Event", timeout_s: float = 30) -> list[Invocation]:
        """Put an event on the default bus; a rule matching its source targets the function."""
        events = self._lab.client("events")
        rule = f"{fn.name}-{source.replace('.', '-')}"[:64]
        rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source]}))["RuleArn"]
        self._allow(fn, "events", rule_arn)
        events.put_targets(Rule=rule, Targets=[{"Id": "lambda-lab", "Arn": self._arn(fn)}])
        entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}
        return self._fired(fn, 1, timeout_s, lambda: events.put_events(Entries=[entry]))

    def schedule(self, fn: "Function", expression: str = "rate(5 minutes)", *, advance_s: float = 3600,
                 timeout_s: float = 60) -> list[Invocation]:
        """Create a scheduled rule and move the lab clock ``advance_s`` forward: every firing runs."""
        advance = getattr(self._lab.clock, "advance", None)
        if advance is None:
            raise LambdaLabError("This lab's clock cannot be moved (a real account runs on real time); "
                                 "create the rule with lab.client('events') and wait instead.")
        events = self._lab.client("events")
        rule = f"{fn.name}-schedule"[:64]
        rule_arn = events.put_rule(Name=rule, ScheduleExpression=expression)["RuleArn"]
        self._allow(fn, "events", rule_arn)
        events.put_targets(Rule=rule, Targets=[{"Id": "lambda-lab", "Arn": self._arn(fn)}])
        time.sleep(0.2)  # the scheduler notices the new rule at the current lab time
        from .backends.local.scheduler import Schedule
        schedule, now, count = Schedule(expression), self._lab.clock.now(), 0
        due = schedule.next_after(now)
        while due is not None and due <= now + advance_s:
            count += 1
            due = schedule.next_after(due)
        invocations = self._fired(fn, count, timeout_s, lambda: advance(advance_s))
        events.remove_targets(Rule=rule, Ids=["lambda-lab"])
        events.delete_rule(Name=rule)
        return invocations

    def dynamodb(self, fn: "Function", item: dict, *, table: str | None = None, key: str = "id",
                 timeout_s: float = 30) -> list[Invocation]:
        """Write an item to a table whose stream the function reads (INSERT / MODIFY records)."""
        from .events import to_dynamodb_json
        dynamodb = self._lab.client("dynamodb")
        name = table or f"{fn.name}-table"
        try:
            stream_arn = dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        except dynamodb.exceptions.ResourceNotFoundException:
            stream_arn = dynamodb.create_table(
                TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            )["TableDescription"]["LatestStreamArn"]
        lam = self._lab.client("lambda")
        if not lam.list_event_source_mappings(EventSourceArn=stream_arn, FunctionName=fn.name)["EventSourceMappings"]:
            lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=fn.name, StartingPosition="LATEST")
        typed = {k: to_dynamodb_json(v) for k, v in item.items()}
        return self._fired(fn, 1, timeout_s, lambda: dynamodb.put_item(TableName=name, Item=typed))

    def http(self, fn: "Function", method: str = "GET", path: str = "/", *, body: Any = None,
             headers: dict[str, str] | None = None, timeout_s: float = 30):
        """A real HTTP request through an HTTP API ($default route) in front of the function.

        Returns ``(response, invocations)``: the ``requests`` response and what ran.
        """
        import requests
        url = self.http_url(fn)
        data = json.dumps(body) if isinstance(body, (dict, list)) else body
        sent = {}

        def request():
            sent["response"] = requests.request(method, url + path.lstrip("/") if url.endswith("/") else url + path,
                                                data=data, headers=headers, timeout=timeout_s)

        invocations = self._fired(fn, 1, timeout_s, request)
        return sent["response"], invocations

    def http_url(self, fn: "Function") -> str:
        """The base URL of an HTTP API that sends every request to the function (created on first use)."""
        v2 = self._lab.client("apigatewayv2")
        name = f"{fn.name}-http"
        api = next((a for a in v2.get_apis()["Items"] if a["Name"] == name), None)
        if api is None:
            api = v2.create_api(Name=name, ProtocolType="HTTP")
            integration = v2.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY",
                                                IntegrationUri=self._arn(fn), PayloadFormatVersion="2.0")
            v2.create_route(ApiId=api["ApiId"], RouteKey="$default", Target=f"integrations/{integration['IntegrationId']}")
            v2.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
            self._allow(fn, "apigateway", None)
        return self._lab.api_url(api["ApiId"]) + "/"

    def step_functions(self, fn: "Function", input: Any, *, timeout_s: float = 60):
        """Run a one-state state machine whose Task invokes the function; returns ``(execution, invocations)``."""
        sfn = self._lab.client("stepfunctions")
        name = f"{fn.name}-machine"
        machine = next((m for m in sfn.list_state_machines()["stateMachines"] if m["name"] == name), None)
        if machine is None:
            definition = {"StartAt": "Invoke", "States": {"Invoke": {"Type": "Task", "Resource": self._arn(fn), "End": True}}}
            arn = sfn.create_state_machine(name=name, definition=json.dumps(definition),
                                           roleArn=self._lab.backend.execution_role_arn())["stateMachineArn"]
        else:
            arn = machine["stateMachineArn"]
        result = {}

        def run():
            execution = sfn.start_execution(stateMachineArn=arn, name=f"lambda-lab-{uuid.uuid4().hex[:12]}",
                                            input=json.dumps(input))["executionArn"]
            deadline = time.monotonic() + timeout_s
            while True:
                result["execution"] = sfn.describe_execution(executionArn=execution)
                if result["execution"]["status"] != "RUNNING" or time.monotonic() > deadline:
                    return
                time.sleep(0.05)

        invocations = self._fired(fn, 1, timeout_s, run)
        return result["execution"], invocations

    # -- waiting for what ran -------------------------------------------------------------

    def _fired(self, fn: "Function", count: int | None, timeout_s: float, action,
               done: Callable[[], bool] | None = None) -> list[Invocation]:
        since = time.time()
        action()
        invocations = wait_for_invocations(self._lab, fn.name, since=since, count=count, done=done,
                                           timeout_s=timeout_s)
        for invocation in invocations:
            self._lab.invocations.append(invocation)
        return invocations

    def _arn(self, fn: "Function") -> str:
        return fn.configuration["FunctionArn"]

    def _allow(self, fn: "Function", service: str, source_arn: str | None) -> None:
        """Grant the service permission to invoke the function (AWS requires it; the lab records it)."""
        params = {"FunctionName": fn.name, "StatementId": f"lambda-lab-{service}-{abs(hash(source_arn)) % 10**8}",
                  "Action": "lambda:InvokeFunction", "Principal": _LAMBDA_PRINCIPALS[service]}
        if source_arn:
            params["SourceArn"] = source_arn
        try:
            self._lab.client("lambda").add_permission(**params)
        except Exception as exc:  # noqa: BLE001 - already granted is fine
            if "ResourceConflict" not in type(exc).__name__ and "already exists" not in str(exc):
                raise

    def _ensure_bucket(self, s3, bucket: str) -> None:
        try:
            s3.head_bucket(Bucket=bucket)
        except Exception:  # noqa: BLE001 - missing: create it
            region = self._lab.region
            s3.create_bucket(Bucket=bucket, **({} if region == "us-east-1" else
                                               {"CreateBucketConfiguration": {"LocationConstraint": region}}))


def wait_for_invocations(lab: "Lab", function_name: str, *, since: float, count: int | None = None,
                         done: Callable[[], bool] | None = None, timeout_s: float = 30.0) -> list[Invocation]:
    """Invocations of a function that started after ``since``, read from its CloudWatch Logs.

    Waits until ``count`` have finished, or until ``done()`` says the work is over (e.g. a queue
    drained) and at least one has finished.
    """
    logs = lab.client("logs")
    deadline = time.monotonic() + timeout_s
    found: list[Invocation] = []
    while time.monotonic() < deadline:
        found = _read_invocations(logs, function_name, since)
        if count is not None and len(found) >= count:
            return found
        if done is not None and found and done():
            return _read_invocations(logs, function_name, since)
        time.sleep(0.1)
    raise LambdaLabError(
        f"Waited {timeout_s:.0f} s for {function_name!r} to run ({count or 'until done'} expected, "
        f"{len(found)} seen). Check the trigger's configuration, and fn.logs() for errors.")


def _read_invocations(logs, function_name: str, since: float) -> list[Invocation]:
    group = f"/aws/lambda/{function_name}"
    events: list[dict] = []
    kwargs = {"logGroupName": group, "startTime": int(since * 1000) - 1}
    try:
        while True:
            page = logs.filter_log_events(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    by_stream: dict[str, list[dict]] = {}
    for event in events:
        by_stream.setdefault(event["logStreamName"], []).append(event)
    invocations = []
    for stream, stream_events in by_stream.items():
        lines: list[str] = []
        started = None
        for event in stream_events:
            message = event["message"].rstrip("\n")
            lines.append(message)
            kind = platform_kind(message)
            if kind == "start":
                started = event["timestamp"] / 1000
            if kind == "report":
                invocation = Invocation.from_log_lines(function_name, lines, environment=stream, started_at=started)
                if invocation is not None:
                    invocations.append(invocation)
                lines, started = [], None
    invocations.sort(key=lambda i: i.started_at or 0)
    return invocations
