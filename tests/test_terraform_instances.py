"""The Terraform instance limit (Limits.max_terraform_instances), per root
module: count and for_each multiply through nested module calls. Only
instances they make count (a block written once in a module called once is
bounded by its text). What fits is kept and judged; the module call that
multiplies past the limit is reported as IACG-000."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

from iacguard.engine.checks import load_checks
from iacguard.findings import PARSE_ERROR_ID
from iacguard.model import is_unknown
from iacguard.scan import ScanOptions, ScanResult, scan
from iacguard.source import Limits

CHECKS = load_checks()
OPEN_SG = ('resource "aws_security_group" "sg" {\n  count = %d\n  ingress {\n    from_port   = 22\n'
           '    to_port     = 22\n    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n')


def _scan(tmp_path: Path, files: Dict[str, str], limit: int) -> ScanResult:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return scan(ScanOptions(paths=[str(root)], cwd=root, limits=Limits(max_terraform_instances=limit)), CHECKS)


def test_the_module_call_that_multiplies_past_the_limit_is_reported(tmp_path: Path) -> None:
    # module.a: 3 instances, each with 5 security groups: 18 instances; the limit is 12.
    result = _scan(tmp_path, {"main.tf": '# root\nmodule "a" {\n  source = "./a"\n  count  = 3\n}\n',
                              "a/main.tf": OPEN_SG % 5}, limit=12)
    assert sorted(r.address for r in result.resources) == sorted(
        [f"module.a[0].aws_security_group.sg[{i}]" for i in range(5)]
        + [f"module.a[1].aws_security_group.sg[{i}]" for i in range(4)])
    errors = [f for f in result.findings if f.check_id == PARSE_ERROR_ID]
    assert [(f.file, f.line) for f in errors] == [("main.tf", 2)]
    assert "module.a is expanded only in part" in errors[0].message["en"]
    assert "12 Terraform resource, data and module instances" in errors[0].message["en"]
    assert len([f for f in result.findings if f.check_id == "IACG-AWS-004"]) == 9


def test_a_resource_past_the_limit_in_the_root_module_is_reported_on_its_block(tmp_path: Path) -> None:
    # Blocks are expanded in address order: the buckets first, then the groups.
    result = _scan(tmp_path, {"main.tf": OPEN_SG % 4 + 'resource "aws_s3_bucket" "b" {\n  count = 3\n'
                                                     '  acl   = "public-read"\n}\n'}, limit=5)
    assert sorted(r.address for r in result.resources) == [
        f"aws_s3_bucket.b[{i}]" for i in range(3)] + ["aws_security_group.sg[0]", "aws_security_group.sg[1]"]
    errors = [f for f in result.findings if f.check_id == PARSE_ERROR_ID]
    assert [(f.file, f.line) for f in errors] == [("main.tf", 1)]
    assert errors[0].message["en"].startswith("aws_security_group.sg is expanded only in part")


def test_within_the_limit_nothing_is_reported(tmp_path: Path) -> None:
    result = _scan(tmp_path, {"main.tf": 'module "a" {\n  source = "./a"\n  count  = 3\n}\n',
                              "a/main.tf": OPEN_SG % 5}, limit=18)
    assert len(result.resources) == 15
    assert PARSE_ERROR_ID not in {f.check_id for f in result.findings}


def test_the_limit_is_per_root_module(tmp_path: Path) -> None:
    result = _scan(tmp_path, {"one/main.tf": OPEN_SG % 4, "two/main.tf": OPEN_SG % 7}, limit=6)
    assert sorted(r.address for r in result.resources) == sorted(
        [f"aws_security_group.sg[{i}]" for i in range(4)] + [f"aws_security_group.sg[{i}]" for i in range(6)])
    errors = [(f.file, f.line) for f in result.findings if f.check_id == PARSE_ERROR_ID]
    assert errors == [("two/main.tf", 1)]


def test_blocks_written_once_do_not_count(tmp_path: Path) -> None:
    # 30 modules called once with 3 resources each: 120 instances, none made by count or for_each.
    calls = "".join(f'module "m{i}" {{\n  source = "./m"\n}}\n' for i in range(30))
    single = OPEN_SG.replace("  count = %d\n", "")
    result = _scan(tmp_path, {"main.tf": calls, "m/main.tf": single + single.replace('"sg"', '"sg2"')
                              + single.replace('"sg"', '"sg3"')}, limit=5)
    assert len(result.resources) == 90
    assert PARSE_ERROR_ID not in {f.check_id for f in result.findings}


def test_a_dynamic_block_past_its_limit_keeps_the_first_blocks_and_the_rest_unknown(tmp_path: Path,
                                                                                     monkeypatch) -> None:
    from iacguard.parsers.terraform import module

    monkeypatch.setattr(module, "MAX_DYNAMIC_BLOCKS", 3)
    sg = ('resource "aws_security_group" "sg" {\n  dynamic "ingress" {\n    for_each = %s\n    content {\n'
          '      from_port   = 22\n      to_port     = 22\n      protocol    = "tcp"\n'
          '      cidr_blocks = [ingress.value]\n    }\n  }\n}\n')
    first_open = _scan(tmp_path / "a", {"main.tf": sg % '["0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/8", "10.0.0.0/8"]'}, 10)
    assert "IACG-AWS-004" in {f.check_id for f in first_open.findings}
    (sg_resource,) = first_open.resources
    assert len(sg_resource.attributes["ingress"]) == 4 and is_unknown(sg_resource.attributes["ingress"][3])
    # The open rule is past the limit: unknown, so neither reported nor passed.
    last_open = _scan(tmp_path / "b", {"main.tf": sg % '["10.0.0.0/8", "10.0.0.0/8", "10.0.0.0/8", "0.0.0.0/0"]'}, 10)
    assert "IACG-AWS-004" not in {f.check_id for f in last_open.findings}
    assert "IACG-AWS-004" not in {p.check_id for p in last_open.passed}
