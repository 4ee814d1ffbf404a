"""Conformance 10-2: instrumentation plugin operation-start / operation-end hooks for a step."""

import json

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.plugin import (
    DurableInstrumentationPlugin,
    InvocationStartInfo,
    OperationEndInfo,
    OperationStartInfo,
    OperationType,
)

PLUGIN = "CONFPLUGIN"


class ConfPlugin(DurableInstrumentationPlugin):
    def __init__(self):
        self.arn = None

    def emit(self, **fields):
        print(json.dumps({"plugin": PLUGIN, **fields, "durableExecutionArn": self.arn}), flush=True)

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self.arn = info.execution_arn

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if info.operation_type == OperationType.STEP:
            self.emit(hook="operation-start", op=info.operation_id)

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if info.operation_type == OperationType.STEP:
            self.emit(hook="operation-end", op=info.operation_id, status=info.status.value)


class ConfPluginFactory:
    def create_plugin(self, info: InvocationStartInfo) -> ConfPlugin:
        return ConfPlugin()


@durable_step
def greet(step_context: StepContext, name):
    return f"Hello, {name}!"


@durable_execution(plugins=[ConfPluginFactory()])
def handler(event, context: DurableContext):
    return context.step(greet(event))
