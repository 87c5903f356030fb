# notification.tf - bucket A sends s3:ObjectCreated:* (and s3:ObjectRemoved:*
# when var.propagate_deletes) for every key ending in one of var.event_suffixes
# to the event queue (one rule per suffix: S3 suffix filters are case-sensitive
# and take a single suffix).

locals {
  source_events = concat(["s3:ObjectCreated:*"], var.propagate_deletes ? ["s3:ObjectRemoved:*"] : [])
}

resource "aws_s3_bucket_notification" "source" {
  bucket = local.source_bucket.id

  dynamic "queue" {
    for_each = var.event_suffixes
    content {
      id            = "exifstrip${replace(queue.value, ".", "-")}"
      queue_arn     = aws_sqs_queue.events.arn
      events        = local.source_events
      filter_suffix = queue.value
    }
  }

  # S3 sends a test event on creation, which fails unless the queue already allows it.
  depends_on = [aws_sqs_queue_policy.events]
}
