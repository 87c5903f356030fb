# iam_task.tf - the worker's task role (what exifstrip may do: read A, write B
# (and delete there with propagate_deletes), consume the event queue, send
# refusal reports; never write to A) and the
# execution role ECS uses to pull the image and write logs.

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    sid     = "EcsTasksOfThisAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"]
    }
  }
}

locals {
  # What delete propagation adds to the task role. A delete in A removes B's
  # copy made from that object with a DELETE conditional on B's ETag
  # (If-Match), which S3 authorises with s3:GetObject as well (granted
  # below). A late creation event of a version that a delete marker has
  # hidden since is not published again: the worker HEADs the key's current
  # version in A, which answers 404 thanks to s3:ListBucket on A (granted below).
  delete_propagation_grants = {
    PropagateDeletes = { actions = ["s3:DeleteObject"], resources = ["${local.public_bucket.arn}/*"] }
  }
}

resource "aws_iam_role" "task" {
  name               = "${var.name_prefix}-task"
  description        = "exifstrip worker: read bucket A, write bucket B, consume the event queue"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "ReadUploads"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${local.source_bucket.arn}/*"]
  }

  # Without s3:ListBucket, S3 answers a GET or HEAD of a missing key with 403
  # instead of 404: a photo deleted before its event is handled would look
  # like an authorisation failure and be retried into the dead-letter queue
  # instead of settling as job.gone. Read-only, and it reveals only key names.
  statement {
    sid       = "TellGoneUploadsApart"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.source_bucket.arn]
  }

  statement {
    sid       = "WriteStrippedCopies"
    effect    = "Allow"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${local.public_bucket.arn}/*"]
  }

  # Ordered writes: the worker HEADs the key in B to read the source identity
  # it recorded (x-amz-meta-exifstrip-source-*) and B's ETag for the
  # conditional PUT, so an older source never overwrites a newer copy.
  # HeadObject is authorised by s3:GetObject; s3:ListBucket makes S3 answer a
  # missing key with 404 instead of 403 (without it every new photo would look
  # like an authorisation failure and be retried into the dead-letter queue).
  statement {
    sid       = "ReadStrippedCopiesState"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${local.public_bucket.arn}/*"]
  }

  statement {
    sid       = "TellMissingCopiesApart"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.public_bucket.arn]
  }

  # Delete propagation (var.propagate_deletes only), local.delete_propagation_grants.
  dynamic "statement" {
    for_each = { for sid, grant in local.delete_propagation_grants : sid => grant if var.propagate_deletes }
    content {
      sid       = statement.key
      effect    = "Allow"
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  statement {
    sid       = "ConsumeEvents"
    effect    = "Allow"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.events.arn]
  }

  statement {
    sid       = "SendRefusalReports"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.reports.arn]
  }

  dynamic "statement" {
    for_each = local.kms_enabled ? [var.kms_key_arn] : []
    content {
      sid       = "UseBucketAndQueueKey"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }

  # Whatever is added to the role later (AmazonS3FullAccess, say): the worker
  # must never write where events come from. Everything on bucket A but the
  # reads it needs (GET and HEAD, of a version too, and listing) is denied, so
  # every bucket- and object-level write (Put*, Delete*, Abort*, Restore*,
  # Replicate*, ACLs, tags, policies, configurations) is, by construction.
  statement {
    sid         = "NeverWriteToUploads"
    effect      = "Deny"
    not_actions = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]
    resources   = [local.source_bucket.arn, "${local.source_bucket.arn}/*"]
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "exifstrip-worker"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

resource "aws_iam_role" "execution" {
  count = local.worker_count_flag

  name               = "${var.name_prefix}-execution"
  description        = "ECS agent for the exifstrip worker: pull the image, write logs"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "execution" {
  count = local.worker_count_flag

  statement {
    sid       = "EcrLogin"
    effect    = "Allow"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullWorkerImage"
    effect    = "Allow"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.worker[0].arn]
  }

  statement {
    sid       = "WriteWorkerLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.worker[0].arn}:*"]
  }
}

resource "aws_iam_role_policy" "execution" {
  count = local.worker_count_flag

  name   = "exifstrip-execution"
  role   = aws_iam_role.execution[0].id
  policy = data.aws_iam_policy_document.execution[0].json
}
