# autoscaling.tf - optional scaling of the worker service on queue backlog
# (on when max_worker_count > worker_count). Target tracking keeps
# ApproximateNumberOfMessagesVisible / RunningTaskCount near
# backlog_per_task_target; it cannot scale up from zero tasks (the ratio has no
# value), so a step policy adds the first task when messages wait and none runs.

resource "aws_appautoscaling_target" "worker" {
  count = var.deploy_worker && local.autoscaling_enabled ? 1 : 0

  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.this[0].name}/${local.service_name}"
  min_capacity       = var.worker_count
  max_capacity       = coalesce(var.max_worker_count, var.worker_count)
  tags               = local.tags
}

resource "aws_appautoscaling_policy" "backlog_per_task" {
  count = var.deploy_worker && local.autoscaling_enabled ? 1 : 0

  name               = "${var.name_prefix}-backlog-per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.worker[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.worker[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.worker[0].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.backlog_per_task_target
    scale_in_cooldown  = var.scale_in_cooldown_seconds
    scale_out_cooldown = var.scale_out_cooldown_seconds

    customized_metric_specification {
      metrics {
        id          = "visible"
        return_data = false
        metric_stat {
          stat = "Sum"
          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"
            dimensions {
              name  = "QueueName"
              value = aws_sqs_queue.events.name
            }
          }
        }
      }
      metrics {
        id          = "running"
        return_data = false
        metric_stat {
          stat = "Average"
          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"
            dimensions {
              name  = "ClusterName"
              value = aws_ecs_cluster.this[0].name
            }
            dimensions {
              name  = "ServiceName"
              value = local.service_name
            }
          }
        }
      }
      metrics {
        id          = "backlog_per_task"
        label       = "Visible messages per running task"
        expression  = "visible / running"
        return_data = true
      }
    }
  }
}

# 0 -> 1: fires while messages are visible and no task runs (only when worker_count = 0).
resource "aws_appautoscaling_policy" "start_from_zero" {
  count = var.deploy_worker && local.autoscaling_enabled && var.worker_count == 0 ? 1 : 0

  name               = "${var.name_prefix}-start-from-zero"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.worker[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.worker[0].resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = var.scale_out_cooldown_seconds
    metric_aggregation_type = "Maximum"
    step_adjustment {
      metric_interval_lower_bound = 0
      scaling_adjustment          = 1
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "start_from_zero" {
  count = var.deploy_worker && local.autoscaling_enabled && var.worker_count == 0 ? 1 : 0

  alarm_name          = "${var.name_prefix}-start-from-zero"
  alarm_description   = "Messages wait and no worker task runs: start one (target tracking takes over from there)."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.start_from_zero[0].arn]

  metric_query {
    id = "visible"
    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.events.name }
      period      = 60
      stat        = "Maximum"
    }
  }
  metric_query {
    id = "running"
    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      dimensions  = { ClusterName = aws_ecs_cluster.this[0].name, ServiceName = local.service_name }
      period      = 60
      stat        = "Maximum"
    }
  }
  metric_query {
    id          = "idle_backlog"
    label       = "Messages visible while no task runs"
    expression  = "IF(visible > 0 AND FILL(running, 0) == 0, 1, 0)"
    return_data = true
  }

  tags = local.tags
}
