"""The language server: LSP over stdio (pygls), wired to a warm Session."""

from __future__ import annotations

import asyncio
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Union

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..config import CONFIG_NAMES, ConfigError
from ..findings import Finding
from ..parsers import READERS
from .actions import suppression_actions
from .diagnostics import to_diagnostic
from .hover import hover_text, to_hover
from .session import Session

# A change is judged once typing pauses this long (seconds): changes that
# arrive meanwhile replace it, so a judgement never queues behind stale ones.
CHANGE_PAUSE = 0.05
# Files the server judges; the configuration files make it judge again.
TEMPLATE_SUFFIXES = tuple(dict.fromkeys(s for r in READERS for s in r.suffixes + r.inputs))
CONFIG_FILES = (*CONFIG_NAMES, "pyproject.toml")
# Changes on disk the client is asked to report (an edit outside the editor,
# a checkout): configuration files, and the files a module's judgement reads.
WATCHED = ("**/.iacguard.yaml", "**/.iacguard.yml", "**/pyproject.toml", "**/*.tf", "**/*.tf.json",
           "**/*.tfvars", "**/*.tfvars.json")


@dataclass
class Published:
    """What the editor was last told about one file (hover reads it)."""

    findings: List[Finding] = field(default_factory=list)
    lang: str = "en"


class IacguardServer(LanguageServer):
    def __init__(self, session: Session) -> None:
        super().__init__("iacguard", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.session = session
        self.checks = session.all_checks.by_id()
        self.published: Dict[str, Published] = {}
        self.pending: Dict[str, asyncio.Task] = {}

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def root_for(self, path: Path) -> Path:
        """The workspace folder holding ``path`` (the innermost), else its directory."""
        folders = [Path(to_fs_path(f.uri) or "").resolve() for f in self.workspace.folders.values()]
        if self.workspace.root_path:
            folders.append(Path(self.workspace.root_path).resolve())
        holding = [f for f in folders if f == path or f in path.parents]
        return max(holding, key=lambda f: len(f.parts)) if holding else path.parent

    def overlay(self) -> Dict[Path, str]:
        return {Path(doc.path).resolve(): doc.source for doc in self.workspace.text_documents.values()
                if doc.path}

    def judge(self, uri: str) -> Set[str]:
        """Rescan the context of one document and publish what it finds (the
        URIs it judged); an error is logged and the server goes on."""
        self._forget_pending(uri)
        path_text = to_fs_path(uri)
        if not path_text:
            return set()
        path = Path(path_text).resolve()
        if path.name in CONFIG_FILES or not path.name.lower().endswith(TEMPLATE_SUFFIXES):
            return set()
        try:
            root = self.root_for(path)
            outcome = self.session.rescan(path, root, self.overlay())
        except ConfigError as exc:
            self.log(exc.describe(), types.MessageType.Error)
            self.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Error, message=f"iacguard: {exc.describe()}"))
            return set()
        except Exception as exc:  # never take the editor down
            self.log(f"iacguard: internal error judging {path}: {type(exc).__name__}: {exc}\n"
                     f"{traceback.format_exc()}", types.MessageType.Error)
            return set()
        for note in outcome.notes:
            self.log(f"iacguard: {note}", types.MessageType.Warning)
        for error in outcome.check_errors:
            self.log(f"iacguard: check {error.check_id} failed on {error.resource} ({error.file}): {error.message}\n"
                     f"{error.traceback}", types.MessageType.Error)
        for trace in outcome.internal_errors:
            self.log(f"iacguard: internal error (reported as IACG-000):\n{trace}", types.MessageType.Warning)
        for file, findings in outcome.findings.items():
            self.publish(file, root, findings, outcome.lang)
        return {file.as_uri() for file in outcome.findings}

    def publish(self, file: Path, root: Path, findings: List[Finding], lang: str) -> None:
        uri = file.as_uri()
        document = self.workspace.text_documents.get(uri)
        lines = document.lines if document is not None else _disk_lines(file)
        self.published[uri] = Published(findings, lang)
        diagnostics = [to_diagnostic(f, [line.rstrip("\r\n") for line in lines], root, self.checks, lang)
                       for f in findings]
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    def judge_soon(self, uri: str) -> None:
        """Judge ``uri`` after a pause, unless another change comes first."""
        self._forget_pending(uri)
        self.pending[uri] = asyncio.get_running_loop().create_task(self._judge_after_pause(uri))

    async def _judge_after_pause(self, uri: str) -> None:
        await asyncio.sleep(CHANGE_PAUSE)
        self.pending.pop(uri, None)
        self.judge(uri)

    def judge_pending(self) -> None:
        """Judge the changes still waiting now: a request (hover, code
        actions) must see the findings of the text it is about."""
        for uri in list(self.pending):
            self.judge(uri)

    def _forget_pending(self, uri: str) -> None:
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()

    def judge_open_documents(self, directories: Optional[Set[Path]] = None) -> None:
        """The open documents again (after a configuration change: all; after
        a change on disk: those in ``directories``), each module once."""
        judged: Set[str] = set()
        for uri in list(self.workspace.text_documents):
            path = Path(to_fs_path(uri) or "").resolve()
            if path.name in CONFIG_FILES or path.as_uri() in judged:
                continue
            if directories is None or path.parent in directories:
                judged |= self.judge(uri)

    def watch_files(self) -> None:
        """Ask the client to report changes on disk, when it can."""
        workspace = self.client_capabilities.workspace
        watching = workspace.did_change_watched_files if workspace else None
        if not (watching and watching.dynamic_registration):
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED])
        self.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
            id="iacguard-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options)]))


def _disk_lines(file: Path) -> List[str]:
    try:
        return file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def build_server(session: Session) -> IacguardServer:
    server = IacguardServer(session)

    def judge_now(ls: IacguardServer, params: Union[types.DidOpenTextDocumentParams,
                                                    types.DidCloseTextDocumentParams]) -> None:
        ls.judge(params.text_document.uri)

    # After a close, the disk content is what counts again for the file.
    for method in (types.TEXT_DOCUMENT_DID_OPEN, types.TEXT_DOCUMENT_DID_CLOSE):
        server.feature(method)(judge_now)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: IacguardServer, params: types.DidSaveTextDocumentParams) -> None:
        # The configuration is read from disk: saving it is what changes it.
        if Path(to_fs_path(params.text_document.uri) or "").name in CONFIG_FILES:
            ls.judge_open_documents()
        else:
            ls.judge(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: IacguardServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.judge_soon(params.text_document.uri)

    @server.feature(types.INITIALIZED)
    def initialized(ls: IacguardServer, params: types.InitializedParams) -> None:
        ls.watch_files()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: IacguardServer, params: types.DidChangeWatchedFilesParams) -> None:
        changed = [Path(to_fs_path(c.uri) or "").resolve() for c in params.changes]
        if any(path.name in CONFIG_FILES for path in changed):
            ls.judge_open_documents()
        else:
            ls.judge_open_documents({path.parent for path in changed})

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: IacguardServer, params: types.DidChangeConfigurationParams) -> None:
        ls.judge_open_documents()  # the settings live in .iacguard.yaml; reread it

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: IacguardServer, params: types.CodeActionParams) -> List[types.CodeAction]:
        ls.judge_pending()
        document = ls.workspace.get_text_document(params.text_document.uri)
        lines = [line.rstrip("\r\n") for line in document.lines]
        return suppression_actions(params.text_document.uri, Path(document.path or "").name, lines,
                                   params.context.diagnostics)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: IacguardServer, params: types.HoverParams) -> Optional[types.Hover]:
        ls.judge_pending()
        published = ls.published.get(params.text_document.uri)
        if published is None:
            return None
        text = hover_text(published.findings, params.position.line + 1, ls.checks, published.lang)
        return to_hover(text) if text else None

    return server


def serve(checks_dirs: Sequence[Path] = (), allow_python: bool = False) -> None:
    """Run the server over stdio until the client asks it to exit."""
    build_server(Session(checks_dirs, allow_python)).start_io()
