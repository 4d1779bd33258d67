# Break-glass administrators: full access, but nothing asks for MFA.
resource "aws_iam_group" "admins" {
  name = "break-glass-admins"
}

data "aws_iam_policy_document" "admin" {
  statement {
    sid       = "Everything"
    actions   = ["*"]
    resources = ["*"]
  }
}

resource "aws_iam_group_policy" "admins" {
  name   = "full-access"
  group  = aws_iam_group.admins.name
  policy = data.aws_iam_policy_document.admin.json
}
