# sqs.tf - the event queue the worker long-polls, its dead-letter queue, the
# refusal-report queue the worker writes to, and the event queue's policy that
# lets only S3 (bucket A of this account) send.

resource "aws_sqs_queue" "events_dlq" {
  name                      = "${var.name_prefix}-events-dlq"
  message_retention_seconds = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled   = local.kms_enabled ? null : true
  kms_master_key_id         = var.kms_key_arn
  tags                      = local.tags
}

resource "aws_sqs_queue" "events" {
  name                       = "${var.name_prefix}-events"
  receive_wait_time_seconds  = 20
  visibility_timeout_seconds = var.visibility_timeout_seconds
  message_retention_seconds  = var.message_retention_seconds
  sqs_managed_sse_enabled    = local.kms_enabled ? null : true
  kms_master_key_id          = var.kms_key_arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.events_dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
  tags = local.tags

  lifecycle {
    precondition {
      condition     = var.dlq_message_retention_seconds > var.message_retention_seconds
      error_message = "dlq_message_retention_seconds must be longer than message_retention_seconds, or messages expire in the DLQ before anyone looks."
    }
    precondition {
      condition     = !var.propagate_deletes || var.max_receive_count >= 2
      error_message = "max_receive_count must be at least 2 with propagate_deletes: a removal of a key bucket B does not hold yet is looked at a second time, and with 1 it would go to the dead-letter queue instead."
    }
  }
}

# Only the queue that may feed this DLQ.
resource "aws_sqs_queue_redrive_allow_policy" "events_dlq" {
  queue_url = aws_sqs_queue.events_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.events.arn]
  })
}

# Refusal reports (EXIFSTRIP_DLQ_URL): one JSON message per input the worker refused.
resource "aws_sqs_queue" "reports" {
  name                      = "${var.name_prefix}-refused"
  message_retention_seconds = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled   = local.kms_enabled ? null : true
  kms_master_key_id         = var.kms_key_arn
  tags                      = local.tags
}

data "aws_iam_policy_document" "events_queue" {
  statement {
    sid       = "S3BucketAEventsOnly"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events.arn]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.source_bucket.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sqs_queue_policy" "events" {
  queue_url = aws_sqs_queue.events.id
  policy    = data.aws_iam_policy_document.events_queue.json
}
