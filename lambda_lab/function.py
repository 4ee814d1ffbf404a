"""A deployed function, as the learner handles it: invoke it, read its logs and metrics, change it."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Iterator

from botocore.exceptions import ClientError

from .errors import LambdaLabError, RequestEntityTooLargeError, from_client_error
from .executions import Execution
from .invocation import Invocation

if TYPE_CHECKING:
    from .lab import Lab

__all__ = ["Function"]

_METRICS = ("Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions")


class Function:
    """A Lambda function in the lab (local or real account).

    >>> fn = lab.deploy("hello", code=SOURCE, handler="app.handler")
    >>> fn.invoke({"name": "Ada"}).payload
    """

    def __init__(self, lab: "Lab", name: str):
        self.lab = lab
        self.name = name

    # -- invoking -------------------------------------------------------------------------

    def invoke(self, event: Any = None, *, qualifier: str | None = None, tenant_id: str | None = None) -> Invocation:
        """Call the function synchronously (RequestResponse) and wait for its answer.

        A handler's error is returned on the Invocation (``.error``), as AWS returns it; a call
        refused for concurrency comes back with ``.throttled`` set. ``tenant_id`` names the tenant
        of a function deployed with ``tenant_isolation=True`` (required there, refused elsewhere).
        https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
        """
        started = self.lab.clock.now()
        params = self._params(event, qualifier, tenant_id, LogType="Tail")
        try:
            response = self.lab._invoke_client.invoke(**params)
        except ClientError as exc:
            invocation = self._refused(exc, started)
        else:
            headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
            invocation = Invocation.from_response(self.name, response, started_at=started,
                                                  environment=headers.get("x-lambda-lab-log-stream"))
        self.lab.invocations.append(invocation)
        return invocation

    def invoke_async(self, event: Any = None, *, qualifier: str | None = None, tenant_id: str | None = None) -> str:
        """Queue an asynchronous call (InvocationType=Event); returns its request id at once (HTTP 202)."""
        params = self._params(event, qualifier, tenant_id, InvocationType="Event")
        try:
            response = self.lab.client("lambda").invoke(**params)
        except ClientError as exc:
            self._refused(exc, self.lab.clock.now(), allow_throttle=False)
            raise  # unreachable: _refused raises for anything but a throttle
        return response["ResponseMetadata"]["RequestId"]

    def stream(self, event: Any = None, *, qualifier: str | None = None,
               tenant_id: str | None = None) -> Iterator[bytes]:
        """Call the function with InvokeWithResponseStream; yields its response as it is written.

        A streaming function (Node.js ``awslambda.streamifyResponse``) sends chunk after chunk; a
        buffered one its whole answer once it ends. A function error raises LambdaLabError after
        the chunks that came before it.
        https://docs.aws.amazon.com/lambda/latest/dg/configuration-response-streaming.html
        """
        params = self._params(event, qualifier, tenant_id)
        try:
            response = self.lab.client("lambda").invoke_with_response_stream(**params)
        except ClientError as exc:
            self._refused(exc, self.lab.clock.now(), allow_throttle=False)
            raise  # unreachable: _refused raises
        for event_ in response["EventStream"]:
            if "PayloadChunk" in event_:
                yield event_["PayloadChunk"]["Payload"]
            elif "InvokeComplete" in event_ and event_["InvokeComplete"].get("ErrorCode"):
                complete = event_["InvokeComplete"]
                raise LambdaLabError(f"{self.name} failed while streaming: {complete['ErrorCode']}: "
                                     f"{complete.get('ErrorDetails', '')}")

    def _params(self, event: Any, qualifier: str | None, tenant_id: str | None, **extra: str) -> dict:
        """An Invoke request's parameters for this function."""
        params = {"FunctionName": self.name, "Payload": _payload(event), **extra}
        if qualifier:
            params["Qualifier"] = qualifier
        if tenant_id is not None:
            params["TenantId"] = tenant_id
        return params

    def _refused(self, exc: ClientError, started: float, allow_throttle: bool = True) -> Invocation:
        code = exc.response.get("Error", {}).get("Code", "")
        message = exc.response.get("Error", {}).get("Message", str(exc))
        if code == "TooManyRequestsException" and allow_throttle:
            return Invocation.throttle(self.name, message, started_at=started)
        if code == "RequestEntityTooLargeException":
            raise RequestEntityTooLargeError(f"{message}. Put large data in S3 and pass its key in the event.") from None
        raise from_client_error(exc, f"Lambda refused the call to {self.name!r}") from None

    # -- durable functions ----------------------------------------------------------------

    def start_execution(self, event: Any = None, *, name: str | None = None,
                        qualifier: str = "$LATEST") -> "Execution":
        """Start a durable execution (an asynchronous Invoke); returns it at once.

        ``name`` is AWS's DurableExecutionName: starting twice with the same name and input gives
        the same execution (idempotent starts). The function must be durable
        (``lab.deploy(..., durable=True)``). https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html
        """
        params = {"FunctionName": self.name, "Qualifier": qualifier, "Payload": _payload(event),
                  "InvocationType": "Event"}
        if name:
            params["DurableExecutionName"] = name
        try:
            response = self.lab.client("lambda").invoke(**params)
        except ClientError as exc:
            self._refused(exc, self.lab.clock.now(), allow_throttle=False)
            raise
        arn = response.get("DurableExecutionArn")
        if not arn:
            raise LambdaLabError(f"{self.name!r} is not a durable function, so invoking it started no durable "
                                 "execution: deploy it with lab.deploy(..., durable=True).")
        return Execution(self.lab, arn)

    def durable_executions(self, *, status: str | None = None) -> list["Execution"]:
        """This function's durable executions, newest first (ListDurableExecutionsByFunction)."""
        lam = self.lab.client("lambda")
        params: dict = {"FunctionName": self.name, **({"Statuses": [status]} if status else {})}
        found = []
        while True:
            page = lam.list_durable_executions_by_function(**params)
            found += [Execution(self.lab, e["DurableExecutionArn"]) for e in page.get("DurableExecutions", [])]
            if not page.get("NextMarker"):
                return found
            params["Marker"] = page["NextMarker"]

    @property
    def durable(self) -> bool:
        """Whether the function has a DurableConfig."""
        return "DurableConfig" in self.configuration

    # -- what it did ----------------------------------------------------------------------

    def logs(self, *, minutes: float = 60, limit: int = 1000) -> str:
        """The function's CloudWatch Logs from the last ``minutes``, oldest first, as one text."""
        logs = self.lab.client("logs")
        start = int((time.time() - minutes * 60) * 1000)
        group = self.configuration.get("LoggingConfig", {}).get("LogGroup") or f"/aws/lambda/{self.name}"
        params = {"logGroupName": group, "startTime": start}
        events: list[dict] = []
        try:
            while True:  # CloudWatch answers in pages (10,000 events at most each)
                page = logs.filter_log_events(**params)
                events += page["events"]
                if not page.get("nextToken") or not page["events"]:
                    break
                params["nextToken"] = page["nextToken"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                return ""  # never invoked: no log group yet
            raise
        events.sort(key=lambda e: (e["timestamp"], e.get("ingestionTime", 0)))
        return "\n".join(e["message"].rstrip("\n") for e in events[-limit:])

    def metrics(self, *, minutes: float = 60) -> dict[str, float]:
        """Totals from the ``AWS/Lambda`` metrics over the last ``minutes``.

        ``Invocations``, ``Errors``, ``Throttles`` are sums; ``Duration`` is the average in ms;
        ``ConcurrentExecutions`` the maximum.
        """
        cloudwatch = self.lab.client("cloudwatch")
        end = datetime.now(timezone.utc) + timedelta(minutes=1)
        start = end - timedelta(minutes=minutes + 1)
        statistic = {"Duration": "Average", "ConcurrentExecutions": "Maximum"}
        result = {}
        for metric in _METRICS:
            stat = statistic.get(metric, "Sum")
            points = cloudwatch.get_metric_statistics(
                Namespace="AWS/Lambda", MetricName=metric, StartTime=start, EndTime=end,
                Period=max(60, int(minutes * 60) // 60 * 60 + 120), Statistics=[stat],
                Dimensions=[{"Name": "FunctionName", "Value": self.name}])["Datapoints"]
            values = [p[stat] for p in points]
            if stat == "Sum":
                result[metric] = float(sum(values))
            elif stat == "Maximum":
                result[metric] = float(max(values, default=0.0))
            else:
                result[metric] = float(sum(values) / len(values)) if values else 0.0
        return result

    @property
    def configuration(self) -> dict:
        """What GetFunctionConfiguration says about the function now."""
        config = self.lab.client("lambda").get_function_configuration(FunctionName=self.name)
        config.pop("ResponseMetadata", None)
        return config

    # -- changing it ----------------------------------------------------------------------

    def update(self, **changes) -> "Function":
        """Change code or configuration (same arguments as ``lab.deploy``); running environments retire."""
        return self.lab.deploy(self.name, **{**self.lab._deployed_args.get(self.name, {}), **changes})

    def publish_version(self, description: str = "") -> str:
        """Publish $LATEST as a new version and return its number.

        With SnapStart this is when INIT runs and the snapshot is taken; a version whose INIT failed
        is ``Failed`` and cannot be invoked, so this raises, with Lambda's reason. On a real account,
        where the version is ``Pending`` while Lambda takes the snapshot, it waits until it is ready.
        """
        lam = self.lab.client("lambda")
        answer = lam.publish_version(FunctionName=self.name, Description=description)
        if answer.get("State") == "Pending":   # a real account takes the snapshot in the background
            try:
                lam.get_waiter("published_version_active").wait(FunctionName=self.name, Qualifier=answer["Version"])
            except Exception:  # noqa: BLE001 - the state below says what happened
                pass
            answer = lam.get_function_configuration(FunctionName=self.name, Qualifier=answer["Version"])
        if answer.get("State") == "Failed":
            raise LambdaLabError(
                f"Version {answer['Version']} of {self.name!r} is Failed ({answer.get('StateReasonCode')}): "
                f"{answer.get('StateReason')}. Its INIT log is in CloudWatch; fix the code, deploy, and publish again.")
        return answer["Version"]

    def set_scaling(self, minimum: int, maximum: int | None = None, *, qualifier: str = "$LATEST.PUBLISHED") -> dict:
        """Lambda Managed Instances: how many execution environments a published version keeps
        (FunctionScalingConfig; AWS starts 3 by default). Returns the applied configuration.
        https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html"""
        lam = self.lab.client("lambda")
        scaling = {"MinExecutionEnvironments": minimum, "MaxExecutionEnvironments": minimum if maximum is None else maximum}
        try:
            lam.put_function_scaling_config(FunctionName=self.name, Qualifier=qualifier, FunctionScalingConfig=scaling)
            answer = lam.get_function_scaling_config(FunctionName=self.name, Qualifier=qualifier)
        except ClientError as exc:
            raise from_client_error(exc, f"Could not scale {self.name!r}") from None
        return answer.get("AppliedFunctionScalingConfig", {})

    def set_reserved_concurrency(self, count: int | None) -> None:
        """Reserve ``count`` concurrent executions for this function (None removes the reservation)."""
        lam = self.lab.client("lambda")
        if count is None:
            lam.delete_function_concurrency(FunctionName=self.name)
        else:
            lam.put_function_concurrency(FunctionName=self.name, ReservedConcurrentExecutions=count)

    def set_provisioned_concurrency(self, count: int, *, qualifier: str) -> dict:
        """Keep ``count`` environments initialised for a version or alias (not $LATEST)."""
        lam = self.lab.client("lambda")
        lam.put_provisioned_concurrency_config(FunctionName=self.name, Qualifier=qualifier,
                                               ProvisionedConcurrentExecutions=count)
        return lam.get_provisioned_concurrency_config(FunctionName=self.name, Qualifier=qualifier)

    def delete(self) -> None:
        self.lab.client("lambda").delete_function(FunctionName=self.name)
        self.lab._deployed_args.pop(self.name, None)

    def __repr__(self) -> str:
        return f"<Function {self.name} ({self.lab.backend.kind})>"


def _payload(event: Any) -> bytes:
    if event is None:
        return b"{}"
    if isinstance(event, bytes):
        return event
    try:
        return json.dumps(event).encode()
    except TypeError as exc:
        raise LambdaLabError(f"The event must be JSON-serialisable (a dict, list, str, number): {exc}") from None
