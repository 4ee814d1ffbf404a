"""Deploy an AWS SAM template into the lab, as ``sam deploy`` does.

    stack = lab.deploy_sam("template.yaml", stack_name="orders")
    stack.functions["OrdersFunction"].invoke({})      # a lambda_lab Function
    requests.get(stack.api_url() + "/orders")         # an Api or HttpApi event, served for real

``sam deploy`` zips each local ``CodeUri`` folder into S3, hands the template to CloudFormation,
and CloudFormation runs AWS's SAM transform. We take the same steps with AWS's own translator
(``aws-sam-translator``), since moto's CloudFormation has no SAM transform, and create the plain
CloudFormation stack on the lab's endpoint.
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-cli-command-reference-sam-deploy.html

Where the lab departs from AWS:

- moto's CloudFormation cannot create some of what the translator emits (API Gateway APIs from an
  OpenAPI ``Body`` and their stages, SNS subscriptions, function URLs, layer versions) and ignores
  a bucket's ``NotificationConfiguration`` and a function's ``Layers``. The lab creates those
  itself with ordinary API calls right after the stack, so every event works: ``stack.resources``
  lists them with ``created_by="lab"``; CloudFormation's own list does not. The values they need
  from the stack are read through extra stack Outputs named ``LambdaLabValue<n>``.
  A function's ``Architectures`` is ignored (the lab runs every function on this machine's CPU).
- Each ``CodeUri`` folder is zipped as it is, as by ``sam deploy`` without ``sam build``: a
  ``requirements.txt`` is not installed.
- Deploying again to the same ``stack_name`` replaces the stack (``sam deploy`` updates it in place).
- An API answers at ``stack.api_url()`` on the lab's endpoint, not at the
  ``https://<id>.execute-api...`` address an ``Outputs`` entry computes. Authorizers are not enforced.
- What the lab cannot deliver (event types such as ``ScheduleV2`` or ``CloudWatchLogs``,
  ``FilterCriteria``, ``AutoPublishAlias``) is refused with a clear error before anything is
  created, never dropped.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import yaml
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from .errors import LambdaLabError
from .function import Function
from .packaging import build_zip

if TYPE_CHECKING:
    from .lab import Lab

__all__ = ["SamStack", "StackResource", "deploy_sam", "SUPPORTED_EVENTS"]

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
#: SAM event types that deploy and fire for real in the lab (each is tested in tests/test_sam.py).
SUPPORTED_EVENTS = ("Api", "HttpApi", "S3", "SQS", "SNS", "DynamoDB", "Kinesis", "Schedule", "EventBridgeRule",
                    "CloudWatchEvent")
# moto's CloudFormation knows these types but gets them wrong (a REST API's Body is ignored and a
# Name required; a layer version's Ref is not its ARN): the lab creates them.
_TAKEN_OVER = {"AWS::ApiGateway::RestApi", "AWS::Lambda::LayerVersion"}
_LATE_FUNCTION_PROPERTIES = ("Layers", "DeadLetterConfig", "TracingConfig", "EphemeralStorage", "LoggingConfig")
_STACK_NAME = re.compile(r"^[A-Za-z][-A-Za-z0-9]{0,127}$")
_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"}
_NO_VALUE = object()


@dataclass(frozen=True)
class StackResource:
    """One resource of a deployed stack, as ``describe_stack_resources`` lists it."""

    logical_id: str
    type: str
    physical_id: str | None
    created_by: str = "CloudFormation"   # or "lab": created by API calls after the stack (see above)


class SamStack:
    """A deployed SAM application: its CloudFormation stack, plus what the lab created beside it.

    >>> stack = lab.deploy_sam("template.yaml", stack_name="orders")
    >>> stack.functions["OrdersFunction"].invoke({"id": 1})
    >>> stack.delete()
    """

    def __init__(self, lab: "Lab", name: str, template: dict, resources: dict[str, StackResource],
                 outputs: dict[str, Any]):
        self.lab, self.name = lab, name
        self.template = template      #: the CloudFormation template the SAM translator produced
        self.resources = resources    #: logical id -> StackResource
        self.outputs = outputs        #: the template's Outputs, resolved
        self.functions: dict[str, Function] = {  #: logical id -> Function, for every Lambda function
            r.logical_id: Function(lab, r.physical_id) for r in resources.values()
            if r.type == "AWS::Lambda::Function" and r.physical_id}

    def api_url(self, logical_id: str | None = None) -> str:
        """Where an API of the stack answers in the lab (a REST API: at its stage, e.g. ``Prod``)."""
        apis = [r for r in self.resources.values() if r.type in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")]
        chosen = [r for r in apis if logical_id in (None, r.logical_id)]
        if len(chosen) != 1:
            raise LambdaLabError(f"Name one of this stack's APIs, e.g. stack.api_url({apis[0].logical_id!r}) "
                                 f"(APIs: {[r.logical_id for r in apis]})." if apis else "This stack has no API.")
        api = chosen[0]
        if api.type == "AWS::ApiGatewayV2::Api":
            return self.lab.api_url(api.physical_id)    # an HTTP API's $default stage
        stages = [s["stageName"] for s in self.lab.client("apigateway").get_stages(restApiId=api.physical_id)["item"]]
        if not stages:
            raise LambdaLabError(f"The REST API {api.logical_id} is not deployed to any stage.")
        # SAM's deployment also makes a stage named "Stage"; the one the template names comes first.
        return self.lab.api_url(api.physical_id, sorted(stages, key=lambda s: s == "Stage")[0])

    def delete(self) -> None:
        """Delete the stack and what the lab created beside it (as ``sam delete`` does)."""
        _delete(self.lab, self.name)

    def __repr__(self) -> str:
        by_lab = sum(r.created_by == "lab" for r in self.resources.values())
        return (f"<SamStack {self.name}: {len(self.resources)} resources ({by_lab} created by the lab), "
                f"functions {sorted(self.functions)}>")

    def _repr_html_(self) -> str:
        cells = "".join(f"<tr><td>{html.escape(r.logical_id)}</td><td><code>{html.escape(r.type)}</code></td>"
                        f"<td><code>{html.escape(r.physical_id or '-')}</code></td><td>{r.created_by}</td></tr>"
                        for r in self.resources.values())
        outputs = "".join(f"<li><b>{html.escape(k)}</b>: <code>{html.escape(str(v))}</code></li>"
                          for k, v in self.outputs.items())
        return (f"<div><b>Stack {html.escape(self.name)}</b><table><tr><th>logical id</th><th>type</th>"
                f"<th>physical id</th><th>created by</th></tr>{cells}</table>"
                f"{f'Outputs:<ul>{outputs}</ul>' if outputs else ''}</div>")


def deploy_sam(lab: "Lab", template: str | Path, *, stack_name: str = "lab-sam",
               parameters: dict[str, str] | None = None) -> SamStack:
    """Package, transform and deploy a SAM template; see :meth:`lambda_lab.Lab.deploy_sam`."""
    if lab.backend.kind == "aws":
        raise LambdaLabError("deploy_sam runs in the local lab. On a real account, deploy with AWS's own tool: "
                             "`sam deploy --guided` (https://docs.aws.amazon.com/serverless-application-model/).")
    if not _STACK_NAME.match(stack_name):
        raise LambdaLabError(f"Stack name {stack_name!r} is not valid: a letter first, then letters, digits "
                             "or hyphens.")
    sam, folder = _load(template)
    _check(sam)
    _package(lab, sam, folder, stack_name)
    cfn_template = _translate(lab, sam, parameters or {})
    if _stack_status(lab.client("cloudformation"), stack_name) is not None:
        _delete(lab, stack_name)    # deploying again replaces the stack (see the notes above)
    plan = _Plan(cfn_template, {"AWS::Region": lab.region, "AWS::Partition": "aws", "AWS::StackName": stack_name,
                                "AWS::AccountId": lab.client("sts").get_caller_identity()["Account"],
                                "AWS::StackId": "", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": _NO_VALUE})
    outputs, resources = _create_stack(lab, plan, stack_name, parameters or {})
    undo: list = []   # what to delete later, kept in the lab's S3 (a later kernel may delete the stack)
    try:
        for logical_id, kind, properties in plan.lab_side(outputs):
            try:
                plan.created[logical_id], calls = _PROVIDERS[kind](lab, {**properties, "_id": logical_id})
            except ClientError as exc:
                raise LambdaLabError(f"Could not create {logical_id} ({kind}) in the lab: {_reason(exc)}") from None
            undo += calls
            if not kind.startswith("LambdaLab::"):
                resources[logical_id] = StackResource(logical_id, kind, plan.created[logical_id]["Ref"], "lab")
    except LambdaLabError:
        _save_undo(lab, stack_name, undo)
        _delete(lab, stack_name)    # roll back, as CloudFormation does when a resource fails
        raise
    _save_undo(lab, stack_name, undo)
    outputs = {k: v for k, v in outputs.items() if not k.startswith(_Plan.PREFIX)}
    outputs.update({k: plan.resolve(output["Value"]) for k, output in plan.late_outputs.items()})
    return SamStack(lab, stack_name, cfn_template, resources, outputs)


def _create_stack(lab: "Lab", plan: "_Plan", stack_name: str,
                  parameters: dict[str, str]) -> tuple[dict[str, Any], dict[str, StackResource]]:
    """Create the CloudFormation part; its outputs and resources. A failure rolls back, as on AWS."""
    cfn = lab.client("cloudformation")
    once = lab.client("cloudformation", config=Config(retries={"total_max_attempts": 1}))  # a retry finds the stack
    try:
        plan.pseudo["AWS::StackId"] = once.create_stack(
            StackName=stack_name, TemplateBody=json.dumps(plan.stack_template),
            Parameters=[{"ParameterKey": k, "ParameterValue": str(v)} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"])["StackId"]
        _wait_for_stack(cfn, stack_name)
    except (ClientError, BotoCoreError, ResponseParserError, LambdaLabError) as exc:
        _delete(lab, stack_name)
        raise LambdaLabError(f"CloudFormation could not create stack {stack_name!r}: {_reason(exc)}. Fix the "
                             "template (or what it names) and deploy again.") from None
    outputs = {o["OutputKey"]: o.get("OutputValue")
               for o in cfn.describe_stacks(StackName=stack_name)["Stacks"][0].get("Outputs", [])}
    resources = {r["LogicalResourceId"]: StackResource(r["LogicalResourceId"], r["ResourceType"],
                                                       r.get("PhysicalResourceId"))
                 for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]}
    return outputs, resources


# -- reading and checking the template ----------------------------------------------------------

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


def _load(template: str | Path) -> tuple[dict, Path]:
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


def _check(sam: dict) -> None:
    transform = sam.get("Transform")
    if SAM_TRANSFORM not in (transform if isinstance(transform, list) else [transform]):
        raise LambdaLabError(f"This is not a SAM template: add the line `Transform: {SAM_TRANSFORM}` at the top. "
                             "(Plain CloudFormation goes to lab.client('cloudformation').create_stack(...).)")
    functions = [r.get("Properties") or {} for r in sam["Resources"].values()
                 if r.get("Type") == "AWS::Serverless::Function"]
    if any("AutoPublishAlias" in p for p in [*functions, (sam.get("Globals") or {}).get("Function") or {}]):
        raise LambdaLabError("AutoPublishAlias is not supported by the lab: remove it, and publish versions and "
                             "aliases with fn.publish_version() and lab.client('lambda').create_alias(...).")
    for name, resource in sam["Resources"].items():
        if "DefinitionUri" in (resource.get("Properties") or {}):
            raise LambdaLabError(f"{name}: DefinitionUri is not supported by the lab. Put the OpenAPI document "
                                 "in DefinitionBody, or leave both out: SAM builds the API from the functions' Events.")
        for event_name, event in ((resource.get("Properties") or {}).get("Events") or {}).items():
            event = event if isinstance(event, dict) else {}
            where, kind = f"{name}.Events.{event_name}", event.get("Type")
            if resource.get("Type") != "AWS::Serverless::Function":
                raise LambdaLabError(f"{where}: the lab delivers events to functions only, not to a "
                                     f"{resource.get('Type')}. Remove the event here, or deploy to AWS with "
                                     "`sam deploy`.")
            if kind not in SUPPORTED_EVENTS:
                raise LambdaLabError(f"{where}: the lab cannot deliver SAM events of type {kind!r}; it delivers "
                                     f"{', '.join(SUPPORTED_EVENTS)}. Remove this event to deploy here (and test "
                                     "the handler with fn.invoke and an event from lambda_lab.events), or use "
                                     "`sam deploy` on AWS.")
            if "FilterCriteria" in (event.get("Properties") or {}):
                raise LambdaLabError(f"{where}: the lab's pollers do not apply FilterCriteria (every record "
                                     "would reach the function). Remove it and filter in the handler.")


# -- packaging and translating -------------------------------------------------------------------

def _package(lab: "Lab", sam: dict, folder: Path, stack_name: str) -> None:
    """Zip each local CodeUri / ContentUri into the lab's S3, and point the template at it (sam package)."""
    s3, bucket = lab.client("s3"), _bucket(lab)
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket, **({} if lab.region == "us-east-1" else
                                           {"CreateBucketConfiguration": {"LocationConstraint": lab.region}}))
    places = [("Globals", (sam.get("Globals") or {}).get("Function") or {}, "CodeUri")]
    uri_keys = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}
    for name, resource in sam["Resources"].items():
        key = uri_keys.get(resource.get("Type"))
        if key:
            places.append((name, resource.setdefault("Properties", {}), key))
    for name, properties, key in places:
        uri = properties.get(key)
        if not isinstance(uri, str) or uri.startswith("s3://"):
            continue  # already in S3, a {Bucket, Key} mapping, or InlineCode
        path = (folder / uri).resolve()
        if not path.exists():
            raise LambdaLabError(f"{name}: {key} {uri!r} does not exist (looked for {path}). {key} is relative to the "
                                 "template's folder: create that folder with your handler in it, or fix the path.")
        zip_bytes = path.read_bytes() if path.suffix == ".zip" else build_zip(path=path, handler="app.handler")
        object_key = f"{stack_name}/{hashlib.md5(zip_bytes).hexdigest()}.zip"  # noqa: S324 - named as sam names them
        s3.put_object(Bucket=bucket, Key=object_key, Body=zip_bytes)
        properties[key] = f"s3://{bucket}/{object_key}"


def _translate(lab: "Lab", sam: dict, parameters: dict[str, str]) -> dict:
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
        raise LambdaLabError(f"The SAM translator rejected the template: {exc.message}") from None
    finally:
        metrics.publish()  # to no one; left unpublished, the translator logs a warning


# -- what CloudFormation creates, and what the lab creates after it ------------------------------

_REFERENCE = re.compile(r'"Ref": "(\w+)"|"Fn::GetAtt": \["(\w+)"|"Fn::GetAtt": "(\w+)\.|\$\{(\w+)[.}]')


def _references(node: Any) -> set[str]:
    """Logical ids a value refers to (Ref, GetAtt, and ${...} inside Sub; a Sub's own variables too)."""
    return {next(group for group in match.groups() if group) for match in _REFERENCE.finditer(json.dumps(node))}


def _depends(resource: dict) -> list[str]:
    depends = resource.get("DependsOn") or []
    return [depends] if isinstance(depends, str) else list(depends)


class _Plan:
    """Splits the translated template into what moto's CloudFormation creates and what the lab creates after.

    Values the lab needs from the stack (a function's ARN, a topic's ARN) become extra Outputs
    (``LambdaLabValue<n>``), so CloudFormation itself resolves them.
    """

    PREFIX = "LambdaLabValue"

    def __init__(self, template: dict, pseudo: dict[str, Any]):
        from moto.cloudformation.parsing import get_model_map
        creatable = set(get_model_map()) - _TAKEN_OVER
        self.stack_template = copy.deepcopy(template)
        stack: dict[str, dict] = self.stack_template["Resources"]
        self.lab_resources: dict[str, dict] = {}
        for logical_id, resource in list(stack.items()):
            self._split_late_properties(logical_id, resource)
            if resource["Type"] not in creatable:
                self.lab_resources[logical_id] = stack.pop(logical_id)
        # Whatever refers to a lab-created resource is created by the lab too (a permission naming an API).
        while refers := [i for i, r in stack.items() if _references(r.get("Properties")) & self.lab_resources.keys()]:
            self.lab_resources.update((i, stack.pop(i)) for i in refers)
        for logical_id, resource in self.lab_resources.items():
            if resource["Type"] not in _PROVIDERS or "Condition" in resource:
                condition = ", with a Condition" if "Condition" in resource else ""
                raise LambdaLabError(f"{logical_id} ({resource['Type']}{condition}) cannot be created in the lab: "
                                     "moto's CloudFormation does not support it. Remove it from the template, or "
                                     "deploy to AWS with `sam deploy`.")
        for resource in stack.values():
            if "DependsOn" in resource:
                resource["DependsOn"] = [d for d in _depends(resource) if d in stack]
        outputs = self.stack_template.setdefault("Outputs", {})
        self.late_outputs = {k: outputs.pop(k) for k in list(outputs)
                             if _references(outputs[k]) & self.lab_resources.keys()}
        self.pseudo, self.created = pseudo, {}
        self._hoisted: dict[tuple, str] = {}
        self._values: dict[str, Any] = {}
        self.resolve([self.lab_resources, self.late_outputs], collect=True)  # also checks every intrinsic early
        outputs.update({key: {"Value": {"Ref": ref[0]} if len(ref) == 1 else {"Fn::GetAtt": list(ref)}}
                        for ref, key in self._hoisted.items()})
        if not outputs:
            del self.stack_template["Outputs"]

    def _split_late_properties(self, logical_id: str, resource: dict) -> None:
        """Properties moto's CloudFormation ignores become lab-applied resources of their own."""
        properties = resource.get("Properties") or {}
        if resource["Type"] == "AWS::S3::Bucket" and "NotificationConfiguration" in properties:
            self.lab_resources[f"{logical_id}Notifications"] = {
                "Type": "LambdaLab::S3::BucketNotification",
                "Properties": {"Bucket": {"Ref": logical_id},
                               **_notification(properties.pop("NotificationConfiguration"))}}
        late = {k: properties.pop(k) for k in _LATE_FUNCTION_PROPERTIES
                if k in properties and resource["Type"] == "AWS::Lambda::Function"}
        if late:
            self.lab_resources[f"{logical_id}Configuration"] = {
                "Type": "LambdaLab::Lambda::FunctionConfiguration",
                "Properties": {"FunctionName": {"Ref": logical_id}, **late}}

    def lab_side(self, stack_outputs: dict[str, Any]) -> Iterator[tuple[str, str, dict]]:
        """(logical id, type, resolved properties) of each lab-created resource, in dependency order."""
        self._values = stack_outputs
        pending = dict(self.lab_resources)
        while pending:
            ready = [i for i, r in pending.items() if not (_references(r) | set(_depends(r))) & (pending.keys() - {i})]
            if not ready:
                raise LambdaLabError(f"These resources refer to each other in a circle: {sorted(pending)}.")
            for logical_id in ready:
                resource = pending.pop(logical_id)
                yield logical_id, resource["Type"], self.resolve(resource.get("Properties") or {})

    def resolve(self, node: Any, collect: bool = False) -> Any:
        """A value with its intrinsic functions replaced by what they stand for."""
        if isinstance(node, list):
            return [v for v in (self.resolve(item, collect) for item in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, value), = node.items()
            if key == "Ref":
                return self._lookup(value, None, collect)
            if key == "Fn::GetAtt":
                return self._lookup(*(value.split(".", 1) if isinstance(value, str) else value), collect)
            if key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else value
                variables = self.resolve(variables, collect)

                def substitute(match: re.Match) -> str:
                    name = match[1]
                    if name in variables:
                        return str(variables[name])
                    parts = [name] if name.startswith("AWS::") else name.split(".", 1)
                    return str(self._lookup(parts[0], parts[1] if len(parts) > 1 else None, collect))
                return re.sub(r"\$\{!([^}]*)\}", r"${\1}", re.sub(r"\$\{([^!}][^}]*)\}", substitute, text))
            if key == "Fn::Join":
                return value[0].join(str(v) for v in self.resolve(value[1], collect))
            if key.startswith("Fn::"):
                raise LambdaLabError(f"{key} is not supported in what the lab creates after the stack "
                                     "(it supports Ref, Fn::GetAtt, Fn::Sub and Fn::Join there).")
        resolved = {k: self.resolve(v, collect) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _lookup(self, name: str, attribute: str | None, collect: bool) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.lab_resources:
            if collect:
                return ""
            value = self.created.get(name, {}).get(attribute or "Ref")
            if value is None:
                raise LambdaLabError(f"{name}.{attribute} is not available in the lab.")
            return value
        ref = (name,) if attribute is None else (name, attribute)
        if collect:
            self._hoisted.setdefault(ref, f"{self.PREFIX}{len(self._hoisted)}")
            return ""
        return self._values[self._hoisted[ref]]


# -- creating what moto's CloudFormation cannot --------------------------------------------------
# Each provider makes ordinary API calls and returns ({"Ref": physical id, attribute: value, ...},
# undo calls); the undo calls (service, operation, parameters) are stored in the lab's S3.

Provider = Callable[["Lab", dict], tuple[dict, list]]


def _operations(body: dict) -> Iterator[tuple[str, str, dict]]:
    """(path, METHOD, x-amazon-apigateway-integration) for each operation of an OpenAPI body."""
    for path, item in (body.get("paths") or {}).items():
        for method, operation in item.items():
            integration = operation.get("x-amazon-apigateway-integration") if isinstance(operation, dict) else None
            if method.lower() in _HTTP_METHODS and integration:
                yield path, "ANY" if method.startswith("x-") else method.upper(), integration


def _rest_api(lab: "Lab", p: dict) -> tuple[dict, list]:
    apigateway, body = lab.client("apigateway"), p.get("Body") or {}
    api_id = apigateway.create_rest_api(name=p.get("Name") or (body.get("info") or {}).get("title") or p["_id"],
                                        description=p.get("Description", ""))["id"]
    ids = {r["path"]: r["id"] for r in apigateway.get_resources(restApiId=api_id)["items"]}
    for path, method, integration in _operations(body):
        parent = "/"
        for part in [part for part in path.split("/") if part]:
            child = parent.rstrip("/") + "/" + part
            if child not in ids:
                ids[child] = apigateway.create_resource(restApiId=api_id, parentId=ids[parent], pathPart=part)["id"]
            parent = child
        apigateway.put_method(restApiId=api_id, resourceId=ids[parent], httpMethod=method, authorizationType="NONE")
        apigateway.put_integration(restApiId=api_id, resourceId=ids[parent], httpMethod=method,
                                   type=integration["type"].upper(), uri=integration["uri"],
                                   integrationHttpMethod=integration.get("httpMethod", "POST"))
    return {"Ref": api_id, "RootResourceId": ids["/"]}, [("apigateway", "delete_rest_api", {"restApiId": api_id})]


def _http_api(lab: "Lab", p: dict) -> tuple[dict, list]:
    v2, body = lab.client("apigatewayv2"), p.get("Body") or {}
    api = v2.create_api(Name=p.get("Name") or (body.get("info") or {}).get("title") or p["_id"], ProtocolType="HTTP")
    for path, method, integration in _operations(body):
        made = v2.create_integration(ApiId=api["ApiId"], IntegrationType=integration["type"].upper(),
                                     IntegrationUri=integration["uri"],
                                     PayloadFormatVersion=integration.get("payloadFormatVersion", "2.0"))
        v2.create_route(ApiId=api["ApiId"], RouteKey="$default" if path == "$default" else f"{method} {path}",
                        Target=f"integrations/{made['IntegrationId']}")
    return ({"Ref": api["ApiId"], "ApiId": api["ApiId"], "ApiEndpoint": api.get("ApiEndpoint")},
            [("apigatewayv2", "delete_api", {"ApiId": api["ApiId"]})])


def _call(service: str, operation: str, parameters: Callable[[dict], dict], ref: Callable[[dict, dict], Any],
          undo: Callable[[dict, dict], tuple] | None = None) -> Provider:
    """A provider that is one API call: its parameters from the properties, the Ref from the answer."""
    def provider(lab: "Lab", p: dict) -> tuple[dict, list]:
        answer = getattr(lab.client(service), operation)(**{k: v for k, v in parameters(p).items() if v is not None})
        return {**answer, "Ref": ref(p, answer)}, [undo(p, answer)] if undo else []
    return provider


def _notification(config: dict) -> dict:
    """A bucket's NotificationConfiguration, from CloudFormation's shape to the S3 API's."""
    shapes = (("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
              ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
              ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"))
    api: dict[str, list] = {}
    for cfn_key, api_key, target, arn in shapes:
        for item in config.get(cfn_key) or []:
            rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules")
            api.setdefault(api_key, []).append({arn: item[target], "Events": [item["Event"]],
                                                **({"Filter": {"Key": {"FilterRules": rules}}} if rules else {})})
    return api


_PROVIDERS: dict[str, Provider] = {
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::ApiGatewayV2::Api": _http_api,
    "AWS::ApiGateway::Deployment": _call("apigateway", "create_deployment", lambda p: {
        "restApiId": p["RestApiId"], "stageName": p.get("StageName"), "description": p.get("Description")},
        lambda p, r: r["id"]),
    "AWS::ApiGateway::Stage": _call("apigateway", "create_stage", lambda p: {
        "restApiId": p["RestApiId"], "stageName": p["StageName"], "deploymentId": p["DeploymentId"],
        "variables": p.get("Variables")}, lambda p, r: r["stageName"]),
    "AWS::ApiGatewayV2::Stage": _call("apigatewayv2", "create_stage", lambda p: {
        "ApiId": p["ApiId"], "StageName": p["StageName"], "AutoDeploy": p.get("AutoDeploy")},
        lambda p, r: r["StageName"]),
    "AWS::SNS::Subscription": _call("sns", "subscribe", lambda p: {
        "TopicArn": p["TopicArn"], "Protocol": p["Protocol"], "Endpoint": p.get("Endpoint"),
        "ReturnSubscriptionArn": True,
        "Attributes": {k: json.dumps(v) if isinstance(v, (dict, list)) else str(v) for k, v in p.items()
                       if k in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy")} or None},
        lambda p, r: r["SubscriptionArn"],
        lambda p, r: ("sns", "unsubscribe", {"SubscriptionArn": r["SubscriptionArn"]})),
    "AWS::Lambda::Permission": _call("lambda", "add_permission", lambda p: {
        "FunctionName": p["FunctionName"], "StatementId": p["_id"], "Action": p["Action"], "Principal": p["Principal"],
        "SourceArn": p.get("SourceArn"), "SourceAccount": p.get("SourceAccount")}, lambda p, r: p["_id"],
        lambda p, r: ("lambda", "remove_permission", {"FunctionName": p["FunctionName"], "StatementId": p["_id"]})),
    "AWS::Lambda::Url": _call("lambda", "create_function_url_config", lambda p: {
        "FunctionName": p["TargetFunctionArn"], "AuthType": p["AuthType"], "Qualifier": p.get("Qualifier"),
        "Cors": p.get("Cors")}, lambda p, r: r["FunctionArn"],
        lambda p, r: ("lambda", "delete_function_url_config", {"FunctionName": p["TargetFunctionArn"]})),
    "AWS::Lambda::LayerVersion": _call("lambda", "publish_layer_version", lambda p: {
        "LayerName": p.get("LayerName") or p["_id"], "Description": p.get("Description"), "Content": p["Content"],
        "CompatibleRuntimes": p.get("CompatibleRuntimes"), "LicenseInfo": p.get("LicenseInfo")},
        lambda p, r: r["LayerVersionArn"], lambda p, r: ("lambda", "delete_layer_version", {
            "LayerName": r["LayerArn"], "VersionNumber": r["Version"]})),
    "LambdaLab::S3::BucketNotification": _call("s3", "put_bucket_notification_configuration", lambda p: {
        "Bucket": p["Bucket"], "NotificationConfiguration": {k: v for k, v in p.items() if k not in ("Bucket", "_id")}},
        lambda p, r: p["Bucket"]),
    "LambdaLab::Lambda::FunctionConfiguration": _call("lambda", "update_function_configuration", lambda p: {
        k: v for k, v in p.items() if k != "_id"}, lambda p, r: r["FunctionName"]),
}


# -- the stack's life ----------------------------------------------------------------------------

def _bucket(lab: "Lab") -> str:
    """The lab's deployment bucket (sam deploy's is aws-sam-cli-managed-default-samclisourcebucket-...)."""
    return f"lambda-lab-sam-{lab.region}"


def _record_key(stack_name: str) -> str:
    return f"{stack_name}/lambda-lab-resources.json"


def _save_undo(lab: "Lab", stack_name: str, undo: list) -> None:
    lab.client("s3").put_object(Bucket=_bucket(lab), Key=_record_key(stack_name), Body=json.dumps(undo).encode())


def _stack_status(cfn, name: str) -> str | None:
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    except (ClientError, IndexError):
        return None


def _wait_for_stack(cfn, name: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while (status := _stack_status(cfn, name) or "").endswith("IN_PROGRESS") and time.monotonic() < deadline:
        time.sleep(0.1)
    if status != "CREATE_COMPLETE":
        events = cfn.describe_stack_events(StackName=name)["StackEvents"]
        reasons = [f"{e['LogicalResourceId']}: {e['ResourceStatusReason']}"
                   for e in events if e.get("ResourceStatusReason")]
        raise LambdaLabError(f"it ended in {status or 'nothing'} ({'; '.join(reasons[:3]) or 'no reason given'})")


def _reason(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return f"{exc.response.get('Error', {}).get('Code')}: {exc.response.get('Error', {}).get('Message')}"
    # moto answers some CloudFormation failures in JSON, which the XML parser rejects: keep the message.
    found = re.search(r'"message": "((?:[^"\\]|\\.)*)"', str(exc))
    return found[1] if found else str(exc)


def _delete(lab: "Lab", stack_name: str) -> None:
    s3, cfn = lab.client("s3"), lab.client("cloudformation")
    try:
        undo = json.loads(s3.get_object(Bucket=_bucket(lab), Key=_record_key(stack_name))["Body"].read())
    except ClientError:
        undo = []
    for service, operation, parameters in reversed(undo):
        try:
            getattr(lab.client(service), operation)(**parameters)
        except ClientError:
            pass  # already gone with its parent (an API's stage, a function's permission)
    if _stack_status(cfn, stack_name) is not None:
        cfn.delete_stack(StackName=stack_name)
    try:
        s3.delete_object(Bucket=_bucket(lab), Key=_record_key(stack_name))
    except ClientError:
        pass
