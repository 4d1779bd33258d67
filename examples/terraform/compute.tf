resource "aws_ebs_volume" "data" {
  availability_zone = "ap-northeast-1a"
  size              = 100
}

resource "aws_db_instance" "orders" {
  identifier          = "orders"
  engine              = "postgres"
  instance_class      = "db.t3.medium"
  allocated_storage   = 50
  storage_encrypted   = false
  publicly_accessible = false
  username            = "app"
  manage_master_user_password = true
}

resource "aws_cloudtrail" "main" {
  name                          = "main"
  s3_bucket_name                = aws_s3_bucket.logs.id
  is_multi_region_trail         = false
  enable_log_file_validation    = true
}

resource "google_storage_bucket_iam_member" "public" {
  bucket = "example-corp-downloads"
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}
