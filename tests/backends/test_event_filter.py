"""FilterCriteria as Lambda applies them, on the record shapes of AWS's documentation:
https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
"""

from __future__ import annotations

import base64
import json

import pytest

from lambda_lab.backends.local.event_filter import patterns_of, record_matches, split_records, validate_filter_criteria
from lambda_lab.errors import InvalidParameterValueError


def criteria(*patterns: dict) -> dict:
    return {"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}


def test_an_sqs_json_body_is_matched_as_json():
    patterns = patterns_of(criteria({"body": {"RequestCode": ["BBBB"]}}))
    assert record_matches(patterns, {"messageId": "1", "body": json.dumps({"RequestCode": "BBBB"})})
    assert not record_matches(patterns, {"messageId": "2", "body": json.dumps({"RequestCode": "AAAA"})})
    assert not record_matches(patterns, {"messageId": "3", "body": "BBBB"})   # a plain string has no fields


def test_a_plain_string_body_matches_a_pattern_on_the_string():
    assert record_matches(patterns_of(criteria({"body": ["hello"]})), {"body": "hello"})


def test_any_filter_matching_is_enough_and_no_filters_lets_everything_through():
    patterns = patterns_of(criteria({"body": {"kind": ["a"]}}, {"body": {"kind": ["b"]}}))
    kept, dropped = split_records(patterns, [{"body": '{"kind": "a"}'}, {"body": '{"kind": "b"}'},
                                             {"body": '{"kind": "c"}'}])
    assert [json.loads(r["body"])["kind"] for r in kept] == ["a", "b"]
    assert [json.loads(r["body"])["kind"] for r in dropped] == ["c"]
    assert record_matches(patterns_of(None), {"body": "anything"})


def test_kinesis_fields_and_base64_json_data_are_named_at_the_top():
    record = {"eventSource": "aws:kinesis", "kinesis": {
        "partitionKey": "user-1", "data": base64.b64encode(json.dumps({"temperature": 31}).encode()).decode()}}
    assert record_matches(patterns_of(criteria({"data": {"temperature": [{"numeric": [">", 30]}]}})), record)
    assert record_matches(patterns_of(criteria({"partitionKey": ["user-1"]})), record)
    assert not record_matches(patterns_of(criteria({"data": {"temperature": [{"numeric": ["<", 30]}]}})), record)


def test_dynamodb_records_are_matched_as_delivered():
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": {"status": {"S": "paid"}}}}
    assert record_matches(patterns_of(criteria({"eventName": ["INSERT"]})), record)
    assert record_matches(patterns_of(criteria({"dynamodb": {"NewImage": {"status": {"S": ["paid"]}}}})), record)
    assert not record_matches(patterns_of(criteria({"eventName": ["REMOVE"]})), record)


@pytest.mark.parametrize("bad", [{"Filters": [{"Pattern": "not json"}]}, {"Filters": [{"Pattern": "[1]"}]},
                                 {"Filters": [{"Pattern": "{}"}] * 6}])
def test_bad_filter_criteria_get_aws_error(bad):
    with pytest.raises(InvalidParameterValueError, match="Invalid filter pattern definition"):
        validate_filter_criteria(bad)


def test_filter_criteria_through_the_api_are_checked():
    from botocore.exceptions import ClientError

    from lambda_lab import Lab
    with Lab.local() as lab:
        queue = lab.client("sqs").create_queue(QueueName="filtered")["QueueUrl"]
        arn = lab.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
        fn = lab.deploy("filtered", "def handler(event, context):\n    return 1\n")
        with pytest.raises(ClientError) as raised:
            lab.client("lambda").create_event_source_mapping(
                FunctionName=fn.name, EventSourceArn=arn["QueueArn"],
                FilterCriteria={"Filters": [{"Pattern": "not json"}]})
        assert raised.value.response["Error"]["Code"] == "InvalidParameterValueException"
