# A static website bucket and its logs: the site bucket is public; the logs
# bucket is not (public access block) but logs nothing and uses no KMS key.
resource "aws_s3_bucket" "site" {
  bucket = "example-corp-public-site"
  acl    = "public-read"
}

resource "aws_s3_bucket" "logs" {
  bucket = "example-corp-access-logs"
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::example-corp-public-site/*"
    }]
  })
}
