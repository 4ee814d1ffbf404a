"""AWS's public Powertools for AWS Lambda (Python) layers, built in the lab from the same package on PyPI.

On AWS, a function may list a layer that another account publishes for everyone; the best known is
Powertools, in account 017000801446 (https://docs.aws.amazon.com/powertools/python/latest/#lambda-layer).
The lab has one account and cannot fetch another's layer, so it builds the layer itself: the newest
``aws-lambda-powertools`` release of the layer's major version (V1, V2, V3), with the extras the
public layer bundles (tracer, validation, parser), under ``python/``, published once per lab under
the public layer's name.

Where we depart from AWS: layer version N of the public layer pins one release; the lab installs
the newest release of that major version instead, and says so in the layer's description.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

from .errors import LambdaLabError

if TYPE_CHECKING:
    from typing import Any as LambdaClient   # a boto3 Lambda client

POWERTOOLS_ACCOUNT = "017000801446"
_POWERTOOLS = re.compile(r"^arn:aws:lambda:[a-z0-9-]+:017000801446:layer:"
                         r"(?P<name>AWSLambdaPowertoolsPython(?P<major>V[23])?(?:-python3\d+)?(?:-(?:x86_64|arm64|Arm64))?)"
                         r":(?P<version>\d+)$")
_RELEASES = {None: "aws-lambda-powertools[tracer,validation]<2",   # v1 had no parser extra with pydantic v2
             "V2": "aws-lambda-powertools[tracer,validation,parser]<3",
             "V3": "aws-lambda-powertools[tracer,validation,parser]<4"}
_MARK = "Built by the lab from PyPI"


def is_public_powertools(arn: object) -> bool:
    return isinstance(arn, str) and _POWERTOOLS.match(arn) is not None


def lab_layer_for(client: "LambdaClient", arn: str, progress: Callable[[str], None] = print) -> str:
    """The ARN of the lab's own build of the public Powertools layer ``arn`` (built the first time)."""
    found = _POWERTOOLS.match(arn)
    if not found:
        raise LambdaLabError(f"{arn} is not one of AWS's public Powertools for AWS Lambda (Python) layers.")
    name, requirement = found["name"], _RELEASES[found["major"]]
    for version in client.list_layer_versions(LayerName=name).get("LayerVersions", []):
        if version.get("Description", "").startswith(_MARK):
            return version["LayerVersionArn"]
    from .packaging import python_layer_zip
    progress(f"{name}: the public layer is in AWS's account {POWERTOOLS_ACCOUNT}; building it from PyPI "
             f"({requirement}) ...")
    zip_bytes = python_layer_zip([requirement], progress=progress)
    published = client.publish_layer_version(
        LayerName=name, Content={"ZipFile": zip_bytes},
        Description=f"{_MARK}: {requirement}, standing in for {arn}"[:256],
        CompatibleRuntimes=["python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14"])
    return published["LayerVersionArn"]
