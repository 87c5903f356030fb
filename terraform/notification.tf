# notification.tf - bucket A sends s3:ObjectCreated:* (and s3:ObjectRemoved:*
# when var.propagate_deletes) for every key ending in one of var.event_suffixes
# to the event queue (one rule per suffix: S3 suffix filters are case-sensitive
# and take a single suffix). With propagate_deletes the notification changes
# only once the workers run with the setting (local.wait_for_rollout).

locals {
  source_events = concat(["s3:ObjectCreated:*"], var.propagate_deletes ? ["s3:ObjectRemoved:*"] : [])
  # A task without EXIFSTRIP_PROPAGATE_DELETES skips the removals it receives
  # (with a warning): were s3:ObjectRemoved:* sent while a rollout turning the
  # setting on still runs old tasks, the copies of photos deleted meanwhile
  # would stay in B. So with propagate_deletes the services' apply waits for
  # ECS's steady state (new tasks running, old ones stopped), and the
  # notification depends on the services. Not with drain (tasks that exit on
  # an empty queue never settle).
  wait_for_rollout = var.propagate_deletes && !var.drain
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

  # S3 sends a test event on creation, which fails unless the queue already
  # allows it; removals go only to workers that propagate them (above).
  depends_on = [aws_sqs_queue_policy.events, aws_ecs_service.fixed, aws_ecs_service.autoscaled]
}
