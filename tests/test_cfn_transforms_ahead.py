"""Templates that need a transform, read in a worker process meanwhile,
read exactly as the scan reads them by itself, and a worker that fails
costs nothing but the time."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest

from iacguard.cache import ParseCache, entry_codec
from iacguard.engine.checks import load_checks
from iacguard.parallel import in_background
from iacguard.parsers.cloudformation import transforms_ahead as ahead_module
from iacguard.parsers.cloudformation.document import DecodedTemplate, read_template, read_uncached
from iacguard.parsers.cloudformation.transforms_ahead import TransformsAhead, transforms_ahead
from iacguard.report import Report, Summary, writer
from iacguard.scan import ScanOptions, scan
from iacguard.source import Limits

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="the worker is forked")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCENARIOS = FIXTURES / "_scenarios" / "cloudformation"
SAM = SCENARIOS / "sam" / "template.yaml"
FOREACH = SCENARIOS / "foreach" / "template.yaml"
CHECKS = load_checks()
# Hang guard only: a scan of the scenarios takes about a second.
GUARD_S = 300
BROKEN_SAM = "Transform: AWS::Serverless-2016-10-31\nResources:\n  F: [\n"
FAILING_SAM = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
               "    Properties: {Runtime: 7}\n")


def _exact(decoded: DecodedTemplate) -> bytes:
    """Everything a decoded template holds, lines and container types
    included (what the cache keeps of it)."""
    return entry_codec().dumps(decoded)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _texts() -> Dict[str, str]:
    hostile = FIXTURES / "_hostile"
    return {"sam": _read(SAM), "foreach": _read(FOREACH),
            "random-names": _read(hostile / "cfn-foreach-random-names" / "template.yaml"),
            "alias-bomb": _read(hostile / "cfn-sam-alias-bomb" / "template.yaml"),
            "broken": BROKEN_SAM, "failing": FAILING_SAM}


def test_templates_read_in_the_worker_equal_those_read_here() -> None:
    texts = _texts()
    here = {name: read_uncached(text, Limits()) for name, text in texts.items()}
    with transforms_ahead(list(texts.values()), None, 2, Limits()) as ahead:
        assert all(ahead.waits_for(text) for text in texts.values())
        there = {name: ahead.collect(text) for name, text in texts.items()}
        assert not any(ahead.waits_for(text) for text in texts.values())
    for name, decoded in there.items():
        assert decoded is not None and decoded is not here[name], name
        assert decoded == here[name] and _exact(decoded) == _exact(here[name]), name
    # Each kind of outcome is among them: expanded, a transform note, a limit, an error.
    assert there["sam"].expanded != there["sam"].written
    assert len(there["foreach"].expanded["Resources"]) == 2
    assert there["failing"].transform_notes and there["failing"].expanded is there["failing"].written
    assert there["alias-bomb"].problems
    assert there["broken"].error is not None and there["broken"].error == here["broken"].error


def test_nothing_is_started_with_one_worker_without_fork_or_with_nothing_to_do(tmp_path: Path) -> None:
    sam, plain = _read(SAM), _read(SCENARIOS / "conditions" / "template.yaml")
    with transforms_ahead([sam, plain], None, 1, Limits()) as ahead:
        assert not ahead.waits_for(sam) and multiprocessing.active_children() == []
    with transforms_ahead([plain], None, 2, Limits()) as ahead:
        assert not ahead.waits_for(plain) and multiprocessing.active_children() == []
    with pytest.MonkeyPatch.context() as patch:  # a platform without fork
        patch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
        with transforms_ahead([sam], None, 2, Limits()) as ahead:
            assert not ahead.waits_for(sam) and multiprocessing.active_children() == []
    cache = ParseCache(tmp_path / "cache")
    read_template(sam, cache, Limits())
    with transforms_ahead([sam], cache, 2, Limits()) as ahead:  # already in the cache
        assert not ahead.waits_for(sam) and multiprocessing.active_children() == []


def _outcome(options: ScanOptions) -> str:
    result = scan(options, CHECKS)
    report = Report(result.findings, result.passed, CHECKS.checks,
                    Summary(files=len(result.files), resources=len(result.resources)))
    return writer("json")(report) + json.dumps(result.notes) + json.dumps(result.internal_errors)


def _guarded(run: Callable[[], str]) -> str:
    """``run()``, failing the test instead of hanging it."""
    out: List[str] = []
    thread = threading.Thread(target=lambda: out.append(run()), daemon=True)
    thread.start()
    thread.join(GUARD_S)
    assert not thread.is_alive(), "the scan hung"
    return out[0]


def _collected(monkeypatch: pytest.MonkeyPatch) -> List[Optional[DecodedTemplate]]:
    """What the scan gets back from the worker, from now on."""
    got: List[Optional[DecodedTemplate]] = []
    original = TransformsAhead.collect

    def spy(self: TransformsAhead, text: str) -> Optional[DecodedTemplate]:
        if not self.waits_for(text):
            return original(self, text)
        got.append(original(self, text))
        return got[-1]

    monkeypatch.setattr(TransformsAhead, "collect", spy)
    return got


@pytest.mark.parametrize("cached", [False, True], ids=["no-cache", "cache"])
def test_a_scan_with_the_worker_equals_one_without(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   cached: bool) -> None:
    alone = _outcome(ScanOptions(paths=[str(SCENARIOS)], cwd=SCENARIOS, workers=1))
    got = _collected(monkeypatch)
    cache = ParseCache(tmp_path / "cache") if cached else None
    together = _guarded(lambda: _outcome(ScanOptions(paths=[str(SCENARIOS)], cwd=SCENARIOS, workers=2,
                                                     cache=cache)))
    assert together == alone
    assert len(got) == 2 and all(d is not None for d in got)  # the SAM and ForEach templates came from it
    if cache is not None:
        warm = _outcome(ScanOptions(paths=[str(SCENARIOS)], cwd=SCENARIOS, workers=2, cache=cache))
        assert warm == alone and len(got) == 2  # kept in the cache: no worker the second time


def test_a_worker_that_dies_loses_no_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = _outcome(ScanOptions(paths=[str(SCENARIOS)], cwd=SCENARIOS, workers=1))
    parent = os.getpid()

    def dies_in_the_worker(text: str, limits: Limits) -> DecodedTemplate:
        if os.getpid() != parent:
            os._exit(1)
        return read_uncached(text, limits)

    monkeypatch.setattr(ahead_module, "read_uncached", dies_in_the_worker)
    got = _collected(monkeypatch)
    for options in (ScanOptions(paths=[str(SCENARIOS)], cwd=SCENARIOS, workers=2),
                    ScanOptions(paths=[str(SCENARIOS)], cwd=SCENARIOS, workers=2,
                                cache=ParseCache(tmp_path, enabled=False))):
        got.clear()
        died = _guarded(partial(_outcome, options))
        assert died == alone
        assert len(got) == 2 and got == [None, None]  # both asked for, both read here instead
    assert multiprocessing.active_children() == []


def test_a_worker_that_cannot_be_forked_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    alone = _outcome(ScanOptions(paths=[str(SCENARIOS)], cwd=SCENARIOS, workers=1))

    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    with transforms_ahead([_read(SAM)], None, 2, Limits()) as ahead:
        assert not ahead.waits_for(_read(SAM))
    assert _guarded(lambda: _outcome(ScanOptions(paths=[str(SCENARIOS)], cwd=SCENARIOS, workers=2))) == alone


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_leaving_the_block_stops_a_busy_worker() -> None:
    kept: List["Future[float]"] = []

    def leave_early() -> str:
        with in_background(_sleep, [GUARD_S * 2.0], 2) as futures:
            assert futures is not None
            kept.extend(futures)
            while not multiprocessing.active_children():
                time.sleep(0.01)
        return "left"

    assert _guarded(leave_early) == "left"
    assert multiprocessing.active_children() == []
    assert kept[0].cancelled() or kept[0].exception() is not None
