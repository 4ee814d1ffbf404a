"""Durable functions in the local lab: executions that checkpoint, suspend and replay.

See :mod:`lambda_lab.durable.service` for what the service does and where it departs from AWS.
"""

from .execution import DurableExecution
from .service import (CallbackTimeoutError, DurableExecutionAlreadyStartedError, DurableExecutionService,
                      DurableTarget)

__all__ = ["DurableExecution", "DurableExecutionService", "DurableTarget", "CallbackTimeoutError",
           "DurableExecutionAlreadyStartedError"]
