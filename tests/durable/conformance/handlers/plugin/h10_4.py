"""Conformance 10-4: a plugin whose every hook logs and then raises never affects the execution."""

import json

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.plugin import (
    DurableInstrumentationPlugin,
    InvocationEndInfo,
    InvocationStartInfo,
    OperationEndInfo,
    OperationStartInfo,
    OperationType,
    UserFunctionEndInfo,
    UserFunctionStartInfo,
)

PLUGIN = "CONFPLUGIN-FAULTY"


class FaultyPlugin(DurableInstrumentationPlugin):
    def __init__(self):
        self.arn = None

    def fail(self, hook):
        print(json.dumps({"plugin": PLUGIN, "hook": hook, "durableExecutionArn": self.arn}), flush=True)
        raise RuntimeError(f"{PLUGIN} {hook} hook failed")

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self.arn = info.execution_arn
        self.fail("invocation-start")

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        self.fail("invocation-end")

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if info.operation_type == OperationType.STEP:
            self.fail("operation-start")

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if info.operation_type == OperationType.STEP:
            self.fail("operation-end")

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if info.operation_type == OperationType.STEP:
            self.fail("attempt-start")

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        if info.operation_type == OperationType.STEP:
            self.fail("attempt-end")


class FaultyPluginFactory:
    def create_plugin(self, info: InvocationStartInfo) -> FaultyPlugin:
        return FaultyPlugin()


@durable_step
def greet(step_context: StepContext, name):
    return f"Hello, {name}!"


@durable_execution(plugins=[FaultyPluginFactory()])
def handler(event, context: DurableContext):
    return context.step(greet(event))
