# versions.tf - Terraform and provider requirements of the exifstrip root module.
# The offline checks (make tf-check) validate against the AWS provider schema
# 6.25.0 (tests/terraform/aws-provider-schema.json.gz), which this range includes.
terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
}
