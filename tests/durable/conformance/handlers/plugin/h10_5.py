"""Conformance 10-5: two registered plugins (A, B) both receive the invocation hooks."""

import json

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.plugin import (
    DurableInstrumentationPlugin,
    InvocationEndInfo,
    InvocationStartInfo,
)


class ConfPlugin(DurableInstrumentationPlugin):
    def __init__(self, label):
        self.label = label
        self.arn = None

    def emit(self, **fields):
        print(json.dumps({"plugin": self.label, **fields, "durableExecutionArn": self.arn}), flush=True)

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self.arn = info.execution_arn
        self.emit(hook="invocation-start")

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        self.emit(hook="invocation-end", status=info.status.value)


class ConfPluginFactory:
    def __init__(self, label):
        self.label = label

    def create_plugin(self, info: InvocationStartInfo) -> ConfPlugin:
        return ConfPlugin(self.label)


@durable_step
def greet(step_context: StepContext, name):
    return f"Hello, {name}!"


@durable_execution(plugins=[ConfPluginFactory("CONFPLUGIN-A"), ConfPluginFactory("CONFPLUGIN-B")])
def handler(event, context: DurableContext):
    return context.step(greet(event))
