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
  worker_metric   = { for name in ["JobsDone", "JobsSkipped", "JobsGone", "JobsRefused", "JobsRetried", "JobsDeleted", "BytesIn", "BytesOut", "BytesRemoved", "JobDuration", "ReceiveToDone", "QueueWait"] : name => concat([var.metrics_namespace, name], local.queue_dimension) }
  sqs_metric      = { for k, q in { events = aws_sqs_queue.events.name, dlq = aws_sqs_queue.events_dlq.name, reports = aws_sqs_queue.reports.name } : k => ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q] }

  # Each widget's title and metrics; laid out two per row below.
  worker_widgets = [
    {
      title = "Jobs by outcome", stacked = true, stat = "Sum"
      metrics = [
        concat(local.worker_metric.JobsDone, [{ label = "done (stripped)" }]),
        concat(local.worker_metric.JobsSkipped, [{ label = "skipped" }]),
        concat(local.worker_metric.JobsGone, [{ label = "gone" }]),
        concat(local.worker_metric.JobsRefused, [{ label = "refused" }]),
        concat(local.worker_metric.JobsRetried, [{ label = "retried" }]),
        concat(local.worker_metric.JobsDeleted, [{ label = "copies deleted" }]),
      ]
    },
    {
      title = "Bytes", stacked = false, stat = "Sum"
      metrics = [
        concat(local.worker_metric.BytesIn, [{ label = "read from A" }]),
        concat(local.worker_metric.BytesOut, [{ label = "written to B" }]),
        concat(local.worker_metric.BytesRemoved, [{ label = "metadata removed" }]),
      ]
    },
    {
      title = "Duration of stripped jobs (ms)", stacked = false, stat = "p50"
      metrics = [
        concat(local.worker_metric.JobDuration, ["Outcome", "stripped", { stat = "p50", label = "job p50" }]),
        concat(local.worker_metric.JobDuration, ["Outcome", "stripped", { stat = "p99", label = "job p99" }]),
        concat(local.worker_metric.ReceiveToDone, [{ stat = "p99", label = "receive to done p99" }]),
      ]
    },
    {
      title = "Refused jobs (% of done + refused)", stacked = false, stat = "Sum"
      metrics = [
        [{ id = "rate", expression = "100 * refused / (done + refused)", label = "refusal rate %" }],
        concat(local.worker_metric.JobsRefused, [{ id = "refused", visible = false }]),
        concat(local.worker_metric.JobsDone, [{ id = "done", visible = false }]),
      ]
      annotations = { horizontal = [{ label = "alarm", value = var.refusal_rate_alarm_percent }] }
    },
  ]

  queue_widgets = [
    {
      title = "Queue age and wait", stacked = false, stat = "Maximum"
      metrics = concat(
        [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", aws_sqs_queue.events.name, { label = "oldest event (s)" }]],
        local.metrics_on ? [
          concat(local.worker_metric.QueueWait, [{ stat = "p50", label = "queue wait p50 (ms)", yAxis = "right" }]),
          concat(local.worker_metric.QueueWait, [{ stat = "p99", label = "queue wait p99 (ms)", yAxis = "right" }]),
        ] : []
      )
      annotations = { horizontal = [{ label = "age alarm (s)", value = var.oldest_message_alarm_seconds }] }
    },
    {
      title = "Queue depths", stacked = false, stat = "Maximum"
      metrics = [
        concat(local.sqs_metric.events, [{ label = "events waiting" }]),
        concat(local.sqs_metric.dlq, [{ label = "dead-letter queue" }]),
        concat(local.sqs_metric.reports, [{ label = "refusal reports" }]),
      ]
    },
  ]

  dashboard_widgets = concat(local.metrics_on ? local.worker_widgets : [], local.queue_widgets)
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name_prefix
  dashboard_body = jsonencode({
    widgets = [for i, w in local.dashboard_widgets : {
      type = "metric", x = (i % 2) * 12, y = floor(i / 2) * 6, width = 12, height = 6
      properties = merge({ region = local.region, view = "timeSeries", period = 300 }, w)
    }]
  })
}

# Refused / (done + refused) over each period, in percent; periods with fewer
# than refusal_rate_alarm_min_jobs jobs count as 0 (one bad upload on a quiet
# night is the report queue alarm's business). Periods without jobs have no
# data point and do not breach.
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
    expression  = "IF(done + refused >= ${var.refusal_rate_alarm_min_jobs}, 100 * refused / (done + refused), 0)"
    label       = "Refused jobs (% of done + refused, periods with at least ${var.refusal_rate_alarm_min_jobs} jobs)"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { refused = "JobsRefused", done = "JobsDone" }
    content {
      id = metric_query.key
      metric {
        namespace   = var.metrics_namespace
        metric_name = metric_query.value
        dimensions  = { Queue = aws_sqs_queue.events.name }
        stat        = "Sum"
        period      = var.refusal_rate_alarm_period_seconds
      }
    }
  }
}
