"""The ``iacguard`` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from . import __version__
from .engine.checks import Check, CheckLoadError, CheckSet, load_checks
from .findings import SEVERITY_ORDER
from .model import FORMATS

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def default_lang() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def _csv(values: Optional[Sequence[str]]) -> List[str]:
    out: List[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as documented
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from .report import FORMATS as OUTPUT_FORMATS

    parser = _Parser(prog="iacguard", description="Static analysis of Infrastructure-as-Code.")
    parser.add_argument("--version", action="version", version=f"iacguard {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    scan = sub.add_parser("scan", help="scan files and directories")
    scan.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    scan.add_argument("--format", action="append", choices=OUTPUT_FORMATS, dest="formats",
                      help="output format (repeatable, each with its own --output)")
    scan.add_argument("--output", action="append", dest="outputs", metavar="FILE",
                      help="write the matching --format here (default stdout)")
    scan.add_argument("--lang", choices=("en", "ja"), default=None)
    scan.add_argument("--checks-dir", action="append", default=[], metavar="DIR")
    scan.add_argument("--check", action="append", metavar="ID[,ID]")
    scan.add_argument("--skip-check", action="append", metavar="ID[,ID]")
    scan.add_argument("--framework", action="append", metavar="NAME[,NAME]")
    scan.add_argument("--severity-threshold", choices=tuple(SEVERITY_ORDER), default="LOW",
                      type=str.upper)
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

    checks = sub.add_parser("checks", help="list or explain checks")
    checks_sub = checks.add_subparsers(dest="checks_command", parser_class=_Parser)
    listing = checks_sub.add_parser("list", help="every loaded check")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.add_argument("--checks-dir", action="append", default=[], metavar="DIR")
    explain = checks_sub.add_parser("explain", help="full text of one check")
    explain.add_argument("check_id")
    explain.add_argument("--lang", choices=("en", "ja"), default=None)
    explain.add_argument("--checks-dir", action="append", default=[], metavar="DIR")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
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
    except CheckLoadError as exc:
        print(f"iacguard: invalid check file {exc.file}: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"iacguard: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _outputs(args: argparse.Namespace) -> List[Tuple[str, Optional[str]]]:
    formats = args.formats or ["text"]
    outputs = args.outputs or []
    if len(outputs) > len(formats):
        raise UsageError("more --output than --format options")
    pairs = [(fmt, outputs[i] if i < len(outputs) else None) for i, fmt in enumerate(formats)]
    if sum(1 for _, out in pairs if out is None) > 1:
        raise UsageError("only one --format can go to standard output; give the others an --output")
    return pairs


def write_atomically(path: str, text: str) -> None:
    """A reader never sees a half-written report: write aside, then rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=str(target.parent), prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _scan(args: argparse.Namespace) -> int:
    from .report import Report, Summary, writer
    from .scan import ScanOptions, scan, select_checks, unmatched_patterns

    outputs = _outputs(args)
    frameworks = _csv(args.framework) or list(FORMATS)
    bad = [f for f in frameworks if f not in FORMATS]
    if bad:
        raise UsageError(f"unknown framework(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    include, exclude = _csv(args.check), _csv(args.skip_check)
    checkset = load_checks([Path(d) for d in args.checks_dir])
    unknown = unmatched_patterns(checkset, include + exclude)
    if unknown:
        raise UsageError(f"unknown check id(s) {', '.join(unknown)} (see 'iacguard checks list')")
    selected = select_checks(checkset, include, exclude)
    from .parsers.terraform.project import TerraformInputs

    bad_vars = [v for v in args.var if "=" not in v]
    if bad_vars:
        raise UsageError(f"--var takes NAME=VALUE, got {bad_vars[0]!r}")
    options = ScanOptions(paths=args.paths, frameworks=frameworks, checks=include, skip_checks=exclude,
                          terraform=TerraformInputs(var_files=args.var_file, vars=args.var))
    try:
        result = scan(options, selected)
    except FileNotFoundError as exc:
        raise UsageError(f"no such file or directory: {exc.args[0]}") from None
    lang = args.lang or default_lang()
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
        ),
        lang=lang,
        severity_threshold=args.severity_threshold,
        quiet=args.quiet,
        compact=args.compact,
    )
    if args.quiet:
        report.passed = []
    for fmt, output in outputs:
        text = writer(fmt)(report)
        if output:
            write_atomically(output, text)
        else:
            sys.stdout.write(text)
    for error in result.check_errors:
        print(f"iacguard: check {error.check_id} failed on {error.resource} ({error.file}): "
              f"{error.message}", file=sys.stderr)
        if args.debug:
            print(error.traceback, file=sys.stderr)
    if args.verbose:
        notes = result.notes + [n for parsed in result.files for n in parsed.notes]
        for note in notes:
            print(f"iacguard: note: {note}", file=sys.stderr)
        for item in result.undecided:
            print(f"iacguard: {item.check_id} undecided on {item.resource} ({item.file}:{item.line}): "
                  "a value could not be resolved", file=sys.stderr)
    return EXIT_FINDINGS if report.failing() or result.check_errors else EXIT_OK


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
    checkset: CheckSet = load_checks([Path(d) for d in args.checks_dir])
    if args.checks_command == "list":
        if args.format == "json":
            print(json.dumps([_check_summary(c) for c in checkset.checks], ensure_ascii=False, indent=2))
        else:
            for c in checkset.checks:
                print(f"{c.id}  {c.severity:<8} {c.provider:<6} {','.join(c.formats):<40} {c.title['en']}")
        return EXIT_OK
    if args.checks_command == "explain":
        check = checkset.by_id().get(args.check_id.upper())
        if check is None:
            raise UsageError(f"unknown check id {args.check_id}")
        print(explain(check, args.lang or default_lang()))
        return EXIT_OK
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def explain(check: Check, lang: str) -> str:
    from .engine.checks import known_controls

    heads = {
        "en": ("Severity", "Provider", "Formats", "Resource types", "Description", "Remediation",
               "Controls", "CIS"),
        "ja": ("重大度", "プロバイダ", "対象形式", "対象リソース", "説明", "対処方法", "管理策", "CIS"),
    }[lang]
    catalogue = known_controls()
    controls = []
    for cid in check.controls:
        entry = catalogue.get(cid, {})
        title = entry.get(f"title_{lang}") or entry.get("title_en", "")
        controls.append(f"  - {cid} {title}".rstrip())
    lines = [
        f"{check.id}: {check.text('title', lang)}",
        f"{heads[0]}: {check.severity}",
        f"{heads[1]}: {check.provider}",
        f"{heads[2]}: {', '.join(check.formats)}",
        f"{heads[3]}: {', '.join(check.resource_types)}",
        "",
        f"{heads[4]}:",
        check.text("description", lang),
        "",
        f"{heads[5]}:",
        check.text("remediation", lang),
        "",
        f"{heads[6]}:",
        *controls,
    ]
    if check.cis:
        lines += ["", f"{heads[7]}: {', '.join(check.cis)}"]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
