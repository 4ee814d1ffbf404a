"""Each python3.x runtime lets a handler import what AWS's runtime of that version ships, and no more.

The tables below are written from AWS's pages and image scans (URLs beside them), not from
lambda_lab's own data, so a wrong entry in ``PYTHON_MODULE_SETS`` fails here.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_zip, python_function
from lambda_lab.runtime import FunctionConfig

# "The Lambda Python runtimes include the AWS SDK for Python (Boto3) and its dependencies."
# https://docs.aws.amazon.com/lambda/latest/dg/python-package.html ; pip is in every python3.x
# image's site-packages (https://github.com/aws/aws-lambda-base-images/issues/394, /issues/179).
EVERY_RUNTIME = ["boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3", "pip"]
# Packages no runtime ships: a function must package them.
NO_RUNTIME = ["requests", "pandas", "moto"]
# setuptools 65.5.0 is in the Amazon Linux 2 images (python3.9-3.11) only:
# https://github.com/aws/aws-lambda-base-images/issues/269 , /issues/295
SETUPTOOLS = ["setuptools", "pkg_resources"]
# "Lambda Node.js and Python runtimes include the durable execution SDK": python3.13 and 3.14.
# https://docs.aws.amazon.com/lambda/latest/dg/durable-supported-runtimes.html
DURABLE_SDK = ["aws_durable_execution_sdk_python"]
# The standard library of each Python: tomllib is new in 3.11; 3.12 removed distutils, imp,
# asyncore, asynchat, smtpd; 3.13 removed cgi, telnetlib, uu, lib2to3 and the rest of PEP 594's.
# https://docs.python.org/3/whatsnew/3.12.html#removed , https://docs.python.org/3/whatsnew/3.13.html
REMOVED_IN_3_12 = ["distutils", "distutils.util", "imp", "asyncore", "asynchat", "smtpd"]
REMOVED_IN_3_13 = ["cgi", "cgitb", "telnetlib", "uu", "pipes", "imghdr", "crypt", "lib2to3"]
KEPT_STDLIB = ["json", "email.mime.image", "email.mime.audio", "wave", "http.server", "zoneinfo"]

MODULES = {
    "python3.9": (EVERY_RUNTIME + SETUPTOOLS + REMOVED_IN_3_12 + REMOVED_IN_3_13 + KEPT_STDLIB,
                  NO_RUNTIME + DURABLE_SDK + ["tomllib"]),
    "python3.10": (EVERY_RUNTIME + SETUPTOOLS + REMOVED_IN_3_12 + REMOVED_IN_3_13 + KEPT_STDLIB,
                   NO_RUNTIME + DURABLE_SDK + ["tomllib"]),
    "python3.11": (EVERY_RUNTIME + SETUPTOOLS + REMOVED_IN_3_12 + REMOVED_IN_3_13 + KEPT_STDLIB + ["tomllib"],
                   NO_RUNTIME + DURABLE_SDK),
    "python3.12": (EVERY_RUNTIME + REMOVED_IN_3_13 + KEPT_STDLIB + ["tomllib"],
                   NO_RUNTIME + DURABLE_SDK + SETUPTOOLS + REMOVED_IN_3_12),
    "python3.13": (EVERY_RUNTIME + DURABLE_SDK + KEPT_STDLIB + ["tomllib"],
                   NO_RUNTIME + SETUPTOOLS + REMOVED_IN_3_12 + REMOVED_IN_3_13),
    "python3.14": (EVERY_RUNTIME + DURABLE_SDK + KEPT_STDLIB + ["tomllib"],
                   NO_RUNTIME + SETUPTOOLS + REMOVED_IN_3_12 + REMOVED_IN_3_13),
}

TRY_IMPORTS = """
import importlib

def handler(event, context):
    failures = {}
    for name in event["modules"]:
        try:
            importlib.import_module(name)
        except ImportError as error:
            failures[name] = str(error)
    return failures
"""

# pkg_resources and the durable SDK take a while to import; at 128 MB's CPU share, seconds.
_ROOMY = {"memory_mb": 3008, "timeout_s": 60}


@pytest.mark.parametrize("runtime", list(MODULES))
def test_a_handler_imports_what_the_runtime_ships_and_nothing_else(service, runtime):
    shipped, missing = MODULES[runtime]
    service.create_function(python_function("modules", TRY_IMPORTS, runtime=runtime, **_ROOMY))
    result = service.invoke("modules", json.dumps({"modules": shipped + missing}).encode())
    assert result.error is None, result.error
    failures = result.json()
    assert [name for name in shipped if name in failures] == []
    # The message CPython gives for a module it cannot find: for a submodule, its top package.
    assert failures == {name: f"No module named '{name.split('.')[0]}'" for name in missing}


@pytest.mark.parametrize("runtime, statement, missing", [
    ("python3.9", "import tomllib", "tomllib"),
    ("python3.10", "import requests", "requests"),
    ("python3.11", "from aws_durable_execution_sdk_python import durable_execution", "aws_durable_execution_sdk_python"),
    ("python3.12", "import pkg_resources", "pkg_resources"),
    ("python3.13", "from distutils.util import strtobool", "distutils"),
    ("python3.14", "import cgi", "cgi"),
])
def test_importing_what_the_runtime_lacks_is_an_import_module_error(service, runtime, statement, missing):
    service.create_function(python_function("lacking", f"{statement}\ndef handler(e, c):\n    return 1\n",
                                            runtime=runtime, **_ROOMY))
    result = service.invoke("lacking")
    assert result.error["errorType"] == "Runtime.ImportModuleError"
    assert result.error["errorMessage"] == f"Unable to import module 'app': No module named '{missing}'"


def test_a_packaged_module_wins_over_what_the_runtime_lacks(service):
    # /var/task comes first on the path (python-package.html), so a backport such as legacy-cgi
    # (a top-level cgi.py) brings the removed module back on python3.13.
    code = make_zip({"app.py": "import cgi\ndef handler(e, c):\n    return cgi.BACKPORT\n",
                     "cgi.py": "BACKPORT = 'legacy-cgi'\n"})
    service.create_function(FunctionConfig("backport", code=code, handler="app.handler", runtime="python3.13"))
    assert service.invoke("backport").json() == "legacy-cgi"


@pytest.mark.parametrize("runtime", ["python3.12", "python3.13"])
def test_a_layer_site_packages_is_found_under_the_runtimes_own_version(service, runtime):
    # AWS: a layer's python/lib/python3.x/site-packages is on the path of python3.x.
    # https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html#packaging-layers-paths
    layer = make_zip({f"python/lib/{runtime}/site-packages/layered.py": "WHERE = 'site-packages'\n"})
    service.create_function(FunctionConfig(
        "layered", code=make_zip({"app.py": "import layered\ndef handler(e, c):\n    return layered.WHERE\n"}),
        handler="app.handler", runtime=runtime, layers=(layer,)))
    assert service.invoke("layered").json() == "site-packages"
