"""How each Lambda runtime's worker process is started.

A runtime turns "this code, this handler" into a command line and the environment variables AWS
gives that runtime. Python runs AWS's own runtime interface client (awslambdaric) on the lab's
interpreter, which stands in for every ``python3.x``: a handler that needs a newer language feature
than the lab's Python has will fail here but not on AWS. Custom runtimes run the package's
``bootstrap``; Node.js runs a small bootstrap of ours that speaks the same Runtime API.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidParameterValueError, RuntimeNotAvailableError

__all__ = ["Runtime", "PythonRuntime", "CustomRuntime", "NodeRuntime", "runtime_for", "SUPPORTED_RUNTIMES"]

_NODE_BOOTSTRAP = Path(__file__).parent / "nodejs" / "bootstrap.js"


@dataclass(frozen=True)
class WorkerLaunch:
    """What to exec for one execution environment."""

    argv: list[str]
    environment: dict[str, str]


class Runtime:
    """A Lambda runtime identifier (``python3.12``) and how to start its worker."""

    family = ""

    def __init__(self, name: str):
        self.name = name

    def check_available(self) -> None:
        """Raise RuntimeNotAvailableError, saying what to install, when this machine lacks it."""

    def launch(self, *, handler: str, code_dir: Path, opt_dir: Path | None, runtime_site: Path) -> WorkerLaunch:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class PythonRuntime(Runtime):
    family = "python"

    def launch(self, *, handler, code_dir, opt_dir, runtime_site):
        # sys.path as on AWS: the code (/var/task), the layers (/opt/python...), then the runtime's
        # own packages. -S keeps the lab's site-packages out of the worker's reach.
        paths = [str(code_dir)]
        if opt_dir is not None:
            version = f"python{sys.version_info.major}.{sys.version_info.minor}"
            paths += [str(opt_dir / "python" / "lib" / version / "site-packages"), str(opt_dir / "python")]
        paths.append(str(runtime_site))
        return WorkerLaunch(
            argv=[sys.executable, "-S", "-m", "awslambdaric", handler],
            environment={"PYTHONPATH": os.pathsep.join(paths), "PYTHONUNBUFFERED": "1",
                         "PYTHONDONTWRITEBYTECODE": "1", "LAMBDA_RUNTIME_DIR": str(runtime_site)},
        )


class CustomRuntime(Runtime):
    """``provided.al2023`` / ``provided.al2``: the package's own executable ``bootstrap``."""

    family = "provided"

    def launch(self, *, handler, code_dir, opt_dir, runtime_site):
        candidates = [code_dir / "bootstrap"] + ([opt_dir / "bootstrap"] if opt_dir else [])
        for candidate in candidates:
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return WorkerLaunch(argv=_shell_argv(candidate), environment={})
        return WorkerLaunch(argv=[], environment={})  # the environment reports InvalidEntrypoint

    @staticmethod
    def missing_bootstrap_message(code_dir: Path, opt_dir: Path | None) -> str:
        places = " ".join(str(p) for p in [code_dir / "bootstrap"] + ([opt_dir / "bootstrap"] if opt_dir else []))
        return f"Couldn't find valid bootstrap(s): [{places}]"


def _shell_argv(bootstrap: Path) -> list[str]:
    # On Amazon Linux /bin/sh is bash, and AWS's own custom-runtime tutorial relies on it
    # (`source`, `set -o pipefail`). Where /bin/sh is another shell (dash on Debian), we run
    # such a bootstrap with bash so that it runs unmodified.
    with open(bootstrap, "rb") as f:
        first_line = f.readline(200).strip()
    bash = shutil.which("bash")
    if first_line in (b"#!/bin/sh", b"#! /bin/sh") and bash:
        return [bash, str(bootstrap)]
    return [str(bootstrap)]


class NodeRuntime(Runtime):
    """``nodejs20.x`` / ``nodejs22.x``: whichever ``node`` is on PATH stands in for the version."""

    family = "nodejs"

    def check_available(self) -> None:
        if shutil.which("node") is None:
            raise RuntimeNotAvailableError(
                f"The {self.name} runtime needs Node.js, and 'node' is not on PATH. Install Node.js "
                "20 or newer (https://nodejs.org, or `conda install nodejs`) and restart the lab.")

    def launch(self, *, handler, code_dir, opt_dir, runtime_site):
        node_path = [str(opt_dir / "nodejs" / "node_modules"), str(opt_dir / "nodejs")] if opt_dir else []
        return WorkerLaunch(argv=[shutil.which("node") or "node", str(_NODE_BOOTSTRAP)],
                            environment={"NODE_PATH": os.pathsep.join(node_path)} if node_path else {})


_PYTHON_VERSIONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
SUPPORTED_RUNTIMES: dict[str, type[Runtime]] = {
    **{f"python{v}": PythonRuntime for v in _PYTHON_VERSIONS},
    "nodejs20.x": NodeRuntime,
    "nodejs22.x": NodeRuntime,
    "provided.al2023": CustomRuntime,
    "provided.al2": CustomRuntime,
}
# Runtimes AWS has but the local lab cannot run; they work on a real account (Lab.aws()).
_REAL_ACCOUNT_ONLY = ("java", "dotnet", "ruby", "go")


def runtime_for(name: str) -> Runtime:
    cls = SUPPORTED_RUNTIMES.get(name)
    if cls is None:
        if name.startswith(_REAL_ACCOUNT_ONLY):
            raise RuntimeNotAvailableError(
                f"The {name} runtime does not run in the local lab (it runs on a real account: "
                f"Lab.aws()). Locally, use one of: {', '.join(SUPPORTED_RUNTIMES)}.")
        raise InvalidParameterValueError(
            f"Value {name!r} at 'runtime' failed to satisfy constraint: use one of "
            f"{', '.join(SUPPORTED_RUNTIMES)}.")
    return cls(name)
