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

__all__ = ["Runtime", "PythonRuntime", "CustomRuntime", "NodeRuntime", "PythonModuleSet", "PYTHON_MODULE_SETS",
           "runtime_for", "SUPPORTED_RUNTIMES"]

_NODE_BOOTSTRAP = Path(__file__).parent / "nodejs" / "bootstrap.js"


@dataclass(frozen=True)
class WorkerLaunch:
    """What to exec for one execution environment."""

    argv: list[str]
    environment: dict[str, str]


class Runtime:
    """A Lambda runtime identifier (``python3.12``) and how to start its worker."""

    family = ""
    #: The packages the runtime puts on the handler's path (Python runtimes only).
    modules: PythonModuleSet | None = None

    def __init__(self, name: str):
        self.name = name

    def check_available(self) -> None:
        """Raise RuntimeNotAvailableError, saying what to install, when this machine lacks it."""

    def launch(self, *, handler: str, code_dir: Path, opt_dir: Path | None,
               runtime_site: Path | None) -> WorkerLaunch:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class PythonRuntime(Runtime):
    family = "python"

    @property
    def modules(self) -> PythonModuleSet:
        return PYTHON_MODULE_SETS[self.name]

    def launch(self, *, handler, code_dir, opt_dir, runtime_site):
        # sys.path as on AWS: the code (/var/task), the layers (/opt/python...), then the runtime's
        # own packages. -S keeps the lab's site-packages out of the worker's reach.
        paths = [str(code_dir)]
        if opt_dir is not None:
            # AWS: a layer's python/lib/python3.x/site-packages is on the path of the runtime of that
            # version, whatever interpreter stands in for it here.
            # https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html#packaging-layers-paths
            paths += [str(opt_dir / "python" / "lib" / self.name / "site-packages"), str(opt_dir / "python")]
        paths.append(str(runtime_site))
        return WorkerLaunch(
            argv=[sys.executable, "-S", "-m", "awslambdaric", handler],
            environment={"PYTHONPATH": os.pathsep.join(paths), "PYTHONUNBUFFERED": "1",
                         "PYTHONDONTWRITEBYTECODE": "1", "LAMBDA_RUNTIME_DIR": str(runtime_site)},
        )


    @staticmethod
    def behind(boot: str, fd: int, launch: WorkerLaunch) -> WorkerLaunch:
        """``launch`` with awslambdaric started by one of the lab's boots (``"gate_boot.py"``, which waits
        until the lab has bounded the process; ``"snapstart_boot.py"``, which forks SnapStart restores),
        handing it the pipe or socket ``fd``."""
        return WorkerLaunch(argv=[sys.executable, "-S", str(_HERE / boot), str(fd), launch.argv[-1]],
                            environment=launch.environment)


_HERE = Path(__file__).parent


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


@dataclass(frozen=True)
class PythonModuleSet:
    """What a ``python3.x`` runtime lets a handler import without packaging it.

    ``distributions`` are the installed distributions (with their requirements) put on the worker's
    path. ``missing_stdlib`` are modules the lab's own standard library (Python 3.11) has but that
    runtime's Python does not: the worker gets a stub for each that fails as that Python would.
    """

    distributions: tuple[str, ...]
    missing_stdlib: tuple[str, ...] = ()


# Checked 2026-12. Sources, AWS's own words first:
# - "The Lambda Python runtimes include the AWS SDK for Python (Boto3) and its dependencies."
#   https://docs.aws.amazon.com/lambda/latest/dg/python-package.html (boto3 needs botocore,
#   s3transfer, jmespath, python-dateutil, six, urllib3). awslambdaric is AWS's runtime interface
#   client; the worker runs it, with what it requires (simplejson, snapshot-restore-py).
# - pip is in the python3.9 ... 3.14 images, in /var/lang/lib/python3.x/site-packages, which is on
#   the handler's path (https://docs.aws.amazon.com/lambda/latest/dg/python-image.html); the
#   image scans that find it: https://github.com/aws/aws-lambda-base-images/issues/394 (3.11-3.14),
#   /issues/179 (3.9, 3.10).
# - setuptools (so pkg_resources) 65.5.0 is in the Amazon Linux 2 images, python3.9-3.11, and in
#   none of the Amazon Linux 2023 ones, python3.12+, across two years of scans:
#   https://github.com/aws/aws-lambda-base-images/issues/193, /issues/194, /issues/269,
#   /issues/295. Indirect (image scans, not an AWS statement; AWS builds its base images from the
#   same runtime as the managed runtime). One scan (2026-08-13, /issues/663) also saw a
#   setuptools 70.3.0 in one python3.13 image, found in no other scan; we follow the rest.
#   Users who hit "No module named 'pkg_resources'" on python3.12 add setuptools to their
#   package, e.g. https://github.com/serverless-ca/terraform-aws-ca/pull/179.
# - The durable execution SDK: "Lambda Node.js and Python runtimes include the durable execution
#   SDK", said of python3.13 and python3.14, the Python runtimes durable functions run on
#   (https://docs.aws.amazon.com/lambda/latest/dg/durable-supported-runtimes.html).
# Not here, though AWS's images have it: wheel 0.45.1 on python3.10/3.11
# (https://github.com/aws/aws-lambda-base-images/issues/385): the lab does not install it.
_SDK = ("awslambdaric", "boto3", "pip")
_AMAZON_LINUX_2 = _SDK + ("setuptools",)
_AMAZON_LINUX_2023 = _SDK
_DURABLE_SDK = ("aws-durable-execution-sdk-python",)

# The standard library moves under the lab's Python 3.11:
# tomllib is new in 3.11 (https://docs.python.org/3/whatsnew/3.11.html#new-modules);
_ADDED_IN_3_11 = ("tomllib",)
# 3.12 removed these (https://docs.python.org/3/whatsnew/3.12.html#removed);
_REMOVED_IN_3_12 = ("asynchat", "asyncore", "distutils", "imp", "smtpd")
# 3.13 removed PEP 594's last 19 and lib2to3
# (https://docs.python.org/3/whatsnew/3.13.html#removed-modules-and-apis); 3.14 removed no module
# (https://docs.python.org/3/library/removed.html). None of these is imported by a module that
# 3.11's standard library keeps, so a stub cannot break a module the handler may use.
_REMOVED_IN_3_13 = ("aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "lib2to3", "mailcap",
                    "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau",
                    "telnetlib", "uu", "xdrlib")

PYTHON_MODULE_SETS: dict[str, PythonModuleSet] = {
    "python3.9": PythonModuleSet(_AMAZON_LINUX_2, missing_stdlib=_ADDED_IN_3_11),
    "python3.10": PythonModuleSet(_AMAZON_LINUX_2, missing_stdlib=_ADDED_IN_3_11),
    "python3.11": PythonModuleSet(_AMAZON_LINUX_2),
    "python3.12": PythonModuleSet(_AMAZON_LINUX_2023, missing_stdlib=_REMOVED_IN_3_12),
    "python3.13": PythonModuleSet(_AMAZON_LINUX_2023 + _DURABLE_SDK,
                                  missing_stdlib=_REMOVED_IN_3_12 + _REMOVED_IN_3_13),
    "python3.14": PythonModuleSet(_AMAZON_LINUX_2023 + _DURABLE_SDK,
                                  missing_stdlib=_REMOVED_IN_3_12 + _REMOVED_IN_3_13),
}

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
