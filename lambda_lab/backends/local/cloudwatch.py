"""Each invocation's logs and metrics, written where AWS writes them.

Logs go to CloudWatch Logs group ``/aws/lambda/<name>``, one stream per execution environment;
metrics to namespace ``AWS/Lambda`` by ``FunctionName`` (and ``Resource`` for a version).
Written straight into moto's backends (same process), so boto3's ``filter_log_events`` and
``get_metric_statistics`` read them back as from AWS.
"""

from __future__ import annotations

import threading
import time

from moto.cloudwatch.models import cloudwatch_backends
from moto.logs.models import logs_backends

from ...runtime import InvocationResult, LambdaService
from .bridge import logging_config_of

__all__ = ["CloudWatchWriter"]


class CloudWatchWriter:
    def __init__(self, service: LambdaService, *, account_id: str, region: str):
        self._service = service
        self._account_id = account_id
        self._region = region
        self._lock = threading.Lock()

    @property
    def _logs(self):
        return logs_backends[self._account_id][self._region]

    @property
    def _metrics(self):
        return cloudwatch_backends[self._account_id][self._region]

    def invocation(self, result: InvocationResult, fn) -> None:
        self._write_logs(result)
        dimensions = self._dimensions(result.function_name, result.version)
        data = [
            ("Invocations", 1.0, "Count"),
            ("Duration", result.duration_ms, "Milliseconds"),
            ("Errors", 1.0 if result.error is not None else 0.0, "Count"),
            # +1: this invocation itself is still counted as running when it reports.
            ("ConcurrentExecutions", float(self._service.ledger.in_use(result.function_name) + 1), "Count"),
        ]
        self._put(dimensions, data)

    def throttle(self, fn) -> None:
        self._put(self._dimensions(fn.function_name, str(fn.version)), [("Throttles", 1.0, "Count")])

    def recursion_stopped(self, fn) -> None:
        # "Lambda emits this metric as soon as it stops a recursive invocation"; the function did not
        # run, so there is no Invocations datum and no log line (AWS documents none).
        # https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html#invocation-recursion-cloudwatch
        self._put(self._dimensions(fn.function_name, str(fn.version)), [("RecursiveInvocationsDropped", 1.0, "Count")])

    def snapshot(self, fn, init) -> None:
        """A SnapStart version's INIT, run at PublishVersion: INIT_START .. INIT_REPORT in a stream of its own."""
        group = logging_config_of(fn)["LogGroup"]
        self._write(group, init.log_stream, init.log_lines(fn.run_time, self._region))

    def _write_logs(self, result: InvocationResult) -> None:
        group = result.log_group or f"/aws/lambda/{result.function_name}"
        self._write(group, result.log_stream, result.logs.rstrip("\n").split("\n"))

    def _write(self, group: str, stream: str, lines: list[str]) -> None:
        now_ms = int(time.time() * 1000)
        events = [{"timestamp": now_ms, "message": line} for line in lines]
        with self._lock:
            backend = self._logs
            backend.ensure_log_group(group)
            if stream not in backend.groups[group].streams:
                backend.create_log_stream(group, stream)
            backend.put_log_events(group, stream, events)

    @staticmethod
    def _dimensions(name: str, version: str) -> list[list[dict]]:
        sets = [[{"Name": "FunctionName", "Value": name}]]
        if version != "$LATEST":
            sets.append([{"Name": "FunctionName", "Value": name}, {"Name": "Resource", "Value": f"{name}:{version}"}])
        return sets

    def _put(self, dimension_sets: list[list[dict]], data: list[tuple[str, float, str]]) -> None:
        # No Timestamp: moto stamps the datum with its own (naive UTC) clock, as AWS stamps on receipt.
        metric_data = [{"MetricName": name, "Value": value, "Unit": unit, "Dimensions": dimensions}
                       for dimensions in dimension_sets for name, value, unit in data]
        with self._lock:
            self._metrics.put_metric_data("AWS/Lambda", metric_data)
