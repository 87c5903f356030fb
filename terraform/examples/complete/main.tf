# main.tf - a complete exifstrip deployment in a new small VPC: two private
# subnets without NAT; the S3 gateway endpoint and interface endpoints give the
# tasks S3, SQS, ECR and CloudWatch Logs. Usage: terraform init && terraform apply,
# then push the image to the ecr_repository_url output with the tag in image_tag.
# The alarms (DLQ, queue age, refusals, refusal rate) notify the SNS topic in
# the alarm_topic_arn output: subscribe to it. The dashboard_name output names
# the CloudWatch dashboard of the worker's metrics.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { project = "exifstrip" }
  }
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "worker_count" {
  description = "Running worker tasks (minimum when max_worker_count is larger)."
  type        = number
  default     = 1
}

variable "max_worker_count" {
  description = "Autoscaling maximum (null: fixed worker_count)."
  type        = number
  default     = 4
}

variable "image_tag" {
  description = "Tag of the worker image in the module's ECR repository."
  type        = string
  default     = "0.3.0"
}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "this" {
  cidr_block           = "10.42.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = "exifstrip" }
}

resource "aws_subnet" "private" {
  count = 2

  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(aws_vpc.this.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags              = { Name = "exifstrip-private-${count.index}" }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id
  tags   = { Name = "exifstrip-private" }
}

resource "aws_route_table_association" "private" {
  count = 2

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_sns_topic" "alarms" {
  name = "exifstrip-alarms"
}

module "exifstrip" {
  source = "../.."

  name_prefix      = "exifstrip"
  vpc_id           = aws_vpc.this.id
  subnet_ids       = aws_subnet.private[*].id
  route_table_ids  = [aws_route_table.private.id]
  image_tag        = var.image_tag
  worker_count     = var.worker_count
  max_worker_count = var.max_worker_count
  alarm_actions    = [aws_sns_topic.alarms.arn]

  # No NAT gateway: everything the task talks to besides S3 through endpoints.
  interface_endpoint_services = ["sqs", "logs", "ecr.api", "ecr.dkr"]
}

output "source_bucket_name" {
  description = "Upload photos here."
  value       = module.exifstrip.source_bucket_name
}

output "dest_bucket_name" {
  description = "Stripped copies appear here."
  value       = module.exifstrip.dest_bucket_name
}

output "ecr_repository_url" {
  description = "Push the worker image here."
  value       = module.exifstrip.ecr_repository_url
}

output "service_name" {
  description = "ECS service of the workers."
  value       = module.exifstrip.service_name
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify: subscribe to it."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the worker's metrics and the queues."
  value       = module.exifstrip.dashboard_name
}
