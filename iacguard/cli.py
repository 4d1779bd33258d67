"""The ``iacguard`` command line."""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, Iterable, Iterator, List, NoReturn, Optional, Sequence, TextIO, Tuple

from . import __version__
from .cache import ParseCache
from .config import Config, ConfigError, settings_for, validate_check_ids
from .config import show as show_config
from .engine.aliases import Aliases, deprecation
from .engine.checks import Check, CheckLoadError, CheckSet, load_checks
from .findings import LANGS, SEVERITY_ORDER
from .output import STDOUT, OutputError, check_destination, write_binary_report, write_report
from .report import FORMATS as OUTPUT_FORMATS
from .report import Report
from .report.common import json_pieces, terminal_safe
from .signals import Terminated, signals_as_exceptions
from .source import SourceError, read_regular_bytes

if TYPE_CHECKING:
    from .report.workbook import SignOffs

# A checklist workbook given with --checklist-from is read whole.
MAX_WORKBOOK_BYTES = 64 * 1024 * 1024

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # as a shell reports a process ended by SIGPIPE
EXIT_INTERRUPTED = 128 + 2  # SIGINT, as shells report it
# Allocations between cycle collections of the youngest generation during a scan.
GC_THRESHOLD = 50_000


class UsageError(Exception):
    pass


def _comma_list(value: str) -> List[str]:
    """``--check A,B`` gives two values, as two ``--check`` options do."""
    return [v.strip() for v in value.split(",") if v.strip()]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 2, as documented
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="iacguard", description="Static analysis of Infrastructure-as-Code.")
    parser.add_argument("--version", action="version", version=f"iacguard {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    scan = sub.add_parser("scan", help="scan files and directories")
    scan.add_argument("paths", nargs="*", default=[], metavar="PATH")
    scan.add_argument("--format", action="append", choices=OUTPUT_FORMATS, dest="formats",
                      help="output format (repeatable, each with its own --output)")
    scan.add_argument("--output", action="append", dest="outputs", metavar="FILE",
                      help="write the matching --format here (default stdout)")
    scan.add_argument("--lang", choices=LANGS, default=None)
    scan.add_argument("--checks-dir", action="append", default=[], metavar="DIR")
    scan.add_argument("--allow-python-checks", action="store_true",
                      help="run the Python predicates (_predicates/*.py) of --checks-dir directories")
    scan.add_argument("--check", action="extend", type=_comma_list, metavar="ID[,ID]")
    scan.add_argument("--skip-check", action="extend", type=_comma_list, metavar="ID[,ID]")
    scan.add_argument("--framework", action="extend", type=_comma_list, metavar="NAME[,NAME]")
    scan.add_argument("--severity-threshold", choices=tuple(SEVERITY_ORDER), default=None,
                      type=str.upper)
    scan.add_argument("--config", metavar="FILE",
                      help="configuration file (default: .iacguard.yaml or pyproject.toml [tool.iacguard], "
                           "searched upward to the repository root)")
    scan.add_argument("--parameters", action="append", default=[], metavar="FILE",
                      help="CloudFormation / ARM parameter values (repeatable)")
    scan.add_argument("--allowed-regions", action="extend", type=_comma_list, metavar="LIST",
                      help="data residency: the regions resources may use, e.g. ap-northeast-1,japaneast")
    scan.add_argument("--baseline", metavar="FILE", help="report findings recorded in FILE as suppressed")
    scan.add_argument("--create-baseline", metavar="FILE", help="record the current findings in FILE")
    scan.add_argument("--report-unused-suppressions", action="store_true",
                      help="report iacguard:ignore comments that match no finding")
    scan.add_argument("--pre-commit", action="store_true",
                      help="the paths are changed files: scan them with their module context, "
                           "report only on them")
    scan.add_argument("--var-file", action="append", default=[], metavar="FILE",
                      help="Terraform variable values (repeatable; terraform.tfvars and *.auto.tfvars are read anyway)")
    scan.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                      help="a Terraform variable value (repeatable)")
    scan.add_argument("--quiet", action="store_true", help="print only failures")
    scan.add_argument("--compact", action="store_true",
                      help="one line per finding: file:line: id severity message")
    scan.add_argument("--verbose", action="store_true",
                      help="also list checks that could not decide (unresolved values)")
    scan.add_argument("--debug", action="store_true", help="show tracebacks of check errors")
    scan.add_argument("--limit", action="append", metavar="NAME=NUMBER",
                      help="raise or lower a resource limit (the Limits table of the README lists them); "
                           "repeatable")
    scan.add_argument("--no-cache", action="store_true",
                      help="parse every file afresh instead of using the parse cache")
    scan.add_argument("--checklist-from", metavar="FILE",
                      help="the previous --format xlsx workbook: its sign-offs carry over to rows whose status "
                           "and evidence did not change")
    scan.add_argument("--evidence", metavar="FILE",
                      help="write a JSON record of the scan that 'iacguard evidence verify' checks later")

    evidence_cmd = sub.add_parser("evidence", help="verify an evidence record")
    evidence_sub = evidence_cmd.add_subparsers(dest="evidence_command", parser_class=_Parser)
    verify = evidence_sub.add_parser("verify", help="hash the files and run the checks again: exit 0 when the "
                                                    "record still holds, 1 naming what changed")
    verify.add_argument("record", metavar="FILE")
    verify.add_argument("--allow-python-checks", action="store_true",
                        help="run the Python predicates of the record's checks directories")

    config_cmd = sub.add_parser("config", help="the effective configuration")
    config_sub = config_cmd.add_subparsers(dest="config_command", parser_class=_Parser)
    show_cmd = config_sub.add_parser("show", help="each value and where it came from")
    show_cmd.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    show_cmd.add_argument("--config", metavar="FILE")

    sub.add_parser("init", help="write a starter .iacguard.yaml and a pre-commit entry")

    lsp = sub.add_parser("lsp", help="Language Server Protocol over stdio, for editors")
    lsp.add_argument("--checks-dir", action="append", default=[], metavar="DIR",
                     help="extra user checks (a workspace's own checks_dirs setting is not followed)")
    lsp.add_argument("--allow-python-checks", action="store_true",
                     help="run the Python predicates of --checks-dir directories")

    checks = sub.add_parser("checks", help="list or explain checks")
    checks_sub = checks.add_subparsers(dest="checks_command", parser_class=_Parser)
    listing = checks_sub.add_parser("list", help="every loaded check")
    listing.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    listing.add_argument("--lang", choices=LANGS, default=None)
    listing.add_argument("--checks-dir", action="append", default=[], metavar="DIR")
    listing.add_argument("--allow-python-checks", action="store_true")
    listing.add_argument("--config", metavar="FILE")
    explain = checks_sub.add_parser("explain", help="full text of one check")
    explain.add_argument("check_id")
    explain.add_argument("--lang", choices=LANGS, default=None)
    explain.add_argument("--checks-dir", action="append", default=[], metavar="DIR")
    explain.add_argument("--allow-python-checks", action="store_true")
    explain.add_argument("--config", metavar="FILE")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    # Ctrl-C and SIGTERM end the run with one line (no traceback) and the
    # shell's status for them; files being written are cleaned up on the way.
    try:
        with signals_as_exceptions():
            return _main(argv)
    except BrokenPipeError:
        # The reader went away (``iacguard checks list | head -1``): stop
        # quietly, with the status of a Unix tool ended by SIGPIPE. Standard
        # output points at nothing now, so that flushing it at exit cannot
        # fail a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("iacguard: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated as exc:
        return 128 + exc.signum


def _main(argv: Optional[Sequence[str]]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0)
    try:
        if args.command == "scan":
            return _scan(args)
        if args.command == "checks":
            return _checks(args, parser)
        if args.command == "evidence" and args.evidence_command == "verify":
            return _verify(args)
        if args.command == "config" and args.config_command == "show":
            print(show_config(settings_for(args)), end="")
            return EXIT_OK
        if args.command == "lsp":
            from .lsp.server import serve

            # No configuration file here: a workspace's own is read per
            # document, and may not make the server load code.
            settings = settings_for(args)
            serve([Path(d) for d in settings.get("checks_dirs")], settings.get("allow_python_checks"))
            return EXIT_OK
        if args.command == "init":
            from .project_setup import init

            for line in init(Path.cwd()):
                print(line)
            return EXIT_OK
    except ConfigError as exc:
        print(f"iacguard: {exc.describe()}", file=sys.stderr)
        return EXIT_USAGE
    except CheckLoadError as exc:
        print(f"iacguard: invalid check file {exc.file}: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"iacguard: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _outputs(formats: Sequence[str], outputs: Sequence[str]) -> List[Tuple[str, Optional[str]]]:
    formats = list(formats) or ["text"]
    outputs = list(outputs)
    if len(outputs) > len(formats):
        raise UsageError("more --output than --format options")
    # "-" is standard output, like no --output at all.
    pairs = [(fmt, outputs[i] if i < len(outputs) and outputs[i] != STDOUT else None)
             for i, fmt in enumerate(formats)]
    if sum(1 for _, out in pairs if out is None) > 1:
        raise UsageError("only one --format can go to standard output; give the others an --output")
    for fmt, out in pairs:
        if OUTPUT_FORMATS[fmt].binary and out is None and sys.stdout.isatty():
            raise UsageError(f"--format {fmt} writes a workbook: give it an --output")
    return pairs


def _in_blocks(pieces: Iterable[str], size: int = 1 << 16) -> Iterator[str]:
    """Pieces joined into blocks of about ``size`` characters: a writer's
    pieces can be a few characters each, and an unbuffered standard output
    (PYTHONUNBUFFERED, common in CI) would make each one a system call."""
    block: List[str] = []
    length = 0
    for piece in pieces:
        block.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(block)
            block.clear()
            length = 0
    if block:
        yield "".join(block)


def _scan(args: argparse.Namespace) -> int:
    return _run_scan(args, settings_for(args))


def _run_scan(args: argparse.Namespace, config: Config,
              outputs: Optional[List[Tuple[str, Optional[str]]]] = None) -> int:
    """A scan with ``config`` settled: the command line's or a record's.
    ``outputs`` (format, file) replaces the configured reports; [] writes none."""
    from . import baseline
    from .git import commit_state
    from .options import configured_limits, scan_options
    from .report import ScanInfo, Summary
    from .scan import scan, select_checks

    # A scan allocates millions of small, long-lived objects (syntax trees,
    # values, findings) and almost no reference cycles. At the default
    # threshold (700) the cycle collector re-walks that growing heap over and
    # over: 30-40% of a scan's time for nothing it can free. Forked parse
    # workers inherit the setting.
    gc.set_threshold(GC_THRESHOLD, 20, 100)
    started = _now().isoformat(timespec="seconds")
    if outputs is None:
        outputs = _outputs(config.get("format"), config.get("output"))
    cache = ParseCache(enabled=not args.no_cache)
    checkset = load_checks([Path(d) for d in config.get("checks_dirs")], cache=cache,
                           allow_python=config.get("allow_python_checks"))
    validate_check_ids(config, checkset)
    selected = select_checks(checkset, config.get("checks"), config.get("skip_checks"))
    missing = [f for f in config.get("var_files") if not Path(f).is_file()]
    if missing:
        raise UsageError(f"variable file {missing[0]} not found")
    carried = _sign_offs(args.checklist_from)
    for destination in [out for _, out in outputs if out] + [args.create_baseline or STDOUT, args.evidence or STDOUT]:
        try:
            check_destination(destination, args.paths or ["."])
        except OutputError as exc:
            raise UsageError(str(exc)) from None
    accepted = {}
    if config.get("baseline") and not args.create_baseline:
        try:
            accepted = baseline.load(Path(config.get("baseline")), checkset.aliases)
        except baseline.BaselineError as exc:
            raise UsageError(str(exc)) from None
    paths, scope = args.paths or ["."], None
    if args.pre_commit:
        from .precommit import plan

        scope = plan(args.paths, Path.cwd(), parameter_files=config.get("parameters"),
                     limits=configured_limits(config))
        if not scope.scan_paths:
            return EXIT_OK
        paths = scope.scan_paths
    options = scan_options(config, paths, checkset.aliases, accepted, cache, os.cpu_count() or 1)
    options.progress = _progress_line(sys.stderr)
    _warn_retired(config, checkset.aliases)
    try:
        result = scan(options, selected)
    except FileNotFoundError as exc:
        raise UsageError(f"no such file or directory: {exc.args[0]}") from None
    for warning in result.warnings:
        _warn(warning, config.get("lang"))
    cache.prune()
    if cache.refused:
        print(f"iacguard: warning: the parse cache {cache.directory} is not used: it {cache.refused}",
              file=sys.stderr)
    for note in cache.notes:
        print(terminal_safe(f"iacguard: warning: {note}"), file=sys.stderr)
    if not result.files and scope is None:
        skipped = f" ({result.skipped_files} other files skipped)" if result.skipped_files else ""
        print(terminal_safe(f"iacguard: warning: no Terraform, CloudFormation or ARM file found in "
                            f"{', '.join(paths)}{skipped}"), file=sys.stderr)
    if scope is not None:
        result.findings = [f for f in result.findings if scope.wants(f.file, [s.file for s in f.provenance])]
        result.passed = [p for p in result.passed if scope.wants(p.file)]
    if args.create_baseline:
        write_report(args.create_baseline, [baseline.render(result.findings)])
    report = Report(
        findings=result.findings,
        passed=result.passed,
        checks=selected.checks,
        summary=Summary(
            files=len(result.files),
            resources=len(result.resources),
            checks_run=result.checks_run,
            skipped_files=result.skipped_files,
            parse_errors=len(result.parse_errors),
            check_errors=len(result.check_errors),
            limits_reached=result.limits_reached,
        ),
        lang=config.get("lang"),
        severity_threshold=config.get("severity_threshold"),
        root=result.root,
        quiet=config.get("quiet"),
        compact=config.get("compact"),
    )
    if args.evidence or any(OUTPUT_FORMATS[fmt].audit for fmt, _ in outputs):
        commit, dirty = commit_state(Path(paths[0]))
        report.info = ScanInfo(started=started, paths=tuple(paths), commit=commit, dirty=dirty,
                               checkset_digest=selected.digest(), config_digest=config.digest())
    if config.get("quiet"):
        report.passed = []
    for fmt, output in outputs:
        report.color = output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        spec = OUTPUT_FORMATS[fmt]
        if spec.binary:
            write_binary_report(output or STDOUT, spec.load()(report, carried))
            continue
        blocks = _in_blocks(spec.load()(report))
        if output:
            write_report(output, blocks)
        else:
            sys.stdout.writelines(blocks)
    if args.evidence:
        from . import evidence

        record = evidence.make_record(report.info, config.judging(), evidence.scanned_files(result, config, Path.cwd()),
                                      Path.cwd(), result.findings, len(result.passed))
        write_report(args.evidence, json_pieces(record))
    if args.debug:
        for trace in result.internal_errors:
            print(trace, file=sys.stderr)
    for error in result.check_errors:
        print(terminal_safe(f"iacguard: check {error.check_id} failed on {error.resource} ({error.file}): "
                            f"{error.message}"), file=sys.stderr)
        if args.debug:
            print(error.traceback, file=sys.stderr)
    if config.get("verbose"):
        notes = result.notes + [n for parsed in result.files for n in parsed.notes]
        for note in notes:
            print(f"iacguard: note: {terminal_safe(note)}", file=sys.stderr)
        for item in result.undecided:
            what = f"{item.unresolved} is not known" if item.unresolved else "a value could not be resolved"
            print(terminal_safe(f"iacguard: {item.check_id} undecided on {item.resource} ({item.file}:{item.line}): "
                                f"{what}"), file=sys.stderr)
    status = EXIT_OK if args.create_baseline or not (report.failing() or result.check_errors) else EXIT_FINDINGS
    written = [(fmt, output) for fmt, output in outputs if output]
    if written:
        print(_written_summary(report, written, status, len(result.check_errors), bool(args.create_baseline)),
              file=sys.stderr)
    return status  # recording a baseline accepts what it records


def _sign_offs(path: Optional[str]) -> "SignOffs":
    """The sign-offs of the previous workbook, read before the scan so that a
    wrong file costs a message, not a scan."""
    if not path:
        return {}
    from .report.workbook import WorkbookError, read_sign_offs

    try:
        return read_sign_offs(read_regular_bytes(Path(path), MAX_WORKBOOK_BYTES))
    except (OSError, SourceError, WorkbookError) as exc:
        raise UsageError(f"--checklist-from {path}: {exc}") from None


def _verify(args: argparse.Namespace) -> int:
    """Scan again what a record names, with its configuration, and compare."""
    from . import evidence

    try:
        record = evidence.load(Path(args.record))
    except evidence.EvidenceError as exc:
        raise UsageError(str(exc)) from None
    config = settings_for(args, recorded=record["configuration"])
    with tempfile.TemporaryDirectory(prefix="iacguard-verify-") as tmp:
        fresh_path = Path(tmp) / "record.json"
        scan_args = build_parser().parse_args(["scan", *record["paths"], "--no-cache", "--evidence", str(fresh_path)])
        status = _run_scan(scan_args, config, outputs=[])
        if status not in (EXIT_OK, EXIT_FINDINGS):
            return status
        verdict = evidence.compare(record, evidence.load(fresh_path), Path.cwd())
    for line in verdict.lines():
        print(terminal_safe(line))
    print("iacguard: the evidence record holds" if verdict.holds else
          "iacguard: the evidence record no longer holds", file=sys.stderr)
    return EXIT_OK if verdict.holds else EXIT_FINDINGS


def _progress_line(stream: TextIO) -> Callable[[str], None]:
    """Progress on one line, rewritten in place, on a terminal only: a
    pipe or a CI log gets nothing."""
    if not stream.isatty():
        return lambda text: None

    def show(text: str) -> None:
        stream.write(f"\r\x1b[K{'iacguard: ' + text if text else ''}")
        stream.flush()
    return show


def _written_summary(report: Report, written: Sequence[Tuple[str, str]], status: int, check_errors: int,
                     baseline_made: bool) -> str:
    """One line for a run whose reports went to files: what was written,
    the findings by severity, and why the run passes or fails."""
    files = ", ".join(f"{fmt} to {output}" for fmt, output in written)
    by = ", ".join(f"{k} {v}" for k, v in report.by_severity().items() if v)
    findings = f"{len(report.unsuppressed)} findings" + (f" ({by})" if by else "")
    failing = len(report.failing())
    if baseline_made:
        reason = "exit 0: the baseline accepts them"
    elif status == EXIT_OK:
        reason = f"exit 0: none at or above {report.severity_threshold}"
    elif failing:
        reason = f"exit 1: {failing} at or above {report.severity_threshold}"
    else:
        reason = f"exit 1: {check_errors} check errors"
    return terminal_safe(f"iacguard: wrote {files}; {findings}; {reason}")


def _now() -> datetime.datetime:
    """The scan's time, in local time; SOURCE_DATE_EPOCH (the reproducible-
    builds convention) fixes it, so a report can be made again byte for byte."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    return datetime.datetime.now(datetime.timezone.utc).astimezone()


def _warn(message: Dict[str, str], lang: str) -> None:
    print(terminal_safe(f"iacguard: warning: {message.get(lang) or message['en']}"), file=sys.stderr)


def _warn_retired(config: Config, aliases: Aliases) -> None:
    """Retired check ids still written in the configuration or on the command
    line work through the alias table; say which ids to write instead."""
    named = list(config.get("checks")) + list(config.get("skip_checks")) + list(config.get("severity_overrides"))
    named += [pattern for rule in config.get("skip") for pattern in rule["ids"]]
    # A glob that happens to match a retired id is not a retired id written down.
    for old in sorted({pattern for pattern in named if pattern in aliases}):
        _warn(deprecation(old, aliases), config.get("lang"))


def _check_summary(check: Check) -> dict:
    return {
        "id": check.id,
        "title": check.title,
        "severity": check.severity,
        "provider": check.provider,
        "formats": check.formats,
        "resource_types": check.resource_types,
        "controls": check.controls,
        "cis": check.cis,
    }


def _checks(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.checks_command not in ("list", "explain"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    # The configuration's lang, checks_dirs and allow_python_checks count
    # here as for a scan.
    config = settings_for(args)
    lang = config.get("lang")
    checkset: CheckSet = load_checks([Path(d) for d in config.get("checks_dirs")],
                                     allow_python=config.get("allow_python_checks"))
    if args.checks_command == "list":
        if args.format == "json":
            print(json.dumps([_check_summary(c) for c in checkset.checks], ensure_ascii=False, indent=2))
        elif args.format == "markdown":
            from .report.checklist import render

            print(render(checkset.checks, lang), end="")
        else:
            from .report.checklist import text_rows

            for row in text_rows(checkset.checks, lang):
                print(row)
        return EXIT_OK
    check = checkset.by_id().get(args.check_id.upper())
    if check is None:
        raise UsageError(f"unknown check id {args.check_id}")
    from .report.explain import explain

    print(explain(check, lang))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
