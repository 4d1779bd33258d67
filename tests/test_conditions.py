"""The condition language: tri-state logic, paths, evidence, graph conditions."""

from __future__ import annotations

import base64
from typing import Any, Dict, List, Optional

import pytest

from iacguard.engine.checks import load_checks
from iacguard.engine.conditions import ConditionError, Context, Tri, compile_condition
from iacguard.engine.paths import PathSyntaxError, parse_path
from iacguard.graph import ResourceGraph
from iacguard.model import UNKNOWN, UNKNOWN_PRESENT, Link, Location, PartialDocument, PartialString, Resource

PREDICATES = load_checks().predicates


def resource(attributes: Dict[str, Any], rtype: str = "t", address: str = "t.a", fmt: str = "terraform",
             references: Optional[List[Link]] = None) -> Resource:
    return Resource(address=address, type=rtype, format=fmt, provider="aws", attributes=attributes,
                    location=Location("f", 1), links=references or [], namespace="ns")


def evaluate(spec: Any, attributes: Dict[str, Any], graph: Optional[ResourceGraph] = None,
             subject: Optional[Resource] = None):
    subject = subject or resource(attributes)
    ctx = Context(subject, graph or ResourceGraph([subject]), PREDICATES, subject.attributes)
    return compile_condition(spec).evaluate(ctx)


def test_paths() -> None:
    assert parse_path('a.b[*].c[0]["x.y"]') == ("a", "b", "*", "c", 0, "x.y")
    assert parse_path("a{*}.b") == ("a", "{*}", "b")
    assert parse_path("a{json}[0].b") == ("a", "{json}", 0, "b")
    with pytest.raises(PathSyntaxError):
        parse_path("")


@pytest.mark.parametrize("spec,attrs,state", [
    ({"path": "acl", "equals": "public-read"}, {"acl": "public-read"}, Tri.TRUE),
    ({"path": "acl", "equals": "public-read"}, {"acl": "private"}, Tri.FALSE),
    ({"path": "acl", "equals": "public-read"}, {"acl": UNKNOWN}, Tri.UNKNOWN),
    ({"path": "acl", "equals": "public-read"}, {}, Tri.FALSE),
    ({"path": "enc", "equals": False, "default": False}, {}, Tri.TRUE),
    ({"path": "enc", "equals": False}, {"enc": "false"}, Tri.TRUE),
    ({"path": "port", "lte": 22}, {"port": "22"}, Tri.TRUE),
    ({"path": "port", "gt": 22}, {"port": "abc"}, Tri.FALSE),
    ({"path": "x", "absent": True}, {}, Tri.TRUE),
    ({"path": "x", "absent": True}, {"x": UNKNOWN}, Tri.UNKNOWN),
    ({"path": "x", "exists": True}, {"x": None}, Tri.FALSE),
    ({"path": "a[*].b", "in": ["0.0.0.0/0"]}, {"a": [{"b": "10.0.0.0/8"}, {"b": "0.0.0.0/0"}]}, Tri.TRUE),
    ({"path": "a[*].b", "in": ["0.0.0.0/0"]}, {"a": [{"b": "10.0.0.0/8"}, {"b": UNKNOWN}]}, Tri.UNKNOWN),
    ({"path": "a[*].b", "in": ["0.0.0.0/0"]}, {"a": UNKNOWN}, Tri.UNKNOWN),
    ({"path": "a[*].b", "in": ["0.0.0.0/0"]}, {"a": []}, Tri.FALSE),
    ({"path": "v.enabled", "equals": True}, {"v": [{"enabled": True}]}, Tri.TRUE),
    ({"path": "tags", "contains": "Owner"}, {"tags": {"Owner": "x"}}, Tri.TRUE),
    ({"path": "l", "contains": "x"}, {"l": ["a", UNKNOWN]}, Tri.UNKNOWN),
    ({"path": "name", "matches": "^prod-"}, {"name": "prod-db"}, Tri.TRUE),
    ({"path": "s", "equals": "enabled", "ignore_case": True}, {"s": "Enabled"}, Tri.TRUE),
    ({"path": "n{*}.on", "equals": False}, {"n": {"a": {"on": True}, "b": {"on": False}}}, Tri.TRUE),
    ({"path": "n{*}.on", "equals": False}, {"n": {"a": {"on": True}, "b": {"on": UNKNOWN}}}, Tri.UNKNOWN),
    ({"path": "n{*}.on", "equals": False}, {"n": {"a": {"on": True}}}, Tri.FALSE),
    ({"path": "n{*}.on", "equals": False}, {"n": UNKNOWN}, Tri.UNKNOWN),
    ({"path": "n{*}.on", "equals": False}, {"n": {}}, Tri.FALSE),
    ({"path": "d{json}[*].p", "equals": True}, {"d": '[{"p": false}, {"p": true}]'}, Tri.TRUE),
    ({"path": "d{json}[*].p", "equals": True}, {"d": '[{"p": false}]'}, Tri.FALSE),
    ({"path": "d{json}[*].p", "equals": True}, {"d": [{"p": True}]}, Tri.TRUE),  # already structured
    ({"path": "d{json}[*].p", "equals": True}, {"d": PartialDocument([{"p": True, "x": UNKNOWN}])}, Tri.TRUE),
    ({"path": "d{json}[*].p", "equals": True}, {"d": PartialDocument([{"p": UNKNOWN}])}, Tri.UNKNOWN),
    ({"path": "d{json}[*].p", "equals": True}, {"d": "not json"}, Tri.UNKNOWN),
    ({"path": "d{json}[*].p", "equals": True}, {"d": UNKNOWN}, Tri.UNKNOWN),
    ({"path": "d{json}[*].p", "equals": True}, {}, Tri.FALSE),
])
def test_leaf(spec: Any, attrs: Dict[str, Any], state: Tri) -> None:
    assert evaluate(spec, attrs).state is state


def test_logic_is_tri_state() -> None:
    t = {"path": "a", "equals": 1}
    f = {"path": "b", "equals": 1}
    u = {"path": "c", "equals": 1}
    attrs = {"a": 1, "b": 2, "c": UNKNOWN}
    assert evaluate({"all": [t, u]}, attrs).state is Tri.UNKNOWN
    assert evaluate({"all": [f, u]}, attrs).state is Tri.FALSE
    assert evaluate({"any": [t, u]}, attrs).state is Tri.TRUE
    assert evaluate({"any": [f, u]}, attrs).state is Tri.UNKNOWN
    assert evaluate({"not": u}, attrs).state is Tri.UNKNOWN
    assert evaluate({"not": f}, attrs).state is Tri.TRUE


def test_evidence_points_at_each_offending_attribute() -> None:
    spec = {"any": [{"path": k, "equals": False, "default": False} for k in ("a", "b", "c", "d")]}
    result = evaluate(spec, {"a": False, "b": True, "c": False})
    assert result.state is Tri.TRUE
    assert [e.path for e in result.evidence] == [("a",), ("c",), ("d",)]


def test_not_turns_examined_paths_into_evidence() -> None:
    result = evaluate({"not": {"path": "v[0].mfa", "equals": True}}, {"v": [{"enabled": True}]})
    assert result.state is Tri.TRUE and result.evidence[0].path == ("v", 0, "mfa")


def test_map_values_report_the_key_that_violates() -> None:
    result = evaluate({"path": "properties.notifications{*}.enabled", "equals": False},
                      {"properties": {"notifications": {"actual": {"enabled": True}, "forecast": {"enabled": False}}}})
    assert result.state is Tri.TRUE
    assert [e.path for e in result.evidence] == [("properties", "notifications", "forecast", "enabled")]


def test_each_reports_per_element_and_respects_when() -> None:
    spec = {"each": "rules[*]", "when": {"path": "port", "equals": 22},
            "violation": {"path": "cidrs[*]", "in": ["0.0.0.0/0"]}}
    attrs = {"rules": [
        {"port": 22, "cidrs": ["0.0.0.0/0"]},
        {"port": 443, "cidrs": ["0.0.0.0/0"]},
        {"port": 22, "cidrs": ["10.0.0.0/8", "0.0.0.0/0"]},
        {"port": UNKNOWN, "cidrs": ["0.0.0.0/0"]},
    ]}
    result = evaluate(spec, attrs)
    assert result.state is Tri.TRUE
    assert [e.path for e in result.evidence] == [("rules", 0, "cidrs", 0), ("rules", 2, "cidrs", 1)]
    attrs["rules"] = attrs["rules"][1:2] + attrs["rules"][3:]
    assert evaluate(spec, attrs).state is Tri.UNKNOWN


def test_connected_follows_references_and_unresolved_targets_are_unknown() -> None:
    bucket = resource({}, "aws_s3_bucket", "aws_s3_bucket.b")
    pab = resource({"on": True}, "aws_s3_bucket_public_access_block", "aws_s3_bucket_public_access_block.b",
                   references=[Link("ns", "aws_s3_bucket.b", "bucket")])
    spec = {"connected": {"types": ["aws_s3_bucket_public_access_block"], "direction": "in",
                          "where": {"path": "on", "equals": True}}}
    assert evaluate(spec, {}, ResourceGraph([bucket, pab]), bucket).state is Tri.TRUE
    assert evaluate(spec, {}, ResourceGraph([bucket]), bucket).state is Tri.FALSE
    dangling = resource({"on": True}, "aws_s3_bucket_public_access_block", "aws_s3_bucket_public_access_block.x")
    assert evaluate(spec, {}, ResourceGraph([bucket, dangling]), bucket).state is Tri.UNKNOWN
    via_bucket = {"connected": {"types": ["aws_s3_bucket_public_access_block"], "direction": "in", "via": ["bucket"]}}
    via_other = {"connected": {"types": ["aws_s3_bucket_public_access_block"], "direction": "in", "via": ["target"]}}
    graph = ResourceGraph([bucket, pab])
    assert evaluate(via_bucket, {}, graph, bucket).state is Tri.TRUE
    assert evaluate(via_other, {}, graph, bucket).state is Tri.FALSE


def test_connected_unresolved_only_counts_resources_that_could_refer() -> None:
    target = resource({}, "aws_s3_bucket", "aws_s3_bucket.logs")
    unrelated = resource({"acl": "private"}, "aws_s3_bucket", "aws_s3_bucket.other")
    via_logging = {"connected": {"types": ["aws_s3_bucket"], "direction": "in", "via": ["logging"]}}
    # A bucket that writes no logging block cannot be an unresolved logging source.
    assert evaluate(via_logging, {}, ResourceGraph([target, unrelated]), target).state is Tri.FALSE
    literal = resource({"logging": [{"target_bucket": "some-name"}]}, "aws_s3_bucket", "aws_s3_bucket.src")
    assert evaluate(via_logging, {}, ResourceGraph([target, literal]), target).state is Tri.UNKNOWN
    where_false = {"connected": {"types": ["aws_s3_bucket"], "direction": "in",
                                 "where": {"path": "acl", "equals": "log-delivery-write"}}}
    assert evaluate(where_false, {}, ResourceGraph([target, unrelated]), target).state is Tri.FALSE


def test_present_unknowns_exist_and_absent_can_be_undecided() -> None:
    assert evaluate({"path": "k", "exists": True}, {"k": UNKNOWN_PRESENT}).state is Tri.TRUE
    assert evaluate({"path": "k", "absent": True}, {"k": UNKNOWN_PRESENT}).state is Tri.FALSE
    assert evaluate({"path": "k", "exists": True}, {"k": UNKNOWN}).state is Tri.UNKNOWN
    assert evaluate({"path": "p", "equals": True, "absent_is_unknown": True}, {}).state is Tri.UNKNOWN
    assert evaluate({"path": "p", "equals": True, "absent_is_unknown": True}, {"p": "true"}).state is Tri.TRUE


def test_port_range_beyond_and_all() -> None:
    beyond = {"predicate": "port_range_beyond",
              "args": {"allowed": [80, 443], "from_port": "f", "to_port": "t", "protocol": "p",
                       "protocols": ["tcp", "udp"]}}
    assert evaluate(beyond, {"f": 443, "t": 443, "p": "tcp"}).state is Tri.FALSE
    assert evaluate(beyond, {"f": 80, "t": 81, "p": "tcp"}).state is Tri.TRUE
    assert evaluate(beyond, {"f": 5432, "t": 5432, "p": "6"}).state is Tri.TRUE
    assert evaluate(beyond, {"f": 0, "t": 0, "p": "-1"}).state is Tri.TRUE
    assert evaluate(beyond, {"f": UNKNOWN, "t": 443, "p": "tcp"}).state is Tri.UNKNOWN
    assert evaluate(beyond, {"f": 8080, "t": 8080, "p": "icmp"}).state is Tri.FALSE
    every = {"predicate": "port_range_all", "args": {"from_port": "f", "to_port": "t", "protocol": "p"}}
    assert evaluate(every, {"p": "-1"}).state is Tri.TRUE
    assert evaluate(every, {"f": 0, "t": 65535, "p": "tcp"}).state is Tri.TRUE
    assert evaluate(every, {"f": 1024, "t": 65535, "p": "tcp"}).state is Tri.FALSE
    assert evaluate(every, {"f": 0, "t": UNKNOWN, "p": "tcp"}).state is Tri.UNKNOWN


def test_credentials_in_text_reads_decoded_and_known_text_only() -> None:
    spec = {"predicate": "credentials_in_text", "args": {"paths": ["user_data", "user_data_base64"]}}
    script = "#!/bin/bash\nexport API_TOKEN=Rk29sVx81QpLm3\n"
    assert [e.path for e in evaluate(spec, {"user_data": script}).evidence] == [("user_data",)]
    encoded = base64.b64encode(script.encode()).decode()
    assert evaluate(spec, {"user_data_base64": encoded}).state is Tri.TRUE
    assert evaluate(spec, {"user_data": "export API_TOKEN=$(cat /run/token)\n"}).state is Tri.FALSE
    assert evaluate(spec, {"user_data": "export TOKEN_URL=https://auth.example.com\n"}).state is Tri.FALSE
    assert evaluate(spec, {"user_data": "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"}).state is Tri.FALSE
    assert evaluate(spec, {"user_data": UNKNOWN}).state is Tri.FALSE
    # Known pieces are read one by one: a hole never joins two of them.
    partial = PartialString(("password=", None, "-suffix-text"))
    assert evaluate(spec, {"user_data": partial}).state is Tri.FALSE
    partial = PartialString(("echo ", None, "\n-----BEGIN OPENSSH PRIVATE KEY-----\n"))
    assert evaluate(spec, {"user_data": partial}).state is Tri.TRUE


def test_secret_named_entries_judges_keys_the_author_chose() -> None:
    spec = {"predicate": "secret_named_entries",
            "args": {"path": "env", "names": "(?i)password|token", "exclude": "(?i)_arn$", "value": r"^(?!arn:)\S"}}
    result = evaluate(spec, {"env": {"DB_PASSWORD": "x9-Lm2", "MODE": "fast", "TOKEN_ARN": "x"}})
    assert [e.path for e in result.evidence] == [("env", "DB_PASSWORD")]
    assert evaluate(spec, {"env": {"DB_PASSWORD": "arn:aws:secretsmanager:x"}}).state is Tri.FALSE
    assert evaluate(spec, {"env": {"DB_PASSWORD": UNKNOWN_PRESENT}}).state is Tri.UNKNOWN
    assert evaluate(spec, {"env": UNKNOWN}).state is Tri.UNKNOWN
    assert evaluate(spec, {}).state is Tri.FALSE


def test_destination_region_predicate_follows_references_to_the_provider_region() -> None:
    spec = {"predicate": "destination_region_allowed",
            "args": {"paths": ["rule[*].destination"], "types": ["aws_s3_bucket"]}}
    overseas = resource({"alias": "far", "region": "us-west-2"}, "provider", "provider.aws.far")
    home = resource({"region": "ap-northeast-1"}, "provider", "provider.aws")
    far = resource({}, "aws_s3_bucket", "aws_s3_bucket.far", references=[Link("ns", "provider.aws.far", "provider")])
    near = resource({}, "aws_s3_bucket", "aws_s3_bucket.near")
    own = resource({"region": "eu-west-1"}, "aws_s3_bucket", "aws_s3_bucket.own")

    def judge(target: Resource, value: Any, providers=(overseas, home)) -> Tri:
        subject = resource({"rule": [{"destination": value}]}, "aws_s3_bucket_replication_configuration", "r",
                           references=[Link("ns", target.address, "rule")])
        graph = ResourceGraph([subject, target, *providers])
        ctx = Context(subject, graph, PREDICATES, subject.attributes, settings={"allowed_regions": ["ap-northeast-1"]})
        return compile_condition(spec).evaluate(ctx).state

    assert judge(far, UNKNOWN_PRESENT) is Tri.TRUE
    assert judge(near, UNKNOWN_PRESENT) is Tri.FALSE  # the default provider: allowed
    assert judge(near, UNKNOWN_PRESENT, providers=(overseas,)) is Tri.UNKNOWN  # no default provider here
    assert judge(own, UNKNOWN_PRESENT) is Tri.TRUE  # its own region argument wins
    assert judge(near, "arn:aws:backup:eu-central-1:111122223333:backup-vault:x") is Tri.TRUE
    assert judge(near, "arn:aws:s3:::bucket") is Tri.UNKNOWN  # bucket ARNs carry no region
    assert judge(near, "arn:aws:backup:ap-northeast-1:111122223333:backup-vault:x") is Tri.FALSE


def test_port_predicates() -> None:
    rng = {"predicate": "port_range_includes",
           "args": {"ports": [22, 3389], "from_port": "f", "to_port": "t", "protocol": "p",
                    "protocols": ["tcp"]}}
    assert evaluate(rng, {"f": 0, "t": 1024, "p": "tcp"}).state is Tri.TRUE
    assert evaluate(rng, {"f": 443, "t": 443, "p": "tcp"}).state is Tri.FALSE
    assert evaluate(rng, {"f": 443, "t": 443, "p": "-1"}).state is Tri.TRUE
    assert evaluate(rng, {"f": UNKNOWN, "t": 443, "p": "tcp"}).state is Tri.UNKNOWN
    assert evaluate(rng, {"f": 22, "t": 22, "p": "icmp"}).state is Tri.FALSE
    spec = {"predicate": "port_spec_includes", "args": {"ports": [3389], "paths": ["r", "rs"]}}
    assert evaluate(spec, {"r": "3000-4000"}).state is Tri.TRUE
    assert evaluate(spec, {"r": "*"}).state is Tri.TRUE
    assert evaluate(spec, {"rs": ["80", "443"]}).state is Tri.FALSE
    assert evaluate(spec, {"rs": ["80", UNKNOWN]}).state is Tri.UNKNOWN


def test_port_range_wider_than() -> None:
    wide = {"predicate": "port_range_wider_than", "args": {"path": "ports[*]", "ports": 1000}}
    result = evaluate(wide, {"ports": ["22", "8000-8999", "30000-32767"]})
    assert result.state is Tri.TRUE
    assert [(e.path, e.value) for e in result.evidence] == [(("ports", 2), "30000-32767")]
    assert evaluate(wide, {"ports": ["8000-8999", "443"]}).state is Tri.FALSE
    assert evaluate(wide, {"ports": ["1-1001"]}).state is Tri.TRUE
    assert evaluate(wide, {"ports": ["80", UNKNOWN]}).state is Tri.UNKNOWN
    assert evaluate(wide, {}).state is Tri.FALSE


def test_policy_predicate() -> None:
    public = {"predicate": "policy_statement", "args": {"path": "policy", "kind": "public_principal"}}
    doc = '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject"}]}'
    assert evaluate(public, {"policy": doc}).state is Tri.TRUE
    conditioned = {"Statement": [{"Effect": "Allow", "Principal": "*",
                                  "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}]}
    assert evaluate(public, {"policy": conditioned}).state is Tri.FALSE
    assert evaluate(public, {"policy": UNKNOWN}).state is Tri.UNKNOWN
    partial = PartialDocument({"Statement": [{"Effect": "Allow", "Principal": "*", "Resource": UNKNOWN_PRESENT}]})
    assert evaluate(public, {"policy": partial}).state is Tri.TRUE
    admin = {"predicate": "policy_statement", "args": {"path": "policy", "kind": "admin_without_mfa"}}
    assert evaluate(admin, {"policy": {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}}).state \
        is Tri.TRUE
    with_mfa = {"Statement": [{"Effect": "Allow", "Action": ["*"], "Resource": "*",
                               "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}
    assert evaluate(admin, {"policy": with_mfa}).state is Tri.FALSE


def _kind(kind: str) -> Dict[str, Any]:
    return {"predicate": "policy_statement", "args": {"path": "policy", "kind": kind}}


def _allow(**statement: Any) -> Dict[str, Any]:
    return {"policy": {"Statement": [dict(Effect="Allow", **statement)]}}


@pytest.mark.parametrize("principal, expected", [
    ("arn:aws:iam::111122223333:root", Tri.TRUE),
    ("111122223333", Tri.TRUE),
    (["arn:aws:iam::111122223333:user/alice"], Tri.TRUE),
    ("arn:aws:iam::111122223333:role/deployer", Tri.FALSE),
    (PartialString(("arn:aws:iam::", None, ":root")), Tri.TRUE),
    (PartialString(("arn:aws:iam::", None)), Tri.UNKNOWN),
    (UNKNOWN, Tri.UNKNOWN),
])
def test_policy_predicate_human_assume_without_mfa(principal: Any, expected: Tri) -> None:
    kind = _kind("human_assume_without_mfa")
    assert evaluate(kind, _allow(Principal={"AWS": principal}, Action="sts:AssumeRole")).state is expected
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    with_mfa = _allow(Principal={"AWS": principal}, Action="sts:AssumeRole", Condition=mfa)
    assert evaluate(kind, with_mfa).state is (Tri.FALSE if expected is Tri.TRUE else expected)
    services = _allow(Principal={"Service": "ec2.amazonaws.com"}, Action="sts:AssumeRole")
    assert evaluate(kind, services).state is Tri.FALSE
    tagging = _allow(Principal={"AWS": "111122223333"}, Action="sts:TagSession")
    assert evaluate(kind, tagging).state is Tri.FALSE


@pytest.mark.parametrize("action, resource, expected", [
    ("iam:PassRole", "*", Tri.TRUE),
    (["s3:GetObject", "iam:Pass*"], "arn:aws:iam::111122223333:role/*", Tri.TRUE),
    ("IAM:*", ["arn:aws:iam::*:role/*"], Tri.TRUE),
    ("iam:PassRole", "arn:aws:iam::111122223333:role/app-*", Tri.FALSE),
    ("*", "*", Tri.FALSE),  # full admin: IACG-AWS-006
    ("iam:GetRole", "*", Tri.FALSE),
    ("iam:PassRole", PartialString(("arn:aws:iam::", None, ":role/*")), Tri.TRUE),
    ("iam:PassRole", PartialString(("arn:aws:iam::", None, ":role/", None)), Tri.UNKNOWN),
    ("iam:PassRole", UNKNOWN, Tri.UNKNOWN),
    (UNKNOWN, "*", Tri.UNKNOWN),
])
def test_policy_predicate_pass_role_any_resource(action: Any, resource: Any, expected: Tri) -> None:
    statement = _allow(Action=action, Resource=resource)
    assert evaluate(_kind("pass_role_any_resource"), statement).state is expected


def test_policy_predicate_not_elements_and_all_actions() -> None:
    assert evaluate(_kind("not_action"), _allow(NotAction="iam:*", Resource="*")).state is Tri.TRUE
    assert evaluate(_kind("not_action"), _allow(Action="s3:*", Resource="*")).state is Tri.FALSE
    deny = {"policy": {"Statement": [{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}]}}
    assert evaluate(_kind("not_action"), deny).state is Tri.FALSE
    assert evaluate(_kind("not_resource"), _allow(Action="s3:*", NotResource="arn:aws:s3:::x")).state is Tri.TRUE
    assert evaluate(_kind("not_principal"), _allow(NotPrincipal={"AWS": "x"}, Action="s3:*")).state is Tri.TRUE
    for action, expected in (("*", Tri.TRUE), ("sqs:*", Tri.TRUE), (["s3:Get*"], Tri.FALSE),
                             ("sns:Publish", Tri.FALSE), (UNKNOWN, Tri.UNKNOWN)):
        assert evaluate(_kind("all_actions"), _allow(Action=action, Principal="*")).state is expected


@pytest.mark.parametrize("spec", [
    {"path": "a"},
    {"path": "a", "equals": 1, "in": [1]},
    {"path": "a", "in": "x"},
    {"path": "a", "matches": "("},
    {"all": []},
    {"all": [{"path": "a", "equals": 1}], "any": []},
    {"each": "a[*]"},
    {"connected": {"direction": "in"}},
    {"nonsense": 1},
])
def test_malformed_conditions_are_rejected(spec: Any) -> None:
    with pytest.raises(ConditionError):
        compile_condition(spec)


def test_each_over_a_list_without_wildcard_and_all_reports_its_last_condition() -> None:
    spec = {"each": "rules", "violation": {"all": [{"path": "on", "equals": True},
                                                   {"path": "cidr", "equals": "0.0.0.0/0"}]}}
    result = evaluate(spec, {"rules": [{"on": True, "cidr": "0.0.0.0/0"}, {"on": False, "cidr": "0.0.0.0/0"}]})
    assert result.state is Tri.TRUE
    assert [e.path for e in result.evidence] == [("rules", 0, "cidr")]


def test_partly_known_strings_decide_what_their_known_pieces_decide() -> None:
    from iacguard.model import PartialString

    arn = PartialString(("arn:aws:iam::", None, ":oidc-provider/gitlab.com"))
    assert evaluate({"path": "a", "equals": ""}, {"a": arn}).state is Tri.FALSE
    assert evaluate({"path": "a", "not_equals": ""}, {"a": arn}).state is Tri.TRUE
    assert evaluate({"path": "a", "equals": "arn:aws:iam::1:oidc-provider/gitlab.com"}, {"a": arn}).state \
        is Tri.UNKNOWN
    assert evaluate({"path": "a", "in": ["x", "y"]}, {"a": arn}).state is Tri.FALSE
    assert evaluate({"path": "a", "contains": "gitlab.com"}, {"a": arn}).state is Tri.TRUE
    assert evaluate({"path": "a", "contains": "github"}, {"a": arn}).state is Tri.UNKNOWN
    assert evaluate({"path": "a", "exists": True}, {"a": arn}).state is Tri.TRUE
    assert evaluate({"path": "a", "matches": "gitlab"}, {"a": arn}).state is Tri.UNKNOWN


def test_null_is_not_set_and_an_empty_block_list_is_absent() -> None:
    result = evaluate({"path": "k", "equals": False, "default": False}, {"k": None})
    from iacguard.engine.paths import ABSENT

    assert result.state is Tri.TRUE and result.evidence[0].value is ABSENT
    assert evaluate({"path": "log_config", "exists": True}, {"log_config": []}).state is Tri.FALSE
    assert evaluate({"path": "log_config", "absent": True}, {"log_config": []}).state is Tri.TRUE


def test_not_over_many_elements_is_one_problem() -> None:
    spec = {"not": {"path": "logs[*].category", "in": ["kube-audit"]}}
    result = evaluate(spec, {"logs": [{"category": "kube-apiserver"}, {"category": "cluster-autoscaler"}]})
    assert result.state is Tri.TRUE
    assert [e.path for e in result.evidence] == [("logs",)]


def test_contains_a_mapping_with_unknowns_inside_is_undecided() -> None:
    spec = {"path": "types", "not_contains": {"Type": "api"}}
    assert evaluate(spec, {"types": [{"Type": UNKNOWN}]}).state is Tri.UNKNOWN
    assert evaluate(spec, {"types": [{"Type": "audit"}]}).state is Tri.TRUE
    assert evaluate(spec, {"types": [{"Type": "api"}]}).state is Tri.FALSE
