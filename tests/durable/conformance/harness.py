"""Runs AWS's durable execution conformance requirements against the local lab.

The requirements (``aws-durable-execution-conformance-tests``, AWS's language-neutral YAML files)
give an input, the expected result and the expected GetDurableExecutionHistory. For each one a
handler written from its prose lives in ``handlers/<suite>/h<id>.py``. This harness deploys it
to the lab as AWS's runner deploys it to an account (a durable python3.13 function, invoked
with ``Qualifier="$LATEST"``), then judges the execution with the package's own code: its
``EventHistoryMatcher`` (wildcards, ``${ID}`` binders, regexes), its result check, its
``PollingValidator`` for asynchronous requirements (callbacks sent as it sends them) and its
``CloudWatchLogValidator`` for expected log lines.

Two harness choices, neither a change to what is judged: the validator polls every 0.25 s
instead of 2 s (a requirement's ``AsyncConfig`` still wins), and log events are read from the
lab's CloudWatch Logs and filtered by execution ARN here (the package asks CloudWatch for a JSON
filter pattern, which moto does not implement).
"""

from __future__ import annotations

import ast
import io
import json
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_durable_execution_conformance_tests import validate
from aws_durable_execution_conformance_tests.callback import CallbackAction
from aws_durable_execution_conformance_tests.cloudwatch import CloudWatchLogValidator
from aws_durable_execution_conformance_tests.config import TESTS_DIR
from aws_durable_execution_conformance_tests.history import EventHistoryMatcher, load_yaml_file
from aws_durable_execution_conformance_tests.variables import PlaceholderContext
from botocore.config import Config

HANDLERS = Path(__file__).parent / "handlers"
SUITES = ("step", "wait", "callback", "child", "invoke", "parallel", "map", "wait_for_condition",
          "wait_for_callback", "plugin")
POLL_INTERVAL_S = 0.25
LONG_CALLS = Config(read_timeout=900, retries={"max_attempts": 0})


def requirement_ids() -> list[tuple[str, str]]:
    """Every requirement the installed package holds, as (suite, id), in the package's order."""
    found = []
    for suite in SUITES:
        for path in (Path(TESTS_DIR) / suite).glob("*.yaml"):
            found.append((suite, path.stem))
    return sorted(found, key=lambda s: [int(n) for n in s[1].split("-")])


def requirement(suite: str, rid: str) -> dict:
    return load_yaml_file(str(Path(TESTS_DIR) / suite / f"{rid}.yaml"))


@dataclass
class HandlerFile:
    path: Path
    source: str
    constants: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> "HandlerFile":
        source = path.read_text()
        constants = {}
        for node in ast.parse(source).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                if name in ("FUNCTION_TIMEOUT", "EXECUTION_TIMEOUT", "TARGETS", "MEMORY_MB"):
                    constants[name] = ast.literal_eval(node.value)
        return cls(path, source, constants)


def handler_path(suite: str, rid: str) -> Path:
    return HANDLERS / suite / f"h{rid.replace('-', '_')}.py"


@dataclass
class Outcome:
    suite: str
    rid: str
    passed: bool
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    history: list = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.rid} ({self.suite}): " + ("PASS" if self.passed else "FAIL: " + "; ".join(self.errors)[:2000])


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def _function_name(rid: str, stem: str | None = None) -> str:
    return f"conf-{(stem or 'h' + rid).replace('_', '-')}"[:64]


class ConformanceRun:
    """Deploys and judges one requirement on a lab."""

    def __init__(self, lab, suite: str, rid: str):
        self.lab, self.suite, self.rid = lab, suite, rid
        self.lam = lab.client("lambda", config=LONG_CALLS)
        self.logs = lab.client("logs")
        self.deployed: list[str] = []

    def deploy(self, handler: HandlerFile, name: str, durable: bool = True) -> None:
        env = {}
        for variable, (stem, target_durable) in (handler.constants.get("TARGETS") or {}).items():
            target_name = _function_name(self.rid, stem)
            self.deploy(HandlerFile.load(handler.path.parent / f"{stem}.py"), target_name, target_durable)
            env[variable] = f"{target_name}:$LATEST" if target_durable else target_name
        spec = dict(FunctionName=name, Runtime="python3.13", Handler="app.handler",
                    Role=self.lab.backend.execution_role_arn(), Code={"ZipFile": _zip(handler.source)},
                    Timeout=int(handler.constants.get("FUNCTION_TIMEOUT", 30)),
                    MemorySize=int(handler.constants.get("MEMORY_MB", 1024)),
                    Environment={"Variables": env}, LoggingConfig={"LogFormat": "JSON"})
        if durable:
            spec["DurableConfig"] = {"ExecutionTimeout": int(handler.constants.get("EXECUTION_TIMEOUT", 300)),
                                     "RetentionPeriodInDays": 1}
        self.lam.create_function(**spec)
        self.deployed.append(name)

    def cleanup(self) -> None:
        for name in reversed(self.deployed):
            try:
                self.lam.delete_function(FunctionName=name)
            except Exception:  # noqa: BLE001 - best effort
                pass

    def run(self) -> Outcome:
        started = time.monotonic()
        outcome = Outcome(self.suite, self.rid, False)
        path = handler_path(self.suite, self.rid)
        if not path.exists():
            outcome.errors.append(f"no handler written ({path.relative_to(HANDLERS.parent)})")
            return outcome
        data = requirement(self.suite, self.rid)
        name = _function_name(self.rid)
        try:
            self.deploy(HandlerFile.load(path), name)
            outcome.errors, arn, outcome.history = self._judge(data, name)
            outcome.passed = not outcome.errors
        except Exception as exc:  # noqa: BLE001 - one requirement's failure must not stop the others
            outcome.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            self.cleanup()
            outcome.seconds = time.monotonic() - started
        return outcome

    def _judge(self, data: dict, name: str) -> tuple[list[str], str | None, list]:
        context = PlaceholderContext()
        context.resolve_variables(data.get("Variables"))
        payload = json.dumps(context.substitute(data.get("Input"))).encode()
        asynchronous = bool(data.get("AsyncInvoke", False))
        start_ms = int(time.time() * 1000)
        response = self.lam.invoke(FunctionName=name, Qualifier="$LATEST", Payload=payload,
                                   InvocationType="Event" if asynchronous else "RequestResponse")
        response.get("Payload") and response["Payload"].read()
        arn = response.get("DurableExecutionArn")
        if not arn:
            return ["No DurableExecutionArn in invocation response"], None, []
        expected_events = data.get("ExpectedExecutionHistory") or []
        if asynchronous:
            config = validate.AsyncValidationConfig.from_dict(
                {"PollIntervalSeconds": POLL_INTERVAL_S, **(data.get("AsyncConfig") or {})})
            actions = [CallbackAction.from_dict(raw) for raw in data.get("CallbackActions", [])]
            result = validate.PollingValidator(lambda_client=self.lam, config=config, context=context).validate(
                execution_arn=arn, expected_events=expected_events, expected_result=data.get("ExpectedResult"),
                callback_actions=actions)
            errors = list(result.errors)
        else:
            history = validate.get_execution_history(arn, self.lam) or {}
            match = EventHistoryMatcher(context=context).match(expected_events, history.get("Events", []))
            errors = list(match.errors)
            if not errors and data.get("ExpectedResult"):
                errors = validate._validate_execution_result(execution_arn=arn, expected_result=data["ExpectedResult"],
                                                             context=context, lambda_client=self.lam)
        if not errors and data.get("ExpectedLogs"):
            errors = self._check_logs(data["ExpectedLogs"], name, arn, start_ms, context)
        history = validate.get_execution_history(arn, self.lam) or {}
        return errors, arn, history.get("Events", [])

    def _check_logs(self, expected: list, name: str, arn: str, start_ms: int, context: PlaceholderContext) -> list[str]:
        events: list[dict] = []
        kwargs = {"logGroupName": f"/aws/lambda/{name}", "startTime": start_ms}
        while True:
            page = self.logs.filter_log_events(**kwargs)
            events += page.get("events", [])
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        mine = [e for e in events if _execution_of(e.get("message", "")) == arn]
        return CloudWatchLogValidator().validate(expected, mine, context=context).errors


def _execution_of(message: str) -> str | None:
    try:
        record = json.loads(message)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    return record.get("durableExecutionArn") or record.get("executionArn")


def summary_table(outcomes: list[Outcome]) -> str:
    lines = ["| suite | passed | of | failing |", "|---|---|---|---|"]
    for suite in SUITES:
        mine = [o for o in outcomes if o.suite == suite]
        if mine:
            failing = ", ".join(o.rid for o in mine if not o.passed) or "-"
            lines.append(f"| {suite} | {sum(o.passed for o in mine)} | {len(mine)} | {failing} |")
    lines.append(f"| all | {sum(o.passed for o in outcomes)} | {len(outcomes)} | |")
    return "\n".join(lines)


_ID = re.compile(r"^\d+-\d+$")
