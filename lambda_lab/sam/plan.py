"""Which resources moto's CloudFormation creates and which the lab creates after it."""

from __future__ import annotations

import copy
import re
import secrets
from typing import Any, Callable, Iterator

from ..errors import LambdaLabError
from .providers import PROVIDERS, is_custom, notification

# moto's CloudFormation knows these types but gets them wrong (a REST API's Body is ignored and a
# Name required; a layer version's or a version's Ref is not its ARN): the lab creates them.
_TAKEN_OVER = {"AWS::ApiGateway::RestApi", "AWS::Lambda::LayerVersion", "AWS::Lambda::Version"}
# What UpdateFunctionConfiguration can set after the stack, when it refers to a lab-created resource.
_DEFERRABLE_FUNCTION_PROPERTIES = ("Environment", "Description", "KMSKeyArn", "VpcConfig", "Role")
_LATE_FUNCTION_PROPERTIES = ("Layers", "DeadLetterConfig", "TracingConfig", "EphemeralStorage", "LoggingConfig",
                             "SnapStart")
NO_VALUE = object()




_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


def references(node: Any) -> set[str]:
    """Logical ids a value refers to: Ref, Fn::GetAtt, and ${...} inside Fn::Sub (not the Sub's own variables)."""
    found: set[str] = set()

    def note(name: str, attribute: str | None) -> None:
        if not name.startswith("AWS::"):
            found.add(name)
    _replace_references(node, note)
    return found


def depends(resource: dict) -> list[str]:
    depends = resource.get("DependsOn") or []
    return [depends] if isinstance(depends, str) else list(depends)


def _plain(logical_id: str, definition: Any) -> str:
    """A state machine's definition as one string (the translator writes it as a Fn::Join of lines).

    moto's CloudFormation ignores DefinitionSubstitutions, so the lab applies them with Fn::Sub.
    """
    if isinstance(definition, dict) and "Fn::Join" in definition:
        separator, parts = definition["Fn::Join"]
        if all(isinstance(part, str) for part in parts):
            definition = separator.join(parts)
    if not isinstance(definition, str):
        raise LambdaLabError(f"{logical_id}: a state machine definition with both intrinsic functions and "
                             "DefinitionSubstitutions cannot be created in the lab. Move the values into "
                             "DefinitionSubstitutions.")
    return definition


def _replace_references(node: Any, replace: Callable[[str, str | None], Any]) -> Any:
    """``node`` with each Ref/GetAtt (and ${...} in a Sub) that ``replace`` answers replaced by its answer.

    ``replace(logical_id, attribute)`` answers None to keep a reference, else a string, a Ref, or a Sub text.
    """
    if isinstance(node, list):
        return [_replace_references(item, replace) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1 and ("Ref" in node or "Fn::GetAtt" in node):
        target = node["Ref"] if "Ref" in node else node["Fn::GetAtt"]
        if isinstance(target, str):
            name, _, attribute = target.partition(".") if "Ref" not in node else (target, "", "")
        elif isinstance(target, list) and target and isinstance(target[0], str):
            name, attribute = target[0], target[1] if len(target) > 1 and isinstance(target[1], str) else ""
        else:
            return node
        found = replace(name, attribute or None)
        return node if found is None else found
    if len(node) == 1 and "Fn::Sub" in node:
        value = node["Fn::Sub"]
        text, variables = (value, None) if isinstance(value, str) else (
            (value[0], value[1] if len(value) > 1 and isinstance(value[1], dict) else {})
            if isinstance(value, list) and value else (None, None))
        if not isinstance(text, str):
            return node

        def inline(match: re.Match) -> str:
            name, _, attribute = match[1].partition(".")
            found = None if (variables and match[1] in variables) else replace(name, attribute or None)
            if found is None:
                return match[0]
            if isinstance(found, dict):
                return "${%s}" % found["Ref"] if "Ref" in found else found["Fn::Sub"]
            return str(found).replace("${", "${!")
        text = _SUB_NAME.sub(inline, text)
        return {"Fn::Sub": text if variables is None else [text, _replace_references(variables, replace)]}
    return {k: _replace_references(v, replace) for k, v in node.items()}


def _known_identities(template: dict) -> dict:
    """References CloudFormation would resolve that the lab can write down before anything exists.

    - ``Fn::GetAtt [Machine, Arn]`` becomes ``Ref: Machine``, the same ARN on AWS: moto's
      CloudFormation has no Arn attribute for a state machine (it answers "Unformatted GetAtt").
    - A schedule group is named by its Name (or a name made here) and its ARN follows from it, so
      what refers to it (a role's policy, a state machine's definition) can stay in the stack while
      the lab creates the group itself.
    """
    resources = template["Resources"]
    machines = {i for i, r in resources.items() if r.get("Type") == "AWS::StepFunctions::StateMachine"}
    groups: dict[str, str] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::Scheduler::ScheduleGroup":
            properties = resource.setdefault("Properties", {})
            if not isinstance(properties.get("Name"), str):
                properties["Name"] = f"{logical_id}-{secrets.token_hex(6)}"
            groups[logical_id] = properties["Name"]

    def replace(name: str, attribute: str | None) -> Any:
        if name in machines and attribute == "Arn":
            return {"Ref": name}
        if name in groups and attribute is None:
            return groups[name]
        if name in groups and attribute == "Arn":
            return {"Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule-group/"
                               + groups[name]}
        return None
    return _replace_references(template, replace) if machines or groups else template


def _substituted(definition: str, substitutions: dict) -> Any:
    """A definition with its DefinitionSubstitutions applied, as one plain-text Fn::Sub.

    Literal values are written in; a Ref or GetAtt becomes ``${Name}`` / ``${Name.Attribute}`` in the
    text. (Fn::Sub's list form would go through moto's string.Template, which turns ASL's
    ``$$.Execution.Name`` into ``$.Execution.Name``; the plain form leaves ``$$`` alone, as AWS does.)
    """
    text, left = definition, {}
    for name, value in substitutions.items():
        if isinstance(value, (str, int, float, bool)):
            text = text.replace("${%s}" % name, (str(value).lower() if isinstance(value, bool) else str(value))
                                .replace("${", "${!"))
        elif isinstance(value, dict) and list(value) == ["Ref"]:
            text = text.replace("${%s}" % name, "${%s}" % value["Ref"])
        elif isinstance(value, dict) and list(value) == ["Fn::GetAtt"]:
            target = value["Fn::GetAtt"]
            text = text.replace("${%s}" % name, "${%s}" % (target if isinstance(target, str) else ".".join(target)))
        else:
            left[name] = value
    return {"Fn::Sub": [text, left] if left else text}


class Plan:
    """Splits the translated template into what moto's CloudFormation creates and what the lab creates after.

    Values the lab needs from the stack (a function's ARN, a topic's ARN) become extra Outputs
    (``LambdaLabValue<n>``), so CloudFormation itself resolves them.
    """

    PREFIX = "LambdaLabValue"

    def __init__(self, template: dict, pseudo: dict[str, Any]):
        from moto.cloudformation.parsing import get_model_map
        creatable = set(get_model_map()) - _TAKEN_OVER
        self.stack_template = _known_identities(copy.deepcopy(template))
        stack: dict[str, dict] = self.stack_template["Resources"]
        self.lab_resources: dict[str, dict] = {}
        for logical_id, resource in list(stack.items()):
            self._split_late_properties(logical_id, resource)
            if resource["Type"] not in creatable:
                self.lab_resources[logical_id] = stack.pop(logical_id)
        # Whatever refers to a lab-created resource is created by the lab too (a permission naming an API);
        # a function keeps its place in the stack, and the properties that refer (an environment variable
        # holding a custom resource's value) are applied by UpdateFunctionConfiguration after it.
        while True:
            for logical_id, resource in stack.items():
                if resource["Type"] == "AWS::Lambda::Function":
                    self._defer_referring_properties(logical_id, resource)
            refers = [i for i, r in stack.items() if references(r.get("Properties")) & self.lab_resources.keys()]
            if not refers:
                break
            self.lab_resources.update((i, stack.pop(i)) for i in refers)
        for logical_id, resource in self.lab_resources.items():
            if resource["Type"] not in PROVIDERS and not is_custom(resource["Type"]):
                raise LambdaLabError(f"{logical_id} ({resource['Type']}) cannot be created in the lab: on AWS, "
                                     "CloudFormation creates it, but the lab's CloudFormation (moto's) has no "
                                     "such resource type and the lab does not make it either. Remove it from the "
                                     "template to deploy here (and anything that refers to it), or deploy to AWS "
                                     "with `sam deploy`.")
        for logical_id, resource in self.lab_resources.items():
            if resource["Type"] == "AWS::Lambda::Version":   # published once its late configuration is applied
                function = resource["Properties"]["FunctionName"]
                configured = f"{function.get('Ref') if isinstance(function, dict) else function}Configuration"
                if configured in self.lab_resources:
                    resource["DependsOn"] = [*depends(resource), configured]
        for resource in stack.values():
            if "DependsOn" in resource:
                resource["DependsOn"] = [d for d in depends(resource) if d in stack]
        outputs = self.stack_template.setdefault("Outputs", {})
        self.late_outputs = {k: outputs.pop(k) for k in list(outputs)
                             if references(outputs[k]) & self.lab_resources.keys()}
        self.pseudo, self.created = pseudo, {}
        self._hoisted: dict[tuple, str] = {}
        self._hoisted_when: dict[tuple, set[tuple]] = {}
        self._when: list[tuple[str, bool]] = []     # the Fn::If branches being collected
        self._values: dict[str, Any] = {}
        for part in (self.lab_resources, self.late_outputs):   # also checks every intrinsic early
            for item in part.values():
                self._under((item["Condition"], True) if "Condition" in item else None, item)
        outputs.update({key: {"Value": {"Ref": ref[0]} if len(ref) == 1 else {"Fn::GetAtt": list(ref)},
                              **self._output_condition(self._hoisted_when[ref])}
                        for ref, key in self._hoisted.items()})
        if not outputs:
            del self.stack_template["Outputs"]

    def _defer_referring_properties(self, logical_id: str, resource: dict) -> None:
        properties = resource.get("Properties") or {}
        late = {k: properties.pop(k) for k in _DEFERRABLE_FUNCTION_PROPERTIES
                if k in properties and references(properties[k]) & self.lab_resources.keys()}
        if late:
            configuration = self.lab_resources.setdefault(f"{logical_id}Configuration", {
                "Type": "LambdaLab::Lambda::FunctionConfiguration",
                "Properties": {"FunctionName": {"Ref": logical_id}}})
            configuration["Properties"].update(late)

    def _split_late_properties(self, logical_id: str, resource: dict) -> None:
        """Properties moto's CloudFormation ignores become lab-applied resources of their own."""
        properties = resource.get("Properties") or {}
        if resource["Type"] == "AWS::S3::Bucket" and "NotificationConfiguration" in properties:
            self.lab_resources[f"{logical_id}Notifications"] = {
                "Type": "LambdaLab::S3::BucketNotification",
                "Properties": {"Bucket": {"Ref": logical_id},
                               **notification(logical_id, properties.pop("NotificationConfiguration"))}}
        if resource["Type"] == "AWS::StepFunctions::StateMachine" and "DefinitionSubstitutions" in properties:
            properties["DefinitionString"] = _substituted(_plain(logical_id, properties.get("DefinitionString")),
                                                          properties.pop("DefinitionSubstitutions"))
        late = {k: properties.pop(k) for k in _LATE_FUNCTION_PROPERTIES
                if k in properties and resource["Type"] == "AWS::Lambda::Function"}
        if late:
            self.lab_resources[f"{logical_id}Configuration"] = {
                "Type": "LambdaLab::Lambda::FunctionConfiguration",
                "Properties": {"FunctionName": {"Ref": logical_id}, **late}}

    # -- conditions: CloudFormation decides them; the lab reads its answers from extra Outputs --------
    def _under(self, when: tuple[str, bool] | None, node: Any) -> None:
        if when:
            self._condition_key(when[0])
            self._when.append(when)
        try:
            self.resolve(node, collect=True)
        finally:
            if when:
                self._when.pop()

    def _condition_key(self, name: str) -> str:
        if name not in (self.stack_template.get("Conditions") or {}):
            raise LambdaLabError(f"Condition {name!r} is used but not defined: add it under `Conditions:`.")
        key = f"{self.PREFIX}If{name}"
        self.stack_template.setdefault("Outputs", {})[key] = {"Value": {"Fn::If": [name, "true", "false"]}}
        return key

    def holds(self, name: str) -> bool:
        """Whether the condition ``name`` is true in the stack CloudFormation created."""
        return self._values[f"{self.PREFIX}If{name}"] == "true"

    def _output_condition(self, whens: set[tuple]) -> dict:
        """The Condition under which a hoisted value exists: any of the branches that need it."""
        if () in whens:
            return {}
        conditions = self.stack_template["Conditions"]

        def condition(node: dict) -> str:
            name = f"{self.PREFIX}When{len(conditions)}"
            conditions[name] = node
            return name

        def branch(when: tuple) -> dict:
            parts = [{"Condition": c} if holds else {"Fn::Not": [{"Condition": c}]} for c, holds in when]
            return parts[0] if len(parts) == 1 else {"Fn::And": parts}
        branches = [branch(when) for when in sorted(whens)]
        if len(branches) > 1:
            return {"Condition": condition({"Fn::Or": branches})}
        return {"Condition": branches[0]["Condition"] if "Condition" in branches[0] else condition(branches[0])}

    def lab_side(self, stack_outputs: dict[str, Any]) -> Iterator[tuple[str, str, dict]]:
        """(logical id, type, resolved properties) of each lab-created resource, in dependency order.

        A resource whose Condition is false is not created, as in CloudFormation.
        """
        self._values = stack_outputs
        pending = dict(self.lab_resources)
        while pending:
            ready = [i for i, r in pending.items() if not (references(r) | set(depends(r))) & (pending.keys() - {i})]
            if not ready:
                raise LambdaLabError(f"These resources refer to each other in a circle: {sorted(pending)}.")
            for logical_id in ready:
                resource = pending.pop(logical_id)
                if "Condition" not in resource or self.holds(resource["Condition"]):
                    yield logical_id, resource["Type"], self.resolve(resource.get("Properties") or {})

    def late_output_values(self) -> dict[str, Any]:
        """The template's Outputs that refer to lab-made resources (those whose Condition holds)."""
        return {k: self.resolve(output["Value"]) for k, output in self.late_outputs.items()
                if "Condition" not in output or self.holds(output["Condition"])}

    def resolve(self, node: Any, collect: bool = False) -> Any:
        """A value with its intrinsic functions replaced by what they stand for."""
        if isinstance(node, list):
            return [v for v in (self.resolve(item, collect) for item in node) if v is not NO_VALUE]
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
            if key == "Fn::If":
                name, if_true, if_false = value
                if collect:
                    self._under((name, True), if_true)
                    self._under((name, False), if_false)
                    return ""
                return self.resolve(if_true if self.holds(name) else if_false)
            if key == "Fn::Join":
                return value[0].join(str(v) for v in self.resolve(value[1], collect))
            if key.startswith("Fn::"):
                raise LambdaLabError(f"{key} is not supported in what the lab creates after the stack "
                                     "(it supports Ref, Fn::GetAtt, Fn::Sub and Fn::Join there).")
        resolved = {k: self.resolve(v, collect) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

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
            self._hoisted_when.setdefault(ref, set()).add(tuple(self._when))
            return ""
        return self._values[self._hoisted[ref]]
