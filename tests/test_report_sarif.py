"""SARIF 2.1.0: the official OASIS schema, and GitHub code scanning's
documented upload limits.

The limits, as GitHub documents them (docs.github.com, "SARIF support for
code scanning" -> "Validating your SARIF file" and the ``reportingDescriptor``
/ ``result`` tables; "SARIF results exceed one or more limits"):

- gzip-compressed file: at most 10 MB;
- runs per file 20; results per run 25,000 (only the 5,000 most severe are
  shown); rules per run 25,000; tool extensions per run 100; locations per
  result 1,000 (the result table: "up to a maximum of 10", only the first is
  used); tags per rule 20 (only 10 are shown);
- ``reportingDescriptor.name`` at most 255 characters, ``shortDescription``
  and ``fullDescription`` at most 1,024; rule ids over 255 characters are
  rejected ("sarif identifier exceeds maximum length of 255 characters");
- required and non-empty: ``tool.driver.name``, ``rules[].id``,
  ``shortDescription.text``, ``fullDescription.text``, ``help.text``,
  ``message.text``, at least one location, ``partialFingerprints``;
- ``defaultConfiguration.level`` and ``result.level``: ``note``, ``warning``
  or ``error``;
- ``properties.security-severity``: a string holding a number greater than
  0.0 and up to 10.0; over 9.0 is critical, 7.0-8.9 high, 4.0-6.9 medium,
  0.1-3.9 low.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any, Dict, List

import jsonschema
import pytest
from test_report_support import EXAMPLES, ROOT, SCHEMAS, check, examples_report, finding, parse_error, report

from iacguard.cli import main
from iacguard.report import writer
from iacguard.report.sarif import GITHUB, UploadLimits, render

SCHEMA = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
BAND = {"CRITICAL": (9.0, 10.0), "HIGH": (7.0, 8.9), "MEDIUM": (4.0, 6.9), "LOW": (0.1, 3.9)}


def _sarif(rep: Any, **kwargs: Any) -> Dict[str, Any]:
    doc = json.loads(render(rep, **kwargs))
    return doc


def _has_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def _keys(value: Any) -> List[str]:
    if isinstance(value, dict):
        return list(value) + [k for v in value.values() for k in _keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_examples_are_valid_sarif_with_every_rule_that_ran(lang: str) -> None:
    rep = examples_report(lang)
    assert rep.findings, "the examples are meant to produce findings"
    doc = json.loads(writer("sarif")(rep))
    jsonschema.validate(doc, SCHEMA)
    assert "helpUri" not in _keys(doc), "no public rule pages, so no help URIs"
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules[:-1]] == [c.id for c in rep.checks] and rules[-1]["id"] == "IACG-000"
    for rule, c in zip(rules[:-1], rep.checks, strict=True):
        assert rule["name"] and rule["name"].isalnum()
        assert rule["shortDescription"]["text"] == c.text("title", lang)
        assert rule["fullDescription"]["text"] == c.text("description", lang)
        assert c.text("remediation", lang) in rule["help"]["text"]
        assert c.text("remediation", lang) in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] == {"CRITICAL": "error", "HIGH": "error",
                                                          "MEDIUM": "warning", "LOW": "note"}[c.severity]
        assert "security" in rule["properties"]["tags"]
        assert rule["properties"]["controls"] == c.controls
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    assert run["invocations"][0]["executionSuccessful"] is True
    by_fingerprint = {f.fingerprint: f for f in rep.findings}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        f = by_fingerprint[result["partialFingerprints"]["iacguard/v1"]]
        assert result["level"] == rules[result["ruleIndex"]]["defaultConfiguration"]["level"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": f.file, "uriBaseId": "%SRCROOT%"}
        assert physical["region"]["startLine"] == f.line and physical["region"]["endLine"] >= f.line
        if f.snippet:
            assert physical["region"]["snippet"]["text"] == dict(f.snippet)[f.line] + "\n"
        assert result["message"]["text"] == f.text("message", lang)
    if lang == "ja":
        assert all(_has_japanese(r["shortDescription"]["text"]) for r in rules)
        assert all(_has_japanese(r["help"]["text"]) for r in rules)
        assert any(_has_japanese(r["message"]["text"]) for r in run["results"])


def test_suppressed_findings_carry_kind_and_justification() -> None:
    rep = report([finding(resource="aws_s3_bucket.a", suppression={"kind": "inSource", "reason": "public website"}),
                  finding(resource="aws_s3_bucket.b", suppression={"kind": "baseline", "reason": "accepted debt"}),
                  finding(resource="aws_s3_bucket.c")], checks=[check()])
    doc = _sarif(rep)
    jsonschema.validate(doc, SCHEMA)
    results = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r for r in doc["runs"][0]["results"]}
    assert results["aws_s3_bucket.a"]["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "public website"}]
    assert results["aws_s3_bucket.b"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "accepted debt"}]
    assert "suppressions" not in results["aws_s3_bucket.c"]


def test_parse_errors_are_results_and_tool_execution_notifications() -> None:
    rep = report([parse_error("infra/broken.tf", 7, "unexpected '}'")], checks=[check()])
    doc = _sarif(rep)
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    (result,) = run["results"]
    assert result["ruleId"] == "IACG-000" and rules[result["ruleIndex"]]["id"] == "IACG-000"
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "error" and "unexpected '}'" in note["message"]["text"]
    assert rules[note["associatedRule"]["index"]]["id"] == "IACG-000"
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/broken.tf"
    assert run["invocations"][0]["executionSuccessful"] is True  # a bad file is a finding, not a crash


def test_paths_are_relative_uris_and_absolute_ones_stay_absolute() -> None:
    rep = report([finding(file="dir with space/main#1.tf"), finding(file="/elsewhere/x.tf", resource="r.x")],
                 checks=[check()])
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in _sarif(rep)["runs"][0]["results"]]
    assert {"uri": "dir%20with%20space/main%231.tf", "uriBaseId": "%SRCROOT%"} in uris
    assert {"uri": "file:///elsewhere/x.tf"} in uris


def test_snippet_context_covers_the_two_lines_around_the_finding() -> None:
    rep = report([finding(line=5, snippet=[(5, "  acl = \"public-read\""), (6, "}")])], checks=[check()])
    physical = _sarif(rep)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical["region"]["snippet"]["text"] == "  acl = \"public-read\"\n"
    assert physical["contextRegion"] == {"startLine": 5, "endLine": 6,
                                         "snippet": {"text": "  acl = \"public-read\"\n}\n"}}


def _large_report() -> Any:
    """300 checks with over-long texts and too many tags, 30,000 findings."""
    checks = [check(f"ACME-{i:04d}", severity=SEVERITIES[i % 4], provider="aws",
                    controls=[f"CORP-{i}-{j}" for j in range(15)],
                    cis=[f"CIS Example Benchmark 1.0.0 {j}.{i}" for j in range(10)],
                    title={"en": "Title " * 60, "ja": "タイトル" * 100},
                    description={"en": "Description " * 300, "ja": "説明" * 1500})
              for i in range(300)]
    findings = [finding(f"ACME-{i % 300:04d}", severity=SEVERITIES[(i * 7) % 4], file=f"mod{i % 50}/f{i}.tf",
                        line=i % 500 + 1, resource=f"aws_s3_bucket.b{i}", message="m" * 150,
                        suppression={"kind": "inSource", "reason": "r"} if i % 97 == 0 else None)
                for i in range(30_000)]
    return report(findings, checks=checks), findings


def test_a_large_report_stays_within_githubs_upload_limits() -> None:
    rep, findings = _large_report()
    text = render(rep)
    doc = json.loads(text)
    # The schema still holds after cutting (checked on a slice: the shape of every result is the same).
    sample = json.loads(text)
    sample["runs"][0]["results"] = sample["runs"][0]["results"][:500]
    jsonschema.validate(sample, SCHEMA)

    assert len(gzip.compress(text.encode("utf-8"))) <= 10_000_000
    assert len(doc["runs"]) <= 20
    run = doc["runs"][0]
    assert len(run["tool"].get("extensions", [])) <= 100
    rules, results = run["tool"]["driver"]["rules"], run["results"]
    assert len(rules) <= 25_000 and len(results) <= 25_000
    assert len(results) == 25_000, "cut to the limit, not below it"
    for rule in rules:
        assert 0 < len(rule["id"]) <= 255 and 0 < len(rule["name"]) <= 255
        assert 0 < len(rule["shortDescription"]["text"]) <= 1024
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"]
        assert len(rule["properties"]["tags"]) <= 10  # 20 accepted, 10 shown
        assert rule["defaultConfiguration"]["level"] in ("note", "warning", "error")
        score = float(rule["properties"]["security-severity"])
        low, high = BAND[rule["properties"]["severity"]]
        assert 0.0 < score <= 10.0 and low <= score <= high
    for result in results:
        assert result["level"] in ("note", "warning", "error")
        assert result["message"]["text"]
        assert 1 <= len(result["locations"]) <= 10
        assert result["partialFingerprints"]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    # The 5,000 GitHub shows are the most severe: everything cut is less severe than everything kept.
    kept = {r["partialFingerprints"]["iacguard/v1"] for r in results}
    cut = [f for f in findings if f.fingerprint not in kept]
    rank = {s: n for n, s in enumerate(reversed(SEVERITIES))}
    assert max(rank[f.severity] for f in cut if not f.suppressed) <= \
        min(rank[f.severity] for f in findings if f.fingerprint in kept and not f.suppressed)
    severe = [f for f in findings if f.severity in ("CRITICAL", "HIGH") and not f.suppressed]
    assert all(f.fingerprint in kept for f in severe)
    notes = " ".join(n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"])
    assert "5,000 of 30,000 results were left out" in notes
    assert "tags of 300 rules" in notes and "descriptions of 300 rules" in notes
    assert all(len(rule["properties"]["controls"]) == 15 for rule in rules if rule["id"] != "IACG-000"), \
        "the full lists stay"


def test_rule_and_size_caps_cut_and_say_so() -> None:
    checks = [check(f"ACME-{i:03d}") for i in range(8)]
    findings = [finding(f"ACME-{i % 3:03d}", severity=SEVERITIES[i % 4], resource=f"r.x{i}",
                        message=hashlib.sha256(str(i).encode()).hexdigest() * 4) for i in range(40)]
    tight = UploadLimits(rules_per_run=5, gzip_bytes=4_000)  # the full output compresses to about 4,600 bytes
    doc = json.loads(render(report(findings, checks=checks), limits=tight))
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == 5
    assert {r["ruleId"] for r in run["results"]} <= {r["id"] for r in rules}
    assert {"ACME-000", "ACME-001", "ACME-002"} <= {r["id"] for r in rules}, "rules with results are kept"
    assert 0 < len(run["results"]) < 40
    assert len(gzip.compress(json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8"))) <= 4_000
    kept = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in run["results"]}
    assert all(f"r.x{i}" in kept for i in range(0, 40, 4)), "the CRITICAL ones are kept"
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any("rules without results were left out" in n for n in notes)
    assert any("10 MB" in n or "MB upload limit" in n for n in notes)


def test_an_over_long_rule_id_is_shortened_consistently() -> None:
    long_id = "ACME-" + "X" * 300
    doc = _sarif(report([finding(long_id)], checks=[check(long_id)]))
    rule_id = doc["runs"][0]["tool"]["driver"]["rules"][0]["id"]
    assert len(rule_id) == 255 and doc["runs"][0]["results"][0]["ruleId"] == rule_id


def test_limits_are_the_documented_numbers() -> None:
    assert (GITHUB.runs_per_file, GITHUB.results_per_run, GITHUB.rules_per_run, GITHUB.tags_per_rule,
            GITHUB.name_chars, GITHUB.description_chars, GITHUB.gzip_bytes) == \
        (20, 25_000, 25_000, 10, 255, 1024, 10_000_000)


def test_cli_writes_japanese_sarif(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "r.sarif"
    code = main(["scan", str(EXAMPLES.relative_to(ROOT)), "--format", "sarif", "--output", str(out), "--lang", "ja"])
    assert code == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    assert doc["runs"][0]["language"] == "ja"
    assert _has_japanese(doc["runs"][0]["tool"]["driver"]["rules"][0]["help"]["markdown"])


def test_an_inline_suppression_reaches_every_format(tmp_path, monkeypatch, capsys) -> None:
    """End to end: a suppression comment in a template, through the scan, into each format."""
    (tmp_path / "main.tf").write_text('# iacguard:ignore IACG-AWS-001 static website, reviewed\n'
                                      'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n')
    monkeypatch.chdir(tmp_path)
    args = ["scan", ".", "--check", "IACG-AWS-001"]
    assert main(args + ["--format", "sarif", "--output", "r.sarif", "--format", "junit", "--output", "r.xml",
                        "--format", "markdown", "--output", "r.md", "--format", "github"]) == 0
    (result,) = json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"]
    assert result["suppressions"] == [{"kind": "inSource", "status": "accepted",
                                       "justification": "static website, reviewed"}]
    assert '<skipped message="suppressed: static website, reviewed"' in (tmp_path / "r.xml").read_text()
    assert "static website, reviewed" in (tmp_path / "r.md").read_text()
    assert "::error" not in capsys.readouterr().out
