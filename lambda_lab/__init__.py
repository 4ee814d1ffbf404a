"""lambda_lab: learn AWS Lambda in JupyterLab, locally (no Docker, no account) or on a real account."""

from .errors import LambdaLabError
from .executions import Execution
from .function import Function
from .invocation import Invocation, InvocationLog
from .lab import Lab

__version__ = "0.1.0"
__all__ = ["Lab", "Function", "Execution", "Invocation", "InvocationLog", "LambdaLabError", "__version__"]
