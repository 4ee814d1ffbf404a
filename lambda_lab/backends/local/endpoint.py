"""The local lab as one AWS-compatible HTTP endpoint: moto's control plane, our Lambda data plane.

    endpoint = LocalEndpoint()        # moto + the Lambda service, on a free loopback port
    endpoint.url                      # http://127.0.0.1:<port>, for boto3, the AWS CLI, handlers
    endpoint.close()

moto's state lives in process-wide backends, so one endpoint runs per process at a time; starting
a second closes the first (a notebook cell run twice must not fail).
"""

from __future__ import annotations

import json
import os
import threading
import warnings

import boto3
from moto.core.models import default_user_config
from moto.events.models import events_backends
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.scheduler.models import scheduler_backends
from werkzeug.serving import make_server

from ...clock import Clock, LabClock
from ...durable import DurableExecutionService
from ...errors import ServiceClosedError
from ...runtime import LambdaService
from ...runtime.pool import DEFAULT_KEEP_ALIVE_S
from .async_invoke import AsyncEvent, AsyncInvoker
from .bridge import MotoLambdaBridge
from .cloudwatch import CloudWatchWriter
from .durable_api import DurableApiMiddleware
from .http_front import URL_PREFIX, HttpFront, api_url
from .lambda_api import LambdaApiMiddleware
from .logging_config import LoggingConfigMiddleware
from .managed_instances_api import ManagedInstancesMiddleware
from .recursion import TraceHeaderMiddleware
from .scheduler import LabScheduler, SchedulerSchedule
from .sqs_poller import SqsEventSourcePollers
from .triggers import TriggerRouter

__all__ = ["LocalEndpoint", "ACCOUNT_ID", "LOCAL_CREDENTIALS", "DEFAULT_ROLE_NAME"]

ACCOUNT_ID = "123456789012"           # moto's default account
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
DEFAULT_ROLE_NAME = "lambda-role"     # created up front, so AWS's CLI tutorial runs as written
# What AWS's managed AWSLambdaBasicExecutionRole grants (moto does not load managed policies).
_BASIC_EXECUTION = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
     "Resource": "*"}]}
_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

_current: "LocalEndpoint | None" = None
_current_lock = threading.RLock()  # close() of the previous endpoint takes it again


class _QuietRequestHandler(MotoRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass  # one line per AWS call would drown a notebook's output


class _LateApp:
    """The server is bound before the app exists (the app needs the server's port)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def create_default_role(iam) -> None:
    """The execution role every local function may use, as AWS's CLI tutorial expects it to exist."""
    iam.create_role(RoleName=DEFAULT_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(_TRUST),
                    Description="Execution role for the local lab's functions")
    iam.put_role_policy(RoleName=DEFAULT_ROLE_NAME, PolicyName="AWSLambdaBasicExecutionRole",
                        PolicyDocument=json.dumps(_BASIC_EXECUTION))


class LocalEndpoint:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, region: str = "us-east-1",
                 concurrency_limit: int = 10, keep_alive_s: float = DEFAULT_KEEP_ALIVE_S,
                 clock: Clock | None = None):
        global _current
        with _current_lock:
            if _current is not None:
                warnings.warn("A local lab was already running in this process; it has been closed "
                              "(one local lab runs per kernel).", stacklevel=3)
                _current.close()
            moto_api_backend.reset()  # a fresh account: no leftovers from an earlier lab
            _current = self
        self.region = region
        self.clock = clock or LabClock()
        self._closed = False
        late = _LateApp()
        self._server = make_server(host, port, late, threaded=True, request_handler=_QuietRequestHandler)
        self.url = f"http://{host}:{self._server.server_port}"
        # moto's Step Functions interpreter runs Task states (Lambda invokes) against MOTO_PORT.
        default_user_config["stepfunctions"]["execute_state_machine"] = True
        os.environ["MOTO_PORT"] = str(self._server.server_port)
        self.service = LambdaService(region=region, account_id=ACCOUNT_ID, concurrency_limit=concurrency_limit,
                                     keep_alive_s=keep_alive_s, clock=self.clock, endpoint_url=self.url)
        self.bridge = MotoLambdaBridge(self.service, account_id=ACCOUNT_ID, region=region)
        self.cloudwatch = CloudWatchWriter(self.service, account_id=ACCOUNT_ID, region=region)
        self.bridge.on_invocation.append(self.cloudwatch.invocation)
        self.bridge.on_throttle.append(self.cloudwatch.throttle)
        self.bridge.on_recursion_stop.append(self.cloudwatch.recursion_stopped)
        self.bridge.on_snapshot.append(self.cloudwatch.snapshot)
        self.invoker = AsyncInvoker(run=self._run_async, settings=self._async_settings, deliver=self._deliver,
                                    clock=self.clock)
        self.api = LambdaApiMiddleware(DomainDispatcherApplication(create_backend_app),
                                       bridge=self.bridge, invoker=self.invoker)
        # Durable functions: the execution service runs each invocation through the bridge, on the lab clock.
        self.durable = DurableExecutionService(resolve=lambda name, qualifier: self.durable_api.resolve(name, qualifier),
                                               run=lambda target, payload: self.durable_api.run(target, payload),
                                               clock=self.clock)
        self.logging_config = LoggingConfigMiddleware(self.api, bridge=self.bridge)
        self.managed_instances = ManagedInstancesMiddleware(self.logging_config, bridge=self.bridge,
                                                            account_id=ACCOUNT_ID, region=region)
        self.durable_api = DurableApiMiddleware(self.managed_instances, service=self.durable, bridge=self.bridge)
        self.http = HttpFront(self.durable_api, bridge=self.bridge, account_id=ACCOUNT_ID, region=region,
                              credentials=LOCAL_CREDENTIALS)
        late.app = TraceHeaderMiddleware(self.http)   # each request's X-Amzn-Trace-Id: recursion.py
        self.bridge.install()
        self.triggers = TriggerRouter(bridge=self.bridge, invoker=self.invoker, region=region, account_id=ACCOUNT_ID)
        self.bridge.on_stream = self.triggers.stream_batch
        self.triggers.install()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="lambda-lab-endpoint", daemon=True)
        self._thread.start()
        self._create_default_role()
        self.sqs_pollers = SqsEventSourcePollers(bridge=self.bridge, sqs_client=self.client("sqs"), region=region)
        self.scheduler = LabScheduler(rules=self._scheduled_rules, fire=lambda rule, event: rule.send_to_targets(event),
                                      clock=self.clock, account_id=ACCOUNT_ID, region=region)

    # -- clients --------------------------------------------------------------------------

    def session(self) -> boto3.Session:
        return boto3.Session(region_name=self.region, **LOCAL_CREDENTIALS)

    def client(self, service: str, **kwargs):
        if self._closed:
            raise ServiceClosedError("This local lab is closed; start a new one with Lab.local().")
        return self.session().client(service, endpoint_url=self.url, **kwargs)

    def api_url(self, api_id: str, stage: str | None = None) -> str:
        """Where an API Gateway API answers locally (``stage`` for a REST API; none for $default)."""
        return api_url(self.url, api_id, stage)

    def function_url(self, aws_url: str) -> str:
        """The local address of a function URL (``https://<id>.lambda-url.<region>.on.aws/``)."""
        url_id = aws_url.split("//", 1)[-1].split(".", 1)[0]
        return f"{self.url}{URL_PREFIX}{url_id}/"

    @property
    def default_role_arn(self) -> str:
        return f"arn:aws:iam::{ACCOUNT_ID}:role/{DEFAULT_ROLE_NAME}"

    def _create_default_role(self) -> None:
        create_default_role(self.client("iam"))

    def _scheduled_rules(self) -> list:
        backend = events_backends[ACCOUNT_ID][self.region]
        rules: list = [rule for bus in list(backend.event_buses.values()) for rule in list(bus.rules.values())]
        groups = list(scheduler_backends[ACCOUNT_ID][self.region].schedule_groups.values())
        return rules + [SchedulerSchedule(s, self.triggers.invoke_async)
                        for group in groups for s in list(group.schedules.values())]

    # -- asynchronous invocations -----------------------------------------------------------

    def _run_async(self, event: AsyncEvent):
        fn = self.bridge.resolve(event.name, event.qualifier)
        return self.bridge.invoke(fn, event.payload, asynchronous=True, trace_header=event.trace_header,
                                  tenant_id=event.tenant_id)

    def _async_settings(self, event: AsyncEvent) -> dict:
        settings: dict = {}
        try:
            config = self.bridge.backend.get_function_event_invoke_config(event.name)
            settings.update(config)
        except Exception:  # noqa: BLE001 - no event invoke config: AWS's defaults apply
            pass
        target = self.api.dead_letter_targets.get(event.name)
        if target:
            settings["DeadLetterTargetArn"] = target
        return settings

    def _deliver(self, arn: str, record: dict, event: AsyncEvent, dead_letter: bool) -> None:
        """Send a destination record (or, for a dead-letter queue, the event) to SQS/SNS/Lambda/EventBridge.

        The delivery stays in the event's chain of requests: AWS warns that a destination which
        triggers the function again makes "another recursive loop and this loop will also be
        terminated" (invocation-recursion.html).
        """
        service = arn.split(":")[2]
        error = (event.last_result.error or {}) if event.last_result else {}
        message = event.payload.decode("utf-8", errors="replace") if dead_letter else json.dumps(record)
        attributes = {"RequestID": {"DataType": "String", "StringValue": event.request_id},
                      "ErrorCode": {"DataType": "String", "StringValue": "200"},
                      "ErrorMessage": {"DataType": "String", "StringValue": str(error.get("errorMessage", ""))[:256]}}
        if service == "sqs":
            sqs = self._client_in_chain("sqs", event.trace_header)
            url = sqs.get_queue_url(QueueName=arn.split(":")[5], QueueOwnerAWSAccountId=arn.split(":")[4])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=message, **({"MessageAttributes": attributes} if dead_letter else {}))
        elif service == "sns":
            sns = self._client_in_chain("sns", event.trace_header)
            sns.publish(TopicArn=arn, Message=message, **({"MessageAttributes": attributes} if dead_letter else {}))
        elif service == "lambda":
            lam = self._client_in_chain("lambda", event.trace_header)
            lam.invoke(FunctionName=arn, InvocationType="Event", Payload=message.encode())
        elif service == "events":
            outcome = "Success" if record.get("requestContext", {}).get("condition") == "Success" else "Failure"
            self.client("events").put_events(Entries=[{
                "EventBusName": arn, "Source": "lambda", "Detail": message,
                "DetailType": f"Lambda Function Invocation Result - {outcome}"}])

    def _client_in_chain(self, service: str, trace_header: str | None):
        """A client whose calls carry ``trace_header`` as a handler's SDK would send it."""
        client = self.client(service)
        if trace_header:
            def add_header(request, **kwargs):
                request.headers["X-Amzn-Trace-Id"] = trace_header
            client.meta.events.register("before-sign", add_header)
        return client

    # -- lifecycle ------------------------------------------------------------------------

    def reset(self) -> list[str]:
        """A fresh account with the endpoint still running: every resource gone, every environment ended."""
        deleted = [self.service._arn(name) for name in self.service.function_names()]
        for name in self.service.function_names():
            self.service.delete_function_if_present(name)
        with _current_lock:
            moto_api_backend.reset()
        self.api.reset()
        self.durable_api.reset()
        self.managed_instances.reset()
        self.sqs_pollers.reconcile()   # their event source mappings are gone: the pollers stop
        self._create_default_role()
        return deleted

    def close(self) -> None:
        global _current
        if self._closed:
            return
        self._closed = True
        self.scheduler.close()
        self.sqs_pollers.close()
        self.triggers.uninstall()
        self.bridge.uninstall()
        self.invoker.close()
        self.durable.close()
        self._server.shutdown()
        self._server.server_close()
        self.service.close()
        with _current_lock:
            if _current is self:
                _current = None

    def __enter__(self) -> "LocalEndpoint":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
