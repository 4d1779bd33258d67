"""The compliance report: statuses per control and CIS item, evidence,
Markdown and a self-contained, print-friendly HTML page in English and
Japanese."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from conftest import git, init_git_repository
from test_report_support import EXAMPLES, HOSTILE, ROOT, check, examples_report, finding, parse_error, report

from iacguard.cli import main
from iacguard.engine.checks import known_controls, load_checks
from iacguard.findings import Passed
from iacguard.report import ScanInfo, writer
from iacguard.report.compliance import STATUSES, build
from iacguard.scan import select_checks

CHROMIUM = Path("/usr/bin/chromium")


def _controls() -> Dict[str, dict]:
    return known_controls()


def _first(iac_checkable: str, cited: set) -> str:
    return next(cid for cid, e in _controls().items()
                if e["iac_checkable"] == iac_checkable and cid not in cited and not e.get("not_decidable"))


def _scenario(lang: str = "en"):
    """One control failing, one passing (with a suppression), one with no resources, a CIS item."""
    checks = [check("IACG-AWS-001", controls=["NISC-4.1.5-1"], cis=["CIS AWS Foundations 1.5.0 2.1.5"]),
              check("IACG-AWS-004", controls=["NISC-4.1.4-3"], cis=["CIS AWS Foundations 1.5.0 5.2"]),
              check("IACG-AZURE-005", controls=["NISC-4.1.6-3"], cis=["CIS Microsoft Azure Foundations 1.3.0 4.1.2"],
                    provider="azure")]
    findings = [finding("IACG-AWS-001", resource="aws_s3_bucket.site", file="web/s3.tf", line=4),
                finding("IACG-AWS-004", resource="aws_security_group.ssh", file="net/sg.tf", line=9,
                        suppression={"kind": "inSource", "reason": "bastion, closed by NACL"})]
    passed = [Passed("IACG-AWS-001", "aws_s3_bucket.logs", "aws_s3_bucket", "web/s3.tf", 12),
              Passed("IACG-AWS-004", "aws_security_group.web", "aws_security_group", "net/sg.tf", 1)]
    return report(findings, passed, checks, lang=lang)


def _rows(model) -> Dict[str, object]:
    return {row.id: row for part in model.parts for group in part.groups for row in group.rows}


def test_statuses_follow_the_checks_and_the_catalogue() -> None:
    model = build(_scenario())
    rows = _rows(model)
    assert rows["NISC-4.1.5-1"].status == "fail"
    assert rows["NISC-4.1.4-3"].status == "pass", "a suppressed finding does not fail the control"
    assert rows["NISC-4.1.6-3"].status == "not_applicable"
    cited = {"NISC-4.1.5-1", "NISC-4.1.4-3", "NISC-4.1.6-3"}
    no = _first("no", cited)
    assert rows[no].status == "not_checkable" and rows[no].note == _controls()[no]["not_checkable_reason"]
    assert rows[_first("yes", cited)].status == "no_check"
    partial = _first("partial", cited)
    assert rows[partial].status == "no_check" and rows[partial].note.startswith("Only partly checkable")
    # Controls the catalogue hoped for but that a template cannot decide say why.
    undecidable = next(cid for cid, e in _controls().items() if e.get("not_decidable"))
    assert rows[undecidable].status == "not_checkable"
    assert rows[undecidable].note == _controls()[undecidable]["not_decidable"]
    # Every catalogue control is in the report once; CIS items come from the checks.
    catalogue_rows = [r for p in model.parts if p.key in ("nisc", "mic") for g in p.groups for r in g.rows]
    assert sorted(r.id for r in catalogue_rows) == sorted(_controls())
    cis = {r.label: r.status for p in model.parts if p.key == "cis" for g in p.groups for r in g.rows}
    assert cis == {"CIS AWS Foundations 1.5.0 2.1.5": "fail", "CIS AWS Foundations 1.5.0 5.2": "pass",
                   "CIS Microsoft Azure Foundations 1.3.0 4.1.2": "not_applicable"}
    failing = rows["NISC-4.1.5-1"]
    assert [(e.resource, e.location, e.result) for e in failing.evidence] == [
        ("aws_s3_bucket.site", "web/s3.tf:4", "fail"), ("aws_s3_bucket.logs", "web/s3.tf:12", "pass")]
    # The remediation is given once, in the failing check's section.
    assert [(c.check_id, c.remediation) for c in model.checks if c.failures] == \
        [(failing.failures[0].check_id, 'Set `acl = "private"`.')]
    assert [(s.reason, s.kind) for s in rows["NISC-4.1.4-3"].suppressions] == [("bastion, closed by NACL", "inSource")]
    nisc = next(p for p in model.parts if p.key == "nisc")
    assert [g.title for g in nisc.groups][:2] == ["4.1.1 Identity and access management",
                                                  "4.1.2 Logging and monitoring"]
    assert sum(nisc.counts().values()) == sum(1 for e in _controls().values() if e.get("section"))


def test_markdown_has_the_summary_first_and_every_status() -> None:
    text = writer("markdown")(_scenario())
    lines = text.splitlines()
    assert lines[0] == "# IaC security compliance report"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[0] == "## Summary" and headings[-1] == "## Files that could not be parsed"
    summary = text.split("## NISC")[0]
    for status in ("Fail", "Pass", "Not applicable", "No check yet", "Not checkable from IaC"):
        assert f"| {status} |" in summary
    assert "| HIGH | 1 |" in summary and "Suppressed findings: 1" in summary
    # A control is one row: its failing check with the count, linked to the check's details below,
    # then where its checks passed.
    assert ("| `NISC-4.1.5-1` | Block anonymous/public storage access | **Fail** | 2 | `IACG-AWS-001` fails 1; "
            "passed at: `web/s3.tf: 12` |") in text
    assert "| **Pass** | 2 | `IACG-AWS-004` suppressed 1; passed at: `net/sg.tf: 1` |" in text, \
        "a suppression is counted, not a failure"
    assert "- bucket is public: `web/s3.tf`: 4 (`aws_s3_bucket.site`)" in text and "`acl = \"private\"`" in text
    assert "bastion, closed by NACL" in text
    # every table row has as many cells as its header
    for block in re.split(r"\n\n", text):
        rows = [line for line in block.splitlines() if line.startswith("| ")]
        cells = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
        assert len(cells) <= 1, block


def test_markdown_in_japanese() -> None:
    text = writer("markdown")(_scenario("ja"))
    assert text.startswith("# IaC セキュリティ設定 準拠状況レポート")
    for heading in ("## 概要", "### 判定別の管理策数", "### 重大度別の検出件数", "## NISC マニュアル 4.1・4.2 の管理策",
                    "### 4.1.1 ID およびアクセス管理", "**不適合の箇所**", "**対処方法**", "## チェック別の不適合",
                    "**抑止された検出事項**", "## 解析できなかったファイル"):
        assert heading in text
    for status in ("不適合", "適合", "対象リソースなし", "チェック未実装", "IaC では確認不可"):
        assert f"| {status} |" in text
    assert "bucket is public（日本語）" in text and "`acl = \"private\"` を設定する。" in text


def test_markdown_neutralises_hostile_text() -> None:
    rep = report([finding(resource=HOSTILE, file="a|b.tf", message=HOSTILE,
                          suppression={"kind": "inSource", "reason": HOSTILE}),
                  finding(resource="r.x", message=HOSTILE)], checks=[check()])
    text = writer("markdown")(rep)
    # Markup characters from templates are backslash-escaped (inert in CommonMark), or inside code spans.
    assert not re.search(r"(?<!\\)<(script|img|/script)", text)
    assert not re.search(r"(?<!\\)\]\(javascript:", text) and not re.search(r"(?<!\\)\*bold", text)
    assert not any(ch in text for ch in "\r\x00\x07\x1b\x0b\x0c\ufffe")
    for block in re.split(r"\n\n", text):
        rows = [line for line in block.splitlines() if line.startswith("| ")]
        cells = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
        assert len(cells) <= 1, block


class _Page(HTMLParser):
    """Collects what a browser would see: tags, attributes, text, style."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: List[Tuple[str, Dict[str, Optional[str]]]] = []
        self.text: List[str] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style += data
        else:
            self.text.append(data)


def _page(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def _assert_self_contained(page: _Page) -> None:
    tags = [t for t, _ in page.tags]
    for forbidden in ("script", "link", "img", "iframe", "object", "embed", "frame", "base", "form", "svg",
                      "video", "audio", "source"):
        assert forbidden not in tags, forbidden
    for tag, attrs in page.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert "src" not in attrs
        if "href" in attrs:
            assert attrs["href"].startswith("#"), attrs
    assert "@import" not in page.style and "url(" not in page.style
    assert "@media print" in page.style


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_html_is_one_self_contained_print_friendly_page(lang: str) -> None:
    text = writer("html")(_scenario(lang))
    assert text.startswith("<!DOCTYPE html>")
    page = _page(text)
    _assert_self_contained(page)
    tags = [t for t, _ in page.tags]
    assert tags.count("html") == 1 and tags.count("style") == 1 and tags.count("h1") == 1
    assert ("html", {"lang": lang}) in page.tags
    assert tags.count("table") >= 3 and "thead" in tags
    ids = [a["id"] for _, a in page.tags if "id" in a]
    assert len(ids) == len(set(ids)), "anchors are unique"
    for _, attrs in page.tags:
        if attrs.get("href", "").startswith("#"):
            assert attrs["href"][1:] in ids
    body = " ".join(page.text)
    statuses = {"en": ("Fail", "Pass", "Not applicable", "No check yet", "Not checkable from IaC"),
                "ja": ("不適合", "適合", "対象リソースなし", "チェック未実装", "IaC では確認不可")}[lang]
    assert all(s in body for s in statuses)
    assert "web/s3.tf: 4" in "".join(page.text), "a file is one word (it may break after a slash)"
    assert ('<a href="#check-iacg-aws-001"><code class="id">IACG-AWS-001</code></a> '
            f'<span class="result-fail">{"fails 1" if lang == "en" else "不適合1件"}</span>') in text
    assert "bastion, closed by NACL" in body
    if lang == "ja":
        assert "IaC セキュリティ設定 準拠状況レポート" in body and "対処方法:" in body
        assert '<ul class="failures" aria-label="不適合の箇所">' in text
        assert "4.1.1 ID およびアクセス管理" in body


def test_html_escapes_everything_from_templates() -> None:
    rep = report([finding(resource=HOSTILE, file=f"{HOSTILE}.tf", message=HOSTILE,
                          suppression={"kind": "external", "reason": HOSTILE}),
                  finding(resource="r.x", message=HOSTILE), parse_error(HOSTILE, 2, HOSTILE)],
                 checks=[check()])
    text = writer("html")(rep)
    page = _page(text)
    _assert_self_contained(page)
    assert "<script>" not in text and "<img" not in text
    assert not any(ch in text for ch in "\x00\x07\x1b\x0b\x0c\ufffe")
    body = "".join(page.text)
    assert "<script>alert(1)</script>" in body and "<img src=x onerror=alert(1)>" in body


def test_parse_errors_are_listed_with_a_warning() -> None:
    rep = report([parse_error("infra/bad.tf", 3, "unexpected '}'")], checks=[check()], lang="ja")
    md = writer("markdown")(rep)
    assert "> 1 件のファイルを解析できませんでした" in md and "`infra/bad.tf:3`" in md
    html_text = writer("html")(rep)
    assert 'class="warning"' in html_text and "infra/bad.tf:3" in html_text


def test_examples_report_every_status_table_adds_up() -> None:
    rep = examples_report("en")
    model = build(rep)
    for part in model.parts:
        counts = part.counts()
        assert set(counts) == set(STATUSES)
        assert sum(counts.values()) == sum(len(g.rows) for g in part.groups)
    assert any(r.status == "fail" for r in _rows(model).values())


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_html_renders_in_headless_chromium(tmp_path: Path, lang: str) -> None:
    page = tmp_path / f"compliance-{lang}.html"
    page.write_text(writer("html")(examples_report(lang)), encoding="utf-8")
    png = tmp_path / "shot.png"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}", "--window-size=1280,2000",
                    page.as_uri()], capture_output=True, timeout=180, check=False)
    assert png.exists() and png.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_formats_markdown_and_html(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    md, page = tmp_path / "c.md", tmp_path / "c.html"
    code = main(["scan", str(EXAMPLES.relative_to(ROOT)), "--lang", "ja", "--format", "markdown", "--output", str(md),
                 "--format", "html", "--output", str(page)])
    assert code == 1
    assert md.read_text(encoding="utf-8").startswith("# IaC セキュリティ設定")
    _assert_self_contained(_page(page.read_text(encoding="utf-8")))


def test_every_checkable_control_has_a_check_or_says_why_not() -> None:
    """The catalogue marks what IaC may show (yes / partial); each such control
    is cited by a built-in check, or our data says why no template can decide it."""
    from iacguard.engine.checks import load_checks

    cited = {cid for c in load_checks().checks for cid in c.controls}
    open_rows = [cid for cid, e in _controls().items()
                 if e["iac_checkable"] in ("yes", "partial") and cid not in cited and not e.get("not_decidable")]
    assert open_rows == []
    assert [cid for cid, e in _controls().items() if e.get("not_decidable") and cid in cited] == []


def _three_public_buckets(lang: str = "en"):
    checks = [check("IACG-AWS-001", controls=["NISC-4.1.5-1"], cis=["CIS AWS Foundations 1.5.0 2.1.5"])]
    findings = [finding("IACG-AWS-001", resource=f"aws_s3_bucket.b{n}", file="infra/web/s3.tf", line=n * 10,
                        message="IACG-AWS-001 title (acl = public-read)") for n in (1, 2, 3)]
    passed = [Passed("IACG-AWS-001", "aws_s3_bucket.logs", "aws_s3_bucket", "infra/web/s3.tf", 40),
              Passed("IACG-AWS-001", "provider.aws", "provider", "infra/web/s3.tf", 1)]
    return report(findings, passed, checks, lang=lang,
                  info=ScanInfo("2026-12-06T10:00:00+09:00", ("infra",), "0123abc", True, "d" * 64, "e" * 64))


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_remediation_once_per_check_and_failures_grouped_by_detail(fmt: str) -> None:
    text = writer(fmt)(_three_public_buckets())
    assert text.count('acl = "private"' if fmt == "markdown" else "acl = &quot;private&quot;") == 1
    # The three failures share their detail: one line naming the three places.
    detail = [line for line in text.splitlines() if "(acl = public-read)" in line]
    assert len(detail) == 1 and "s3.tf</code>: 10, 20, 30" in detail[0] if fmt == "html" else \
        detail == ["- (acl = public-read): `s3.tf`: 10, 20, 30 (`aws_s3_bucket.b1`, `aws_s3_bucket.b2`, "
                   "`aws_s3_bucket.b3`)"]
    # The control and the CIS item are one row each: the failing check, counted, the resources
    # examined (the provider block is not one) and where the passing one is (folded on screen in
    # HTML, written out small on paper).
    rows = [line for line in text.splitlines() if "fails 3" in line]
    assert len(rows) == 2 and all("IACG-AWS-001" in r and ("| 4 |" in r or '"num">4<' in r) for r in rows)
    if fmt == "markdown":
        assert all(r.endswith("; passed at: `s3.tf: 40` |") for r in rows), rows
    else:
        passing = '<code class="loc">s3.tf: 40</code>'
        assert all(f'<summary>passed at</summary>{passing}</details>' in r for r in rows), rows
        assert all(f'<span class="passed-print">passed at: {passing}</span>' in r for r in rows), rows
    assert ": 1," not in text and "s3.tf: 1<" not in text and "`s3.tf: 1`" not in text  # the provider block


def test_header_says_when_what_and_with_which_rules() -> None:
    text = writer("markdown")(_three_public_buckets())
    for expected in ("- Scanned at: 2026-12-06T10:00:00+09:00", "- Paths scanned: `infra`",
                     "- Git commit: `0123abc (with uncommitted changes)`", "- Tool: iacguard ",
                     f"- Check set (SHA-256): `{'d' * 64}`", f"- Configuration (SHA-256): `{'e' * 64}`",
                     "Every file below is under `infra/web/`"):
        assert expected in text
    assert "`infra/web/s3.tf" not in text, "locations are written relative to the shared directory"


def test_resource_counts_leave_provider_blocks_out() -> None:
    rows = _rows(build(_three_public_buckets()))
    assert rows["NISC-4.1.5-1"].examined_count == 4  # three failing buckets and the passing one


def test_cis_benchmarks_without_a_version_get_their_own_groups() -> None:
    checks = [check("IACG-GEN-002", controls=["NISC-4.1.5-1"], provider="generic",
                    cis=["CIS Microsoft 365 Foundations 4.11", "CIS Google Workspace Foundations 5.3"]),
              check("IACG-AWS-030", controls=["NISC-4.1.5-1"], cis=["CIS Microsoft 365 Foundations 4.11"],
                    title={"en": "IACG-GEN-002 title", "ja": "IACG-GEN-002 のタイトル"})]
    model = build(report([], [], checks))
    cis = next(p for p in model.parts if p.key == "cis")
    assert [g.title for g in cis.groups] == ["CIS Google Workspace Foundations", "CIS Microsoft 365 Foundations"]
    row = cis.groups[1].rows[0]
    assert row.id == "4.11" and row.title == "IACG-GEN-002 title", "one title, not once per check"


def test_japanese_report_speaks_one_vocabulary() -> None:
    for fmt in ("markdown", "html"):
        text = writer(fmt)(_three_public_buckets("ja"))
        assert "合格" not in text and "不適合" in text and "適合" in text


def test_japanese_notes_come_from_the_catalogue_in_japanese() -> None:
    rows = _rows(build(_scenario("ja")))
    no = _first("no", {"NISC-4.1.5-1", "NISC-4.1.4-3", "NISC-4.1.6-3"})
    assert rows[no].note == _controls()[no]["not_checkable_reason_ja"]
    untranslated = [cid for cid, e in _controls().items()
                    for key in ("not_checkable_reason", "not_decidable") if e.get(key) and not e.get(f"{key}_ja")]
    assert untranslated == []


def test_the_command_line_fills_the_header(tmp_path: Path, run, monkeypatch) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n')
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1765000000")
    code, out, _ = run(["scan", "main.tf", "--format", "markdown", "--check", "IACG-AWS-001"], tmp_path)
    assert code == 1
    assert "- Scanned at: 2025-12-06T05:46:40+00:00" in out and "- Paths scanned: `main.tf`" in out
    digest = select_checks(load_checks(), ["IACG-AWS-001"], []).digest()
    assert f"- Check set (SHA-256): `{digest}`" in out
    assert "- Configuration (SHA-256): `" in out


def test_the_header_names_the_commit_and_uncommitted_changes(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n')
    init_git_repository(tmp_path)
    git(tmp_path, "add", "main.tf")
    git(tmp_path, "commit", "-q", "-m", "first")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True,
                          check=True).stdout.strip()
    code, out, _ = run(["scan", ".", "--format", "markdown", "--check", "IACG-AWS-001"], tmp_path)
    assert f"- Git commit: `{head}`" in out
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  acl = "private"\n}\n')
    code, out, _ = run(["scan", ".", "--format", "markdown", "--check", "IACG-AWS-001"], tmp_path)
    assert f"- Git commit: `{head} (with uncommitted changes)`" in out


TERRAGOAT = ROOT.parent / "shared" / "corpus" / "terragoat"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
@pytest.mark.skipif(not TERRAGOAT.is_dir(), reason="the shared corpus is not present")
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_large_report_prints_on_few_pages_with_every_failure(tmp_path: Path, lang: str) -> None:
    """terragoat (about 250 failures of 140 checks) prints to 15 A4 pages or
    fewer, and every failing resource's file and line is outside anything
    folded (paper shows it)."""
    page, record = tmp_path / "report.html", tmp_path / "findings.json"
    code = main(["scan", str(TERRAGOAT), "--lang", lang, "--no-cache", "--format", "html", "--output", str(page),
                 "--format", "json", "--output", str(record)])
    assert code == 1
    text = re.sub(r'<details class="names">.*?</details>', "", page.read_text(encoding="utf-8"), flags=re.S)
    sections = {m.group(1): re.sub(r"<[^>]+>", "", m.group(2)) for m in
                re.finditer(r'<article class="check" id="check-([^"]+)">(.*?)</article>', text, re.S)}
    failures = [f for f in json.loads(record.read_text(encoding="utf-8"))["findings"] if not f["suppressed"]]
    assert len(failures) > 200
    for f in failures:
        file = f["file"].split("/terraform/", 1)[1]  # the header names the directory they share
        lines = {n.strip() for run in re.findall(re.escape(file) + r": ([0-9, ]+)", sections[f["check_id"].lower()])
                 for n in run.split(",")}
        assert str(f["line"]) in lines, (f["check_id"], f["file"], f["line"])
    # Every passing resource's place is on paper too, in the print-only line of its controls.
    printed = " ".join(re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<span class="passed-print">(.*?)</span>', text))
    for p in json.loads(record.read_text(encoding="utf-8"))["passed"]:
        if p["resource_type"] != "provider":
            file = p["file"].split("/terraform/", 1)[1]
            assert re.search(re.escape(file) + r": ([0-9]+, )*" + str(p["line"]) + r"\b", printed), p
    pdf = tmp_path / "report.pdf"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}", page.as_uri()],
                   capture_output=True, timeout=300, check=False)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))
    assert 0 < pages <= 15, pages


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_a_failure_without_a_line_names_its_file_alone(fmt: str) -> None:
    checks = [check("IACG-AWS-001", controls=["NISC-4.1.5-1"])]
    findings = [finding("IACG-AWS-001", resource="aws_s3_bucket.b", file="web/s3.tf", line=0,
                        message="IACG-AWS-001 title (acl = public-read)")]
    text = writer(fmt)(report(findings, [], checks))
    line = next(x for x in text.splitlines() if "(acl = public-read)" in x)
    if fmt == "markdown":
        assert line == "- (acl = public-read): `s3.tf` (`aws_s3_bucket.b`)"  # web/ is said once, in the header
    else:
        assert "<li>(acl = public-read): <code class=\"loc\">s3.tf</code> <details class=\"names\">" in line
