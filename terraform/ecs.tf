# ecs.tf - the worker on ECS Fargate: cluster, ECR repository, log group, task
# definition (hardened container running `exifstrip worker`) and the service.

resource "aws_ecs_cluster" "this" {
  count = local.worker_count_flag

  name = var.name_prefix
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
  tags = local.tags
}

resource "aws_ecr_repository" "worker" {
  count = local.worker_count_flag

  name                 = "${var.name_prefix}-worker"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = local.kms_enabled ? "KMS" : "AES256"
    kms_key         = var.kms_key_arn
  }
  tags = local.tags
}

resource "aws_ecr_lifecycle_policy" "worker" {
  count = local.worker_count_flag

  repository = aws_ecr_repository.worker[0].name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images after 7 days"
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 7 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the 30 most recent images"
        selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30 }
        action       = { type = "expire" }
      },
    ]
  })
}

resource "aws_cloudwatch_log_group" "worker" {
  count = local.worker_count_flag

  name              = "/ecs/${var.name_prefix}-worker"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = local.tags
}

resource "aws_ecs_task_definition" "worker" {
  count = local.worker_count_flag

  family                   = "${var.name_prefix}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.task_cpu)
  memory                   = tostring(var.task_memory)
  execution_role_arn       = aws_iam_role.execution[0].arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The only writable path of the read-only root file system (heartbeat, temporary files).
  # Fargate mounts it with the image's mode (1777) only because docker/Dockerfile declares VOLUME ["/tmp"].
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = "worker"
      image                  = local.image
      essential              = true
      command                = ["worker"]
      user                   = var.container_user
      readonlyRootFilesystem = true
      privileged             = false
      linuxParameters = {
        capabilities       = { drop = ["ALL"], add = [] }
        initProcessEnabled = true
      }
      mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      environment = [for name in sort(keys(local.worker_environment)) : { name = name, value = local.worker_environment[name] }]
      stopTimeout = local.stop_timeout
      healthCheck = {
        command     = ["CMD", "exifstrip", "health"]
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group"         = aws_cloudwatch_log_group.worker[0].name
          "awslogs-region"        = local.region
          "awslogs-stream-prefix" = "worker"
        }
      }
    }
  ])

  tags = local.tags

  # The worker refuses to start (exit 78) when the largest object would need more parts than S3 allows.
  lifecycle {
    precondition {
      condition     = local.size_bytes.max_object_bytes <= local.size_bytes.part_size * 10000
      error_message = "max_object_bytes (${var.max_object_bytes}) would need more than 10000 parts of part_size (${var.part_size}), S3's limit: raise part_size or lower max_object_bytes."
    }
  }
}

# Two declarations of one service, exactly one of which exists: with autoscaling
# the autoscaler owns desired_count (ignored after creation), without it
# worker_count does. Switching modes replaces the service.
resource "aws_ecs_service" "fixed" {
  count = var.deploy_worker && !local.autoscaling_enabled ? 1 : 0

  name                               = "${var.name_prefix}-worker"
  cluster                            = aws_ecs_cluster.this[0].id
  task_definition                    = aws_ecs_task_definition.worker[0].arn
  desired_count                      = var.worker_count
  launch_type                        = "FARGATE"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.worker[0].id]
    assign_public_ip = var.assign_public_ip
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # With delete propagation the apply waits for the rollout before bucket A's
  # notification changes (notification.tf): see local.wait_for_rollout.
  wait_for_steady_state = local.wait_for_rollout

  tags = local.tags

  lifecycle {
    postcondition {
      condition     = !local.wait_for_rollout || self.task_definition == aws_ecs_task_definition.worker[0].arn
      error_message = local.rolled_back_message
    }
  }
}

resource "aws_ecs_service" "autoscaled" {
  count = var.deploy_worker && local.autoscaling_enabled ? 1 : 0

  name                               = "${var.name_prefix}-worker"
  cluster                            = aws_ecs_cluster.this[0].id
  task_definition                    = aws_ecs_task_definition.worker[0].arn
  desired_count                      = var.worker_count
  launch_type                        = "FARGATE"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.worker[0].id]
    assign_public_ip = var.assign_public_ip
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # With delete propagation the apply waits for the rollout before bucket A's
  # notification changes (notification.tf): see local.wait_for_rollout.
  wait_for_steady_state = local.wait_for_rollout

  tags = local.tags

  lifecycle {
    ignore_changes = [desired_count]
    postcondition {
      condition     = !local.wait_for_rollout || self.task_definition == aws_ecs_task_definition.worker[0].arn
      error_message = local.rolled_back_message
    }
  }
}

locals {
  service_name = one(concat(aws_ecs_service.fixed[*].name, aws_ecs_service.autoscaled[*].name))
  # wait_for_steady_state also returns when the deployment circuit breaker
  # rolled the service back to the old task definition (the provider calls
  # that steady too): the postconditions above then fail the apply before
  # bucket A's notification changes.
  rolled_back_message = "The worker service runs another task definition than this apply's: its deployment was rolled back (circuit breaker). Bucket A's notification is left unchanged, so no removal reaches tasks without EXIFSTRIP_PROPAGATE_DELETES; see the service's events, fix the cause and apply again."
}
