"""lambda_lab: learn AWS Lambda in JupyterLab, locally (no Docker, no account) or on a real account."""

from .errors import LambdaLabError

__version__ = "0.1.0"
__all__ = ["LambdaLabError", "__version__"]
