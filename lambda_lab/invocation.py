"""What one invocation did, read from what AWS returns: the payload and the log tail's REPORT line.

The same parser serves the local lab and a real account, so the numbers a learner sees locally
are read exactly as they would be from AWS.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator, Sequence

__all__ = ["Report", "parse_report", "platform_kind", "Invocation", "InvocationLog"]

_REPORT = re.compile(r"REPORT RequestId: (?P<request_id>\S+)(?P<fields>(?:\t[^\n]*)?)")
_FIELD = re.compile(r"(?P<name>[A-Za-z ]+): (?P<value>[^\t\n]+)")


@dataclass(frozen=True)
class Report:
    """The fields of one ``REPORT`` line."""

    request_id: str
    duration_ms: float
    billed_ms: int
    memory_mb: int
    max_memory_mb: int
    init_ms: float | None = None
    status: str | None = None
    error_type: str | None = None
    restore_ms: float | None = None         # a SnapStart cold start (Restore Duration)
    billed_restore_ms: int | None = None    # ...and Billed Restore Duration

    @property
    def cold(self) -> bool:
        return self.init_ms is not None or self.restore_ms is not None


def platform_kind(line: str) -> str | None:
    """"start" or "report" for the platform's START/REPORT line in either log format, else None."""
    if line.startswith("START RequestId:"):
        return "start"
    if line.startswith("REPORT RequestId:"):
        return "report"
    if line.startswith('{"time":'):
        event = _platform_event(line)
        if event is not None and event["type"] in ("platform.start", "platform.report"):
            return event["type"].removeprefix("platform.")
    return None


def _platform_event(line: str) -> dict | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if isinstance(event, dict) and isinstance(event.get("record"), dict) and str(event.get("type", "")).startswith("platform."):
        return event
    return None


def _json_report(logs: str, request_id: str | None) -> Report | None:
    """The last ``platform.report`` event (LoggingConfig LogFormat JSON)."""
    found = None
    for line in logs.splitlines():
        if '"platform.report"' not in line:
            continue
        event = _platform_event(line.strip())
        if event is None or event["type"] != "platform.report":
            continue
        if request_id is None or event["record"].get("requestId") == request_id:
            found = event["record"]
    if found is None:
        return None
    metrics = found.get("metrics", {})
    status = found.get("status")
    return Report(
        request_id=found.get("requestId", ""), duration_ms=float(metrics.get("durationMs", 0.0)),
        billed_ms=int(metrics.get("billedDurationMs", 0)), memory_mb=int(metrics.get("memorySizeMB", 0)),
        max_memory_mb=int(metrics.get("maxMemoryUsedMB", 0)),
        init_ms=float(metrics["initDurationMs"]) if "initDurationMs" in metrics else None,
        status=None if status in (None, "success") else status, error_type=found.get("errorType"),
        restore_ms=float(metrics["restoreDurationMs"]) if "restoreDurationMs" in metrics else None,
        billed_restore_ms=int(metrics["billedRestoreDurationMs"]) if "billedRestoreDurationMs" in metrics else None)


def parse_report(logs: str, request_id: str | None = None) -> Report | None:
    """The last REPORT line in ``logs`` (for ``request_id`` when given), or None.

    Reads both log formats: the text ``REPORT RequestId: ...`` line and, for a function with
    ``LoggingConfig`` ``LogFormat: JSON``, the ``platform.report`` event.
    """
    if "REPORT RequestId:" not in logs and '"platform.report"' in logs:
        return _json_report(logs, request_id)
    found = None
    for match in _REPORT.finditer(logs):
        if request_id is None or match["request_id"] == request_id:
            found = match
    if found is None:
        return None
    fields = {m["name"].strip(): m["value"].strip() for m in _FIELD.finditer(found["fields"])}

    def number(name: str, unit: str) -> float | None:
        value = fields.get(name)
        return float(value.removesuffix(unit).strip()) if value else None

    return Report(
        request_id=found["request_id"],
        duration_ms=number("Duration", "ms") or 0.0,
        billed_ms=int(number("Billed Duration", "ms") or 0),
        memory_mb=int(number("Memory Size", "MB") or 0),
        max_memory_mb=int(number("Max Memory Used", "MB") or 0),
        init_ms=number("Init Duration", "ms"),
        status=fields.get("Status"),
        error_type=fields.get("Error Type"),
        restore_ms=number("Restore Duration", "ms"),
        billed_restore_ms=int(number("Billed Restore Duration", "ms")) if "Billed Restore Duration" in fields else None,
    )


@dataclass(frozen=True)
class Invocation:
    """One call to a function: its answer and what the platform measured.

    >>> r = fn.invoke({"name": "Ada"})
    >>> r.payload, r.cold, r.duration_ms, r.billed_ms
    """

    function_name: str
    request_id: str
    payload: Any
    error: dict | None
    function_error: str | None
    cold: bool
    init_ms: float | None
    duration_ms: float
    billed_ms: int
    memory_mb: int
    max_memory_mb: int
    logs: str
    environment: str | None = None
    status_code: int = 200
    executed_version: str | None = None
    started_at: float | None = None
    throttled: bool = False
    #: A SnapStart cold start: the restore (REPORT's Restore Duration) instead of INIT.
    restore_ms: float | None = None
    billed_restore_ms: int | None = None

    @classmethod
    def from_response(cls, function_name: str, response: dict, *, started_at: float | None = None,
                      environment: str | None = None) -> "Invocation":
        """Build from a boto3 ``invoke(..., LogType="Tail")`` response."""
        raw = response["Payload"].read() if hasattr(response.get("Payload"), "read") else response.get("Payload", b"")
        logs = base64.b64decode(response.get("LogResult", "")).decode("utf-8", errors="replace")
        payload = _decode(raw)
        function_error = response.get("FunctionError")
        error = payload if function_error and isinstance(payload, dict) else (
            {"errorMessage": str(payload)} if function_error else None)
        report = parse_report(logs)
        return cls(
            function_name=function_name,
            request_id=report.request_id if report else response.get("ResponseMetadata", {}).get("RequestId", ""),
            payload=payload, error=error, function_error=function_error,
            cold=bool(report and report.cold),
            init_ms=report.init_ms if report else None,
            restore_ms=report.restore_ms if report else None,
            billed_restore_ms=report.billed_restore_ms if report else None,
            duration_ms=report.duration_ms if report else 0.0,
            billed_ms=report.billed_ms if report else 0,
            memory_mb=report.memory_mb if report else 0,
            max_memory_mb=report.max_memory_mb if report else 0,
            logs=logs, environment=environment, status_code=response.get("StatusCode", 200),
            executed_version=response.get("ExecutedVersion"), started_at=started_at)

    @classmethod
    def from_result(cls, result: Any, *, started_at: float | None = None) -> "Invocation":
        """Build from the local Lambda service's own result (``InvocationResult``), as ``from_response``
        builds the same from Invoke's HTTP answer."""
        error = result.error
        return cls(
            function_name=result.function_name, request_id=result.request_id,
            payload=error if error is not None else _decode(result.payload), error=error,
            function_error="Unhandled" if error is not None else None, cold=result.cold, init_ms=result.init_ms,
            duration_ms=result.duration_ms, billed_ms=result.billed_ms, memory_mb=result.memory_mb,
            max_memory_mb=result.max_memory_mb, logs=result.logs, environment=result.log_stream,
            status_code=result.status_code, executed_version=result.version, started_at=started_at,
            restore_ms=result.restore_ms, billed_restore_ms=result.billed_restore_ms)

    @classmethod
    def from_log_lines(cls, function_name: str, lines: list[str], *, environment: str | None = None,
                       started_at: float | None = None) -> "Invocation | None":
        """One invocation read from its CloudWatch log lines (START ... REPORT); the payload is not logged."""
        logs = "\n".join(lines)
        report = parse_report(logs)
        if report is None:
            return None
        error = {"errorType": report.error_type or "Unhandled", "errorMessage": f"Status: {report.status}"} \
            if report.status else _logged_error(lines)
        return cls(function_name=function_name, request_id=report.request_id, payload=None, error=error,
                   function_error="Unhandled" if error else None, cold=report.cold,
                   init_ms=report.init_ms, restore_ms=report.restore_ms, billed_restore_ms=report.billed_restore_ms, duration_ms=report.duration_ms, billed_ms=report.billed_ms,
                   memory_mb=report.memory_mb, max_memory_mb=report.max_memory_mb, logs=logs,
                   environment=environment, started_at=started_at)

    @classmethod
    def throttle(cls, function_name: str, message: str, *, started_at: float | None = None) -> "Invocation":
        """A call Lambda refused with TooManyRequestsException (HTTP 429)."""
        return cls(function_name=function_name, request_id="", payload=None,
                   error={"errorType": "TooManyRequestsException", "errorMessage": message},
                   function_error=None, cold=False, init_ms=None, duration_ms=0.0, billed_ms=0, memory_mb=0,
                   max_memory_mb=0, logs="", status_code=429, started_at=started_at, throttled=True)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.throttled

    def as_row(self) -> dict:
        row = asdict(self)
        row.pop("logs")
        row["payload"] = json.dumps(self.payload)[:200] if self.payload is not None else None
        row["error_type"] = (self.error or {}).get("errorType")
        row.pop("error")
        return row

    def __repr__(self) -> str:
        if self.throttled:
            return f"<Invocation {self.function_name}: throttled (429 TooManyRequestsException)>"
        state = "cold" if self.cold else "warm"
        init = f", init {self.init_ms:.1f} ms" if self.init_ms is not None else ""
        if self.restore_ms is not None:
            init = f", restore {self.restore_ms:.1f} ms"
        outcome = f"error {self.error.get('errorType')}" if self.error else f"payload {_short(self.payload)}"
        return (f"<Invocation {self.function_name} {state}: {outcome}; duration {self.duration_ms:.2f} ms{init}, "
                f"billed {self.billed_ms} ms, memory {self.max_memory_mb}/{self.memory_mb} MB>")

    def _repr_html_(self) -> str:
        badge = ("#b00020", "throttled") if self.throttled else (
            ("#b00020", f"error: {self.error.get('errorType')}") if self.error else
            (("#1565c0", "restored (SnapStart)" if self.restore_ms is not None else "cold start") if self.cold
             else ("#2e7d32", "warm")))
        rows = [("payload", _short(self.payload, 300)), ("duration", f"{self.duration_ms:.2f} ms"),
                ("restore", f"{self.restore_ms:.2f} ms (billed {self.billed_restore_ms} ms)") if self.restore_ms is not None
                else ("init", f"{self.init_ms:.2f} ms" if self.init_ms is not None else "—"),
                ("billed", f"{self.billed_ms} ms"), ("memory", f"{self.max_memory_mb} of {self.memory_mb} MB used"),
                ("request id", self.request_id)]
        if self.error:
            rows.insert(0, ("error", _short(self.error.get("errorMessage"), 300)))
        cells = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(k)}</th>"
                        f"<td style='text-align:left'><code>{html.escape(str(v))}</code></td></tr>" for k, v in rows)
        logs = f"<details><summary>logs</summary><pre>{html.escape(self.logs)}</pre></details>" if self.logs else ""
        return (f"<div><b>{html.escape(self.function_name)}</b> "
                f"<span style='background:{badge[0]};color:white;padding:1px 6px;border-radius:3px'>"
                f"{html.escape(badge[1])}</span><table>{cells}</table>{logs}</div>")


@dataclass
class InvocationLog(Sequence[Invocation]):
    """Every invocation made through a lab, in order; ``.to_dataframe()`` for analysis."""

    _items: list[Invocation] = field(default_factory=list)

    def append(self, invocation: Invocation) -> None:
        self._items.append(invocation)

    def clear(self) -> None:
        self._items.clear()

    def __getitem__(self, index):  # type: ignore[override]
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Invocation]:
        return iter(self._items)

    def for_function(self, name: str) -> list[Invocation]:
        return [i for i in self._items if i.function_name == name]

    def to_dataframe(self):
        """A pandas DataFrame, one row per invocation (pandas comes with the lab's dependencies)."""
        import pandas as pd
        return pd.DataFrame([i.as_row() for i in self._items])

    def __repr__(self) -> str:
        cold = sum(i.cold for i in self._items)
        throttled = sum(i.throttled for i in self._items)
        errors = sum(bool(i.error) and not i.throttled for i in self._items)
        return f"<InvocationLog: {len(self)} invocations, {cold} cold, {errors} errors, {throttled} throttled>"


_PYTHON_ERROR = re.compile(r"^\[ERROR\] (?P<type>[\w.]+): (?P<message>.*)$")
_NODE_ERROR = re.compile(r"\tERROR\tInvoke Error \t(?P<document>\{.*\})$")


def _logged_error(lines: list[str]) -> dict | None:
    """A handler's unhandled error as its runtime logged it (the REPORT line does not say)."""
    for line in lines:
        python = _PYTHON_ERROR.match(line)
        if python:
            return {"errorType": python["type"], "errorMessage": python["message"]}
        node = _NODE_ERROR.search(line)
        if node:
            try:
                document = json.loads(node["document"])
                return {"errorType": document.get("errorType", "Error"), "errorMessage": document.get("errorMessage", "")}
            except ValueError:
                return {"errorType": "Error", "errorMessage": node["document"]}
    return None


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"
