"""checks/_predicates/mail_auth.py: reading SPF, DMARC and DKIM records from
the TXT values templates write, and the mail_auth_record predicate."""

from __future__ import annotations

import base64
import importlib.util
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

from iacguard.engine.checks import load_checks
from iacguard.engine.conditions import Context, Tri, compile_condition
from iacguard.graph import ResourceGraph
from iacguard.model import UNKNOWN, Location, PartialString, Resource

_PATH = Path(__file__).resolve().parent.parent / "checks" / "_predicates" / "mail_auth.py"
_SPEC = importlib.util.spec_from_file_location("mail_auth_under_test", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
mail = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = mail
_SPEC.loader.exec_module(mail)

PREDICATES = load_checks().predicates
HOLE = mail.HOLE


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + content


def rsa_key(bits: int, spki: bool = True) -> str:
    """A base64 RSA public key whose modulus has ``bits`` bits, as DKIM
    publishes it: SubjectPublicKeyInfo, or a bare RSAPublicKey."""
    modulus = (1 << (bits - 1)) | 1
    encoded = modulus.to_bytes((bits + 7) // 8 + 1, "big")  # a leading zero keeps it positive
    rsa = _der(0x30, _der(0x02, encoded) + _der(0x02, (65537).to_bytes(3, "big")))
    if not spki:
        return base64.b64encode(rsa).decode()
    algorithm = _der(0x30, _der(0x06, bytes.fromhex("2a864886f70d010101")) + _der(0x05, b""))
    return base64.b64encode(_der(0x30, algorithm + _der(0x03, b"\x00" + rsa))).decode()


# --- reading TXT values -----------------------------------------------------------------

@pytest.mark.parametrize("written,unquoted,strings", [
    ("v=spf1 -all", "whole", ["v=spf1 -all"]),
    ("v=spf1 -all", "split", ["v=spf1", "-all"]),
    ('"v=spf1 -all"', "whole", ["v=spf1 -all"]),
    ('"v=spf1 -all"', "split", ["v=spf1 -all"]),
    ('"first" "second"', "whole", ["first", "second"]),
    ('first""second', "whole", ["first", "second"]),  # the Route 53 provider's documented form
    ('first" "second', "split", ["first", "second"]),  # the Cloud DNS provider's documented form
    ('"say \\"hi\\"\\059"', "whole", ['say "hi";']),
])
def test_character_strings(written: str, unquoted: str, strings: list) -> None:
    assert mail.character_strings(written, unquoted) == strings


def test_record_text_joins_strings_without_spaces_and_keeps_holes() -> None:
    assert mail.record_text('"v=spf1 ip4:192.0.2.1 " "-all"') == "v=spf1 ip4:192.0.2.1 -all"
    assert mail.record_text(["v=DKIM1; k=rsa; ", "p=MIIB"]) == "v=DKIM1; k=rsa; p=MIIB"
    assert mail.record_text(PartialString(("v=spf1 include:", None, " -all"))) == f"v=spf1 include:{HOLE} -all"
    assert mail.record_text(UNKNOWN) == HOLE
    assert mail.record_text(["v=spf1", True]) is None
    # Cloud DNS splits an unquoted value at spaces; joined back, SPF's terms run together.
    assert mail.record_text("v=spf1 mx -all", "split") == "v=spf1mx-all"


# --- SPF ------------------------------------------------------------------------------

@pytest.mark.parametrize("text,state", [
    ("v=spf1 -all", Tri.TRUE),
    ("V=SPF1 -all", Tri.TRUE),
    ("v=spf1", Tri.TRUE),
    ("v=spf10 -all", Tri.FALSE),
    ("v=spf1mx-all", Tri.FALSE),
    ("google-site-verification=x", Tri.FALSE),
    (HOLE, Tri.UNKNOWN),
    (f"v=spf1{HOLE}", Tri.UNKNOWN),
])
def test_is_spf(text: str, state: Tri) -> None:
    assert mail.is_spf(text) is state


@pytest.mark.parametrize("text,permissive,no_default", [
    ("v=spf1 include:spf.protection.outlook.com -all", Tri.FALSE, Tri.FALSE),
    ("v=spf1 mx ~all", Tri.FALSE, Tri.FALSE),
    ("v=spf1 mx +all", Tri.TRUE, Tri.FALSE),
    ("v=spf1 mx all", Tri.TRUE, Tri.FALSE),
    ("v=spf1 mx ?ALL", Tri.TRUE, Tri.FALSE),
    ("v=spf1 -all +all", Tri.FALSE, Tri.FALSE),  # the first "all" decides
    ("v=spf1 mx", Tri.FALSE, Tri.TRUE),
    ("v=spf1  mx   ip4:192.0.2.1", Tri.FALSE, Tri.TRUE),
    ("v=spf1 redirect=_spf.example.com", Tri.FALSE, Tri.FALSE),
    ("v=spf1 mx redirect=_spf.example.com", Tri.FALSE, Tri.FALSE),
    # An unknown argument of a named mechanism leaves the rest readable...
    (f"v=spf1 include:{HOLE} ?all", Tri.TRUE, Tri.FALSE),
    (f"v=spf1 include:{HOLE}", Tri.FALSE, Tri.TRUE),
    # ...an unknown whole term may be any mechanism, "all" too.
    (f"v=spf1 {HOLE} +all", Tri.UNKNOWN, Tri.FALSE),
    (f"v=spf1 mx {HOLE}", Tri.UNKNOWN, Tri.UNKNOWN),
    (f"v=spf1 mx {HOLE} redirect=_spf.example.com", Tri.UNKNOWN, Tri.FALSE),
])
def test_spf_defects(text: str, permissive: Tri, no_default: Tri) -> None:
    assert mail.spf_permissive(text).state is permissive
    assert mail.spf_no_default(text).state is no_default


def test_spf_details_name_the_deciding_term() -> None:
    assert mail.spf_permissive("v=spf1 mx ?all").detail == "?all"
    assert mail.spf_no_default(f"v=spf1 include:{HOLE}").detail == "v=spf1 include:…"


# --- DMARC ------------------------------------------------------------------------------

@pytest.mark.parametrize("text,state", [
    ("v=DMARC1; p=reject", Tri.TRUE),
    ("v = DMARC1 ; p=reject", Tri.TRUE),
    ("p=reject; v=DMARC1", Tri.FALSE),
    ("v=DMARC2; p=reject", Tri.FALSE),
    ("v=spf1 -all", Tri.FALSE),
    (f"{HOLE}", Tri.UNKNOWN),
    (f"v={HOLE}", Tri.UNKNOWN),
])
def test_is_dmarc(text: str, state: Tri) -> None:
    assert mail.is_dmarc(text) is state


@pytest.mark.parametrize("text,state,detail", [
    ("v=DMARC1; p=none; rua=mailto:dmarc@example.com", Tri.TRUE, "p=none"),
    ("v=DMARC1; p=quarantine", Tri.FALSE, ""),
    ("v=DMARC1; p=reject", Tri.FALSE, ""),
    ("v=DMARC1;p=REJECT;", Tri.FALSE, ""),
    ("v=DMARC1; rua=mailto:dmarc@example.com", Tri.TRUE, "v=DMARC1; rua=mailto:dmarc@example.com"),
    ("v=DMARC1; p=rejected", Tri.TRUE, "p=rejected"),
    # pct < 100: the other messages get the next weaker policy.
    ("v=DMARC1; p=quarantine; pct=25", Tri.TRUE, "p=quarantine; pct=25"),
    ("v=DMARC1; p=quarantine; pct=100", Tri.FALSE, ""),
    ("v=DMARC1; p=reject; pct=25", Tri.FALSE, ""),  # the rest is still quarantined
    ("v=DMARC1; p=quarantine; pct=abc", Tri.FALSE, ""),  # invalid: the default 100
    ("v=DMARC1; p=quarantine; t=y", Tri.TRUE, "p=quarantine; t=y"),
    ("v=DMARC1; p=none; pct=50", Tri.TRUE, "p=none"),
    # Unknown pieces: a known p= decides unless a partial policy could lower it.
    (f"v=DMARC1; p=none; rua=mailto:{HOLE}", Tri.TRUE, "p=none"),
    (f"v=DMARC1; p=reject; {HOLE}", Tri.FALSE, ""),
    (f"v=DMARC1; p=quarantine; {HOLE}", Tri.UNKNOWN, ""),
    (f"v=DMARC1; p=quarantine; pct={HOLE}", Tri.UNKNOWN, ""),
    (f"v=DMARC1; p={HOLE}", Tri.UNKNOWN, ""),
    (f"v=DMARC1; {HOLE}", Tri.UNKNOWN, ""),
])
def test_dmarc_no_enforcement(text: str, state: Tri, detail: str) -> None:
    verdict = mail.dmarc_no_enforcement(text)
    assert (verdict.state, verdict.detail) == (state, detail)


@pytest.mark.parametrize("text,state", [
    ("v=DMARC1; p=reject; sp=none", Tri.TRUE),
    ("v=DMARC1; p=reject; sp=quarantine", Tri.FALSE),
    ("v=DMARC1; p=reject; sp=quarantine; pct=10", Tri.TRUE),
    ("v=DMARC1; p=reject", Tri.FALSE),
    ("v=DMARC1; p=reject; sp=bogus", Tri.FALSE),  # invalid: the p= policy applies
    ("v=DMARC1; p=none; sp=none", Tri.FALSE),  # reported as the domain's own policy
    (f"v=DMARC1; p=reject; sp={HOLE}", Tri.UNKNOWN),
    (f"v=DMARC1; p=reject; {HOLE}", Tri.UNKNOWN),
])
def test_dmarc_subdomains_unenforced(text: str, state: Tri) -> None:
    assert mail.dmarc_subdomains_unenforced(text).state is state


# --- DKIM -------------------------------------------------------------------------------

@pytest.mark.parametrize("bits", [512, 1024, 2048, 4096])
def test_rsa_key_bits(bits: int) -> None:
    assert mail.rsa_key_bits(rsa_key(bits)) == bits
    assert mail.rsa_key_bits(rsa_key(bits, spki=False)) == bits
    spread = rsa_key(bits)
    assert mail.rsa_key_bits(spread[:40] + " \t" + spread[40:]) == bits  # whitespace inside p= is allowed


@pytest.mark.parametrize("key", ["", "not base64!", base64.b64encode(b"\x30\x05\x02").decode(),
                                 "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="])
def test_rsa_key_bits_of_something_else(key: str) -> None:
    assert mail.rsa_key_bits(key) is None


@pytest.mark.parametrize("text,selector,state", [
    ("v=DKIM1; k=rsa; p=MIIB", Tri.FALSE, Tri.TRUE),
    ("k=rsa; p=MIIB", Tri.TRUE, Tri.TRUE),  # v= is optional at a selector's name
    ("k=rsa; p=MIIB", Tri.FALSE, Tri.FALSE),
    ("k=rsa; p=MIIB", Tri.UNKNOWN, Tri.UNKNOWN),
    ("v=DKIM2; p=MIIB", Tri.TRUE, Tri.FALSE),
    ("o=~; r=postmaster@example.com", Tri.TRUE, Tri.FALSE),
    ("v=spf1 -all", Tri.FALSE, Tri.FALSE),
])
def test_is_dkim(text: str, selector: Tri, state: Tri) -> None:
    assert mail.is_dkim(text, selector) is state


@pytest.mark.parametrize("name,arm,state", [
    ("google._domainkey", False, Tri.TRUE),
    ("selector1._domainkey.example.com.", False, Tri.TRUE),
    ("example.com/s1._domainkey", True, Tri.TRUE),
    ("_domainkey.example.com", False, Tri.FALSE),
    ("example.com", False, Tri.FALSE),
    (PartialString(("google._domainkey.", None)), False, Tri.TRUE),
    (PartialString((None, "._domainkey")), False, Tri.TRUE),
    (PartialString((None,)), False, Tri.UNKNOWN),
    (UNKNOWN, False, Tri.UNKNOWN),
])
def test_selector_name(name: Any, arm: bool, state: Tri) -> None:
    assert mail.selector_name(name, arm) is state


def test_dkim_defects() -> None:
    strong, weak = rsa_key(2048), rsa_key(1024)
    assert mail.dkim_revoked("v=DKIM1; p=").state is Tri.TRUE
    assert mail.dkim_revoked("v=DKIM1; k=rsa; p= ;").state is Tri.TRUE
    assert mail.dkim_revoked(f"v=DKIM1; p={strong}").state is Tri.FALSE
    assert mail.dkim_revoked(f"v=DKIM1; p={HOLE}").state is Tri.UNKNOWN
    assert mail.dkim_testing(f"v=DKIM1; t=y; p={strong}") == (Tri.TRUE, "t=y")
    assert mail.dkim_testing(f"v=DKIM1; t=s:y; p={strong}").state is Tri.TRUE
    assert mail.dkim_testing(f"v=DKIM1; t=s; p={strong}").state is Tri.FALSE
    assert mail.dkim_testing(f"v=DKIM1; p={strong}").state is Tri.FALSE
    assert mail.dkim_testing(f"v=DKIM1; {HOLE}; p={strong}").state is Tri.UNKNOWN
    assert mail.dkim_weak_key(f"v=DKIM1; k=rsa; p={weak}") == (Tri.TRUE, "1024")
    assert mail.dkim_weak_key(f"v=DKIM1; p={rsa_key(512, spki=False)}") == (Tri.TRUE, "512")
    assert mail.dkim_weak_key(f"v=DKIM1; p={strong}").state is Tri.FALSE
    assert mail.dkim_weak_key("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").state \
        is Tri.FALSE
    assert mail.dkim_weak_key(f"v=DKIM1; k={HOLE}; p={weak}").state is Tri.UNKNOWN
    assert mail.dkim_weak_key("v=DKIM1; p=").state is Tri.FALSE  # revoked, not weak
    assert mail.dkim_sha1_only(f"v=DKIM1; h=sha1; p={strong}") == (Tri.TRUE, "h=sha1")
    assert mail.dkim_sha1_only(f"v=DKIM1; h=sha1:sha256; p={strong}").state is Tri.FALSE
    assert mail.dkim_sha1_only(f"v=DKIM1; p={strong}").state is Tri.FALSE


# --- the predicate over resources ------------------------------------------------------------

def evaluate(args: Dict[str, Any], attributes: Dict[str, Any], fmt: str = "terraform"):
    subject = Resource(address="r.a", type="t", format=fmt, provider="aws", attributes=attributes,
                       location=Location("f", 1), links=[], namespace="ns",
                       case_insensitive_names=fmt == "arm")  # as the ARM reader says
    ctx = Context(subject, ResourceGraph([subject]), PREDICATES, subject.attributes)
    return compile_condition({"predicate": "mail_auth_record", "args": args}).evaluate(ctx)


def paths(result) -> list:
    return [e.path for e in result.evidence]


ROUTE53 = {"kind": "spf", "defect": "permissive", "records": "records[*]", "type": "type"}


def test_predicate_reports_each_offending_record() -> None:
    result = evaluate(ROUTE53, {"type": "TXT", "records": ["MS=ms1", "v=spf1 +all", '"v=spf1 mx ?all"']})
    assert result.state is Tri.TRUE
    assert paths(result) == [("records", 1), ("records", 2)]
    assert [e.value for e in result.evidence] == ["+all", "?all"]


@pytest.mark.parametrize("attributes,state", [
    ({"type": "TXT", "records": ["v=spf1 -all"]}, Tri.FALSE),
    ({"type": "CNAME", "records": ["v=spf1 +all"]}, Tri.FALSE),
    ({"type": UNKNOWN, "records": ["v=spf1 +all"]}, Tri.UNKNOWN),
    ({"type": "TXT", "records": UNKNOWN}, Tri.UNKNOWN),
    ({"type": "TXT", "records": [UNKNOWN, "v=spf1 -all"]}, Tri.UNKNOWN),
    ({"type": "TXT"}, Tri.FALSE),
])
def test_predicate_is_tri_state(attributes: Dict[str, Any], state: Tri) -> None:
    assert evaluate(ROUTE53, attributes).state is state


def test_predicate_multiple_records() -> None:
    args = dict(ROUTE53, defect="multiple")
    twice = evaluate(args, {"type": "TXT", "records": ["v=spf1 -all", "MS=1", "v=spf1 mx -all"]})
    assert (twice.state, paths(twice)) == (Tri.TRUE, [("records", 2)])
    assert evaluate(args, {"type": "TXT", "records": ["v=spf1 -all", "MS=1"]}).state is Tri.FALSE
    assert evaluate(args, {"type": "TXT", "records": ["v=spf1 -all", UNKNOWN]}).state is Tri.UNKNOWN
    dmarc = dict(args, kind="dmarc")
    assert evaluate(dmarc, {"type": "TXT", "records": ["v=DMARC1; p=reject", "v=DMARC1; p=none"]}).state \
        is Tri.TRUE


def test_predicate_over_record_sets_of_a_group() -> None:
    args = {"kind": "dmarc", "defect": "no_enforcement", "sets": "RecordSets[*]",
            "records": "ResourceRecords[*]", "type": "Type"}
    group = {"RecordSets": [
        {"Name": "_dmarc.example.com.", "Type": "TXT", "ResourceRecords": ['"v=DMARC1; p=reject"']},
        {"Name": "_dmarc.example.org.", "Type": "TXT", "ResourceRecords": ['"v=DMARC1; p=none"']},
        {"Name": "_dmarc.example.net.", "Type": "CNAME", "ResourceRecords": ["v=DMARC1; p=none"]},
    ]}
    result = evaluate(args, group, fmt="cloudformation")
    assert (result.state, paths(result)) == (Tri.TRUE, [("RecordSets", 1, "ResourceRecords", 0)])
    assert result.evidence[0].value == "p=none"


def test_predicate_reads_arm_string_lists_case_insensitively() -> None:
    args = {"kind": "dkim", "defect": "weak_key", "records": "properties.TXTRecords[*].value",
            "name": "name", "arm_name": True}
    key = rsa_key(1024)
    arm = {"name": "example.com/google._domainkey",
           "properties": {"txtRecords": [{"value": ["v=DKIM1; k=rsa; p=" + key[:100], key[100:]]}]}}
    result = evaluate(args, arm, fmt="arm")
    assert (result.state, paths(result)) == (Tri.TRUE, [("properties", "txtRecords", 0, "value")])
    assert result.evidence[0].value == "1024"
    # Without v=DKIM1, only the selector's name says it is a key record.
    unnamed = {"name": "example.com/www", "properties": {"TXTRecords": [{"value": ["k=rsa; p=" + key]}]}}
    assert evaluate(args, unnamed, fmt="arm").state is Tri.FALSE
    named = {"name": "example.com/s1._domainkey", "properties": {"TXTRecords": [{"value": ["k=rsa; p=" + key]}]}}
    assert evaluate(args, named, fmt="arm").state is Tri.TRUE


def test_predicate_split_by_spaces() -> None:
    args = {"kind": "spf", "defect": "split_by_spaces", "records": "rrdatas[*]", "type": "type",
            "unquoted": "split"}
    result = evaluate(args, {"type": "TXT", "rrdatas": ["v=spf1 include:_spf.google.com ~all"]})
    assert (result.state, paths(result)) == (Tri.TRUE, [("rrdatas", 0)])
    assert evaluate(args, {"type": "TXT", "rrdatas": ['"v=spf1 include:_spf.google.com ~all"']}).state is Tri.FALSE
    assert evaluate(args, {"type": "TXT", "rrdatas": ["v=spf1"]}).state is Tri.FALSE
    assert evaluate(args, {"type": "TXT", "rrdatas": ["v=DMARC1; p=reject"]}).state is Tri.FALSE
    # Unquoted, the SPF record is not published, so it has no other defect.
    permissive = dict(args, defect="permissive")
    assert evaluate(permissive, {"type": "TXT", "rrdatas": ["v=spf1 +all"]}).state is Tri.FALSE
    assert evaluate(permissive, {"type": "TXT", "rrdatas": ['"v=spf1 +all"']}).state is Tri.TRUE


@pytest.mark.parametrize("args", [
    {"kind": "mx", "defect": "permissive", "records": "r"},
    {"kind": "spf", "defect": "revoked", "records": "r"},
    {"kind": "spf", "defect": "permissive", "records": "r", "unquoted": "maybe"},
])
def test_predicate_rejects_unknown_arguments(args: Dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        evaluate(args, {"r": "v=spf1 -all"})


def test_show_marks_unknown_pieces() -> None:
    assert mail.show(f"v=spf1 include:{HOLE} -all") == "v=spf1 include:… -all"


# --- the checks built on it ----------------------------------------------------------------

ISSUE_10_CONTROLS = {"NISC-4.2.2-5-4", "NISC-4.2.2-5-5", "NISC-4.2.2-5-6", "NISC-4.2.1-5-3",
                     "NISC-4.2.2-1-1", "NISC-4.2.2-1-5", "NISC-4.2.2-2-4"}


def test_mail_and_entra_checks_fit_sarif_descriptions() -> None:
    """GitHub code scanning cuts rule descriptions at 1024 characters; `checks
    explain` and SARIF must show these checks' "not decidable" notes whole."""
    checks = [c for c in load_checks().checks if ISSUE_10_CONTROLS & set(c.controls)]
    assert len(checks) >= 12
    for check in checks:
        for lang in ("en", "ja"):
            assert len(check.description[lang]) <= 1024, (check.id, lang)
            assert len(check.title[lang]) <= 1024, (check.id, lang)
