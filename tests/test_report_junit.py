"""JUnit XML: valid against tests/schemas/junit-jenkins.xsd (the Jenkins JUnit
layout GitLab also reads), one suite per check, one case per resource."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_report_support import EXAMPLES, HOSTILE, ROOT, SCHEMAS, check, examples_report, finding, parse_error, report

from iacguard.cli import main
from iacguard.findings import Passed
from iacguard.report import writer
from iacguard.report.common import examined

xmlschema = pytest.importorskip("xmlschema")
XSD = xmlschema.XMLSchema(str(SCHEMAS / "junit-jenkins.xsd"))


def _junit(rep) -> ET.Element:
    text = writer("junit")(rep)
    XSD.validate(text)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_examples_validate_and_have_a_suite_per_check(lang: str) -> None:
    rep = examples_report(lang)
    root = _junit(rep)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [c.id for c in rep.checks], "no parse errors in the examples"
    entries = examined(rep)
    assert int(root.get("tests")) == len(entries) == sum(len(s.findall("testcase")) for s in suites)
    assert int(root.get("failures")) == sum(1 for e in entries if e.failures)
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
        assert props["severity"] in ("LOW", "MEDIUM", "HIGH", "CRITICAL") and props["title"]
        for case in cases:
            assert case.get("classname") == suite.get("name")
            assert case.get("name") == f"{case.get('file')}::" + case.get("name").split("::", 1)[1]
            failure = case.find("failure")
            if failure is not None:
                assert failure.get("message").startswith(f"{case.get('file')}:")
                assert failure.get("type") in ("LOW", "MEDIUM", "HIGH", "CRITICAL")
                assert f"{case.get('file')}:" in failure.text
    if lang == "ja":
        assert any("対処方法" in (f.text or "") for f in root.iter("failure"))


def test_findings_suppressions_passes_and_parse_errors() -> None:
    rep = report(
        findings=[finding(resource="aws_s3_bucket.a", line=3), finding(resource="aws_s3_bucket.a", line=7,
                                                                       attribute="policy", severity="CRITICAL"),
                  finding(resource="aws_s3_bucket.s", suppression={"kind": "inSource", "reason": "static site"}),
                  parse_error("broken.tf", 4, "unexpected token")],
        passed=[Passed("IACG-AWS-001", "aws_s3_bucket.ok", "aws_s3_bucket", "main.tf", 20)],
        checks=[check(), check("IACG-AWS-004", controls=["NISC-4.1.4-3"])])
    root = _junit(rep)
    names = [s.get("name") for s in root.findall("testsuite")]
    assert names == ["IACG-AWS-001", "IACG-AWS-004", "IACG-000"]
    cases = {c.get("name"): c for c in root.iter("testcase")}
    failing = cases["main.tf::aws_s3_bucket.a"]
    (failure,) = failing.findall("failure")
    assert failure.get("type") == "CRITICAL" and failure.get("message").startswith("main.tf:3: 2 findings")
    assert "main.tf:3:" in failure.text and "main.tf:7:" in failure.text and "remediation:" in failure.text
    assert failing.get("file") == "main.tf" and failing.get("line") == "3"
    skipped = cases["main.tf::aws_s3_bucket.s"].find("skipped")
    assert skipped is not None and skipped.get("message") == "suppressed: static site"
    assert list(cases["main.tf::aws_s3_bucket.ok"]) == [] and cases["main.tf::aws_s3_bucket.ok"].get("line") == "20"
    error_suite = root.find("testsuite[@name='IACG-000']")
    assert error_suite.get("errors") == "1" and error_suite.get("tests") == "1"
    error = error_suite.find("testcase/error")
    assert error.get("message") == "broken.tf:4: unexpected token"
    assert root.find("testsuite[@name='IACG-AWS-004']").get("tests") == "0"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "1")
    suite = root.find("testsuite[@name='IACG-AWS-001']")
    assert (suite.get("failures"), suite.get("skipped")) == ("1", "1")


def test_hostile_text_is_escaped_and_xml_invalid_characters_removed() -> None:
    rep = report([finding(file=f"{HOSTILE}.tf", resource=HOSTILE, message=HOSTILE,
                          suppression={"kind": "inSource", "reason": HOSTILE}),
                  finding(file="x.tf", resource=HOSTILE, message=HOSTILE),
                  parse_error(HOSTILE, 1, HOSTILE)], checks=[check()])
    text = writer("junit")(rep)
    XSD.validate(text)
    root = ET.fromstring(text)
    assert not any(ch in text for ch in "\x00\x07\x1b\x0b\x0c\ufffe")
    assert root.find(".//script") is None and root.find(".//img") is None
    cleaned = HOSTILE
    for ch in "\x00\x07\x1b\x0b\x0c\ufffe":
        cleaned = cleaned.replace(ch, "")
    case = root.find("testsuite[@name='IACG-AWS-001']/testcase[@file='x.tf']")
    assert case.get("name") == f"x.tf::{cleaned}"
    assert cleaned.replace("\r\n", "\n") in case.find("failure").text.replace("\r\n", "\n")
    assert root.find("testsuite/testcase/skipped").get("message") == f"suppressed: {cleaned}"


def test_cli_format_junit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "junit.xml"
    code = main(["scan", str(EXAMPLES.relative_to(ROOT)), "--format", "junit", "--output", str(out)])
    assert code == 1
    XSD.validate(str(out))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_written_case_by_case_in_elementtree_s_own_layout(lang: str) -> None:
    """The document comes test case by test case, laid out exactly as
    ElementTree indents and writes the whole tree."""
    from iacguard.report import pieces

    rep = examples_report(lang)
    written = list(pieces("junit")(rep))
    assert len(written) > len(examined(rep))
    text = "".join(written)
    root = ET.fromstring(text)
    ET.indent(root)
    assert text == '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    empty = "".join(pieces("junit")(report(findings=[], checks=[])))
    assert empty.endswith('<testsuites name="iacguard" tests="0" failures="0" errors="0" time="0" />\n')
