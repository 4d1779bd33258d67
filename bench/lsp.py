"""Latency of ``iacguard lsp``: how long after opening a file in a fresh
server, and after a change, its diagnostics arrive.

Drives the real server over stdio with pygls's own client on one Terraform
file of a tree (by default a module's main.tf): opens it in a fresh server,
then changes its unsaved buffer several times and reports the median and the
slowest, in wall time and (on Linux) in the server's CPU time, which a busy
machine inflates less. It does so twice: with an empty user cache (the
first run ever: the HCL parse tables and every file are built from scratch)
and again with the cache that run left (an editor restarted). This is a
benchmark, not a test.

    python bench/lsp.py ../shared/corpus/eks --file main.tf --changes 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from lsprotocol import types
from pygls.lsp.client import LanguageClient


class _Client(LanguageClient):
    """Remembers when each file's diagnostics arrived."""

    def __init__(self) -> None:
        super().__init__("iacguard-bench", "1")
        self.arrived: Dict[str, asyncio.Event] = {}
        self.counts: Dict[str, int] = {}

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(client: _Client, params: types.PublishDiagnosticsParams) -> None:
            client.counts[params.uri] = len(params.diagnostics)
            client.arrived.setdefault(params.uri, asyncio.Event()).set()

    async def diagnostics_for(self, uri: str, action) -> Tuple[float, Optional[float]]:
        """Wall and server CPU seconds from ``action`` (a notification sent)
        to ``uri``'s diagnostics."""
        event = self.arrived.setdefault(uri, asyncio.Event())
        event.clear()
        cpu = self.server_cpu()
        started = time.perf_counter()
        action()
        await asyncio.wait_for(event.wait(), timeout=600)  # a hang guard, not a target
        wall = time.perf_counter() - started
        after = self.server_cpu()
        return wall, (after - cpu if after is not None and cpu is not None else None)

    def server_cpu(self) -> Optional[float]:
        """User + system CPU seconds of the server process so far (Linux)."""
        try:
            fields = Path(f"/proc/{self._server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, AttributeError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(tree: Path, file: Path, changes: int, cache: str) -> Dict[str, Any]:
    client = _Client()
    spawned = time.perf_counter()
    await client.start_io(sys.executable, "-m", "iacguard", "lsp",
                          env={**os.environ, "XDG_CACHE_HOME": cache})
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=tree.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=tree.as_uri(), name=tree.name)]))
    client.initialized(types.InitializedParams())
    started = time.perf_counter() - spawned
    uri, text = file.as_uri(), file.read_text(encoding="utf-8")
    document = types.TextDocumentItem(uri=uri, language_id="terraform", version=1, text=text)
    opened, opened_cpu = await client.diagnostics_for(
        uri, lambda: client.text_document_did_open(types.DidOpenTextDocumentParams(document)))
    findings = client.counts.get(uri, 0)
    after_change: List[float] = []
    change_cpu: List[float] = []
    for version in range(2, changes + 2):
        # An edit that changes the text (a comment) but not its findings.
        edited = text + f"\n# edit {version}\n"
        change = types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=edited)])
        wall, cpu = await client.diagnostics_for(uri, lambda change=change: client.text_document_did_change(change))
        after_change.append(wall)
        if cpu is not None:
            change_cpu.append(cpu)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return {
        "tree": tree.name, "file": file.relative_to(tree).as_posix(), "findings": findings,
        "server_start_s": round(started, 3), "open_s": round(opened, 3),
        "open_cpu_s": round(opened_cpu, 3) if opened_cpu is not None else None,
        "change_median_s": round(statistics.median(after_change), 3) if after_change else None,
        "change_max_s": round(max(after_change), 3) if after_change else None,
        "change_cpu_median_s": round(statistics.median(change_cpu), 3) if change_cpu else None,
        "changes": len(after_change), "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tree", type=Path)
    parser.add_argument("--file", default="main.tf", help="the file to open, relative to the tree")
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--output", type=Path, help="write the result as JSON here")
    args = parser.parse_args()
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory() as cache:
        result = {"empty_cache": asyncio.run(measure(tree, tree / args.file, args.changes, cache)),
                  "warm_cache": asyncio.run(measure(tree, tree / args.file, args.changes, cache))}
    print(json.dumps(result, indent=2))
    if args.output:
        args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
