#!/usr/bin/env bash
# compose_test.sh - docker/compose.yaml with the emulator override
# (docker/compose.emulator.yaml) through podman-compose: the emulator image
# built from tests/emulator, the init script run (through `awslocal`, as
# inside LocalStack) against the published loopback port, two worker replicas, 20 photos uploaded with awscli
# all landing in bucket B byte-identical to `exifstrip strip`, then torn down.
# Skips (as skipped) when no container engine or no podman-compose can run.
DK_TEST_COUNT=2
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/lib_docker.sh"
PROJECT=es-compose-$DK_ID
COMPOSE=(podman-compose -p "$PROJECT" -f "$ES_ROOT/docker/compose.yaml" -f "$ES_ROOT/docker/compose.emulator.yaml")
N=20

all_landed() { [ "$(emu_s3_keys photos-public | wc -l)" -ge $N ]; }

t_compose_stack() {
    local port i bad=0 key workers
    command -v podman-compose >/dev/null 2>&1 || { es_skip "podman-compose is not installed"; return; }
    "$ES_ROOT/scripts/container.sh" image >"$DK_SCRATCH/build.log" 2>&1 &&
        "$ES_ROOT/scripts/container.sh" emulator >>"$DK_SCRATCH/build.log" 2>&1
    [ "$?" = 0 ] || { es_fail "image builds failed: $(tail -n 20 "$DK_SCRATCH/build.log")"; return; }
    port=$("$EMU_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    export EXIFSTRIP_LOCAL_PORT=$port EXIFSTRIP_WORKERS=2
    dk_on_exit "${COMPOSE[*]} down -t 15; podman network rm -f ${PROJECT}_default"
    "${COMPOSE[@]}" up -d localstack >"$DK_SCRATCH/up.log" 2>&1
    EMU_URL=http://127.0.0.1:$port
    # Any HTTP answer (the control API itself answers only the container's own
    # loopback, so through the published port /_emulator/health is a 403).
    need "emulator answering on 127.0.0.1:$port" dk_wait 60 curl -s -o /dev/null --max-time 2 "$EMU_URL/_emulator/health" || return
    # As LocalStack runs it (awslocal); image_test.sh covers `aws --endpoint-url`.
    need "init script through awslocal" dk_init "$EMU_URL" photos awslocal || return
    check "awslocal was used" test -s "$DK_SCRATCH/awslocal/calls"
    "${COMPOSE[@]}" up -d >>"$DK_SCRATCH/up.log" 2>&1
    check_eq "podman-compose up ($(tail -n 3 "$DK_SCRATCH/up.log" | tr '\n' ' '))" "$?" 0
    workers=$(podman ps --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}' | grep -c worker)
    check_eq "worker replicas running" "$workers" 2
    mkdir -p "$DK_SCRATCH/up/batch"
    for i in $(seq 1 $N); do "$MKFIXTURE" --size 160x120 --gps --xmp --seed "$i" "$DK_SCRATCH/up/batch/p$i.jpg"; done
    /usr/bin/aws --endpoint-url "$EMU_URL" s3 cp --recursive --only-show-errors "$DK_SCRATCH/up" s3://photos-upload/
    check_eq "aws s3 cp of $N photos" "$?" 0
    need "all $N photos reached photos-public" dk_wait 120 all_landed || { podman logs "${PROJECT}_worker_1" 2>&1 | tail -n 5 >&2; return; }
    for i in $(seq 1 $N); do
        key=batch/p$i.jpg
        emu_s3 GET photos-public "$key" -o "$DK_SCRATCH/out.jpg" 2>/dev/null &&
            "$EXIFSTRIP" strip -q "$DK_SCRATCH/up/$key" "$DK_SCRATCH/exp.jpg" &&
            cmp -s "$DK_SCRATCH/out.jpg" "$DK_SCRATCH/exp.jpg" || bad=$((bad + 1))
    done
    check_eq "photos differing from exifstrip strip" "$bad" 0
    "${COMPOSE[@]}" down -t 15 >"$DK_SCRATCH/down.log" 2>&1
    check_eq "podman-compose down" "$?" 0
    check_eq "nothing left running" "$(podman ps -a --filter "label=io.podman.compose.project=$PROJECT" -q | wc -l)" 0
}

# The LocalStack half cannot run here (no registry): check what it declares.
t_compose_file() {
    "$EMU_PY" - "$ES_ROOT/docker/compose.yaml" "$ES_ROOT/docker/localstack/ready.d/exifstrip-init.sh" \
        >"$DK_SCRATCH/compose.check" 2>&1 <<'PY'
import os, re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
ls, w = doc["services"]["localstack"], doc["services"]["worker"]
problems = []
def want(ok, what):
    if not ok: problems.append(what)
want(ls["image"].endswith("localstack/localstack:4.14.0"), "LocalStack pinned to 4.14.0 (last free image)")
want(ls["environment"].get("SERVICES") == "s3,sqs", "SERVICES=s3,sqs")
want(ls["environment"].get("SQS_ENDPOINT_STRATEGY") == "path", "SQS_ENDPOINT_STRATEGY=path")
want(any(str(p).startswith("127.0.0.1:") and str(p).endswith(":4566") for p in ls["ports"]), "port on 127.0.0.1 only")
want(all(str(p).startswith("127.0.0.1:") for p in ls["ports"]), "no port on other addresses")
want("/_localstack/init/ready" in str(ls["healthcheck"]["test"]), "health check on /_localstack/init/ready")
want(any(v.split(":")[1] == "/etc/localstack/init/ready.d" for v in ls["volumes"]), "init script mounted in ready.d")
want(os.access(sys.argv[2], os.X_OK), "init script executable")
want(w["build"]["dockerfile"] == "docker/Dockerfile", "worker built from docker/Dockerfile")
want(w["depends_on"]["localstack"]["condition"] == "service_healthy", "worker waits for LocalStack ready")
want(w.get("read_only") is True and "/tmp" in w.get("tmpfs", []), "worker read-only with tmpfs /tmp")
for var in ("EXIFSTRIP_SOURCE_BUCKETS", "EXIFSTRIP_DEST_BUCKET", "EXIFSTRIP_QUEUE_URL", "EXIFSTRIP_DLQ_URL", "AWS_ENDPOINT_URL"):
    want(var in w["environment"], f"worker sets {var}")
want("container_name" not in w, "worker scalable (no container_name)")
init = open(sys.argv[2]).read()
for name, default in (("SOURCE_BUCKET", "photos-upload"), ("DEST_BUCKET", "photos-public"), ("EVENT_QUEUE", "photos-events"),
                      ("DEAD_LETTER_QUEUE", "photos-events-dlq"), ("REPORT_QUEUE", "photos-refused"), ("MAX_RECEIVE_COUNT", "5")):
    want(re.search(r'^: "\$\{%s:=%s\}"$' % (name, re.escape(default)), init, re.M), f"init default {name}={default}")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
    local rc=$?
    check_eq "compose.yaml and the init script as documented ($(tr '\n' ';' <"$DK_SCRATCH/compose.check"))" "$rc" 0
}

es_run t_compose_file
es_run t_compose_stack
es_finish
