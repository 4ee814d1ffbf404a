"""Conformance 10-7: plugin invocation-end hook receives FAILED when a no-retry step fails the execution."""

import json

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.plugin import (
    DurableInstrumentationPlugin,
    InvocationEndInfo,
    InvocationStartInfo,
)
from aws_durable_execution_sdk_python.retries import RetryPresets

PLUGIN = "CONFPLUGIN"


class ConfPlugin(DurableInstrumentationPlugin):
    def __init__(self):
        self.arn = None

    def emit(self, **fields):
        print(json.dumps({"plugin": PLUGIN, **fields, "durableExecutionArn": self.arn}), flush=True)

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self.arn = info.execution_arn
        self.emit(hook="invocation-start", first=info.is_first_invocation)

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        self.emit(hook="invocation-end", status=info.status.value)


class ConfPluginFactory:
    def create_plugin(self, info: InvocationStartInfo) -> ConfPlugin:
        return ConfPlugin()


def failing_func(step_context: StepContext):
    raise RuntimeError("step always fails")


@durable_execution(plugins=[ConfPluginFactory()])
def handler(event, context: DurableContext):
    return context.step(failing_func, config=StepConfig(retry_strategy=RetryPresets.none()))
