# main.tf - the exifstrip buckets, queues, notification and IAM users on a local
# LocalStack (community edition: no ECS, so deploy_worker = false; run the
# worker with docker/compose.yaml or build/exifstrip against the same endpoint).
# Names and the max receive count are those of
# docker/localstack/ready.d/exifstrip-init.sh, so the worker configuration of
# the compose stack works unchanged (make tf-check verifies that). Apply it to
# a LocalStack of its own with iam, sts and cloudwatch enabled besides s3 and
# sqs, not to the compose stack's (SERVICES=s3,sqs, and its init script has
# already made these buckets and queues).
#   terraform init && terraform apply -auto-approve

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
}

variable "localstack_endpoint" {
  description = "LocalStack edge endpoint."
  type        = string
  default     = "http://127.0.0.1:4566"
}

provider "aws" {
  region = "us-east-1"

  # LocalStack's test credentials and account (000000000000).
  access_key = "test"
  secret_key = "test"

  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  skip_region_validation      = true

  endpoints {
    s3         = var.localstack_endpoint
    sqs        = var.localstack_endpoint
    iam        = var.localstack_endpoint
    sts        = var.localstack_endpoint
    cloudwatch = var.localstack_endpoint
  }
}

module "exifstrip" {
  source = "../.."

  name_prefix           = "photos"
  source_bucket_name    = "photos-upload"
  dest_bucket_name      = "photos-public"
  max_receive_count     = 5
  deploy_worker         = false
  force_destroy_buckets = true
}

output "source_bucket_name" {
  description = "Upload photos here."
  value       = module.exifstrip.source_bucket_name
}

output "dest_bucket_name" {
  description = "Stripped copies appear here."
  value       = module.exifstrip.dest_bucket_name
}

output "event_queue_url" {
  description = "EXIFSTRIP_QUEUE_URL for a worker running against LocalStack."
  value       = module.exifstrip.event_queue_url
}

output "report_queue_url" {
  description = "EXIFSTRIP_DLQ_URL for a worker running against LocalStack."
  value       = module.exifstrip.report_queue_url
}
