"""AWS's public Powertools layers, which the lab builds from PyPI (lambda_lab.public_layers)."""

from __future__ import annotations

import pytest

from lambda_lab import Lab
from lambda_lab.public_layers import is_public_powertools

# The ARNs as Powertools' docs give them (https://docs.aws.amazon.com/powertools/python/latest/#lambda-layer).
V3 = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:18"


@pytest.mark.parametrize("arn, public", [
    (V3, True),
    ("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27", True),
    ("arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:79", True),
    ("arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2-Arm64:79", True),
    ("arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPython:9", True),
    ("arn:aws:lambda:us-east-1:017000801446:layer:SomethingElse:1", False),
    ("arn:aws:lambda:us-east-1:123456789012:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:18", False),
])
def test_the_public_powertools_layers_are_recognised_by_their_arns(arn, public):
    assert is_public_powertools(arn) is public


def test_a_function_with_the_public_powertools_layer_imports_powertools_from_it():
    with Lab.local() as lab:
        code = ("from importlib.metadata import version\n"
                "import aws_lambda_powertools\n"
                "def handler(event, context):\n"
                "    return {'version': version('aws-lambda-powertools'), 'path': aws_lambda_powertools.__file__}\n")
        fn = lab.deploy("pt", code=code, layers=[V3], timeout_s=30)
        result = fn.invoke({})
        assert result.error is None, result.logs
        assert result.payload["version"].startswith("3."), result.payload
        # From the layer's python/ folder (AWS: /opt/python; the lab's layers are not mounted at /opt).
        assert "/opt/" in result.payload["path"], result.payload
        assert result.payload["path"].endswith("/python/aws_lambda_powertools/__init__.py"), result.payload
        layers = lab.client("lambda").get_function_configuration(FunctionName="pt")["Layers"]
        assert [layer["Arn"].split(":")[4] for layer in layers] == [lab.client("sts").get_caller_identity()["Account"]]
        assert ":layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:" in layers[0]["Arn"]
        lab.deploy("pt2", code=code, layers=[V3], timeout_s=30)   # built once per lab
        versions = lab.client("lambda").list_layer_versions(LayerName="AWSLambdaPowertoolsPythonV3-python312-x86_64")
        assert len(versions["LayerVersions"]) == 1
