# outputs.tf - what callers and operators need: bucket names/ARNs, queue URLs,
# the ECR repository to push the image to, cluster/service, users and roles.

output "source_bucket_name" {
  description = "Bucket A: upload photos here."
  value       = local.source_bucket.bucket
}

output "source_bucket_arn" {
  description = "ARN of bucket A."
  value       = local.source_bucket.arn
}

output "dest_bucket_name" {
  description = "Bucket B: the stripped copies, same keys."
  value       = local.public_bucket.bucket
}

output "dest_bucket_arn" {
  description = "ARN of bucket B."
  value       = local.public_bucket.arn
}

output "event_queue_url" {
  description = "Queue of S3 events the worker consumes (EXIFSTRIP_QUEUE_URL)."
  value       = aws_sqs_queue.events.url
}

output "dead_letter_queue_url" {
  description = "Events that failed max_receive_count times."
  value       = aws_sqs_queue.events_dlq.url
}

output "report_queue_url" {
  description = "Refusal reports (EXIFSTRIP_DLQ_URL)."
  value       = aws_sqs_queue.reports.url
}

output "ecr_repository_url" {
  description = "Push the worker image (docker/Dockerfile) here (null with deploy_worker = false)."
  value       = one(aws_ecr_repository.worker[*].repository_url)
}

output "cluster_name" {
  description = "ECS cluster."
  value       = one(aws_ecs_cluster.this[*].name)
}

output "service_name" {
  description = "ECS service running the workers."
  value       = local.service_name
}

output "user_names" {
  description = "IAM users: a (read/write bucket A), b (read bucket B)."
  value       = { for k, u in aws_iam_user.user : k => u.name }
}

output "access_key_ids" {
  description = "Access key ids (create_access_keys = true), else empty."
  value       = { for k, key in aws_iam_access_key.user : k => key.id }
}

output "encrypted_secret_access_keys" {
  description = "Secret access keys encrypted with pgp_key (base64; decrypt with gpg, see the README), else empty."
  value       = { for k, key in aws_iam_access_key.user : k => key.encrypted_secret }
}

output "task_role_arn" {
  description = "Role of the worker tasks."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "Role ECS uses to pull the image and write logs."
  value       = one(aws_iam_role.execution[*].arn)
}

output "log_group_name" {
  description = "CloudWatch log group of the worker."
  value       = one(aws_cloudwatch_log_group.worker[*].name)
}

output "dashboard_name" {
  description = "CloudWatch dashboard: jobs by outcome, bytes, durations, refusal rate, queue age and depths."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}
