"""Conformance 10-1: instrumentation plugin invocation-start / invocation-end hooks around one step."""

import json

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.plugin import (
    DurableInstrumentationPlugin,
    InvocationEndInfo,
    InvocationStartInfo,
)

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


@durable_step
def greet(step_context: StepContext, name):
    step_context.logger.info(f"Greeting step running for: {name}")
    return f"Hello, {name}!"


@durable_execution(plugins=[ConfPluginFactory()])
def handler(event, context: DurableContext):
    return context.step(greet(event))
