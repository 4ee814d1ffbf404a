"""Reading a SAM template as CloudFormation reads it, checking what the lab can run, translating it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import LambdaLabError
from ..public_layers import is_public_powertools

if TYPE_CHECKING:
    from ..lab import Lab

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
#: SAM event types that deploy and fire for real in the lab (each is tested in tests/test_sam.py).
SUPPORTED_EVENTS = ("Api", "HttpApi", "S3", "SQS", "SNS", "DynamoDB", "Kinesis", "Schedule", "ScheduleV2",
                    "EventBridgeRule", "CloudWatchEvent")


class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (!Ref, !GetAtt a.b, !Sub ...), leaving yaml.SafeLoader as it is."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        return {name: value.split(".", 1) if suffix == "GetAtt" else value}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node, deep=True)}
    return {name: loader.construct_mapping(node, deep=True)}


_TemplateLoader.add_multi_constructor("!", _intrinsic)
# CloudFormation reads an unquoted date (`Version: 2012-10-17` in a policy) as the string it looks like;
# YAML 1.1 would make it a datetime.date, which neither JSON nor the translator accepts.
_TemplateLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def load(template: str | Path) -> tuple[dict, Path]:
    text, folder = str(template), Path.cwd()
    if isinstance(template, Path) or ("\n" not in text and text.endswith((".yaml", ".yml", ".json", ".template"))):
        path = Path(template)
        if not path.is_file():
            raise LambdaLabError(f"There is no template file {str(path)!r} (looked in {path.absolute().parent}). "
                                 "Pass the path of your template.yaml, or the template's text.")
        text, folder = path.read_text(), path.absolute().parent
    try:
        loaded = yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise LambdaLabError(f"The template is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}. "
                             "Check the indentation (spaces, not tabs) and the colons around that line.") from None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("Resources"), dict):
        raise LambdaLabError("The template has no Resources: a SAM template is a YAML mapping with "
                             f"`Transform: {SAM_TRANSFORM}` and a `Resources:` section.")
    return loaded, folder


def check(sam: dict, account_id: str) -> None:
    """Refuse, before anything is created, what the lab cannot run, naming what to change."""
    transform = sam.get("Transform")
    if SAM_TRANSFORM not in (transform if isinstance(transform, list) else [transform]):
        raise LambdaLabError(f"This is not a SAM template: add the line `Transform: {SAM_TRANSFORM}` at the top. "
                             "(Plain CloudFormation goes to lab.client('cloudformation').create_stack(...).)")
    function_globals = (sam.get("Globals") or {}).get("Function") or {}
    _check_layers("Globals.Function", function_globals, account_id)
    for name, resource in sam["Resources"].items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise LambdaLabError(f"Resources.{name} has no Type: each resource is a mapping with a `Type:` "
                                 "(e.g. AWS::Serverless::Function) and its `Properties:`.")
        properties = resource.get("Properties") or {}
        if resource["Type"] == "AWS::Serverless::Function":
            _check_layers(name, properties, account_id)
            if "DeploymentPreference" in properties or "DeploymentPreference" in function_globals:
                raise LambdaLabError(f"{name}: DeploymentPreference shifts traffic with CodeDeploy, which the lab "
                                     "does not have (CloudFormation would create a CodeDeploy application and "
                                     "deployment group). Remove DeploymentPreference to deploy here: "
                                     "AutoPublishAlias alone points the alias at each new version at once.")
        _check_plain_resource(name, resource["Type"], properties)
        for event_name, event in (properties.get("Events") or {}).items():
            event = event if isinstance(event, dict) else {}
            where, kind = f"{name}.Events.{event_name}", event.get("Type")
            if resource["Type"] != "AWS::Serverless::Function":
                raise LambdaLabError(f"{where}: the lab delivers events to functions only, not to a "
                                     f"{resource['Type']}. Remove the event here (and start the state machine "
                                     "with lab.client('stepfunctions').start_execution), or deploy to AWS with "
                                     "`sam deploy`.")
            if "FilterCriteria" in (event.get("Properties") or {}):
                from ..backends.local.event_filter import validate_filter_criteria
                try:
                    validate_filter_criteria(event["Properties"]["FilterCriteria"])
                except LambdaLabError as exc:
                    raise LambdaLabError(f"{where}.FilterCriteria: {exc}") from None
            if kind not in SUPPORTED_EVENTS:
                raise LambdaLabError(f"{where}: the lab cannot deliver SAM events of type {kind!r}; it delivers "
                                     f"{', '.join(SUPPORTED_EVENTS)}. Remove this event to deploy here (and test "
                                     "the handler with fn.invoke and an event from lambda_lab.events), or use "
                                     "`sam deploy` on AWS.")


def _check_plain_resource(name: str, kind: str, properties: dict) -> None:
    """What CloudFormation itself would refuse, or what the lab would otherwise create without its effect."""
    if kind == "AWS::StepFunctions::StateMachine" and "RoleArn" not in properties:
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html
        # (RoleArn: Required: Yes).
        raise LambdaLabError(f"{name} (AWS::StepFunctions::StateMachine) has no RoleArn, which CloudFormation "
                             f"requires: AWS refuses the stack with \"Properties validation failed for resource "
                             f"{name} with message: #: required key [RoleArn] not found\". Add RoleArn (an IAM role "
                             "that states.amazonaws.com can assume, allowed to invoke what the states call), or "
                             "use AWS::Serverless::StateMachine with Policies, which makes the role for you.")
    if kind == "AWS::DynamoDB::Table" and "KinesisStreamSpecification" in properties:
        raise LambdaLabError(f"{name}.KinesisStreamSpecification: on AWS, DynamoDB writes every item change to "
                             "that Kinesis data stream; the lab does not (moto's DynamoDB has no Kinesis streaming "
                             "destination), and would create a table whose changes never reach the stream. "
                             "Remove KinesisStreamSpecification and use StreamSpecification (DynamoDB Streams, "
                             "with a DynamoDB event on the function) to deploy here, or deploy to AWS.")


_LAYER_ARN = re.compile(r"^arn:aws[\w-]*:lambda:([\w-]+):(\d{12}):layer:([\w-]+):(\d+)$")


def _check_layers(name: str, properties: dict, account_id: str) -> None:
    """A layer version of another account cannot reach the lab: refuse it before the stack, saying why."""
    for layer in properties.get("Layers") or []:
        if isinstance(layer, dict) and isinstance(layer.get("Fn::Sub"), str):   # !Sub arn:aws:lambda:${AWS::Region}:...
            layer = re.sub(r"\$\{AWS::(Region|Partition)\}", lambda m: "us-east-1" if m[1] == "Region" else "aws",
                           layer["Fn::Sub"])
        found = _LAYER_ARN.match(layer) if isinstance(layer, str) else None
        if not found or found[2] == account_id or is_public_powertools(layer):
            continue   # the lab builds AWS's public Powertools layers itself (lambda_lab.public_layers)
        hint = ("add aws-lambda-powertools to the function's requirements.txt (the lab installs it, as "
                "`sam build` does)" if "powertools" in found[3].lower() else
                "build what it holds as an AWS::Serverless::LayerVersion in this template (ContentUri: a folder)")
        raise LambdaLabError(f"{name}.Layers: {layer} belongs to account {found[2]}. On AWS, Lambda fetches a "
                             "layer shared with your account from its owner (and answers AccessDeniedException "
                             "if it is not shared); the lab has only its own account "
                             f"({account_id}) and cannot fetch it. Remove the layer here and {hint}.")


def expand_files(sam: dict, folder: Path) -> None:
    """What ``sam package`` uploads and CloudFormation reads back, read from the template's folder.

    ``Fn::Transform: {Name: AWS::Include, Parameters: {Location: file}}`` is replaced by the file's
    content, as CloudFormation's AWS::Include transform does; a state machine's or API's local
    ``DefinitionUri`` becomes its ``Definition`` / ``DefinitionBody`` (the same document, inline).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/transform-aws-include.html
    """
    sam["Resources"] = _included(sam["Resources"], folder)
    for key in ("Globals", "Outputs", "Conditions", "Mappings"):
        if key in sam:
            sam[key] = _included(sam[key], folder)
    inline = {"AWS::Serverless::StateMachine": "Definition", "AWS::Serverless::Api": "DefinitionBody",
              "AWS::Serverless::HttpApi": "DefinitionBody"}
    for name, resource in sam["Resources"].items():
        properties = resource.get("Properties") or {}
        uri = properties.get("DefinitionUri")
        if resource.get("Type") in inline and isinstance(uri, str) and not uri.startswith("s3://"):
            properties[inline[resource["Type"]]] = _document(folder / uri, f"{name}.DefinitionUri")
            del properties["DefinitionUri"]
        elif "DefinitionUri" in properties and resource.get("Type") in inline:
            raise LambdaLabError(f"{name}: DefinitionUri {uri!r} points into S3 or uses an intrinsic; the lab reads "
                                 "definitions from the template's folder. Give the local file's path "
                                 "(e.g. statemachine/definition.asl.json).")


def _included(node: Any, folder: Path) -> Any:
    if isinstance(node, list):
        return [_included(item, folder) for item in node]
    if not isinstance(node, dict):
        return node
    transform = node.get("Fn::Transform")
    if transform is not None:
        if not isinstance(transform, dict) or transform.get("Name") != "AWS::Include":
            raise LambdaLabError(f"Fn::Transform {transform!r}: the lab runs the AWS::Include transform only "
                                 "(macros run in your account on AWS). Inline what the macro would produce.")
        location = (transform.get("Parameters") or {}).get("Location")
        if not isinstance(location, str) or location.startswith("s3://"):
            raise LambdaLabError(f"AWS::Include Location {location!r}: give the path of a file beside the "
                                 "template (sam package uploads it to S3 for CloudFormation; the lab reads it "
                                 "from disk).")
        content = _included(_document(folder / location, "AWS::Include Location"), folder)
        rest = {k: _included(v, folder) for k, v in node.items() if k != "Fn::Transform"}
        if not rest:
            return content
        if not isinstance(content, dict):
            raise LambdaLabError(f"AWS::Include {location}: beside other keys, the included file must be a mapping.")
        return {**rest, **content}
    return {k: _included(v, folder) for k, v in node.items()}


def _document(path: Path, what: str) -> Any:
    """A JSON or YAML file (CloudFormation short forms allowed), with a clear error if it is missing."""
    if not path.is_file():
        raise LambdaLabError(f"{what}: there is no file {str(path)!r}. The path is relative to the template's folder.")
    try:
        return yaml.load(path.read_text(), Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader; JSON is YAML
    except yaml.YAMLError as exc:
        raise LambdaLabError(f"{what}: {path} is not valid JSON or YAML: {exc}") from None


def translate(lab: "Lab", sam: dict, parameters: dict[str, str]) -> dict:
    from samtranslator.metrics.metrics import Metrics
    from samtranslator.model.exceptions import ExceptionWithMessage
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    metrics = Metrics()
    try:
        # AWS's managed policy ARNs come bundled with the translator: IAM is not asked for them.
        return Translator(None, Parser(), boto_session=lab.session, metrics=metrics).translate(
            sam, parameter_values=dict(parameters), get_managed_policy_map=lambda: {})
    except ExceptionWithMessage as exc:
        causes = getattr(exc, "causes", None) or [exc]   # InvalidDocumentException holds the real reasons
        reasons = "\n".join(f"  - {cause.message}" for cause in causes)
        raise LambdaLabError(f"The SAM translator rejected the template ({len(causes)} error"
                             f"{'s' if len(causes) != 1 else ''}):\n{reasons}\nFix these in the template and "
                             "deploy again (`sam validate` reports the same).") from None
    finally:
        metrics.publish()  # to no one; left unpublished, the translator logs a warning
