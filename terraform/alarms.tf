# alarms.tf - what an operator must hear about: events that failed repeatedly
# (DLQ not empty), a backlog that is not being worked off (oldest message too
# old), and refused uploads (report queue not empty).

locals {
  queue_alarms = {
    dlq-not-empty = {
      queue       = aws_sqs_queue.events_dlq.name
      metric      = "ApproximateNumberOfMessagesVisible"
      threshold   = 0
      description = "S3 events failed max_receive_count times and wait in the dead-letter queue (redrive them after fixing the cause)."
    }
    oldest-event-too-old = {
      queue       = aws_sqs_queue.events.name
      metric      = "ApproximateAgeOfOldestMessage"
      threshold   = var.oldest_message_alarm_seconds
      description = "The oldest upload event waits longer than ${var.oldest_message_alarm_seconds} s: workers are stopped, failing or too few."
    }
    refusals-reported = {
      queue       = aws_sqs_queue.reports.name
      metric      = "ApproximateNumberOfMessagesVisible"
      threshold   = 0
      description = "Uploads were refused (not a JPEG, corrupt, too large): the reports name bucket, key and reason."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "queue" {
  for_each = local.queue_alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/SQS"
  metric_name         = each.value.metric
  dimensions          = { QueueName = each.value.queue }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = local.tags
}
