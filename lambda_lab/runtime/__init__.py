"""The local Lambda service: real handlers in real execution environments, without Docker."""

from .environment import EnvironmentState, ExecutionEnvironment
from .pool import ConcurrencyLedger, EnvironmentPool
from .service import LATEST, FunctionConfig, InvocationResult, LambdaService

__all__ = ["LambdaService", "FunctionConfig", "InvocationResult", "LATEST", "ExecutionEnvironment",
           "EnvironmentState", "EnvironmentPool", "ConcurrencyLedger"]
