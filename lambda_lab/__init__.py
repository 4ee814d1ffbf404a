"""lambda_lab: learn AWS Lambda in JupyterLab, locally (no Docker, no account) or on a real account."""

from .errors import LambdaLabError
from .function import Function
from .invocation import Invocation, InvocationLog
from .lab import Lab

__version__ = "0.1.0"
__all__ = ["Lab", "Function", "Invocation", "InvocationLog", "LambdaLabError", "__version__"]
