# variables.tf - every input of the exifstrip deployment: names, storage and
# queue settings, the worker container (image, size, EXIFSTRIP_* settings),
# worker count and autoscaling, network, users and alarms.

# ---- names and tags --------------------------------------------------------

variable "name_prefix" {
  description = "Prefix of every resource name (cluster, service, queues, roles, users, log group, ECR repository)."
  type        = string
  default     = "exifstrip"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,27}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 2-29 characters (S3 allows 37 for a bucket_prefix such as \"<name_prefix>-public-\"): lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource that supports them."
  type        = map(string)
  default     = {}
}

# ---- buckets ---------------------------------------------------------------

variable "source_bucket_name" {
  description = "Name of bucket A (uploads). null: \"<name_prefix>-upload-\" plus a random suffix chosen by S3/Terraform."
  type        = string
  default     = null
  validation {
    condition     = var.source_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.source_bucket_name))
    error_message = "source_bucket_name must be a valid S3 bucket name (3-63 characters: a-z, 0-9, '.', '-')."
  }
}

variable "dest_bucket_name" {
  description = "Name of bucket B (stripped copies served by the website). null: \"<name_prefix>-public-\" plus a random suffix."
  type        = string
  default     = null
  validation {
    condition     = var.dest_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.dest_bucket_name))
    error_message = "dest_bucket_name must be a valid S3 bucket name (3-63 characters: a-z, 0-9, '.', '-')."
  }
}

variable "source_versioning" {
  description = "Enable versioning on bucket A (the worker then reads the exact version named by each event)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for both buckets, the queues, the log group and ECR. null: SSE-S3 for the buckets and SSE-SQS for the queues. Its key policy must let s3.amazonaws.com (notifications into the encrypted queue) and logs.<region>.amazonaws.com use it."
  type        = string
  default     = null
  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "force_destroy_buckets" {
  description = "Allow terraform destroy to delete non-empty buckets (for test stacks only)."
  type        = bool
  default     = false
}

variable "event_suffixes" {
  description = "Key suffixes that send an event to the queue (each at most 31 bytes of UTF-8; at most 16 that differ in more than case). S3 suffix filters are case-sensitive and take one suffix per rule, so list every spelling."
  type        = list(string)
  default     = [".jpg", ".JPG", ".jpeg", ".JPEG"]
  validation {
    # The worker counts bytes, Terraform's length() characters: s plus two bytes
    # encodes to at most 44 base64 characters exactly when s has at most 31 bytes.
    condition     = length(var.event_suffixes) > 0 && alltrue([for s in var.event_suffixes : length(s) > 0 && length(base64encode("${s}xx")) <= 44])
    error_message = "event_suffixes must hold at least one suffix, each of 1 to 31 bytes of UTF-8 (the worker's limit; S3 would take 1024)."
  }
  validation {
    condition     = length(distinct([for s in var.event_suffixes : lower(s)])) <= 16
    error_message = "event_suffixes may hold at most 16 suffixes that differ in more than case (the worker matches them case-insensitively, 16 at most)."
  }
}

# ---- queues ----------------------------------------------------------------

variable "message_retention_seconds" {
  description = "How long the event queue keeps a message (60 s .. 14 days)."
  type        = number
  default     = 345600
  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long the dead-letter and report queues keep a message; must be longer than message_retention_seconds (SQS keeps the original enqueue time when a message moves to the DLQ)."
  type        = number
  default     = 1209600
  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 60 and 1209600."
  }
}

variable "max_receive_count" {
  description = "Receives after which a message moves to the dead-letter queue. At least 2 with propagate_deletes: a delete of a key bucket B does not hold yet is looked at a second time (README, Delete propagation)."
  type        = number
  default     = 5
  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number from 1 to 1000."
  }
}

# ---- the worker container --------------------------------------------------

variable "image" {
  description = "Worker image (built from docker/Dockerfile). null: the module's ECR repository with image_tag."
  type        = string
  default     = null
}

variable "image_tag" {
  description = "Tag used with the module's ECR repository when image is null (tags are immutable: push a new tag per release)."
  type        = string
  default     = "latest"
  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a valid image tag."
  }
}

variable "container_user" {
  description = "Numeric uid[:gid] the container runs as (never root)."
  type        = string
  default     = "10001:10001"
  validation {
    condition     = can(regex("^[0-9]+(:[0-9]+)?$", var.container_user)) && !startswith(var.container_user, "0")
    error_message = "container_user must be a numeric, non-zero uid[:gid]."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the Fargate task: X86_64 or ARM64 (the image must match)."
  type        = string
  default     = "X86_64"
  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "task_cpu" {
  description = "Fargate task CPU units (256 = 0.25 vCPU); also EXIFSTRIP_TRANSFORM_CONCURRENCY = task_cpu / 1024 rounded up, since the worker cannot see the task-level limit."
  type        = number
  default     = 512
  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.task_cpu)
    error_message = "task_cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "task_memory" {
  description = "Fargate task memory in MiB (must be a valid combination with task_cpu)."
  type        = number
  default     = 1024
  validation {
    condition     = var.task_memory >= 512 && var.task_memory <= 122880
    error_message = "task_memory must be between 512 and 122880 MiB."
  }
}

variable "log_retention_days" {
  description = "Retention of the worker's CloudWatch log group, in days."
  type        = number
  default     = 30
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

# EXIFSTRIP_* settings (README, "Configuration"). Queue URLs and bucket names come from the module.

variable "worker_concurrency" {
  description = "EXIFSTRIP_CONCURRENCY: jobs in flight per task."
  type        = number
  default     = 4
  validation {
    condition     = var.worker_concurrency >= 1 && var.worker_concurrency <= 64
    error_message = "worker_concurrency must be between 1 and 64."
  }
}

variable "visibility_timeout_seconds" {
  description = "EXIFSTRIP_VISIBILITY_TIMEOUT and the event queue's visibility timeout (the queue's is never shorter than the worker's)."
  type        = number
  default     = 60
  validation {
    condition     = var.visibility_timeout_seconds >= 1 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be between 1 and 43200."
  }
}

variable "max_object_bytes" {
  description = "EXIFSTRIP_MAX_OBJECT_BYTES: larger objects are refused (K/M/G suffixes; 1B..5120GiB, and at most 10000 parts of part_size)."
  type        = string
  default     = "256MiB"
  validation {
    condition     = can(regex("^[0-9]+([KMG](i?B)?|B)?$", var.max_object_bytes))
    error_message = "max_object_bytes must be a size such as 256MiB."
  }
  validation {
    condition     = anytrue([for n in [for m in regexall("^([0-9]+)([KMG]?)", var.max_object_bytes) : m[0] * pow(1024, index(["", "K", "M", "G"], m[1]))] : n >= 1 && n <= 5497558138880])
    error_message = "max_object_bytes must be from 1 byte to 5120GiB (S3's largest object), as the worker requires."
  }
}

variable "orientation" {
  description = "EXIFSTRIP_ORIENTATION: apply (turn photos upright losslessly), keep (only the tag) or drop."
  type        = string
  default     = "apply"
  validation {
    condition     = contains(["apply", "keep", "drop"], var.orientation)
    error_message = "orientation must be apply, keep or drop."
  }
}

variable "max_pixels" {
  description = "EXIFSTRIP_MAX_PIXELS: apply keeps the tag instead of turning larger photos (M suffix = millions; below 10^19)."
  type        = string
  default     = "100000000"
  validation {
    condition     = can(regex("^([1-9][0-9]{0,18}|[1-9][0-9]{0,12}M)$", var.max_pixels))
    error_message = "max_pixels must be a positive number such as 100000000 or 100M, below 10^19 (the worker reads it as a 64-bit count)."
  }
}

variable "transform_memory" {
  description = "EXIFSTRIP_TRANSFORM_MEMORY: memory all concurrent orientation transforms of a task share, photos waiting for their turn included: auto (half the task's memory, at most 512MiB) or a size, 1MiB..1024GiB, well below task_memory."
  type        = string
  default     = "auto"
  validation {
    condition     = lower(var.transform_memory) == "auto" || can(regex("^[0-9]+([KMG](i?B)?|B)?$", var.transform_memory))
    error_message = "transform_memory must be auto or a size such as 512MiB."
  }
  validation {
    condition     = lower(var.transform_memory) == "auto" || anytrue([for n in [for m in regexall("^([0-9]+)([KMG]?)", var.transform_memory) : m[0] * pow(1024, index(["", "K", "M", "G"], m[1]))] : n >= 1048576 && n <= 1099511627776])
    error_message = "transform_memory must be from 1MiB to 1024GiB, as the worker requires."
  }
}

variable "payload_signing" {
  description = "EXIFSTRIP_PAYLOAD_SIGNING: auto (UNSIGNED-PAYLOAD plus the CRC64NVME checksum over https, the body's SHA-256 over http), signed or unsigned."
  type        = string
  default     = "auto"
  validation {
    condition     = contains(["auto", "signed", "unsigned"], var.payload_signing)
    error_message = "payload_signing must be auto, signed or unsigned."
  }
}

variable "part_size" {
  description = "EXIFSTRIP_PART_SIZE: multipart part size (5MiB..5GiB)."
  type        = string
  default     = "8MiB"
  validation {
    condition     = can(regex("^[0-9]+([KMG](i?B)?|B)?$", var.part_size))
    error_message = "part_size must be a size such as 8MiB."
  }
  validation {
    condition     = anytrue([for n in [for m in regexall("^([0-9]+)([KMG]?)", var.part_size) : m[0] * pow(1024, index(["", "K", "M", "G"], m[1]))] : n >= 5242880 && n <= 5368709120])
    error_message = "part_size must be from 5MiB to 5GiB (S3's part sizes), as the worker requires."
  }
}

variable "wait_seconds" {
  description = "EXIFSTRIP_WAIT_SECONDS: SQS long-poll wait (0..20); the queue's receive wait is 20 s."
  type        = number
  default     = 20
  validation {
    condition     = var.wait_seconds >= 0 && var.wait_seconds <= 20
    error_message = "wait_seconds must be between 0 and 20."
  }
}

variable "shutdown_grace_seconds" {
  description = "EXIFSTRIP_SHUTDOWN_GRACE: time in-flight jobs get after SIGTERM. ECS stopTimeout is this + 5 s (at most 120)."
  type        = number
  default     = 25
  validation {
    condition     = var.shutdown_grace_seconds >= 0 && var.shutdown_grace_seconds <= 115
    error_message = "shutdown_grace_seconds must be between 0 and 115 (ECS stops a Fargate container at most 120 s after SIGTERM)."
  }
}

variable "min_transfer_rate" {
  description = "EXIFSTRIP_MIN_TRANSFER_RATE: bytes/s a GET must average over the window, else it is abandoned and retried (K/M suffixes; 1B..1GiB)."
  type        = string
  default     = "16KiB"
  validation {
    condition     = can(regex("^[0-9]+([KMG](i?B)?|B)?$", var.min_transfer_rate))
    error_message = "min_transfer_rate must be a size such as 16KiB."
  }
  validation {
    condition     = anytrue([for n in [for m in regexall("^([0-9]+)([KMG]?)", var.min_transfer_rate) : m[0] * pow(1024, index(["", "K", "M", "G"], m[1]))] : n >= 1 && n <= 1073741824])
    error_message = "min_transfer_rate must be from 1 byte/s to 1GiB/s, as the worker requires."
  }
}

variable "min_transfer_window_seconds" {
  description = "EXIFSTRIP_MIN_TRANSFER_WINDOW: seconds over which the minimum transfer rate is measured (1..3600)."
  type        = number
  default     = 30
  validation {
    condition     = var.min_transfer_window_seconds >= 1 && var.min_transfer_window_seconds <= 3600
    error_message = "min_transfer_window_seconds must be between 1 and 3600."
  }
}

variable "max_job_seconds" {
  description = "EXIFSTRIP_MAX_JOB_SECONDS: a job running longer is abandoned and its message released; 0 = 300 s plus 1 s per 256 KiB of the object."
  type        = number
  default     = 0
  validation {
    condition     = var.max_job_seconds >= 0 && var.max_job_seconds <= 604800
    error_message = "max_job_seconds must be between 0 and 604800."
  }
}

variable "heartbeat_file" {
  description = "EXIFSTRIP_HEARTBEAT_FILE: refreshed by the worker, read by the health check; must be under the writable /tmp."
  type        = string
  default     = "/tmp/exifstrip-worker.heartbeat"
  validation {
    condition     = startswith(var.heartbeat_file, "/tmp/")
    error_message = "heartbeat_file must be under /tmp (the only writable path of the read-only root file system)."
  }
}

variable "log_format" {
  description = "EXIFSTRIP_LOG_FORMAT: json or text."
  type        = string
  default     = "json"
  validation {
    condition     = contains(["json", "text"], var.log_format)
    error_message = "log_format must be json or text."
  }
}

variable "log_level" {
  description = "EXIFSTRIP_LOG_LEVEL: debug, info, warn or error."
  type        = string
  default     = "info"
  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "drain" {
  description = "EXIFSTRIP_DRAIN: tasks exit once the queue stays empty (backfills; with autoscaling off ECS would restart them)."
  type        = bool
  default     = false
}

variable "propagate_deletes" {
  description = "EXIFSTRIP_PROPAGATE_DELETES: a delete in bucket A deletes bucket B's copy made from that object; adds s3:ObjectRemoved:* to the notification and s3:DeleteObject on B to the task role. The apply then waits for the service's rollout (ECS steady state) before it changes the notification, so no task without the setting receives a removal (it would drop it); unless drain."
  type        = bool
  default     = false
}

# ---- worker count and autoscaling ------------------------------------------

variable "worker_count" {
  description = "Running worker tasks (the service's desired_count). With autoscaling on, the minimum."
  type        = number
  default     = 1
  validation {
    condition     = var.worker_count >= 0 && var.worker_count <= 1000 && floor(var.worker_count) == var.worker_count
    error_message = "worker_count must be a whole number from 0 to 1000."
  }
}

variable "max_worker_count" {
  description = "Autoscaling maximum. Greater than worker_count turns autoscaling on (backlog per task); null or equal: fixed count."
  type        = number
  default     = null
  validation {
    condition     = var.max_worker_count == null ? true : var.max_worker_count >= 1 && var.max_worker_count <= 1000
    error_message = "max_worker_count must be null or between 1 and 1000."
  }
}

variable "backlog_per_task_target" {
  description = "Target of the autoscaler: visible messages per running task."
  type        = number
  default     = 100
  validation {
    condition     = var.backlog_per_task_target > 0
    error_message = "backlog_per_task_target must be positive."
  }
}

variable "scale_in_cooldown_seconds" {
  description = "Autoscaling scale-in cooldown."
  type        = number
  default     = 300
  validation {
    condition     = var.scale_in_cooldown_seconds >= 0 && var.scale_in_cooldown_seconds <= 3600
    error_message = "scale_in_cooldown_seconds must be between 0 and 3600."
  }
}

variable "scale_out_cooldown_seconds" {
  description = "Autoscaling scale-out cooldown."
  type        = number
  default     = 60
  validation {
    condition     = var.scale_out_cooldown_seconds >= 0 && var.scale_out_cooldown_seconds <= 3600
    error_message = "scale_out_cooldown_seconds must be between 0 and 3600."
  }
}

# ---- network ---------------------------------------------------------------

variable "deploy_worker" {
  description = "Run the worker on ECS Fargate (cluster, ECR, logs, task definition, service, autoscaling, network). false: only buckets, queues, notification, IAM and alarms, for a worker running elsewhere (LocalStack, compose, a server)."
  type        = bool
  default     = true
}

variable "vpc_id" {
  description = "VPC of the worker tasks (required when deploy_worker is true)."
  type        = string
  default     = null
  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]+$", coalesce(var.vpc_id, "vpc-0")))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Subnets of the worker tasks: private subnets with a NAT gateway or interface endpoints (required when deploy_worker is true)."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must be subnet ids (subnet-...)."
  }
}

variable "assign_public_ip" {
  description = "Give tasks a public IP (only for public subnets without NAT; off by default)."
  type        = bool
  default     = false
}

variable "route_table_ids" {
  description = "Route tables of subnet_ids, for the S3 gateway endpoint (free; keeps photo traffic off the NAT gateway). Empty: no gateway endpoint."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for r in var.route_table_ids : can(regex("^rtb-[0-9a-f]+$", r))])
    error_message = "route_table_ids must be route table ids (rtb-...)."
  }
}

variable "interface_endpoint_services" {
  description = "Interface endpoints to create in subnet_ids (e.g. [\"sqs\", \"logs\", \"ecr.api\", \"ecr.dkr\", \"sts\"]); needed without a NAT gateway. They cost per hour and AZ."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for s in var.interface_endpoint_services : contains(["sqs", "logs", "ecr.api", "ecr.dkr", "sts", "kms", "monitoring"], s)])
    error_message = "interface_endpoint_services may contain sqs, logs, ecr.api, ecr.dkr, sts, kms and monitoring."
  }
}

# ---- IAM users -------------------------------------------------------------

variable "create_access_keys" {
  description = "Create an access key for each user (the secret is encrypted with pgp_key). Off: no keys."
  type        = bool
  default     = false
}

variable "pgp_key" {
  description = "PGP public key (base64) or \"keybase:NAME\" that encrypts the access keys' secrets. Required when create_access_keys is true."
  type        = string
  default     = null
}

# ---- alarms ----------------------------------------------------------------

variable "alarm_actions" {
  description = "ARNs notified when an alarm fires or recovers (e.g. an SNS topic)."
  type        = list(string)
  default     = []
}

variable "oldest_message_alarm_seconds" {
  description = "Alarm when the oldest event waits longer than this."
  type        = number
  default     = 900
  validation {
    condition     = var.oldest_message_alarm_seconds >= 60
    error_message = "oldest_message_alarm_seconds must be at least 60."
  }
}

# ---- metrics ---------------------------------------------------------------

variable "metrics" {
  description = "EXIFSTRIP_METRICS: emf (the worker's JSON log carries CloudWatch Embedded Metric Format records, turned into metrics by CloudWatch Logs) or off. With log_format text there are none, and the dashboard shows only the queues."
  type        = string
  default     = "emf"
  validation {
    condition     = contains(["emf", "off"], var.metrics)
    error_message = "metrics must be emf or off."
  }
}

variable "metrics_namespace" {
  description = "EXIFSTRIP_METRICS_NAMESPACE: CloudWatch namespace of the worker's metrics (the dashboard and the refusal-rate alarm read it)."
  type        = string
  default     = "exifstrip"
  validation {
    condition     = length(var.metrics_namespace) <= 255 && length(regexall("^[A-Za-z0-9 ._/#:-]+$", var.metrics_namespace)) == 1 && !startswith(var.metrics_namespace, "AWS/") && !startswith(var.metrics_namespace, ":")
    error_message = "metrics_namespace must be 1..255 of A-Z a-z 0-9 . - _ / # : and space, not starting with AWS/ or a colon."
  }
}

variable "refusal_rate_alarm_percent" {
  description = "Alarm when more than this percentage of the jobs of a period (done + refused) were refused."
  type        = number
  default     = 10
  validation {
    condition     = var.refusal_rate_alarm_percent >= 0 && var.refusal_rate_alarm_percent < 100
    error_message = "refusal_rate_alarm_percent must be at least 0 and below 100."
  }
}

variable "refusal_rate_alarm_min_jobs" {
  description = "Periods with fewer jobs (done + refused) than this never trip the refusal-rate alarm."
  type        = number
  default     = 10
  validation {
    condition     = var.refusal_rate_alarm_min_jobs >= 1
    error_message = "refusal_rate_alarm_min_jobs must be at least 1."
  }
}

variable "refusal_rate_alarm_period_seconds" {
  description = "Period over which the refusal rate is computed (a multiple of 60)."
  type        = number
  default     = 300
  validation {
    condition     = var.refusal_rate_alarm_period_seconds >= 60 && var.refusal_rate_alarm_period_seconds % 60 == 0
    error_message = "refusal_rate_alarm_period_seconds must be a multiple of 60."
  }
}
