"""``iacguard lsp`` end to end: the real server over stdio, driven by a real
LSP client (pytest-lsp)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import AsyncIterator, List

import pytest
import pytest_asyncio
from conftest import copy_of
from fixture_paths import check_fixtures
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

pytestmark = pytest.mark.asyncio

MAIN_TF = """\
resource "aws_security_group" "admin" {
  name = "admin"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.admin_cidr]
  }
}
"""
VARIABLES_TF = """\
variable "admin_cidr" {
  type    = string
  default = "%s"
}
"""
CIDR_LINE = 6  # 0-based: `cidr_blocks = [var.admin_cidr]`


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.tf").write_text(MAIN_TF)
    (root / "variables.tf").write_text(VARIABLES_TF % "0.0.0.0/0")
    return root


@pytest_asyncio.fixture
async def client(project: Path, tmp_path: Path, installation_cache: Path) -> AsyncIterator[LanguageClient]:
    cache = copy_of(installation_cache, tmp_path / "cache")
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "iacguard", "lsp"],
        server_env={**os.environ, "XDG_CACHE_HOME": str(cache), "LANG": "C.UTF-8"},
    )
    lsp = await config.start()
    lsp.registrations = []

    @lsp.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        lsp.registrations.extend(params.registrations)

    await lsp.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=project.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="repo")],
    ))
    yield lsp
    await lsp.shutdown_session()
    await lsp.stop()


async def settle(client: LanguageClient) -> None:
    """Wait until the server has judged every change sent so far: a request
    is answered after the notifications before it, and the server judges
    the changes still waiting for a pause in typing before it answers."""
    await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri="file:///nonexistent/settle.tf"),
        position=types.Position(0, 0)))


def open_file(client: LanguageClient, path: Path, text: str = "") -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="terraform", version=1, text=text or path.read_text())))
    return uri


def replace_text(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


def codes(client: LanguageClient, uri: str) -> List[tuple]:
    return sorted((d.code, d.range.start.line) for d in client.diagnostics.get(uri, []))


async def test_open_publishes_the_finding_on_the_deciding_attribute(client: LanguageClient, project: Path):
    uri = open_file(client, project / "main.tf")
    await settle(client)
    [diagnostic] = client.diagnostics[uri]
    assert diagnostic.code == "IACG-AWS-004"
    assert diagnostic.source == "iacguard"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.range.start == types.Position(CIDR_LINE, 4)  # from the attribute, not its indent
    assert diagnostic.range.end == types.Position(CIDR_LINE, len("    cidr_blocks = [var.admin_cidr]"))
    assert diagnostic.code_description.href.endswith("/ec2/IACG-AWS-004-security-group-ssh-rdp-internet.yaml")
    assert "SSH or RDP" in diagnostic.message
    # the module's other file is judged too, and has nothing
    assert list(client.diagnostics[(project / "variables.tf").as_uri()]) == []


@pytest.mark.parametrize("fixture", ["IACG-AWS-004/fail/main.tf", "IACG-AWS-004/fail/template.yaml",
                                     "IACG-AWS-004/fail/template.json", "IACG-AZURE-001/fail/azuredeploy.json"])
async def test_diagnostics_equal_the_command_line(client: LanguageClient, project: Path, run, fixture: str):
    source = check_fixtures(fixture)
    for old in project.iterdir():
        old.unlink()
    target = project / source.name
    target.write_text(source.read_text())
    uri = open_file(client, target)
    await settle(client)
    code, out, _ = run(["scan", "--format", "json", "."], project)
    cli = sorted((f["check_id"], f["line"] - 1) for f in json.loads(out)["findings"])
    assert code == 1 and cli
    assert codes(client, uri) == cli


async def test_unsaved_change_is_judged_and_a_fix_clears_the_finding(client: LanguageClient, project: Path):
    uri = open_file(client, project / "main.tf")
    await settle(client)
    assert codes(client, uri) == [("IACG-AWS-004", CIDR_LINE)]
    replace_text(client, uri, MAIN_TF.replace("[var.admin_cidr]", '["10.0.0.0/8"]'), 2)
    await settle(client)
    assert codes(client, uri) == []  # the buffer, not the disk, was judged
    assert "var.admin_cidr" in (project / "main.tf").read_text()
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    await settle(client)
    assert codes(client, uri) == [("IACG-AWS-004", CIDR_LINE)]  # closed unsaved: the disk counts again


async def test_a_change_in_variables_tf_refreshes_the_files_that_depend_on_it(client: LanguageClient,
                                                                            project: Path):
    (project / "variables.tf").write_text(VARIABLES_TF % "10.0.0.0/8")
    main_uri = open_file(client, project / "main.tf")
    await settle(client)
    assert codes(client, main_uri) == []
    variables_uri = open_file(client, project / "variables.tf")
    replace_text(client, variables_uri, VARIABLES_TF % "0.0.0.0/0", 2)  # unsaved
    await settle(client)
    assert codes(client, main_uri) == [("IACG-AWS-004", CIDR_LINE)]
    [diagnostic] = client.diagnostics[main_uri]
    # where the value came from: the variable's default, line 3 of variables.tf
    assert [(r.location.uri, r.location.range.start.line) for r in diagnostic.related_information] \
        == [(variables_uri, 2)]
    assert codes(client, variables_uri) == []


async def test_an_unsaved_tfvars_buffer_gives_the_module_its_values(client: LanguageClient, project: Path):
    (project / "variables.tf").write_text('variable "admin_cidr" {}\n')
    (project / "terraform.tfvars").write_text('admin_cidr = "10.0.0.0/8"\n')
    main_uri = open_file(client, project / "main.tf")
    await settle(client)
    assert codes(client, main_uri) == []
    tfvars_uri = open_file(client, project / "terraform.tfvars")
    replace_text(client, tfvars_uri, 'admin_cidr = "0.0.0.0/0"\n', 2)
    await settle(client)
    assert codes(client, main_uri) == [("IACG-AWS-004", CIDR_LINE)]


async def test_a_change_on_disk_is_judged_when_the_client_reports_it(client: LanguageClient, project: Path):
    await settle(client)
    [registration] = client.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    patterns = [w["globPattern"] for w in registration.register_options["watchers"]]  # sent untyped
    assert "**/.iacguard.yaml" in patterns and "**/*.tfvars" in patterns
    (project / "variables.tf").write_text('variable "admin_cidr" {}\n')
    tfvars = project / "terraform.tfvars"
    tfvars.write_text('admin_cidr = "10.0.0.0/8"\n')
    main_uri = open_file(client, project / "main.tf")
    await settle(client)
    assert codes(client, main_uri) == []
    tfvars.write_text('admin_cidr = "0.0.0.0/0"\n')  # e.g. a checkout, outside the editor
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=tfvars.as_uri(), type=types.FileChangeType.Changed)]))
    await settle(client)
    assert codes(client, main_uri) == [("IACG-AWS-004", CIDR_LINE)]


async def test_suppress_code_action_adds_a_comment_that_suppresses(client: LanguageClient, project: Path):
    uri = open_file(client, project / "main.tf")
    await settle(client)
    [diagnostic] = client.diagnostics[uri]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    [action] = actions
    assert action.kind == types.CodeActionKind.QuickFix
    [edit] = action.edit.changes[uri]
    assert edit.range.start == types.Position(CIDR_LINE, 0)
    assert edit.new_text == "    # iacguard:ignore IACG-AWS-004 REASON: why this finding is accepted\n"
    lines = MAIN_TF.splitlines(keepends=True)
    replace_text(client, uri, "".join(lines[:CIDR_LINE] + [edit.new_text] + lines[CIDR_LINE:]), 2)
    await settle(client)
    assert codes(client, uri) == []


async def test_hover_on_a_finding_explains_its_check(client: LanguageClient, project: Path):
    uri = open_file(client, project / "main.tf")
    await settle(client)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(CIDR_LINE, 8)))
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "IACG-AWS-004: Security group allows SSH or RDP from the internet" in hover.contents.value
    assert "NISC-4.1.4-3" in hover.contents.value
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 4)))
    assert nothing is None


async def test_configuration_changes_are_picked_up(client: LanguageClient, project: Path):
    uri = open_file(client, project / "main.tf")
    await settle(client)
    assert codes(client, uri) == [("IACG-AWS-004", CIDR_LINE)]
    config = project / ".iacguard.yaml"
    config.write_text("skip_checks: [IACG-AWS-004]\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Created)]))
    await settle(client)
    assert codes(client, uri) == []
    config.write_text("lang: ja\nseverity_overrides: {IACG-AWS-004: LOW}\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]))
    await settle(client)
    [diagnostic] = client.diagnostics[uri]
    assert diagnostic.severity == types.DiagnosticSeverity.Information  # LOW
    assert "インターネット" in diagnostic.message


async def test_saving_the_configuration_in_the_editor_applies_it(client: LanguageClient, project: Path):
    uri = open_file(client, project / "main.tf")
    config = project / ".iacguard.yaml"
    config_uri = open_file(client, config, "\n")
    replace_text(client, config_uri, "skip_checks: [IACG-AWS-004]\n", 2)
    await settle(client)
    assert codes(client, uri) == [("IACG-AWS-004", CIDR_LINE)]  # not saved yet
    config.write_text("skip_checks: [IACG-AWS-004]\n")
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=config_uri)))
    await settle(client)
    assert codes(client, uri) == []


async def test_a_bad_configuration_is_logged_and_the_server_goes_on(client: LanguageClient, project: Path):
    (project / ".iacguard.yaml").write_text("no_such_key: 1\n")
    uri = open_file(client, project / "main.tf")
    await settle(client)
    assert any("unknown key 'no_such_key'" in m.message and m.type == types.MessageType.Error
               for m in client.log_messages)
    (project / ".iacguard.yaml").write_text("lang: en\n")
    replace_text(client, uri, MAIN_TF, 2)
    await settle(client)
    assert codes(client, uri) == [("IACG-AWS-004", CIDR_LINE)]


async def test_a_syntax_error_mid_typing_is_a_diagnostic_and_the_server_goes_on(client: LanguageClient,
                                                                              project: Path):
    uri = open_file(client, project / "main.tf")
    await settle(client)
    half_typed = MAIN_TF.replace('    protocol    = "tcp"\n', '    protocol    = \n')
    replace_text(client, uri, half_typed, 2)
    await settle(client)
    [(code, _)] = codes(client, uri)
    assert code == "IACG-000"
    replace_text(client, uri, MAIN_TF, 3)
    await settle(client)
    assert codes(client, uri) == [("IACG-AWS-004", CIDR_LINE)]


async def test_rapid_changes_end_with_the_findings_of_the_last_text(client: LanguageClient, project: Path):
    uri = open_file(client, project / "main.tf")
    await settle(client)
    texts = [MAIN_TF[:n] for n in range(40, len(MAIN_TF), 25)] + [MAIN_TF.replace("0.0.0.0/0", "x")]
    for version, text in enumerate(texts, start=2):  # typing, faster than a judgement
        replace_text(client, uri, text, version)
    replace_text(client, uri, MAIN_TF.replace("22", "443"), len(texts) + 2)
    await settle(client)
    assert codes(client, uri) == []
    replace_text(client, uri, MAIN_TF, len(texts) + 3)
    await settle(client)
    assert codes(client, uri) == [("IACG-AWS-004", CIDR_LINE)]


FAILING_CHECK = """\
id: TEAM-001
severity: LOW
provider: aws
title: {en: Always fails, ja: 常に失敗する}
description: {en: A check whose predicate raises., ja: 述語が例外を出す検査。}
remediation: {en: None., ja: なし。}
controls: [NISC-4.1.4-3]
clauses:
  - formats: [terraform]
    resource_types: [aws_security_group]
    violation: {predicate: boom}
"""


async def test_a_failing_check_is_logged_and_the_others_still_report(project: Path, tmp_path: Path):
    checks = tmp_path / "team-checks"
    (checks / "_predicates").mkdir(parents=True)
    (checks / "TEAM-001.yaml").write_text(FAILING_CHECK)
    (checks / "_predicates" / "boom.py").write_text(
        "def boom(ctx):\n    raise RuntimeError('predicate bug')\n\nPREDICATES = {'boom': boom}\n")
    config = ClientServerConfig(server_command=[sys.executable, "-m", "iacguard", "lsp", "--checks-dir", str(checks),
                                                "--allow-python-checks"],
                                server_env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    lsp = await config.start()
    await lsp.initialize_session(types.InitializeParams(capabilities=client_capabilities("visual-studio-code"),
                                                        root_uri=project.as_uri()))
    uri = open_file(lsp, project / "main.tf")
    await settle(lsp)
    assert codes(lsp, uri) == [("IACG-AWS-004", CIDR_LINE)]
    assert any("check TEAM-001 failed on aws_security_group.admin" in m.message and "predicate bug" in m.message
               for m in lsp.log_messages)
    await lsp.shutdown_session()
    await lsp.stop()


async def test_a_workspace_cannot_make_the_server_load_its_predicates(client: LanguageClient, project: Path):
    checks = project / "team-checks"
    (checks / "_predicates").mkdir(parents=True)
    (checks / "TEAM-001.yaml").write_text(FAILING_CHECK)
    marker = project / "imported"
    (checks / "_predicates" / "boom.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nPREDICATES = {{'boom': lambda ctx: None}}\n")
    (project / ".iacguard.yaml").write_text("checks_dirs: [team-checks]\n")
    uri = open_file(client, project / "main.tf")
    await settle(client)
    assert not marker.exists()
    assert codes(client, uri) == [("IACG-AWS-004", CIDR_LINE)]
    assert any("checks_dirs is not followed" in m.message for m in client.log_messages)


async def test_shutdown_and_exit(project: Path, tmp_path: Path):
    config = ClientServerConfig(server_command=[sys.executable, "-m", "iacguard", "lsp"],
                                server_env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    lsp = await config.start()
    await lsp.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                        root_uri=project.as_uri()))
    await lsp.shutdown_session()  # shutdown, then exit; waits for the process to end
    assert lsp._server.returncode == 0
    await lsp.stop()
