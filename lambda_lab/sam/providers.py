"""Resources moto's CloudFormation cannot create, created by the lab with ordinary API calls."""

from __future__ import annotations

import json
import secrets
import string
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable, Iterator

from botocore.exceptions import ClientError

from ..errors import LambdaLabError

if TYPE_CHECKING:
    from ..lab import Lab

_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"}


# undo calls); the undo calls (service, operation, parameters) are stored in the lab's S3.

Provider = Callable[["Lab", dict], tuple[dict, list]]


def _operations(body: dict) -> Iterator[tuple[str, str, dict, dict]]:
    """(path, METHOD, x-amazon-apigateway-integration, operation) for each operation of an OpenAPI body."""
    for path, item in (body.get("paths") or {}).items():
        for method, operation in item.items():
            integration = operation.get("x-amazon-apigateway-integration") if isinstance(operation, dict) else None
            if method.lower() in _HTTP_METHODS and integration:
                yield path, "ANY" if method.startswith("x-") else method.upper(), integration, operation


def _models_and_validators(apigateway, api_id: str, body: dict) -> dict[str, str]:
    """An OpenAPI body's models (definitions / components.schemas) and request validators; validator ids by name."""
    schemas = body.get("definitions") or (body.get("components") or {}).get("schemas") or {}
    for name, schema in schemas.items():
        apigateway.create_model(restApiId=api_id, name=name, contentType="application/json", schema=json.dumps(schema))
    return {name: apigateway.create_request_validator(
                restApiId=api_id, name=name, validateRequestBody=bool(v.get("validateRequestBody")),
                validateRequestParameters=bool(v.get("validateRequestParameters")))["id"]
            for name, v in (body.get("x-amazon-apigateway-request-validators") or {}).items()}


def _method_settings(body: dict, operation: dict, validators: dict[str, str]) -> dict:
    """A method's validator, request models and required parameters, from its OpenAPI operation."""
    settings: dict[str, Any] = {"AuthorizationType": "NONE"}
    validator = operation.get("x-amazon-apigateway-request-validator") or body.get("x-amazon-apigateway-request-validator")
    if validator in validators:
        settings["RequestValidatorId"] = validators[validator]
    models, parameters = {}, {}
    for parameter in operation.get("parameters") or []:
        where = {"query": "querystring", "header": "header", "path": "path"}.get(parameter.get("in"))
        if parameter.get("in") == "body" and "$ref" in (parameter.get("schema") or {}):
            models["application/json"] = parameter["schema"]["$ref"].rsplit("/", 1)[-1]
        elif where:
            parameters[f"method.request.{where}.{parameter['name']}"] = bool(parameter.get("required"))
    for content_type, media in ((operation.get("requestBody") or {}).get("content") or {}).items():
        if "$ref" in (media.get("schema") or {}):
            models[content_type] = media["schema"]["$ref"].rsplit("/", 1)[-1]
    if models:
        settings["RequestModels"] = models
    if parameters:
        settings["RequestParameters"] = parameters
    return settings


def _rest_api(lab: "Lab", p: dict) -> tuple[dict, list]:
    apigateway, body = lab.client("apigateway"), p.get("Body") or {}
    policy = p.get("Policy") or body.get("x-amazon-apigateway-policy")
    api_id = apigateway.create_rest_api(name=p.get("Name") or (body.get("info") or {}).get("title") or p["_id"],
                                        description=p.get("Description", ""),
                                        **({"policy": policy if isinstance(policy, str) else json.dumps(policy)}
                                           if policy else {}))["id"]
    ids = {r["path"]: r["id"] for r in apigateway.get_resources(restApiId=api_id)["items"]}
    validators = _models_and_validators(apigateway, api_id, body)
    for path, method, integration, operation in _operations(body):
        parent = "/"
        for part in [part for part in path.split("/") if part]:
            child = parent.rstrip("/") + "/" + part
            if child not in ids:
                ids[child] = apigateway.create_resource(restApiId=api_id, parentId=ids[parent], pathPart=part)["id"]
            parent = child
        _put_method(apigateway, api_id, ids[parent], method, _method_settings(body, operation, validators),
                    _integration_from_openapi(integration))
    return {"Ref": api_id, "RootResourceId": ids["/"]}, [("apigateway", "delete_rest_api", {"restApiId": api_id})]


def _integration_from_openapi(integration: dict) -> dict:
    """An OpenAPI ``x-amazon-apigateway-integration`` in CloudFormation's Integration shape."""
    responses = [{"StatusCode": str(response.get("statusCode", "200")),
                  **({"SelectionPattern": pattern} if pattern != "default" else {}),
                  "ResponseTemplates": response.get("responseTemplates"),
                  "ResponseParameters": response.get("responseParameters")}
                 for pattern, response in (integration.get("responses") or {}).items()]
    return {"Type": integration["type"], "Uri": integration.get("uri"),
            "IntegrationHttpMethod": integration.get("httpMethod"),
            "RequestTemplates": integration.get("requestTemplates"),
            "RequestParameters": integration.get("requestParameters"),
            "PassthroughBehavior": integration.get("passthroughBehavior"),
            "Credentials": integration.get("credentials"), "IntegrationResponses": responses}


def _put_method(apigateway, api_id: str, resource_id: str, method: str, settings: dict, integration: dict | None,
                method_responses: list | None = None) -> None:
    """One method with its integration, integration responses and method responses (CloudFormation's shapes)."""
    def given(**values):
        return {k: v for k, v in values.items() if v is not None}
    apigateway.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=method, **given(
        authorizationType=settings.get("AuthorizationType") or "NONE", apiKeyRequired=settings.get("ApiKeyRequired"),
        operationName=settings.get("OperationName"), requestParameters=settings.get("RequestParameters"),
        requestModels=settings.get("RequestModels"), requestValidatorId=settings.get("RequestValidatorId")))
    for response in method_responses or []:
        apigateway.put_method_response(restApiId=api_id, resourceId=resource_id, httpMethod=method, **given(
            statusCode=str(response["StatusCode"]),
            responseParameters={k: bool(v) for k, v in (response.get("ResponseParameters") or {}).items()} or None))
    if not integration:
        return
    kind = str(integration.get("Type", "AWS_PROXY")).upper()
    apigateway.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=method, **given(
        type=kind, uri=integration.get("Uri"),
        integrationHttpMethod=integration.get("IntegrationHttpMethod") or ("POST" if kind != "MOCK" else None),
        requestTemplates=integration.get("RequestTemplates"), requestParameters=integration.get("RequestParameters"),
        passthroughBehavior=integration.get("PassthroughBehavior"), credentials=integration.get("Credentials"),
        timeoutInMillis=integration.get("TimeoutInMillis")))
    for response in integration.get("IntegrationResponses") or []:
        apigateway.put_integration_response(restApiId=api_id, resourceId=resource_id, httpMethod=method, **given(
            statusCode=str(response.get("StatusCode", "200")), selectionPattern=response.get("SelectionPattern"),
            responseTemplates=response.get("ResponseTemplates"), responseParameters=response.get("ResponseParameters"),
            contentHandling=response.get("ContentHandling")))


def _api_resource(lab: "Lab", p: dict) -> tuple[dict, list]:
    made = lab.client("apigateway").create_resource(restApiId=p["RestApiId"], parentId=p["ParentId"],
                                                    pathPart=p["PathPart"])
    return {"Ref": made["id"], "ResourceId": made["id"]}, []   # deleted with its API


def _api_method(lab: "Lab", p: dict) -> tuple[dict, list]:
    _put_method(lab.client("apigateway"), p["RestApiId"], p["ResourceId"], p["HttpMethod"].upper(), p,
                p.get("Integration"), p.get("MethodResponses"))
    return {"Ref": f"{p['ResourceId']}-{p['HttpMethod'].upper()}"}, []   # deleted with its API


def _http_api(lab: "Lab", p: dict) -> tuple[dict, list]:
    v2, body = lab.client("apigatewayv2"), p.get("Body") or {}
    cors = p.get("CorsConfiguration") or {k[:1].upper() + k[1:]: v
                                          for k, v in (body.get("x-amazon-apigateway-cors") or {}).items()}
    api = v2.create_api(Name=p.get("Name") or (body.get("info") or {}).get("title") or p["_id"], ProtocolType="HTTP",
                        **({"CorsConfiguration": cors} if cors else {}))
    for path, method, integration, _ in _operations(body):
        settings = {"IntegrationSubtype": integration.get("integrationSubtype"),
                    "IntegrationUri": integration.get("uri"), "CredentialsArn": integration.get("credentials"),
                    "RequestParameters": integration.get("requestParameters"),
                    "ConnectionType": integration.get("connectionType")}
        made = v2.create_integration(ApiId=api["ApiId"], IntegrationType=integration["type"].upper(),
                                     PayloadFormatVersion=integration.get("payloadFormatVersion", "2.0"),
                                     **{k: v for k, v in settings.items() if v is not None})
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


def notification(bucket: str, config: dict) -> dict:
    """A bucket's NotificationConfiguration, from CloudFormation's shape to the S3 API's.

    An item may be a ``Fn::If`` (SAM writes one for an event of a function with a Condition): its
    branches are converted, and the lab resolves the condition after CloudFormation decided it.
    """
    def plain(item: Any) -> bool:
        return isinstance(item, dict) and "Event" in item

    def conditional(item: Any) -> bool:
        branches = item.get("Fn::If") if isinstance(item, dict) and len(item) == 1 else None
        return (isinstance(branches, list) and len(branches) == 3
                and all(plain(b) or b == {"Ref": "AWS::NoValue"} for b in branches[1:]))
    if not isinstance(config, dict) or any(not (plain(item) or conditional(item))
                                           for items in config.values() if isinstance(items, list) for item in items):
        raise LambdaLabError(f"{bucket}.NotificationConfiguration: the lab applies a bucket's notifications "
                             "itself; it resolves Fn::If around one configuration, but not an intrinsic around "
                             "the whole list or a condition nested deeper. Write each LambdaConfigurations item "
                             "as a plain mapping (or one Fn::If of them), or deploy to AWS with `sam deploy`.")
    shapes = (("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
              ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
              ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"))

    def converted(item: dict, target: str, arn: str) -> dict:
        if not plain(item):
            return item   # {"Ref": "AWS::NoValue"}
        rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules")
        return {arn: item[target], "Events": [item["Event"]],
                **({"Filter": {"Key": {"FilterRules": rules}}} if rules else {})}
    api: dict[str, list] = {}
    for cfn_key, api_key, target, arn in shapes:
        for item in config.get(cfn_key) or []:
            if conditional(item):
                name, if_true, if_false = item["Fn::If"]
                item = {"Fn::If": [name, converted(if_true, target, arn), converted(if_false, target, arn)]}
            else:
                item = converted(item, target, arn)
            api.setdefault(api_key, []).append(item)
    return api


def _queue_policy(lab: "Lab", p: dict) -> tuple[dict, list]:
    """AWS::SQS::QueuePolicy: the policy document set on each queue (SetQueueAttributes Policy)."""
    sqs, undo = lab.client("sqs"), []
    for url in p["Queues"]:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(p["PolicyDocument"])})
        undo.append(("sqs", "set_queue_attributes", {"QueueUrl": url, "Attributes": {"Policy": ""}}))
    return {"Ref": p["_id"], "Id": p["_id"]}, undo


def _topic_policy(lab: "Lab", p: dict) -> tuple[dict, list]:
    """AWS::SNS::TopicPolicy: the policy document set on each topic (SetTopicAttributes Policy)."""
    sns = lab.client("sns")
    for arn in p["Topics"]:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(p["PolicyDocument"]))
    return {"Ref": p["_id"], "Id": p["_id"]}, []


def _generated_secret(spec: dict) -> str:
    """GenerateSecretString as Secrets Manager's GetRandomPassword reads it; a JSON string with a template."""
    alphabet = "".join(group for group, flag in (
        (string.ascii_lowercase, "ExcludeLowercase"), (string.ascii_uppercase, "ExcludeUppercase"),
        (string.digits, "ExcludeNumbers"), ("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "ExcludePunctuation"))
        if not spec.get(flag))
    if spec.get("IncludeSpace"):
        alphabet += " "
    alphabet = "".join(c for c in alphabet if c not in (spec.get("ExcludeCharacters") or ""))
    password = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    if "SecretStringTemplate" in spec:
        document = json.loads(spec["SecretStringTemplate"])
        document[spec.get("GenerateStringKey", "password")] = password
        return json.dumps(document)
    return password


def _secret(lab: "Lab", p: dict) -> tuple[dict, list]:
    """AWS::SecretsManager::Secret: Ref is the secret's ARN; a generated value when GenerateSecretString."""
    value = p.get("SecretString")
    if value is None:
        value = _generated_secret(p.get("GenerateSecretString") or {})
    answer = lab.client("secretsmanager").create_secret(
        Name=p.get("Name") or f"{p['_id']}-{secrets.token_hex(6)}", SecretString=value,
        **{k: v for k, v in (("Description", p.get("Description")), ("KmsKeyId", p.get("KmsKeyId")),
                             ("Tags", p.get("Tags"))) if v})
    return {"Ref": answer["ARN"], "Id": answer["ARN"]}, [("secretsmanager", "delete_secret", {
        "SecretId": answer["ARN"], "ForceDeleteWithoutRecovery": True})]


def _schedule(lab: "Lab", p: dict) -> tuple[dict, list]:
    """AWS::Scheduler::Schedule (what SAM's ScheduleV2 event makes), fired on the lab clock."""
    scheduler = lab.client("scheduler")
    name = p.get("Name") or f"{p['_id']}-{secrets.token_hex(4)}"
    group = p.get("GroupName") or "default"
    target = {k: v for k, v in p["Target"].items() if k in (
        "Arn", "RoleArn", "Input", "RetryPolicy", "DeadLetterConfig", "EventBridgeParameters", "SqsParameters")}
    answer = scheduler.create_schedule(
        Name=name, GroupName=group, ScheduleExpression=p["ScheduleExpression"], Target=target,
        FlexibleTimeWindow=p.get("FlexibleTimeWindow") or {"Mode": "OFF"},
        **{k: v for k, v in (("Description", p.get("Description")), ("State", p.get("State")),
                             ("ScheduleExpressionTimezone", p.get("ScheduleExpressionTimezone"))) if v})
    return {"Ref": name, "Arn": answer["ScheduleArn"]}, [("scheduler", "delete_schedule", {
        "Name": name, "GroupName": group})]


def _schedule_group(lab: "Lab", p: dict) -> tuple[dict, list]:
    name = p.get("Name") or f"{p['_id']}-{secrets.token_hex(4)}"
    answer = lab.client("scheduler").create_schedule_group(Name=name)
    return {"Ref": name, "Arn": answer["ScheduleGroupArn"]}, [("scheduler", "delete_schedule_group", {"Name": name})]


def _state_machine(lab: "Lab", p: dict) -> tuple[dict, list]:
    """A state machine that refers to something the lab creates (a schedule group), made after the stack."""
    definition = p.get("DefinitionString") or json.dumps(p.get("Definition") or {})
    name = p.get("StateMachineName") or f"{p['_id']}-{secrets.token_hex(6)}"
    made = lab.client("stepfunctions").create_state_machine(
        name=name, definition=definition, roleArn=p["RoleArn"], type=p.get("StateMachineType") or "STANDARD")
    arn = made["stateMachineArn"]
    return ({"Ref": arn, "Arn": arn, "Name": name},
            [("stepfunctions", "delete_state_machine", {"stateMachineArn": arn})])


def state_machines_to_the_executing_backend(lab: "Lab", resources: dict) -> list:
    """State machines CloudFormation made, created again where Step Functions executes them.

    moto's CloudFormation writes state machines to its plain Step Functions backend, while the lab
    executes them with moto's ASL interpreter, which keeps its own (the same ARN in both). Undo calls.
    """
    from moto.stepfunctions.models import stepfunctions_backends
    undo = []
    plain = stepfunctions_backends[lab.client("sts").get_caller_identity()["Account"]][lab.region]
    sfn = lab.client("stepfunctions")
    for resource in resources.values():
        if resource.type != "AWS::StepFunctions::StateMachine" or not resource.physical_id:
            continue
        machine = plain.describe_state_machine(resource.physical_id)
        sfn.create_state_machine(name=machine.name, definition=machine.definition, roleArn=machine.roleArn)
        undo.append(("stepfunctions", "delete_state_machine", {"stateMachineArn": resource.physical_id}))
    return undo


def is_custom(kind: str) -> bool:
    return kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource"


#: How long CloudFormation waits for a custom resource's answer (AWS: one hour; here: long enough).
CUSTOM_RESOURCE_TIMEOUT_S = 300


def custom_resource(lab: "Lab", p: dict, *, stack_id: str, bucket: str, resource_type: str) -> tuple[dict, list]:
    """A custom resource backed by a Lambda function, run as CloudFormation runs it.

    CloudFormation invokes the ServiceToken function asynchronously with a Create request whose
    ResponseURL is a presigned S3 URL, then waits for the function (or ``cfnresponse``) to PUT a
    JSON answer there: Status SUCCESS or FAILED, PhysicalResourceId, Data (the GetAtt values).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html
    """
    token = p.get("ServiceToken")
    if not isinstance(token, str) or ":lambda:" not in token:
        raise LambdaLabError(f"{p['_id']} ({resource_type}): the lab runs custom resources backed by a Lambda "
                             f"function of the template (ServiceToken: !GetAtt MyFunction.Arn); {token!r} is not one.")
    properties = {k: v for k, v in p.items() if k != "_id"}
    answer = _custom_request(lab, token, "Create", p["_id"], resource_type, properties, stack_id, bucket)
    delete_event = _custom_event("Delete", p["_id"], resource_type, properties, stack_id,
                                 _response_url(lab, bucket, p["_id"], "Delete"), answer["PhysicalResourceId"])
    return ({"Ref": answer["PhysicalResourceId"], **(answer.get("Data") or {})},
            [("lambda", "invoke", {"FunctionName": token, "InvocationType": "RequestResponse",
                                   "Payload": json.dumps(delete_event)})])


def _response_url(lab: "Lab", bucket: str, logical_id: str, request: str) -> str:
    key = f"custom-resource-responses/{logical_id}-{request}-{uuid.uuid4()}"
    return lab.client("s3").generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key},
                                                   ExpiresIn=7 * 24 * 3600)


def _custom_event(request: str, logical_id: str, resource_type: str, properties: dict, stack_id: str,
                  response_url: str, physical_id: str | None = None) -> dict:
    event = {"RequestType": request, "ServiceToken": properties["ServiceToken"], "ResponseURL": response_url,
             "StackId": stack_id, "RequestId": str(uuid.uuid4()), "LogicalResourceId": logical_id,
             "ResourceType": resource_type, "ResourceProperties": properties}
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    return event


def _custom_request(lab: "Lab", token: str, request: str, logical_id: str, resource_type: str, properties: dict,
                    stack_id: str, bucket: str) -> dict:
    url = _response_url(lab, bucket, logical_id, request)
    key = url.split(f"/{bucket}/", 1)[1].split("?", 1)[0]
    lab.client("lambda").invoke(FunctionName=token, InvocationType="Event", Payload=json.dumps(
        _custom_event(request, logical_id, resource_type, properties, stack_id, url)))
    s3, deadline = lab.client("s3"), time.monotonic() + CUSTOM_RESOURCE_TIMEOUT_S
    while True:
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            break
        except ClientError:
            if time.monotonic() > deadline:
                raise LambdaLabError(f"{logical_id} ({resource_type}): the function {token} sent no answer to "
                                     f"the ResponseURL within {CUSTOM_RESOURCE_TIMEOUT_S} s. A custom resource's "
                                     "handler must PUT its result there (cfnresponse.send(...), or crhelper), "
                                     "for Create, Update and Delete; see its logs.") from None
            time.sleep(0.1)
    try:
        answer = json.loads(body)
    except ValueError:
        answer = {}
    if answer.get("Status") != "SUCCESS":
        reason = answer.get("Reason") or f"the answer was not JSON with Status SUCCESS: {body[:200]!r}"
        raise LambdaLabError(f"{logical_id} ({resource_type}) failed to create: {reason}")
    answer.setdefault("PhysicalResourceId", logical_id)
    return answer


def _environment(environment: dict) -> dict:
    """Environment variables as CloudFormation passes them: every value a string (21 -> "21")."""
    variables = environment.get("Variables") or {}
    return {**environment, "Variables": {k: v if isinstance(v, str) else json.dumps(v) if isinstance(v, (dict, list))
                                         else str(v).lower() if isinstance(v, bool) else str(v)
                                         for k, v in variables.items()}}


PROVIDERS: dict[str, Provider] = {
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::ApiGatewayV2::Api": _http_api,
    "AWS::ApiGateway::Resource": _api_resource,
    "AWS::ApiGateway::Model": _call("apigateway", "create_model", lambda p: {
        "restApiId": p["RestApiId"], "name": p.get("Name") or p["_id"], "contentType": p.get("ContentType"),
        "description": p.get("Description"),
        "schema": p["Schema"] if isinstance(p.get("Schema"), str) else json.dumps(p.get("Schema") or {})},
        lambda p, r: r["name"]),
    "AWS::ApiGateway::RequestValidator": _call("apigateway", "create_request_validator", lambda p: {
        "restApiId": p["RestApiId"], "name": p.get("Name") or p["_id"],
        "validateRequestBody": bool(p.get("ValidateRequestBody")),
        "validateRequestParameters": bool(p.get("ValidateRequestParameters"))}, lambda p, r: r["id"]),
    "AWS::ApiGateway::Method": _api_method,
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
    "AWS::Lambda::Version": _call("lambda", "publish_version", lambda p: {
        "FunctionName": p["FunctionName"], "Description": p.get("Description")},
        lambda p, r: r["FunctionArn"]),
    "AWS::Lambda::Alias": _call("lambda", "create_alias", lambda p: {
        "FunctionName": p["FunctionName"], "Name": p["Name"], "FunctionVersion": p["FunctionVersion"],
        "Description": p.get("Description"), "RoutingConfig": p.get("RoutingConfig")},
        lambda p, r: r["AliasArn"],
        lambda p, r: ("lambda", "delete_alias", {"FunctionName": p["FunctionName"], "Name": p["Name"]})),
    "AWS::Lambda::EventSourceMapping": _call("lambda", "create_event_source_mapping", lambda p: {
        k: v for k, v in p.items() if k not in ("_id", "Tags")}, lambda p, r: r["UUID"],
        lambda p, r: ("lambda", "delete_event_source_mapping", {"UUID": r["UUID"]})),
    "AWS::Lambda::EventInvokeConfig": _call("lambda", "put_function_event_invoke_config", lambda p: {
        "FunctionName": p["FunctionName"], "Qualifier": p.get("Qualifier"),
        "MaximumRetryAttempts": p.get("MaximumRetryAttempts"),
        "MaximumEventAgeInSeconds": p.get("MaximumEventAgeInSeconds"),
        "DestinationConfig": p.get("DestinationConfig")}, lambda p, r: r["FunctionArn"],
        lambda p, r: ("lambda", "delete_function_event_invoke_config", {
            "FunctionName": p["FunctionName"], **({"Qualifier": p["Qualifier"]} if p.get("Qualifier") else {})})),
    "AWS::StepFunctions::StateMachine": _state_machine,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::Scheduler::Schedule": _schedule,
    "AWS::Scheduler::ScheduleGroup": _schedule_group,
    "LambdaLab::S3::BucketNotification": _call("s3", "put_bucket_notification_configuration", lambda p: {
        "Bucket": p["Bucket"], "NotificationConfiguration": {k: v for k, v in p.items() if k not in ("Bucket", "_id")}},
        lambda p, r: p["Bucket"]),
    "LambdaLab::Lambda::FunctionConfiguration": _call("lambda", "update_function_configuration", lambda p: {
        k: _environment(v) if k == "Environment" else v for k, v in p.items() if k != "_id"},
        lambda p, r: r["FunctionName"]),
}
