"""What `sam build` and `sam package` do: code folders zipped (dependencies installed) into S3."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ..errors import LambdaLabError
from ..packaging import build_zip, moved_under
from ..public_layers import is_public_powertools
from .stack import deployment_bucket

if TYPE_CHECKING:
    from ..lab import Lab



def package(lab: "Lab", sam: dict, folder: Path, stack_name: str) -> None:
    """Build and zip each local CodeUri / ContentUri into the lab's S3, and point the template at it.

    That is ``sam build`` then ``sam package``: a function's ``requirements.txt`` is pip-installed
    beside its code (cached, so only the first build needs PyPI), and a layer with
    ``Metadata: BuildMethod: python3.x`` gets its code and requirements under ``python/``, as SAM CLI
    builds them. A function without CodeUri (or InlineCode) gets the template's folder, as in SAM CLI.
    https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-cli-command-reference-sam-build.html
    """
    s3, bucket = lab.client("s3"), deployment_bucket(lab)
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket, **({} if lab.region == "us-east-1" else
                                           {"CreateBucketConfiguration": {"LocationConstraint": lab.region}}))
    function_globals = (sam.get("Globals") or {}).get("Function") or {}
    _public_layers(lab, [function_globals, *(r.get("Properties") or {} for r in sam["Resources"].values()
                                             if isinstance(r, dict) and r.get("Type") == "AWS::Serverless::Function")])
    places = [("Globals", function_globals, "CodeUri", None)]
    for name, resource in sam["Resources"].items():
        properties = resource.setdefault("Properties", {}) if isinstance(resource, dict) else {}
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if kind == "AWS::Serverless::Function":
            if not any(k in properties for k in ("CodeUri", "InlineCode", "ImageUri")) \
                    and "CodeUri" not in function_globals and properties.get("PackageType") != "Image":
                properties["CodeUri"] = "."
            places.append((name, properties, "CodeUri", properties.get("Runtime") or function_globals.get("Runtime")))
        elif kind == "AWS::Serverless::LayerVersion":
            build_method = (resource.get("Metadata") or {}).get("BuildMethod")
            places.append((name, properties, "ContentUri", build_method if build_method else None))
    built: dict[tuple, str] = {}
    for name, properties, key, runtime in places:
        uri = properties.get(key)
        if not isinstance(uri, str) or uri.startswith("s3://"):
            continue  # already in S3, a {Bucket, Key} mapping, or InlineCode
        path = (folder / uri).resolve()
        if not path.exists():
            scripts = sorted(p.name for p in folder.glob("*.sh") if uri.strip("./") and
                             uri.strip("./").split("/")[0] in p.read_text(errors="replace"))
            made_by = (f" The app's own script {', '.join(scripts)} makes that folder: run it "
                       "first, then deploy." if scripts else "")
            raise LambdaLabError(f"{name}: {key} {uri!r} does not exist (looked for {path}). {key} is relative to the "
                                 "template's folder: create that folder with your handler in it, or fix the path."
                                 + made_by)
        layer = key == "ContentUri"
        if (path, runtime, layer) not in built:
            zip_bytes = _built_zip(name, path, runtime, layer)
            object_key = f"{stack_name}/{hashlib.md5(zip_bytes).hexdigest()}.zip"  # noqa: S324 - as sam names them
            s3.put_object(Bucket=bucket, Key=object_key, Body=zip_bytes)
            built[(path, runtime, layer)] = f"s3://{bucket}/{object_key}"
        properties[key] = built[(path, runtime, layer)]


def _public_layers(lab: "Lab", function_properties: list[dict]) -> None:
    """AWS's public Powertools layers replaced by the lab's builds of them (see lambda_lab.public_layers)."""
    for properties in function_properties:
        layers = properties.get("Layers")
        if not isinstance(layers, list):
            continue
        for number, layer in enumerate(layers):
            arn = layer
            if isinstance(layer, dict) and isinstance(layer.get("Fn::Sub"), str):   # !Sub arn:...${AWS::Region}...
                arn = re.sub(r"\$\{AWS::Region\}", lab.region, layer["Fn::Sub"]).replace("${AWS::Partition}", "aws")
            if is_public_powertools(arn):
                layers[number] = lab.backend.layer_arn(arn)


def _built_zip(name: str, path: Path, runtime: str | None, layer: bool) -> bytes:
    """The deployment package of one CodeUri / ContentUri, as ``sam build`` leaves it."""
    if path.suffix == ".zip":
        return path.read_bytes()
    requirements_file = path / "requirements.txt"
    python = isinstance(runtime, str) and runtime.startswith("python")
    if layer and not python:
        return build_zip(path=path, handler="app.handler")    # no BuildMethod python3.x: zipped as it is
    requirements = _requirements(name, requirements_file) if python and requirements_file.is_file() else []
    zip_bytes = build_zip(path=path, handler="app.handler", runtime=runtime or "python3.12",
                          requirements=requirements, progress=lambda message: print(f"{name}: {message}"))
    return moved_under(zip_bytes, "python/") if layer else zip_bytes


def _requirements(name: str, path: Path) -> list[str]:
    """The requirements in a requirements.txt, as pip reads them (comments and blank lines skipped)."""
    wanted = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            raise LambdaLabError(f"{name}: {path} line {number}, {line!r}: the lab's build installs plain "
                                 "requirements (name and version, e.g. requests==2.32.3); pip options and "
                                 "included files are not followed. List the packages themselves.")
        wanted.append(line)
    return wanted


def inline_code(lab: "Lab", template: dict, stack_name: str) -> None:
    """A function's inline ``ZipFile`` code, packaged as Lambda packages it: ``index.py`` (python) beside
    the ``cfnresponse`` module that AWS adds to inline Python code, uploaded to S3 like any CodeUri."""
    s3, bucket = lab.client("s3"), deployment_bucket(lab)
    for resource in template["Resources"].values():
        properties = resource.get("Properties") or {}
        code, runtime = properties.get("Code") or {}, str(properties.get("Runtime", ""))
        if resource.get("Type") != "AWS::Lambda::Function" or not isinstance(code.get("ZipFile"), str) \
                or not runtime.startswith("python"):
            continue   # inline code with intrinsics (Fn::Sub) stays for CloudFormation to resolve
        source = (Path(__file__).parent / "cfnresponse.py").read_text()
        zip_bytes = build_zip(code=code["ZipFile"], handler="index.handler", runtime=runtime,
                              files={"cfnresponse.py": source})
        object_key = f"{stack_name}/{hashlib.md5(zip_bytes).hexdigest()}.zip"  # noqa: S324 - as sam names them
        s3.put_object(Bucket=bucket, Key=object_key, Body=zip_bytes)
        properties["Code"] = {"S3Bucket": bucket, "S3Key": object_key}
