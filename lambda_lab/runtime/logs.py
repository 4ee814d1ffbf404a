"""The platform's own log lines, exactly as AWS writes them around a handler's output.

https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
``REPORT`` fields are tab-separated; ``Init Duration`` appears only on a cold start. Since
2025-08-01 AWS bills the INIT phase of on-demand ZIP functions, so ``Billed Duration`` includes it.

With ``LoggingConfig`` ``LogFormat: JSON`` the same facts are written as one JSON object per line
in the Telemetry API's schema, ``{"time", "type": "platform.start", "record": {...}}``
(https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html): the lab writes
``platform.initStart``, ``platform.start``, ``platform.runtimeDone`` (where END stood) and
``platform.report``; ``platform.initReport`` when INIT fails.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime, timezone

__all__ = [
    "billed_ms", "init_start_line", "restore_report_line", "start_line", "end_line", "report_line", "init_report_line", "timeout_line",
    "log_stream_name", "iso_timestamp", "platform_event", "json_status",
]


def billed_ms(duration_ms: float, init_ms: float | None = None) -> int:
    """Billed duration: handler time plus INIT on a cold start, rounded up to the next 1 ms."""
    return max(1, math.ceil(round(duration_ms + (init_ms or 0.0), 6)))


def init_start_line(runtime: str, region: str, phase: str = "INIT") -> str:
    """The line AWS writes when an environment starts (``INIT_START Runtime Version: python:3.12.v38 ...``).

    The runtime version names the lab's own build (``.lambda-lab``), not an AWS release. A SnapStart
    restore starts with ``RESTORE_START`` instead (``phase="RESTORE"``).
    """
    family = next((f for f in ("python", "nodejs", "provided.") if runtime.startswith(f)), "")
    name = f"{family.rstrip('.')}:{runtime[len(family):].removesuffix('.x')}" if family else runtime
    digest = hashlib.sha256(runtime.encode()).hexdigest()
    return (f"{phase}_START Runtime Version: {name}.lambda-lab\t"
            f"Runtime Version ARN: arn:aws:lambda:{region}::runtime:{digest}")


def runtime_version(runtime: str, region: str) -> tuple[str, str]:
    """(``python:3.12.lambda-lab``, its ARN), as INIT_START names them."""
    line = init_start_line(runtime, region)
    name = line.split("Runtime Version: ", 1)[1].split("\t", 1)[0]
    return name, line.rsplit("Runtime Version ARN: ", 1)[1]


def platform_event(event_type: str, record: dict, epoch_s: float) -> str:
    """One system log event as LogFormat JSON writes it, on one line."""
    return json.dumps({"time": iso_timestamp(epoch_s), "type": event_type, "record": record},
                      separators=(",", ":"))


def json_status(status: str | None, errored: bool) -> str:
    """platform.report's status: success, error or timeout (REPORT's ``Status:`` names the last two)."""
    if status is not None:
        return status
    return "error" if errored else "success"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(request_id: str, *, duration_ms: float, billed: int, memory_mb: int,
                max_memory_mb: int, init_ms: float | None = None, status: str | None = None,
                error_type: str | None = None, restore_ms: float | None = None,
                billed_restore_ms: int | None = None) -> str:
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max_memory_mb} MB",
    ]
    if init_ms is not None:
        fields.append(f"Init Duration: {init_ms:.2f} ms")
    if restore_ms is not None:   # a SnapStart cold start (snapstart-monitoring.html)
        fields.append(f"Restore Duration: {restore_ms:.2f} ms")
        fields.append(f"Billed Restore Duration: {billed_restore_ms} ms")
    if status is not None:  # AWS adds these only when the invocation did not end normally
        fields.append(f"Status: {status}")
        if error_type:
            fields.append(f"Error Type: {error_type}")
    return "\t".join(fields) + "\t"  # AWS ends the REPORT line with a tab


def init_report_line(init_ms: float, *, phase: str, status: str, error_type: str | None = None) -> str:
    fields = [f"INIT_REPORT Init Duration: {init_ms:.2f} ms", f"Phase: {phase}", f"Status: {status}"]
    if error_type:
        fields.append(f"Error Type: {error_type}")
    return "\t".join(fields)


def restore_report_line(restore_ms: float) -> str:
    """What a SnapStart restore ends with, before the invocation's START."""
    return f"RESTORE_REPORT Restore Duration: {restore_ms:.2f} ms"


def iso_timestamp(epoch_s: float) -> str:
    """``2026-11-26T14:30:00.123Z``, the form AWS uses in the timeout message."""
    moment = datetime.fromtimestamp(epoch_s, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def timeout_line(epoch_s: float, request_id: str, timeout_s: float) -> str:
    return f"{iso_timestamp(epoch_s)} {request_id} Task timed out after {timeout_s:.2f} seconds"


def log_stream_name(epoch_s: float, version: str, environment_id: str) -> str:
    """``2026/11/26/[$LATEST]<32 hex>``: one stream per execution environment."""
    day = datetime.fromtimestamp(epoch_s, tz=timezone.utc).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{environment_id}"
