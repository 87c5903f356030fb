#!/usr/bin/env bash
# compose_test.sh - docker/compose.yaml with the emulator override
# (docker/compose.emulator.yaml) through podman-compose: the emulator image
# built from tests/emulator, the init script run from the host against the
# published loopback port, two worker replicas, 20 photos uploaded with awscli
# all landing in bucket B byte-identical to `exifstrip strip`, then torn down.
# Skips (as skipped) when no container engine or no podman-compose can run.
DK_TEST_COUNT=1
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
    need "init script against the published port" dk_init "$EMU_URL" photos || return
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

es_run t_compose_stack
es_finish
