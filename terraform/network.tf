# network.tf - where the tasks run: a security group with egress only (the
# worker accepts no connections), the S3 gateway endpoint (free; photos then
# never pass the NAT gateway) and optional interface endpoints for private
# subnets without NAT.

resource "aws_security_group" "worker" {
  count = local.worker_count_flag

  name        = "${var.name_prefix}-worker"
  description = "exifstrip worker tasks: no inbound, HTTPS out"
  vpc_id      = var.vpc_id
  tags        = local.tags

  lifecycle {
    precondition {
      condition     = var.vpc_id != null && length(var.subnet_ids) > 0
      error_message = "The worker needs vpc_id and subnet_ids (or set deploy_worker = false)."
    }
  }
}

resource "aws_vpc_security_group_egress_rule" "worker_https" {
  count = local.worker_count_flag

  security_group_id = aws_security_group.worker[0].id
  description       = "HTTPS to AWS APIs (S3, SQS, ECR, CloudWatch Logs)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_endpoint" "s3" {
  count = var.deploy_worker && length(var.route_table_ids) > 0 ? 1 : 0

  vpc_id            = var.vpc_id
  service_name      = "com.amazonaws.${local.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.route_table_ids
  tags              = merge(local.tags, { Name = "${var.name_prefix}-s3" })
}

resource "aws_security_group" "endpoints" {
  count = var.deploy_worker && length(var.interface_endpoint_services) > 0 ? 1 : 0

  name        = "${var.name_prefix}-endpoints"
  description = "Interface endpoints used by the exifstrip worker"
  vpc_id      = var.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_worker" {
  count = var.deploy_worker && length(var.interface_endpoint_services) > 0 ? 1 : 0

  security_group_id            = aws_security_group.endpoints[0].id
  description                  = "HTTPS from the worker tasks"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.worker[0].id
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.deploy_worker ? var.interface_endpoint_services : [])

  vpc_id              = var.vpc_id
  service_name        = "com.amazonaws.${local.region}.${each.value}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]
  private_dns_enabled = true
  tags                = merge(local.tags, { Name = "${var.name_prefix}-${each.value}" })
}
