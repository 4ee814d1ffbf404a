"""Conformance 10-6: plugin sees is-first-invocation true once, then false on the replay after a 2 s wait."""

import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
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


@durable_execution(plugins=[ConfPluginFactory()])
def handler(event, context: DurableContext):
    context.wait(Duration.from_seconds(2))
