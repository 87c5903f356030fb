# metrics.tf - the worker's CloudWatch metrics (its EMF log records, turned
# into metrics by CloudWatch Logs: no agent, no PutMetricData permission) on a
# dashboard next to the queues' own metrics, and an alarm on the share of
# refused jobs. Metric names, units and dimensions are the worker's
# (src/worker/metrics.h); `make tf-check` compares them.

locals {
  # The worker writes EMF records only with JSON logs.
  metrics_on = var.metrics == "emf" && var.log_format == "json"

  # Worker metric: [namespace, name, "Queue", queue name (, "Outcome", outcome)] + options.
  queue_dimension = ["Queue", aws_sqs_queue.events.name]
  worker_metric   = { for name in ["JobsDone", "JobsSkipped", "JobsGone", "JobsRefused", "JobsRetried", "BytesIn", "BytesOut", "BytesRemoved", "JobDuration", "ReceiveToDone", "QueueWait"] : name => concat([var.metrics_namespace, name], local.queue_dimension) }
  sqs_metric      = { for k, q in { events = aws_sqs_queue.events.name, dlq = aws_sqs_queue.events_dlq.name, reports = aws_sqs_queue.reports.name } : k => ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q] }

  worker_widgets = [
    {
      type = "metric", x = 0, y = 0, width = 12, height = 6
      properties = {
        title = "Jobs by outcome", region = local.region, view = "timeSeries", stacked = true, stat = "Sum", period = 300
        metrics = [
          concat(local.worker_metric.JobsDone, [{ label = "done (stripped)" }]),
          concat(local.worker_metric.JobsSkipped, [{ label = "skipped" }]),
          concat(local.worker_metric.JobsGone, [{ label = "gone" }]),
          concat(local.worker_metric.JobsRefused, [{ label = "refused" }]),
          concat(local.worker_metric.JobsRetried, [{ label = "retried" }]),
        ]
      }
    },
    {
      type = "metric", x = 12, y = 0, width = 12, height = 6
      properties = {
        title = "Bytes", region = local.region, view = "timeSeries", stacked = false, stat = "Sum", period = 300
        metrics = [
          concat(local.worker_metric.BytesIn, [{ label = "read from A" }]),
          concat(local.worker_metric.BytesOut, [{ label = "written to B" }]),
          concat(local.worker_metric.BytesRemoved, [{ label = "metadata removed" }]),
        ]
      }
    },
    {
      type = "metric", x = 0, y = 6, width = 12, height = 6
      properties = {
        title = "Duration of stripped jobs (ms)", region = local.region, view = "timeSeries", stacked = false, period = 300
        metrics = [
          concat(local.worker_metric.JobDuration, ["Outcome", "stripped", { stat = "p50", label = "job p50" }]),
          concat(local.worker_metric.JobDuration, ["Outcome", "stripped", { stat = "p99", label = "job p99" }]),
          concat(local.worker_metric.ReceiveToDone, [{ stat = "p99", label = "receive to done p99" }]),
        ]
      }
    },
    {
      type = "metric", x = 12, y = 6, width = 12, height = 6
      properties = {
        title = "Refused jobs (% of done + refused)", region = local.region, view = "timeSeries", stacked = false, period = 300
        metrics = [
          [{ id = "rate", expression = "100 * refused / (done + refused)", label = "refusal rate %" }],
          concat(local.worker_metric.JobsRefused, [{ id = "refused", stat = "Sum", visible = false }]),
          concat(local.worker_metric.JobsDone, [{ id = "done", stat = "Sum", visible = false }]),
        ]
        annotations = { horizontal = [{ label = "alarm", value = var.refusal_rate_alarm_percent }] }
      }
    },
  ]

  queue_widgets = [
    {
      type = "metric", x = 0, y = 12, width = 12, height = 6
      properties = {
        title = "Queue age and wait", region = local.region, view = "timeSeries", stacked = false, period = 300
        metrics = concat(
          [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", aws_sqs_queue.events.name, { stat = "Maximum", label = "oldest event (s)" }]],
          local.metrics_on ? [
            concat(local.worker_metric.QueueWait, [{ stat = "p50", label = "queue wait p50 (ms)", yAxis = "right" }]),
            concat(local.worker_metric.QueueWait, [{ stat = "p99", label = "queue wait p99 (ms)", yAxis = "right" }]),
          ] : []
        )
        annotations = { horizontal = [{ label = "age alarm (s)", value = var.oldest_message_alarm_seconds }] }
      }
    },
    {
      type = "metric", x = 12, y = 12, width = 12, height = 6
      properties = {
        title = "Queue depths", region = local.region, view = "timeSeries", stacked = false, stat = "Maximum", period = 300
        metrics = [
          concat(local.sqs_metric.events, [{ label = "events waiting" }]),
          concat(local.sqs_metric.dlq, [{ label = "dead-letter queue" }]),
          concat(local.sqs_metric.reports, [{ label = "refusal reports" }]),
        ]
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name_prefix
  dashboard_body = jsonencode({ widgets = concat(local.metrics_on ? local.worker_widgets : [], local.queue_widgets) })
}

# Refused / (done + refused) over each period, in percent. Periods without
# jobs have no data point and do not breach.
resource "aws_cloudwatch_metric_alarm" "refusal_rate" {
  count = local.metrics_on ? 1 : 0

  alarm_name          = "${var.name_prefix}-refusal-rate"
  alarm_description   = "More than ${var.refusal_rate_alarm_percent} % of the jobs in ${var.refusal_rate_alarm_period_seconds} s were refused (not a JPEG, corrupt, too large): the report queue names bucket, key and reason."
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = var.refusal_rate_alarm_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = local.tags

  metric_query {
    id          = "rate"
    expression  = "100 * refused / (done + refused)"
    label       = "Refused jobs (% of done + refused)"
    return_data = true
  }

  metric_query {
    id = "refused"
    metric {
      namespace   = var.metrics_namespace
      metric_name = "JobsRefused"
      dimensions  = { Queue = aws_sqs_queue.events.name }
      stat        = "Sum"
      period      = var.refusal_rate_alarm_period_seconds
    }
  }

  metric_query {
    id = "done"
    metric {
      namespace   = var.metrics_namespace
      metric_name = "JobsDone"
      dimensions  = { Queue = aws_sqs_queue.events.name }
      stat        = "Sum"
      period      = var.refusal_rate_alarm_period_seconds
    }
  }
}
