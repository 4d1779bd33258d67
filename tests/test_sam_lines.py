"""Resources the SAM transform creates point at the SAM property they came from."""

from __future__ import annotations

import textwrap

from iacguard.parsers.cloudformation.resources import parse_cloudformation

SAM = textwrap.dedent("""\
    AWSTemplateFormatVersion: '2010-09-09'
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          InlineCode: "def handler(e, c): return 1"
          Tracing: Active
          FunctionUrlConfig:
            AuthType: NONE
          Events:
            Nightly:
              Type: Schedule
              Properties:
                Schedule: rate(1 day)
            Upload:
              Type: SNS
              Properties:
                Topic: arn:aws:sns:us-east-1:123456789012:uploads
      Flow:
        Type: AWS::Serverless::StateMachine
        Properties:
          Definition: {StartAt: A, States: {A: {Type: Pass, End: true}}}
          Tracing:
            Enabled: true
          Logging:
            Level: ALL
    """)


def _resources():
    parsed = parse_cloudformation("template.yaml", SAM)
    assert parsed is not None and not parsed.errors
    return {r.address: r for r in parsed.resources}


def test_renamed_properties_point_at_the_sam_property() -> None:
    resources = _resources()
    function = resources["Fn"]
    assert function.type == "AWS::Lambda::Function"
    assert function.line_of(("TracingConfig", "Mode")) == 10
    assert function.line_of(("Code",)) == 9
    assert function.line_of(("Handler",)) == 8
    machine = resources["Flow"]
    assert machine.line_of(("TracingConfiguration",)) == 26
    assert machine.line_of(("LoggingConfiguration",)) == 28
    assert machine.line_of(("LoggingConfiguration", "Level")) == 29


def test_a_resource_made_from_one_property_starts_there() -> None:
    resources = _resources()
    url = resources["FnUrl"]
    assert url.type == "AWS::Lambda::Url"
    assert url.location.line == 11
    assert url.line_of(("AuthType",)) == 12
    url_permissions = [r for a, r in resources.items()
                       if r.type == "AWS::Lambda::Permission" and a.lower().startswith("fnurl")]
    assert url_permissions and all(r.location.line == 11 for r in url_permissions)


def test_an_event_permission_starts_at_its_event() -> None:
    resources = _resources()
    upload = [r for a, r in resources.items() if r.type == "AWS::Lambda::Permission" and a.startswith("FnUpload")]
    assert len(upload) == 1
    assert upload[0].location.line == 18
    assert upload[0].line_of(("Principal",)) == 18


def test_a_generated_resource_without_a_source_property_starts_at_the_sam_resource() -> None:
    role = _resources()["FnRole"]
    assert role.type == "AWS::IAM::Role"
    assert role.location.line == 4
    assert role.line_of(("AssumeRolePolicyDocument",)) == 4
