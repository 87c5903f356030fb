# iam_users.tf - the two human/application users: User A uploads to and manages
# bucket A, User B reads the stripped copies in bucket B. Each gets its rights
# through a group with a managed policy; no console login; access keys only
# when create_access_keys = true, their secrets encrypted with pgp_key.

locals {
  users = {
    a = { name = "${var.name_prefix}-user-a", group = "${var.name_prefix}-uploaders", description = "Read/write bucket A (uploads)" }
    b = { name = "${var.name_prefix}-user-b", group = "${var.name_prefix}-readers", description = "Read bucket B (stripped copies)" }
  }

  # Each user's statements (sid => actions, resources). With kms_key_arn the
  # buckets use SSE-KMS and S3 calls KMS as the requester: an upload needs
  # kms:GenerateDataKey (and kms:Decrypt, which multipart uploads need), a
  # download kms:Decrypt, on that key only.
  user_grants = {
    a = merge({
      ListUploads      = { actions = ["s3:ListBucket"], resources = [local.source_bucket.arn] }
      ReadWriteUploads = { actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources = ["${local.source_bucket.arn}/*"] }
    }, local.kms_enabled ? { UseBucketKey = { actions = ["kms:Decrypt", "kms:GenerateDataKey"], resources = [var.kms_key_arn] } } : {})
    b = merge({
      ListPublic = { actions = ["s3:ListBucket"], resources = [local.public_bucket.arn] }
      ReadPublic = { actions = ["s3:GetObject"], resources = ["${local.public_bucket.arn}/*"] }
    }, local.kms_enabled ? { UseBucketKey = { actions = ["kms:Decrypt"], resources = [var.kms_key_arn] } } : {})
  }
}

data "aws_iam_policy_document" "user" {
  for_each = local.user_grants

  dynamic "statement" {
    for_each = each.value
    content {
      sid       = statement.key
      effect    = "Allow"
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_policy" "user" {
  for_each = local.users

  name        = each.value.group
  description = each.value.description
  policy      = data.aws_iam_policy_document.user[each.key].json
  tags        = local.tags
}

resource "aws_iam_group" "user" {
  for_each = local.users

  name = each.value.group
}

resource "aws_iam_group_policy_attachment" "user" {
  for_each = local.users

  group      = aws_iam_group.user[each.key].name
  policy_arn = aws_iam_policy.user[each.key].arn
}

# No aws_iam_user_login_profile: the users cannot sign in to the console.
resource "aws_iam_user" "user" {
  for_each = local.users

  name = each.value.name
  tags = local.tags
}

resource "aws_iam_user_group_membership" "user" {
  for_each = local.users

  user   = aws_iam_user.user[each.key].name
  groups = [aws_iam_group.user[each.key].name]
}

resource "aws_iam_access_key" "user" {
  for_each = var.create_access_keys ? local.users : {}

  user    = aws_iam_user.user[each.key].name
  pgp_key = var.pgp_key

  lifecycle {
    precondition {
      condition     = var.pgp_key != null
      error_message = "create_access_keys = true needs pgp_key, so the secrets never sit in the state in plain text."
    }
  }
}
