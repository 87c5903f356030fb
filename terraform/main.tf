# main.tf - values shared by the other files: the account and partition, the
# two buckets' settings, the image, the EXIFSTRIP_* environment and the switches
# (KMS, autoscaling, access keys) derived from the variables.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  kms_enabled         = var.kms_key_arn != null
  autoscaling_enabled = var.max_worker_count != null && coalesce(var.max_worker_count, 0) > var.worker_count

  # Bucket A ("source", uploads) and bucket B ("public", stripped copies).
  buckets = {
    source = { name = var.source_bucket_name, prefix = "${var.name_prefix}-upload-" }
    public = { name = var.dest_bucket_name, prefix = "${var.name_prefix}-public-" }
  }
  source_bucket = aws_s3_bucket.this["source"]
  public_bucket = aws_s3_bucket.this["public"]

  image = var.deploy_worker ? coalesce(var.image, "${aws_ecr_repository.worker[0].repository_url}:${var.image_tag}") : var.image

  # Every worker resource (ECS, ECR, logs, network, execution role) has this count.
  worker_count_flag = var.deploy_worker ? 1 : 0

  # max_object_bytes and part_size in bytes (their validations check the form:
  # digits, then K, M or G = KiB, MiB, GiB), for the task definition's check
  # that the largest object needs at most 10000 parts (S3's limit), as the worker's.
  size_bytes = {
    for name, size in { max_object_bytes = var.max_object_bytes, part_size = var.part_size } :
    name => one([for m in regexall("^([0-9]+)([KMG]?)", size) : m[0] * pow(1024, index(["", "K", "M", "G"], m[1]))])
  }

  # The worker's configuration (README, "Configuration"): one entry per EXIFSTRIP_* variable.
  worker_environment = {
    EXIFSTRIP_QUEUE_URL          = aws_sqs_queue.events.url
    EXIFSTRIP_DEST_BUCKET        = local.public_bucket.bucket
    EXIFSTRIP_SOURCE_BUCKETS     = local.source_bucket.bucket
    EXIFSTRIP_SUFFIXES           = join(",", distinct([for s in var.event_suffixes : lower(s)]))
    EXIFSTRIP_DLQ_URL            = aws_sqs_queue.reports.url
    EXIFSTRIP_CONCURRENCY        = tostring(var.worker_concurrency)
    EXIFSTRIP_VISIBILITY_TIMEOUT = tostring(var.visibility_timeout_seconds)
    EXIFSTRIP_MAX_OBJECT_BYTES   = var.max_object_bytes
    EXIFSTRIP_PART_SIZE          = var.part_size
    EXIFSTRIP_WAIT_SECONDS       = tostring(var.wait_seconds)
    EXIFSTRIP_SHUTDOWN_GRACE     = tostring(var.shutdown_grace_seconds)
    EXIFSTRIP_MIN_TRANSFER_RATE  = var.min_transfer_rate
    EXIFSTRIP_MIN_TRANSFER_WINDOW = tostring(var.min_transfer_window_seconds)
    EXIFSTRIP_MAX_JOB_SECONDS    = tostring(var.max_job_seconds)
    EXIFSTRIP_HEARTBEAT_FILE     = var.heartbeat_file
    EXIFSTRIP_LOG_FORMAT         = var.log_format
    EXIFSTRIP_LOG_LEVEL          = var.log_level
    EXIFSTRIP_DRAIN              = tostring(var.drain)
    EXIFSTRIP_ORIENTATION        = var.orientation
    EXIFSTRIP_MAX_PIXELS         = var.max_pixels
    EXIFSTRIP_TRANSFORM_MEMORY   = var.transform_memory
    # The task's CPU limit sits on the task's cgroup, which the container cannot see:
    # transforms at once = the task's vCPUs (1024 units each), rounded up.
    EXIFSTRIP_TRANSFORM_CONCURRENCY = tostring(max(1, ceil(var.task_cpu / 1024)))
    EXIFSTRIP_PROPAGATE_DELETES  = var.propagate_deletes ? "1" : "0"
    EXIFSTRIP_METRICS            = var.metrics
    EXIFSTRIP_METRICS_NAMESPACE  = var.metrics_namespace
    EXIFSTRIP_PAYLOAD_SIGNING    = var.payload_signing
    AWS_REGION                   = local.region
  }

  # ECS gives a container stopTimeout seconds between SIGTERM and SIGKILL (Fargate: at most 120).
  stop_timeout = min(120, var.shutdown_grace_seconds + 5)

  tags = merge({ "app" = "exifstrip" }, var.tags)
}
