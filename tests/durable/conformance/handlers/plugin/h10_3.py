"""Conformance 10-3: instrumentation plugin attempt hooks for a step that fails once, then succeeds on retry."""

import json

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.plugin import (
    DurableInstrumentationPlugin,
    InvocationStartInfo,
    OperationType,
    UserFunctionEndInfo,
    UserFunctionStartInfo,
)
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

PLUGIN = "CONFPLUGIN"

RETRY = create_retry_strategy(
    RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)
)


class ConfPlugin(DurableInstrumentationPlugin):
    def __init__(self):
        self.arn = None

    def emit(self, **fields):
        print(json.dumps({"plugin": PLUGIN, **fields, "durableExecutionArn": self.arn}), flush=True)

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self.arn = info.execution_arn

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if info.operation_type == OperationType.STEP:
            self.emit(hook="attempt-start", n=info.attempt, op=info.operation_id)

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        if info.operation_type == OperationType.STEP:
            self.emit(hook="attempt-end", n=info.attempt, outcome=info.outcome.value, op=info.operation_id)


class ConfPluginFactory:
    def create_plugin(self, info: InvocationStartInfo) -> ConfPlugin:
        return ConfPlugin()


def unreliable_func(step_context: StepContext):
    if step_context.attempt < 2:
        raise RuntimeError(f"attempt {step_context.attempt} failed")
    return "Operation succeeded"


@durable_execution(plugins=[ConfPluginFactory()])
def handler(event, context: DurableContext):
    return context.step(unreliable_func, config=StepConfig(retry_strategy=RETRY))
