"""Predicates over AWS policy documents (IAM, S3 bucket, KMS key policies).

A document may be a mapping (CloudFormation, jsonencode) or a JSON string
(Terraform heredoc, ``policy = "..."``). Findings point at the attribute that
holds the whole document (contract rule 4).
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from typing import Any, Callable, Dict, Iterator, List

from iacguard.engine.conditions import Context, Evidence, Result, Tri
from iacguard.engine.paths import ABSENT, parse_path, resolve
from iacguard.model import PartialDocument, PartialString, contains_unknown, is_unknown

_MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")


def _document(value: Any) -> Any:
    if isinstance(value, PartialDocument):
        return value.document
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return ABSENT
    return value


def _as_list(value: Any) -> List[Any]:
    if value is None or value is ABSENT:
        return []
    return value if isinstance(value, list) else [value]


def _statements(document: Any) -> Iterator[Any]:
    if isinstance(document, dict):
        yield from _as_list(document.get("Statement"))


def _is_wildcard(values: Any, wildcards: tuple) -> Tri:
    items = _as_list(values)
    if any(is_unknown(v) for v in items) and not any(v in wildcards for v in items if isinstance(v, str)):
        return Tri.UNKNOWN
    return Tri.TRUE if any(isinstance(v, str) and v in wildcards for v in items) else Tri.FALSE


def _public_principal(statement: Any) -> Tri:
    principal = statement.get("Principal")
    if is_unknown(principal):
        return Tri.UNKNOWN
    if principal == "*":
        return Tri.TRUE
    if isinstance(principal, dict):
        return _is_wildcard(principal.get("AWS"), ("*",))
    return Tri.FALSE


def _has_mfa_condition(condition: Any) -> Tri:
    if condition is None or condition is ABSENT:
        return Tri.FALSE
    if contains_unknown(condition):
        return Tri.UNKNOWN
    if not isinstance(condition, dict):
        return Tri.FALSE
    for operator in condition.values():
        if isinstance(operator, dict) and any(k.lower() in _MFA_KEYS for k in operator if isinstance(k, str)):
            return Tri.TRUE
    return Tri.FALSE


def _judge_statement(statement: Any, kind: str) -> Tri:
    if is_unknown(statement):
        return Tri.UNKNOWN
    if not isinstance(statement, dict):
        return Tri.FALSE
    effect = statement.get("Effect")
    if is_unknown(effect):
        return Tri.UNKNOWN
    if effect != "Allow":
        return Tri.FALSE
    judge = _KINDS.get(kind)
    if judge is None:
        raise ValueError(f"unknown policy check kind {kind!r}")
    return judge(statement)


def _public_unconditioned(statement: Dict[str, Any]) -> Tri:
    public = _public_principal(statement)
    if public is not Tri.TRUE:
        return public
    return _unconditioned(statement.get("Condition"))


def _without_mfa(statement: Dict[str, Any], *conditions: Tri) -> Tri:
    """TRUE when every one of ``conditions`` holds and the statement has no
    MFA condition."""
    if Tri.FALSE in conditions:
        return Tri.FALSE
    if Tri.UNKNOWN in conditions:
        return Tri.UNKNOWN
    mfa = _has_mfa_condition(statement.get("Condition"))
    return {Tri.TRUE: Tri.FALSE, Tri.FALSE: Tri.TRUE}.get(mfa, Tri.UNKNOWN)


def _admin_without_mfa(statement: Dict[str, Any]) -> Tri:
    return _without_mfa(statement, _is_wildcard(statement.get("Action"), ("*", "*:*")),
                        _is_wildcard(statement.get("Resource"), ("*",)))


def _any_item(values: Any, test: Callable[[str], bool],
              partial: Callable[[PartialString], bool] = lambda _: False) -> Tri:
    """TRUE when a string among ``values`` passes ``test`` (a partly known
    string: ``partial``); UNKNOWN when none does but some value is unknown."""
    items = _as_list(values)
    if any(isinstance(v, str) and test(v) or isinstance(v, PartialString) and partial(v) for v in items):
        return Tri.TRUE
    return Tri.UNKNOWN if any(is_unknown(v) for v in items) else Tri.FALSE


def _action_covers(action: str) -> Callable[[str], bool]:
    """Does a policy action (IAM wildcards ``*`` and ``?``) grant ``action``?"""
    return lambda pattern: fnmatchcase(action.lower(), pattern.lower())


# The account itself (its root ARN or bare id) or one of its IAM users: a
# principal that people sign in as, as opposed to roles and services.
_HUMAN_PRINCIPAL = re.compile(r"^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|user/.+))$")


def _human_principal(statement: Dict[str, Any]) -> Tri:
    principal = statement.get("Principal")
    if is_unknown(principal):
        return Tri.UNKNOWN
    if not isinstance(principal, dict):
        return Tri.FALSE  # "*" is IACG-AWS-023's finding
    state = Tri.FALSE
    for value in _as_list(principal.get("AWS")):
        if isinstance(value, PartialString):  # arn:aws:iam::${AWS::AccountId}:root
            if value.certainly_contains(":root") or value.certainly_contains(":user/"):
                return Tri.TRUE
            state = Tri.UNKNOWN
        elif is_unknown(value):
            state = Tri.UNKNOWN
        elif isinstance(value, str) and _HUMAN_PRINCIPAL.match(value):
            return Tri.TRUE
    return state


def _human_assume_without_mfa(statement: Dict[str, Any]) -> Tri:
    return _without_mfa(statement, _any_item(statement.get("Action"), _action_covers("sts:AssumeRole")),
                        _human_principal(statement))


# Every role: ``*``, or a role ARN whose name part is only a wildcard.
_ANY_ROLE = re.compile(r"^(\*|arn:aws[a-z-]*:iam::(\d{12}|\*):(role/)?\*)$")


def _pass_role_any_resource(statement: Dict[str, Any]) -> Tri:
    # Action * / *:* on Resource * is full administrator access (IACG-AWS-006).
    actions = _any_item(statement.get("Action"),
                        lambda a: a not in ("*", "*:*") and _action_covers("iam:PassRole")(a))
    if actions is not Tri.TRUE:
        return actions
    # arn:aws:iam::${AWS::AccountId}:role/* names every role whatever the account.
    return _any_item(statement.get("Resource"), lambda r: bool(_ANY_ROLE.match(r)),
                     lambda r: r.parts[0] is not None and r.parts[0].startswith("arn:")
                     and r.parts[-1] is not None and r.parts[-1].endswith(":role/*"))


def _has_key(key: str) -> Callable[[Dict[str, Any]], Tri]:
    return lambda statement: Tri.TRUE if statement.get(key) not in (None, ABSENT) else Tri.FALSE


def _all_actions(statement: Dict[str, Any]) -> Tri:
    """Action ``*`` or ``<service>:*``: every action of the service."""
    return _any_item(statement.get("Action"), lambda a: bool(re.fullmatch(r"([A-Za-z0-9-]+:)?\*", a)))


def _unconditioned(condition: Any) -> Tri:
    """TRUE when a statement has no Condition. Any written condition exempts
    it, even one whose values are unknown; only an unknown whole may be absent."""
    if condition is None or condition is ABSENT:
        return Tri.TRUE
    if is_unknown(condition):
        return Tri.FALSE if condition.present else Tri.UNKNOWN
    return Tri.FALSE if condition else Tri.TRUE


# Identity providers whose tokens name the workload in the ``sub`` claim; a
# trust without a condition on it lets every repository or project assume the role.
_OIDC_SUBJECT_PROVIDERS = ("token.actions.githubusercontent.com", "gitlab.com", "app.terraform.io")


def _oidc_without_subject(statement: Dict[str, Any]) -> Tri:
    principal = statement.get("Principal")
    if is_unknown(principal):
        return Tri.UNKNOWN
    federated = _as_list(principal.get("Federated") if isinstance(principal, dict) else None)

    def names(provider: str, value: Any) -> bool:
        if isinstance(value, PartialString):  # an ARN built with !Sub or "${...}"
            return value.certainly_contains(provider)
        return isinstance(value, str) and provider in value

    matched = [p for p in _OIDC_SUBJECT_PROVIDERS if any(names(p, f) for f in federated)]
    if not matched:
        return Tri.UNKNOWN if any(is_unknown(f) and not isinstance(f, PartialString) for f in federated) \
            else Tri.FALSE
    condition = statement.get("Condition")
    if is_unknown(condition):
        return Tri.UNKNOWN
    if not isinstance(condition, dict):
        return Tri.TRUE
    state = Tri.TRUE
    for operator in condition.values():
        if is_unknown(operator):
            state = Tri.UNKNOWN
            continue
        if not isinstance(operator, dict):
            continue
        for key, values in operator.items():
            if not (isinstance(key, str) and key.endswith(":sub") and any(key.startswith(p) for p in matched)):
                continue
            if contains_unknown(values):
                state = Tri.UNKNOWN
                continue
            # A subject condition that still matches every repository is none.
            if all(isinstance(v, str) and v.rstrip("*").rstrip(":") in ("", "repo", "project_path")
                   for v in _as_list(values)):
                continue
            return Tri.FALSE
    return state


def policy_statement(ctx: Context, path: str, kind: str) -> Result:
    """TRUE when a policy document at ``path`` has an Allow statement of
    ``kind``: ``public_principal`` (Principal * with no Condition),
    ``admin_without_mfa`` (Action * on Resource * without an MFA condition),
    ``oidc_without_subject``, ``human_assume_without_mfa`` (the account or an
    IAM user may assume the role without MFA), ``pass_role_any_resource``,
    ``not_action`` / ``not_resource`` / ``not_principal`` (the element is
    used in an Allow) or ``all_actions`` (``*`` or ``<service>:*``)."""
    states: List[Tri] = []
    evidence: List[Evidence] = []
    for match in resolve(ctx.base, parse_path(path), ctx.ignore_case):
        if match.value is ABSENT:
            continue
        document = _document(match.value)
        if is_unknown(document):
            states.append(Tri.UNKNOWN)
            continue
        if isinstance(document, dict) and is_unknown(document.get("Statement")):
            states.append(Tri.UNKNOWN)
            continue
        verdicts = [_judge_statement(s, kind) for s in _statements(document)]
        if Tri.TRUE in verdicts:
            evidence.append(Evidence(ctx.base_path + match.path, None))
            states.append(Tri.TRUE)
        else:
            states.append(Tri.UNKNOWN if Tri.UNKNOWN in verdicts else Tri.FALSE)
    if evidence:
        return Result(Tri.TRUE, evidence, evidence)
    return Result(Tri.UNKNOWN if Tri.UNKNOWN in states else Tri.FALSE)


_KINDS: Dict[str, Callable[[Dict[str, Any]], Tri]] = {
    "public_principal": _public_unconditioned,
    "admin_without_mfa": _admin_without_mfa,
    "oidc_without_subject": _oidc_without_subject,
    "human_assume_without_mfa": _human_assume_without_mfa,
    "pass_role_any_resource": _pass_role_any_resource,
    "not_action": _has_key("NotAction"),
    "not_resource": _has_key("NotResource"),
    "not_principal": _has_key("NotPrincipal"),
    "all_actions": _all_actions,
}

PREDICATES = {"policy_statement": policy_statement}
