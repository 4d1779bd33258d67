"""One bad expression or block costs itself, not the module: an expression
that cannot be evaluated is unknown, a block whose evaluation fails is an
IACG-000 on its own line, and every other resource is still judged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

import pytest

from iacguard.parsers.terraform import project

OPEN_SSH = """resource "aws_security_group" "ssh" {
  name = "ssh"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
SSH_FINDING = ("main.tf", 7, "IACG-AWS-004")

POLICY = """
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
%s
  }
}
"""


def _scan(run, root: Path) -> List[Tuple[str, int, str]]:
    code, out, err = run(["scan", ".", "--no-cache", "--format", "json"], root)
    assert code == 1, err
    return [(f["file"], f["line"], f["check_id"]) for f in json.loads(out)["findings"]
            if f["check_id"] in ("IACG-000", "IACG-AWS-004")]


@pytest.mark.parametrize("extra", [
    'module "m" {\n  source = "./child"\n  count  = 1e400\n}\n',
    POLICY % '    condition {\n      test     = "StringEquals"\n      variable = ["aws:SourceVpc"]\n'
             '      values   = ["vpc-1"]\n    }',
    POLICY % '    condition {\n      test     = "StringEquals"\n      variable = "aws:SourceVpc"\n'
             '      values   = ["vpc-1"]\n    }\n    condition {\n      test     = 5\n'
             '      variable = 6\n      values   = [7]\n    }',
    'locals {\n  n = 1e400\n}\nresource "aws_s3_bucket" "b" {\n  count  = local.n\n  bucket = "b"\n}\n',
])
def test_an_unevaluable_value_beside_an_open_ssh_rule_hides_nothing(tmp_path: Path, run, extra: str) -> None:
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "main.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = "x"\n}\n')
    (tmp_path / "main.tf").write_text(OPEN_SSH + "\n" + extra)
    assert _scan(run, tmp_path) == [SSH_FINDING]


def test_a_block_whose_evaluation_fails_is_iacg000_on_its_line_and_the_rest_is_judged(
        tmp_path: Path, run, monkeypatch) -> None:
    """A bug meeting unexpected input, simulated: the policy document's
    rendering raises. Its readers see an unknown value."""
    def broken(attributes):
        raise RuntimeError("simulated evaluator bug")

    monkeypatch.setattr(project, "render_policy_document", broken)
    (tmp_path / "main.tf").write_text(OPEN_SSH + POLICY % "" + """
resource "aws_iam_policy" "uses" {
  policy = data.aws_iam_policy_document.p.json
}
""")
    findings = _scan(run, tmp_path)
    assert findings == [SSH_FINDING, ("main.tf", 11, "IACG-000")]
    _, out, _ = run(["scan", ".", "--no-cache", "--format", "json", "--check", "IACG-000"], tmp_path)
    message = json.loads(out)["findings"][0]["message"]
    assert message.startswith("internal error while evaluating data.aws_iam_policy_document.p: RuntimeError")


def test_a_failing_module_call_is_iacg000_on_the_call_and_its_siblings_are_judged(
        tmp_path: Path, run, monkeypatch) -> None:
    real = project.ModuleInstance._instantiate

    def broken(self, name, block):
        if name == "bad":
            raise TypeError("simulated evaluator bug")
        return real(self, name, block)

    monkeypatch.setattr(project.ModuleInstance, "_instantiate", broken)
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "main.tf").write_text(OPEN_SSH)
    (tmp_path / "main.tf").write_text('module "bad" {\n  source = "./net"\n}\n\nmodule "good" {\n'
                                      '  source = "./net"\n}\n')
    assert _scan(run, tmp_path) == [("main.tf", 1, "IACG-000"), ("net/main.tf", 7, "IACG-AWS-004")]
