"""Infrastructure as code: an album-export stack with a DLQ, a safe visibility timeout, least privilege, private buckets."""

from __future__ import annotations

import io
import json
import random
import time
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from labs.grader import Partial, Submission, check
from labs.grader.templates import Functions, vet

FILES = ["template.yaml"]
TIME_LIMIT_S = 300

# The lab's interface (README, "What the grader deploys").
FUNCTION_TIMEOUTS = (15, 30, 60, 120, 300, 900)  # seconds: every one must be deployable, with 6x visibility
PARAMETERS = ("SourceBucketName", "CodeBucket", "CodeKey", "FunctionTimeout")
OUTPUTS = ("ExportBucketName", "RequestQueueUrl", "DeadLetterQueueUrl", "FunctionName", "CdnDomainName")
DEPLOYED_TIMEOUT = 30  # seconds, when the template gives FunctionTimeout no default
MIN_RECEIVES = 5  # AWS: maxReceiveCount of at least 5 for a queue feeding Lambda
SQS_DEFAULT_RETENTION_S, SQS_MAX_RETENTION_S = 345_600, 1_209_600
SQS_DEFAULT_VISIBILITY_S, SQS_MAX_VISIBILITY_S = 30, 43_200
REQUESTS, EXPORTS, IMAGES = "requests/", "exports/", "images/"
EXPORTER = Path(__file__).resolve().parent / "exporter.py"  # the lab's code, never the submission's
ALLOWED_TYPES = frozenset({
    "AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::IAM::Role",
    "AWS::IAM::Policy", "AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping", "AWS::Logs::LogGroup",
    "AWS::SSM::Parameter", "AWS::CloudFront::Distribution", "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::CachePolicy", "AWS::CloudFront::ResponseHeadersPolicy", "AWS::CloudWatch::Alarm", "AWS::SNS::Topic",
})  # fmt: skip
FUNCTIONS = Functions(
    code={"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}},
    handlers=frozenset({"exporter.handler"}),
    environment=frozenset({"SOURCE_BUCKET", "EXPORT_BUCKET", "LIMITS_PARAMETER"}),
)
# What the exporter calls (exporter.py's docstring), so all its role may grant: action -> where.
NEEDED = {
    "s3:GetObject": ("source images/*", "export requests/*"),
    "s3:PutObject": ("export exports/*",),
    "sqs:ReceiveMessage": ("queue",),
    "sqs:DeleteMessage": ("queue",),
    "sqs:GetQueueAttributes": ("queue",),
    "ssm:GetParameter": ("limits",),
    "logs:CreateLogStream": ("log group",),
    "logs:PutLogEvents": ("log group",),
}
OPTIONAL = {"sqs:ChangeMessageVisibility": ("queue",)}  # the event source mapping may use it


# ----------------------------------------------------------------------------- reading the template
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML with CloudFormation's short tags (``!Ref X`` is ``{"Ref": "X"}``, ``!Sub s`` is ``{"Fn::Sub": s}``).

    PyYAML rather than cfn-lint's decoder: importing cfn-lint costs about a second in every
    check process, and only the lint and deploy checks need cfn-lint itself.
    """


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _intrinsic)


def parse(body: str) -> dict[str, Any]:
    """A template as data, short tags in their long form.

    >>> parse("{Value: !GetAtt Queue.Arn, Name: !Sub '${AWS::StackName}-x'}")
    {'Value': {'Fn::GetAtt': ['Queue', 'Arn']}, 'Name': {'Fn::Sub': '${AWS::StackName}-x'}}
    """
    try:
        parsed = yaml.load(body, Loader=_Loader)  # noqa: S506  (a SafeLoader with CloudFormation's tags)
    except yaml.YAMLError as error:
        raise AssertionError(f"template.yaml is not valid YAML: {error}") from None
    assert isinstance(parsed, dict), "template.yaml is not a mapping"
    return parsed


def _template(sub: Submission) -> dict[str, Any]:
    return as_deployed(sub.text("template.yaml"))


def as_deployed(body: str) -> dict[str, Any]:
    """The template as it deploys: the student's own parameters replaced by their defaults
    (a ``*`` cannot hide in one), resources whose Condition is false left out."""
    parsed = parse(body)
    assert isinstance(parsed.get("Resources"), dict), "template.yaml has no Resources"
    declared = parsed.get("Parameters") if isinstance(parsed.get("Parameters"), dict) else {}
    defaults = {name: p["Default"] for name, p in declared.items() if name not in PARAMETERS and isinstance(p, dict) and "Default" in p}
    parsed = _inline(parsed, defaults)
    kept = {}
    for name, resource in parsed["Resources"].items():
        try:
            deployed = not isinstance(resource, dict) or "Condition" not in resource or _condition(resource["Condition"], parsed, {})
        except (ValueError, TypeError, IndexError):
            deployed = True
        if deployed:
            kept[name] = resource
    return {**parsed, "Resources": kept}


def _inline(value: Any, defaults: dict[str, Any]) -> Any:
    """``value`` with ``!Ref P`` and ``${P}`` of the parameters in ``defaults`` replaced by their values."""
    if isinstance(value, list):
        return [_inline(v, defaults) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and "Ref" in value and value["Ref"] in defaults:
        return defaults[value["Ref"]]
    if len(value) == 1 and isinstance(value.get("Fn::Sub"), str):
        body = value["Fn::Sub"]
        for name, default in defaults.items():
            body = body.replace(f"${{{name}}}", str(default))
        return {"Fn::Sub": body}
    return {key: (_inline(item, defaults) if key != "Parameters" else item) for key, item in value.items()}


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if isinstance(r, dict) and r.get("Type") == kind}


def _props(resource: dict | None) -> dict:
    value = (resource or {}).get("Properties") or {}
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str:
    """An intrinsic-function value as text, references in braces: ``!GetAtt Q.Arn`` -> ``{Q.Arn}``.

    >>> text({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/images/*"})
    'arn:{AWS::Partition}:s3:::{Bucket}/images/*'
    >>> text({"StringEquals": {"AWS:SourceArn": {"Fn::Join": ["", [{"Fn::GetAtt": ["Q", "Arn"]}, "/x"]]}}})
    '(StringEquals: (AWS:SourceArn: {Q.Arn}/x))'
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)) or value is None:
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(text(v) for v in value) + "]"
    if not isinstance(value, dict):
        return str(value)
    if len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            return f"{{{argument}}}"
        if function == "Fn::GetAtt":
            return "{" + (".".join(map(str, argument)) if isinstance(argument, list) else str(argument)) + "}"
        if function == "Fn::Sub":
            template, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
            rendered = str(template).replace("${!", "\0")
            for name, variable in (variables or {}).items():
                rendered = rendered.replace(f"${{{name}}}", text(variable))
            return rendered.replace("${", "{").replace("\0", "${")
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], list):
            return str(argument[0]).join(text(part) for part in argument[1])
    return "(" + ", ".join(f"{key}: {text(item)}" for key, item in value.items()) + ")"


def _refers(value: Any, name: str) -> bool:
    """Does ``value`` name the resource or parameter ``name`` (``{name}`` or ``{name.Attribute}``)?"""
    rendered = text(value)
    return f"{{{name}}}" in rendered or f"{{{name}." in rendered


def evaluate(value: Any, template: dict, parameters: dict[str, str]) -> Any:
    """The value CloudFormation would use, for parameter values ``parameters`` (else their defaults).

    Handles literals, ``Ref`` to parameters, ``Fn::FindInMap`` and ``Fn::If``; anything else
    (a resource attribute) is a ValueError, since it is not known before deploying.
    """
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            if argument in parameters:
                return parameters[argument]
            declared = (template.get("Parameters") or {}).get(argument)
            if isinstance(declared, dict) and "Default" in declared:
                return declared["Default"]
            raise ValueError(f"!Ref {argument} has no value before deploying")
        if function == "Fn::FindInMap" and isinstance(argument, list) and len(argument) == 3:
            mapping, first, second = (str(evaluate(part, template, parameters)) for part in argument)
            try:
                return template["Mappings"][mapping][first][second]
            except (KeyError, TypeError):
                raise ValueError(f"the mapping {mapping} has no [{first}][{second}]") from None
        if function == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
            chosen = argument[1] if _condition(argument[0], template, parameters) else argument[2]
            return evaluate(chosen, template, parameters)
    raise ValueError(f"{text(value)} cannot be evaluated before deploying")


def _condition(value: Any, template: dict, parameters: dict[str, str]) -> bool:
    if isinstance(value, str):
        return _condition((template.get("Conditions") or {}).get(value), template, parameters)
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Fn::Equals":
            return str(evaluate(argument[0], template, parameters)) == str(evaluate(argument[1], template, parameters))
        if function == "Fn::Not":
            return not _condition(argument[0], template, parameters)
        if function == "Fn::And":
            return all(_condition(a, template, parameters) for a in argument)
        if function == "Fn::Or":
            return any(_condition(a, template, parameters) for a in argument)
        if function == "Condition":
            return _condition(argument, template, parameters)
    raise ValueError(f"the condition {text(value)} cannot be evaluated")


def _number(value: Any, template: dict, parameters: dict[str, str], default: int) -> int:
    value = default if value is None else evaluate(value, template, parameters)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None


def _statements(document: Any, template: dict | None = None) -> list[dict]:
    """A policy's statements: of an ``Fn::If``, the side the template's defaults choose (both
    sides if that cannot be told before deploying)."""
    if not isinstance(document, dict):
        return []
    found: list[dict] = []
    listed = document.get("Statement", [])
    for statement in listed if isinstance(listed, list) else [listed]:
        if isinstance(statement, dict) and isinstance(statement.get("Fn::If"), list) and len(statement["Fn::If"]) == 3:
            condition, *sides = statement["Fn::If"]
            try:
                sides = [sides[0] if _condition(condition, template or {}, {}) else sides[1]]
            except (ValueError, TypeError, IndexError):
                pass
            found += [side for side in sides if isinstance(side, dict) and "Effect" in side]
        elif isinstance(statement, dict):
            found.append(statement)
    return found


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


class Stack:
    """The parts of a student's template a check looks at, found by what they do, not by name."""

    def __init__(self, template: dict) -> None:
        self.template = template
        functions = _of_type(template, "AWS::Lambda::Function")
        assert len(functions) == 1, f"the template must declare exactly one Lambda function (the exporter), not {len(functions)}"
        ((self.function_name, self.function),) = functions.items()
        assert _props(self.function).get("Handler") in FUNCTIONS.handlers, (
            f"{self.function_name} must be the lab's exporter (Handler: exporter.handler, its code from CodeBucket/CodeKey)"
        )
        self.queues = _of_type(template, "AWS::SQS::Queue")
        self.buckets = _of_type(template, "AWS::S3::Bucket")

    def mapping(self) -> dict | None:
        for mapping in _of_type(self.template, "AWS::Lambda::EventSourceMapping").values():
            if _refers(_props(mapping).get("FunctionName"), self.function_name):
                return mapping
        return None

    def queue_name(self) -> str:
        mapping = self.mapping()
        assert mapping, f"no event source mapping invokes {self.function_name}: nothing reads the request queue"
        source = [name for name in self.queues if _refers(_props(mapping).get("EventSourceArn"), name)]
        assert source, "the event source mapping's EventSourceArn is not a queue of this template"
        return source[0]

    def export_bucket_name(self) -> str:
        variables = (_props(self.function).get("Environment") or {}).get("Variables") or {}
        named = [name for name in self.buckets if _refers(variables.get("EXPORT_BUCKET"), name)]
        assert named, "the exporter's EXPORT_BUCKET variable must name a bucket of this template (!Ref it)"
        return named[0]

    def bucket_texts(self, name: str) -> list[str]:
        """Ways a template names bucket ``name``: ``{name}``, and its BucketName's text if it sets one."""
        names = [f"{{{name}}}"]
        if "BucketName" in _props(self.buckets.get(name)):
            names.append(text(_props(self.buckets[name])["BucketName"]))
        return names

    def role_statements(self) -> tuple[str, list[dict], list[str]]:
        """The exporter's role, every statement attached to it, and problems of the role itself."""
        roles = [n for n in _of_type(self.template, "AWS::IAM::Role") if _refers(_props(self.function).get("Role"), n)]
        assert roles, "the exporter's Role is not a role of this template"
        role = _props(self.template["Resources"][roles[0]])
        problems = []
        if role.get("ManagedPolicyArns"):
            problems.append("the role attaches managed policies (AWSLambdaBasicExecutionRole allows logs on every log group: '*')")
        trusted = [s for s in _statements(role.get("AssumeRolePolicyDocument"), self.template) if s.get("Effect") == "Allow"]
        if any(json.dumps(s.get("Principal"), default=str) != json.dumps({"Service": "lambda.amazonaws.com"}) for s in trusted):
            problems.append("the role must trust only lambda.amazonaws.com")
        policies = [p for p in role.get("Policies") or [] if isinstance(p, dict)]
        statements = [s for p in policies for s in _statements(p.get("PolicyDocument"), self.template)]
        for policy in _of_type(self.template, "AWS::IAM::Policy").values():
            if _refers(_props(policy).get("Roles"), roles[0]):
                statements += _statements(_props(policy).get("PolicyDocument"), self.template)
        return roles[0], statements, problems


def _normalise_arn(value: str, stack: Stack) -> str:
    """Bucket ARNs in one spelling: ``arn:aws:s3:::{Bucket}``, whether written with GetAtt or Sub."""
    value = value.replace("{AWS::Partition}", "aws")
    for name in stack.buckets:
        for spelling in stack.bucket_texts(name)[1:]:
            value = value.replace(f"arn:aws:s3:::{spelling}", f"arn:aws:s3:::{{{name}}}")
        value = value.replace(f"{{{name}.Arn}}", f"arn:aws:s3:::{{{name}}}")
    return value


def _places(stack: Stack) -> dict[str, Any]:
    """Each place the exporter acts on, as a test of a (normalised) resource ARN."""
    exports = stack.export_bucket_name()
    queue = stack.queue_name()
    variables = (_props(stack.function).get("Environment") or {}).get("Variables") or {}
    limits = [n for n in _of_type(stack.template, "AWS::SSM::Parameter") if _refers(variables.get("LIMITS_PARAMETER"), n)]
    limit_texts = [f"{{{n}}}" for n in limits] + [text(_props(stack.template["Resources"][n]).get("Name")) for n in limits]
    logging = _props(stack.function).get("LoggingConfig") or {}
    groups = [n for n in _of_type(stack.template, "AWS::Logs::LogGroup") if _refers(logging.get("LogGroup"), n)]
    group_texts = [f"{{{n}.Arn}}" for n in groups] + [f"{{{n}}}" for n in groups]
    group_texts += [text(_props(stack.template["Resources"][n]).get("LogGroupName")) for n in groups]
    if "FunctionName" in _props(stack.function) and not groups:  # Lambda's default group
        group_texts.append(f"/aws/lambda/{text(_props(stack.function)['FunctionName'])}")
    group_texts = [g for g in group_texts if g and g != "None"]
    limit_texts = [t for t in limit_texts if t and t != "None"]
    return {
        "source images/*": lambda arn: arn == "arn:aws:s3:::{SourceBucketName}/images/*",
        "export requests/*": lambda arn: arn == f"arn:aws:s3:::{{{exports}}}/requests/*",
        "export exports/*": lambda arn: arn == f"arn:aws:s3:::{{{exports}}}/exports/*",
        "queue": lambda arn: arn == f"{{{queue}.Arn}}",
        "limits": lambda arn: arn.startswith("arn:aws:ssm:") and any(arn.endswith(f":parameter{t}") for t in limit_texts),
        "log group": lambda arn: any(arn == g or (arn.startswith("arn:aws:logs:") and f":log-group:{g}" in arn) for g in group_texts),
    }


def wildcard_problem(arn: str) -> str:
    """Why a resource ARN is broader than a named resource ('' if it is not).

    A ``*`` may end an S3 object ARN after a key prefix (``.../images/*``) or a log group's ARN
    (``...:log-group:NAME:*``, its streams); anywhere else it reaches resources you did not name.

    >>> wildcard_problem("arn:aws:s3:::{Bucket}/images/*"), wildcard_problem("arn:aws:logs:r:a:log-group:/aws/lambda/x:*")
    ('', '')
    >>> wildcard_problem("arn:aws:ssm:{AWS::Region}:{AWS::AccountId}:parameter/*")
    "'arn:aws:ssm:{AWS::Region}:{AWS::AccountId}:parameter/*' has a wildcard"
    """
    if "*" not in arn and "?" not in arn:
        return ""
    if arn.startswith("arn:aws:s3:::") and "?" not in arn and arn.count("*") == 1 and arn.endswith("/*"):
        key_prefix = arn.split("/", 1)[1] if "/" in arn else ""
        if key_prefix.strip("*"):
            return ""
        return f"{arn!r} is every object of the bucket: name the key prefix the function uses"
    if arn.startswith("arn:aws:logs:") and ":log-group:" in arn and arn.count("*") == 1 and arn.endswith(":*") and "?" not in arn:
        group = arn.split(":log-group:", 1)[1][:-2]
        if group and "*" not in group:
            return ""
    return f"{arn!r} has a wildcard"


# ----------------------------------------------------------------------------- what AWS would refuse
def _is_fifo(queue: dict) -> bool:
    properties = _props(queue)
    return str(properties.get("FifoQueue", "")).lower() == "true" or text(properties.get("QueueName", "")).endswith(".fifo")


def aws_would_refuse(template: dict) -> list[str]:
    """What AWS rejects at deploy time and the emulator accepts (so the grader checks it itself)."""
    problems = []
    queues = _of_type(template, "AWS::SQS::Queue")
    for name, bucket in _of_type(template, "AWS::S3::Bucket").items():
        configurations = (_props(bucket).get("NotificationConfiguration") or {}).get("QueueConfigurations") or []
        for configuration in configurations if isinstance(configurations, list) else []:
            for queue in [q for q in queues if _refers(configuration.get("Queue"), q)]:
                if _is_fifo(queues[queue]):
                    problems.append(
                        f"{name} notifies {queue}, a FIFO queue: S3 event notifications cannot target FIFO "
                        "queues (AWS fails the bucket: 'Unable to validate the following destination configurations')"
                    )
    for name, queue in queues.items():
        redrive = _props(queue).get("RedrivePolicy")
        if isinstance(redrive, dict):
            for target in [q for q in queues if _refers(redrive.get("deadLetterTargetArn"), q)]:
                if _is_fifo(queues[target]) != _is_fifo(queue):
                    problems.append(f"{name} and its dead-letter queue {target} must both be standard (or both FIFO)")
        try:
            visibility = _number(_props(queue).get("VisibilityTimeout"), template, {}, SQS_DEFAULT_VISIBILITY_S)
            retention = _number(_props(queue).get("MessageRetentionPeriod"), template, {}, SQS_DEFAULT_RETENTION_S)
        except ValueError:
            continue
        if not 0 <= visibility <= SQS_MAX_VISIBILITY_S:
            problems.append(f"{name}'s VisibilityTimeout {visibility} s is outside SQS's 0-{SQS_MAX_VISIBILITY_S}")
        if not 60 <= retention <= SQS_MAX_RETENTION_S:
            problems.append(f"{name}'s MessageRetentionPeriod {retention} s is outside SQS's 60-{SQS_MAX_RETENTION_S}")
    return problems


def lint_errors(body: str) -> list[str]:
    """cfn-lint's errors (not warnings): a template AWS would not create, however lenient the emulator is."""
    import cfnlint.api

    matches = cfnlint.api.lint(body, regions=["us-east-1"])
    return [f"cfn-lint {m.rule.id} line {m.linenumber}: {m.message}" for m in matches if m.rule.id.startswith("E")][:3]


# ----------------------------------------------------------------------------- static checks
@check(5, timeout_s=60, hint="Run `cfn-lint template.yaml` and fix what it reports (errors and warnings).")
def lint(sub: Submission) -> None:
    """cfn-lint reports nothing"""
    import cfnlint.api

    matches = cfnlint.api.lint(sub.text("template.yaml"), regions=["us-east-1"])
    assert not matches, "cfn-lint: " + "; ".join(f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches[:5])


@check(
    10,
    hint="A RedrivePolicy on the queue the function reads (deadLetterTargetArn + maxReceiveCount), a second "
    "queue that keeps messages longer, and an alarm on that queue's depth.",
)
def dead_letter_queue(sub: Submission) -> None | Partial:
    """failed requests move to a dead-letter queue that keeps them longer, with an alarm"""
    template = _template(sub)
    stack = Stack(template)
    source_name = stack.queue_name()
    source = _props(stack.queues[source_name])
    redrive = source.get("RedrivePolicy")
    assert isinstance(redrive, dict) and redrive, f"{source_name} (the queue the exporter reads) has no RedrivePolicy"
    targets = [name for name in stack.queues if _refers(redrive.get("deadLetterTargetArn"), name)]
    assert targets and targets[0] != source_name, "RedrivePolicy.deadLetterTargetArn must be another queue of this template (!GetAtt Q.Arn)"
    problems, lost = [], 0.0
    receives = _number(redrive.get("maxReceiveCount"), template, {}, 0)
    if receives < MIN_RECEIVES:
        lost += 0.5
        problems.append(f"maxReceiveCount is {receives}: AWS advises at least {MIN_RECEIVES} for a queue feeding Lambda, since "
                        "throttled deliveries count too and a lower value sends healthy requests to the DLQ during a throttle")  # fmt: skip
    kept = _number(_props(stack.queues[targets[0]]).get("MessageRetentionPeriod"), template, {}, SQS_DEFAULT_RETENTION_S)
    source_kept = _number(source.get("MessageRetentionPeriod"), template, {}, SQS_DEFAULT_RETENTION_S)
    if kept <= source_kept:
        lost += 0.5
        problems.append(f"{targets[0]} keeps messages {kept} s, not longer than {source_name} ({source_kept} s): a redriven "
                        "message keeps its original enqueue time and would expire early")  # fmt: skip
    if not _depth_alarm(template, targets[0]):
        lost += 0.3
        problems.append(f"no CloudWatch alarm fires when {targets[0]} holds a message (AWS/SQS ApproximateNumberOfMessagesVisible)")
    return Partial(1 - lost, "; ".join(problems)) if problems else None


def _depth_alarm(template: dict, queue: str) -> bool:
    for alarm in _of_type(template, "AWS::CloudWatch::Alarm").values():
        properties = _props(alarm)
        dimensions = properties.get("Dimensions") or []
        on_queue = any(isinstance(d, dict) and d.get("Name") == "QueueName" and _refers(d.get("Value"), queue) for d in dimensions)
        try:
            threshold = float(evaluate(properties.get("Threshold", 0), template, {}))
        except (TypeError, ValueError):
            continue
        fires_at_one = {"GreaterThanThreshold": threshold < 1, "GreaterThanOrEqualToThreshold": threshold <= 1}.get(
            str(properties.get("ComparisonOperator")), False
        )
        if on_queue and properties.get("Namespace") == "AWS/SQS" and fires_at_one and properties.get("MetricName") in (
            "ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessages"):  # fmt: skip
            return True
    return False


@check(
    15,
    hint="AWS: the source queue's visibility timeout at least 6x the function timeout, for every timeout the lab "
    "lets an operator choose (not only the ones your template lists). CloudFormation has no arithmetic: a Mappings "
    "table keyed by FunctionTimeout works.",
)
def visibility_timeout(sub: Submission) -> None:
    """visibility timeout ≥ 6 × function timeout, for every FunctionTimeout the lab allows"""
    template = _template(sub)
    stack = Stack(template)
    queue = _props(stack.queues[stack.queue_name()])
    declared = (template.get("Parameters") or {}).get("FunctionTimeout")
    assert isinstance(declared, dict), "the template must declare the FunctionTimeout parameter (the lab's interface)"
    listed = [int(v) for v in declared.get("AllowedValues") or [] if str(v).isdigit()]
    problems = []
    for timeout in sorted(set(FUNCTION_TIMEOUTS) | set(listed)):
        if listed and timeout not in listed:
            problems.append(f"FunctionTimeout={timeout} is not allowed by your template, and the lab requires it")
            continue
        if not int(declared.get("MinValue", 0)) <= timeout <= int(declared.get("MaxValue", 900)):
            problems.append(f"FunctionTimeout={timeout} is outside your MinValue/MaxValue")
            continue
        values = {"FunctionTimeout": str(timeout)}
        try:
            function_s = _number(_props(stack.function).get("Timeout"), template, values, 3)
            visibility_s = _number(queue.get("VisibilityTimeout"), template, values, SQS_DEFAULT_VISIBILITY_S)
        except ValueError as error:
            problems.append(f"with FunctionTimeout={timeout}: {error}")
            continue
        if function_s != timeout:
            problems.append(f"with FunctionTimeout={timeout}: the function's Timeout is {function_s} s (it must use FunctionTimeout)")
        elif visibility_s < 6 * function_s:
            problems.append(f"with FunctionTimeout={timeout}: visibility timeout {visibility_s} s < 6 × {function_s} s")
        elif visibility_s > SQS_MAX_VISIBILITY_S:
            problems.append(f"with FunctionTimeout={timeout}: {visibility_s} s is above SQS's 12-hour maximum")
    assert not problems, "; ".join(problems[:6])


@check(
    10,
    hint="S3 can notify only a standard queue, and only if the queue's policy lets s3.amazonaws.com send from "
    "this bucket. Filter the notification to the requests, and let the exporter report failed messages one by one.",
)
def request_path(sub: Submission) -> None | Partial:
    """S3 notifies a standard queue, filtered to requests, allowed by a queue policy; failures reported per message"""
    template = _template(sub)
    stack = Stack(template)
    queue = stack.queue_name()
    bucket = stack.export_bucket_name()
    configurations = (_props(stack.buckets[bucket]).get("NotificationConfiguration") or {}).get("QueueConfigurations") or []
    notifying = [c for c in configurations if isinstance(c, dict) and _refers(c.get("Queue"), queue)]
    assert notifying, f"{bucket} does not notify {queue} (NotificationConfiguration.QueueConfigurations)"
    assert not _is_fifo(stack.queues[queue]), (
        f"{queue} is a FIFO queue: S3 event notifications cannot target FIFO queues, so on AWS this stack does not deploy. "
        "Use a standard queue: the exporter writes a deterministic key, so a repeated delivery does no harm"
    )
    problems, lost = [], 0.0
    rules = [r for c in notifying for r in ((c.get("Filter") or {}).get("S3Key") or {}).get("Rules") or [] if isinstance(r, dict)]
    if not any(str(r.get("Name")).lower() == "prefix" and r.get("Value") == REQUESTS for r in rules):
        lost += 0.4
        problems.append(f"the notification is not filtered to the prefix {REQUESTS}: every export written to {EXPORTS} "
                        "would invoke the exporter again")  # fmt: skip
    if not _s3_may_send(template, queue, stack.bucket_texts(bucket)):
        lost += 0.3
        problems.append(f"no queue policy lets s3.amazonaws.com send to {queue} only from {bucket} "
                        "(sqs:SendMessage with an aws:SourceArn condition naming the bucket)")  # fmt: skip
    responses = _props(stack.mapping()).get("FunctionResponseTypes") or []
    if "ReportBatchItemFailures" not in responses:
        lost += 0.3
        problems.append("the event source mapping does not set FunctionResponseTypes: [ReportBatchItemFailures], so the "
                        "exporter's batchItemFailures are ignored and a failed request is deleted with its batch")  # fmt: skip
    return Partial(1 - lost, "; ".join(problems)) if problems else None


def _s3_may_send(template: dict, queue: str, bucket_texts: list[str]) -> bool:
    for policy in _of_type(template, "AWS::SQS::QueuePolicy").values():
        if not _refers(_props(policy).get("Queues"), queue):
            continue
        for statement in _statements(_props(policy).get("PolicyDocument"), template):
            if statement.get("Effect") != "Allow" or not _refers(statement.get("Resource"), queue):
                continue
            principal = json.dumps(statement.get("Principal"), default=str)
            condition = text(statement.get("Condition") or {}).lower()
            actions = _as_list(statement.get("Action"))
            if ("s3.amazonaws.com" in principal and actions == ["sqs:SendMessage"] and "aws:sourcearn" in condition
                    and any(t.lower() in condition for t in bucket_texts)):  # fmt: skip
                return True
    return False


@check(
    20,
    hint="List each action the exporter calls, on the resource it calls it on (exporter.py's docstring names "
    "them). A '*' or '?' anywhere in an action, or in a resource except after an S3 key prefix, grants more.",
)
def least_privilege(sub: Submission) -> None | Partial:
    """the exporter's role grants exactly what it does, on named resources, with no wildcard"""
    template = _template(sub)
    stack = Stack(template)
    role, statements, problems = stack.role_statements()
    places = _places(stack)
    granted: set[tuple[str, str]] = set()
    extras = []
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement or "NotResource" in statement:
            problems.append(f"statement {statement.get('Sid', '')!r} uses NotAction/NotResource: it allows everything but a list")
            continue
        actions = [a if isinstance(a, str) else text(a) for a in _as_list(statement.get("Action", []))]
        problems += [f"the action {a!r} is not written out: name each action literally" for a in actions if "{" in a]
        resources = [_normalise_arn(text(r), stack) for r in _as_list(statement.get("Resource", []))]
        for action in actions:
            if "*" in action or "?" in action:
                problems.append(f"the action {action!r} is a wildcard: it grants every action it matches, now and in future")
        problems += [p for p in map(wildcard_problem, resources) if p]
        for action in actions:
            for resource in resources:
                wanted = {a.lower(): at for a, at in {**NEEDED, **OPTIONAL}.items()}.get(action.lower(), ())
                where = [place for place in wanted if places[place](resource)]
                if where:
                    granted |= {(action.lower(), place) for place in where}
                elif "*" not in action and not wildcard_problem(resource):
                    extras.append(f"{action} on {resource}")
    missing = [f"{action} on {place}" for action, at in NEEDED.items() for place in at if (action.lower(), place) not in granted]
    if problems:
        return Partial(0, "; ".join(dict.fromkeys(problems[:6])))
    message = []
    if missing:
        message.append(f"{role} does not grant what the exporter needs: {', '.join(missing)}")
    if extras:
        message.append(f"{role} grants what the exporter never does: {', '.join(extras[:5])}")
    return Partial(0.5, "; ".join(message)) if message else None


@check(
    10,
    hint="PublicAccessBlockConfiguration (all four) on every bucket. CloudFront reads with an Origin Access "
    "Control, allowed by a bucket policy for cloudfront.amazonaws.com on the exports only, for this distribution only.",
)
def private_buckets(sub: Submission) -> None | Partial:
    """every bucket is private; CloudFront reads only the exports, through origin access control"""
    template = _template(sub)
    stack = Stack(template)
    bucket = stack.export_bucket_name()
    for name, resource in stack.buckets.items():
        block = _props(resource).get("PublicAccessBlockConfiguration") or {}
        flags = ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"]
        missing = [flag for flag in flags if str(block.get(flag)).lower() != "true"]
        assert not missing, f"{name} does not block public access: {', '.join(missing)} not true"
    distributions = _of_type(template, "AWS::CloudFront::Distribution")
    assert distributions, "no CloudFront distribution serves the exports"
    origins = [o for d in distributions.values() for o in (_props(d).get("DistributionConfig") or {}).get("Origins") or []
               if isinstance(o, dict) and _refers(o.get("DomainName"), bucket)]  # fmt: skip
    assert origins, f"no distribution has {bucket} as its origin"
    controls = _of_type(template, "AWS::CloudFront::OriginAccessControl")
    for origin in origins:
        assert any(_refers(origin.get("OriginAccessControlId"), name) for name in controls), (
            f"the origin {origin.get('Id')} does not use an OriginAccessControl of this template (OriginAccessControlId)"
        )
        assert not text((origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity", "")).strip(), (
            "the origin uses a legacy origin access identity; use origin access control only (OriginAccessIdentity: '')"
        )
    for name, control in controls.items():
        config = _props(control).get("OriginAccessControlConfig") or {}
        assert config.get("SigningBehavior") == "always" and config.get("OriginAccessControlOriginType") == "s3", (
            f"{name} must sign always, for an s3 origin"
        )
    problems, lost, allowed = [], 0.0, False
    for policy_name, policy in _of_type(template, "AWS::S3::BucketPolicy").items():
        for statement in _statements(_props(policy).get("PolicyDocument"), template):
            if statement.get("Effect") != "Allow":
                continue
            principal = statement.get("Principal")
            assert principal not in ("*", {"AWS": "*"}), f"{policy_name} allows anyone ({statement.get('Sid', 'a statement')})"
            if "cloudfront.amazonaws.com" not in json.dumps(principal, default=str):
                continue
            assert "aws:sourcearn" in text(statement.get("Condition") or {}).lower() and any(
                _refers(statement.get("Condition"), d) for d in distributions), (
                f"{policy_name} lets every CloudFront distribution read it: add an AWS:SourceArn condition naming yours"
            )  # fmt: skip
            resources = [_normalise_arn(text(r), stack) for r in _as_list(statement.get("Resource"))]
            if any(r != f"arn:aws:s3:::{{{bucket}}}/{EXPORTS}*" for r in resources):
                lost += 0.5
                problems.append(f"CloudFront may read {', '.join(resources)}: only {EXPORTS}* is for download "
                                f"(the request manifests under {REQUESTS} are not)")  # fmt: skip
            allowed = True
    assert allowed, f"no bucket policy allows CloudFront (cloudfront.amazonaws.com) to read {bucket}'s exports"
    for distribution in distributions.values():
        behaviour = (_props(distribution).get("DistributionConfig") or {}).get("DefaultCacheBehavior") or {}
        if behaviour.get("ViewerProtocolPolicy") not in ("redirect-to-https", "https-only"):
            lost += 0.3
            problems.append("viewers may download over plain HTTP: ViewerProtocolPolicy redirect-to-https or https-only")
    return Partial(1 - lost, "; ".join(problems)) if problems else None


# ----------------------------------------------------------------------------- the real thing
def names(prefix: str) -> dict[str, str]:
    """The stack and the two buckets the grader makes around it (the exporter's code, the images)."""
    return {"stack": prefix, "code": f"{prefix}-code", "source": f"{prefix}-source"}


def deploy_stack(target: Any, body: str, prefix: str, parameters: dict[str, str] | None = None) -> dict[str, str]:
    """Vet a template, then deploy it with the lab's exporter; its outputs (AssertionError on failure)."""
    template = as_deployed(body)
    vet(template, ALLOWED_TYPES, FUNCTIONS)
    declared = template.get("Parameters") or {}
    missing = [name for name in PARAMETERS if name not in declared]
    assert not missing, f"the template must declare the parameters {', '.join(PARAMETERS)} (missing: {', '.join(missing)})"
    refused = aws_would_refuse(template) + lint_errors(body)
    assert not refused, "AWS would refuse to create this stack (the emulator does not check it): " + "; ".join(refused)
    made = names(prefix)
    s3 = target.client("s3")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.write(EXPORTER, "exporter.py")
    for bucket in (made["code"], made["source"]):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=made["code"], Key="exporter.zip", Body=code.getvalue())
    values = {"SourceBucketName": made["source"], "CodeBucket": made["code"], "CodeKey": "exporter.zip", **(parameters or {})}
    cloudformation = target.client("cloudformation")
    cloudformation.create_stack(
        StackName=made["stack"], TemplateBody=body, Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()], OnFailure="DO_NOTHING",
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while (status := _stack(target, made["stack"])["StackStatus"]).endswith("_IN_PROGRESS") and time.monotonic() < deadline:
        time.sleep(0.3)
    if status != "CREATE_COMPLETE":
        events = cloudformation.describe_stack_events(StackName=made["stack"])["StackEvents"]
        failed = [e for e in events if e["ResourceStatus"].endswith("FAILED")]
        reasons = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}" for e in failed]
        raise AssertionError(f"the stack ended {status}: " + "; ".join(reasons[:4]))
    outputs = {o["OutputKey"]: o["OutputValue"] for o in _stack(target, made["stack"]).get("Outputs", [])}
    absent = [name for name in OUTPUTS if name not in outputs]
    assert not absent, f"the stack must output {', '.join(OUTPUTS)} (missing: {', '.join(absent)})"
    return outputs


def prefix(sub: Submission, suffix: str = "") -> str:
    return f"lab04-{sub.run_id}{suffix}"


def _stack(target: Any, name: str) -> dict:
    return target.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]


def deployed_problems(target: Any, outputs: dict[str, str], function_timeout: int, receives: int | None = None) -> list[str]:
    """What the deployed queue, DLQ, function and bucket really are, against the lab's rules."""
    sqs = target.client("sqs")
    queue = sqs.get_queue_attributes(QueueUrl=outputs["RequestQueueUrl"], AttributeNames=["All"])["Attributes"]
    dlq = sqs.get_queue_attributes(QueueUrl=outputs["DeadLetterQueueUrl"], AttributeNames=["All"])["Attributes"]
    function = target.client("lambda").get_function_configuration(FunctionName=outputs["FunctionName"])
    problems = []
    if function["Timeout"] != function_timeout:
        problems.append(f"the function's timeout is {function['Timeout']} s, not the FunctionTimeout given ({function_timeout} s)")
    if int(queue["VisibilityTimeout"]) < 6 * function["Timeout"]:
        problems.append(f"the deployed queue's visibility timeout is {queue['VisibilityTimeout']} s, < 6 × {function['Timeout']} s")
    redrive = json.loads(queue.get("RedrivePolicy") or "{}")
    if redrive.get("deadLetterTargetArn") != dlq["QueueArn"]:
        problems.append("the deployed request queue does not redrive to the DeadLetterQueueUrl output")
    elif receives is not None and int(redrive.get("maxReceiveCount", 0)) != receives:
        problems.append(f"the deployed maxReceiveCount is {redrive.get('maxReceiveCount')}, not the MaxReceiveCount given ({receives})")
    if int(dlq["MessageRetentionPeriod"]) <= int(queue["MessageRetentionPeriod"]):
        problems.append("the deployed dead-letter queue does not keep messages longer than the request queue")
    return problems


@check(
    10,
    needs_emulator=True,
    timeout_s=180,
    hint="Read the failure: the grader names what AWS would refuse, or "
    "CloudFormation names the resource and the reason. Deploy it yourself to see more (README, 'Verify').",
)
def deploys(sub: Submission) -> None | Partial:
    """the template deploys (as AWS would accept it), and the deployed queues are what it says"""
    template = _template(sub)
    declared = (template.get("Parameters") or {}).get("FunctionTimeout")
    timeout = str(declared.get("Default", DEPLOYED_TIMEOUT)) if isinstance(declared, dict) else str(DEPLOYED_TIMEOUT)
    outputs = deploy_stack(sub.target(), sub.text("template.yaml"), prefix(sub), {"FunctionTimeout": timeout})
    problems = deployed_problems(sub.target(), outputs, int(timeout))
    return Partial(0.5, "deployed, but: " + "; ".join(problems)) if problems else None


def request_export(target: Any, outputs: dict[str, str], source: str, rng: random.Random, wait_s: float = 25) -> str:
    """Put random images in the source bucket, ask for their export, and check the zip served by
    CloudFront; the export's path."""
    import requests

    s3 = target.client("s3")
    images = {f"{IMAGES}{rng.getrandbits(64):016x}/{rng.choice(['w320', 'w640', 'w1280'])}.{rng.choice(['jpg', 'webp'])}":
              rng.randbytes(rng.randrange(200, 4000)) for _ in range(rng.randrange(2, 7))}  # fmt: skip
    for key, data in images.items():
        s3.put_object(Bucket=source, Key=key, Body=data)
    name = f"album {rng.getrandbits(32):08x}"  # a space: S3 events carry the key URL-encoded
    bucket = outputs["ExportBucketName"]
    s3.put_object(Bucket=bucket, Key=f"{REQUESTS}{name}.json", Body=json.dumps({"keys": list(images)}).encode())
    export = f"{EXPORTS}{name}.zip"
    _wait_for(target, bucket, export, outputs["FunctionName"], wait_s)
    base, host = target.cdn_address(outputs["CdnDomainName"])
    response = requests.get(f"{base}/{quote(export)}", headers={"Host": host}, verify=target.verify, timeout=30)
    assert response.status_code == 200, (
        f"CloudFront answered {response.status_code} for /{export}: can it read the bucket (OAC + bucket policy)?"
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    got = {entry: archive.read(entry) for entry in archive.namelist()}
    wanted = {key[len(IMAGES) :]: data for key, data in images.items()}
    assert got == wanted, f"the zip CloudFront served holds {sorted(got)}, not the images asked for ({sorted(wanted)})"
    direct = requests.get(f"{target.endpoint_url}/{bucket}/{quote(export)}", verify=target.verify, timeout=30)
    assert direct.status_code in (401, 403), f"anyone can read the export from S3 itself (HTTP {direct.status_code}): it is public"
    manifest = requests.get(f"{base}/{quote(f'{REQUESTS}{name}.json')}", headers={"Host": host}, verify=target.verify, timeout=30)
    assert manifest.status_code in (403, 404), (
        f"CloudFront serves the request manifests too (HTTP {manifest.status_code}): let it read only {EXPORTS}*"
    )
    return f"/{quote(export)}"


def _wait_for(target: Any, bucket: str, key: str, function: str, wait_s: float) -> None:
    """Until the export exists; fails early with the exporter's own error if its log shows one."""
    from botocore.exceptions import ClientError

    s3, logs = target.client("s3"), target.client("logs")
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            s3.head_object(Bucket=bucket, Key=key)
            return
        except ClientError:
            pass
        error = _logged_error(logs, function)
        if error:
            raise AssertionError(f"the exporter failed: {error}")
        time.sleep(0.3)
    raise AssertionError(f"no {key} after {wait_s:g} s: is the bucket notifying the queue, and the queue invoking the exporter?")


def _logged_error(logs: Any, function: str) -> str:
    from botocore.exceptions import ClientError

    try:
        groups = logs.describe_log_groups()["logGroups"]
        for group in groups:
            if function not in group["logGroupName"]:
                continue
            for event in logs.filter_log_events(logGroupName=group["logGroupName"])["events"]:
                message = event["message"]
                if "Error" in message and ("when calling" in message or "errorMessage" in message):
                    return message.strip().splitlines()[-1][:400]
    except ClientError:
        return ""
    return ""


@check(
    20,
    needs_emulator=True,
    timeout_s=90,
    hint="If no export appears, follow one request: is the notification "
    "filtered to requests/*.json, does the queue policy let S3 send, may the role do each call? The exporter's own "
    "error is shown when it logs one.",
)
def exports_through_cloudfront(sub: Submission) -> None:
    """a request is exported end to end and downloaded through CloudFront, and nothing is public"""
    target = sub.target()
    made = names(prefix(sub))
    status = _stack(target, made["stack"])["StackStatus"] if _exists(target, made["stack"]) else None
    assert status == "CREATE_COMPLETE", f"the stack is {status or 'not deployed'}: the deploy check must pass first"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in _stack(target, made["stack"]).get("Outputs", [])}
    # Inputs from the seed (``--seed`` repeats them) but not from ``sub.rng``: they vary what the lab's exporter
    # zips, which no template can tell apart, so this deploying check stays out of the soundness test's seed loop.
    request_export(target, outputs, made["source"], random.Random(f"lab04-export:{sub.seed}"))


def _exists(target: Any, stack: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        _stack(target, stack)
    except ClientError:
        return False
    return True
