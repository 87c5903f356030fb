#!/usr/bin/env bash
# unit_test.sh - the systemd unit for plain hosts (systemd/): `make install`
# puts the binary, the unit (ExecStart following PREFIX) and the example env
# file under DESTDIR, and `make uninstall` removes them and the emptied
# /etc/exifstrip (not the shared directories, nor the admin's worker.env);
# `systemd-analyze verify` accepts the installed unit (and
# rejects a broken one, so the check can fail); `systemd-analyze security
# --offline=yes` rates it below 1.5 ("OK"); TimeoutStopSec stays above the
# worker's shutdown grace. Needs no running systemd; skips without systemd-analyze.
source "$(dirname "$0")/../harness/lib.sh"
UNIT=$ES_ROOT/systemd/exifstrip-worker.service
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/es-systemd-test.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
have_analyze() { command -v systemd-analyze >/dev/null 2>&1; }

t_make_install() {
    make -s -C "$ES_ROOT" --no-print-directory install BUILD="$ES_BUILD" DESTDIR="$SCRATCH/root" \
        PREFIX=/opt/es >"$SCRATCH/install.log" 2>&1
    check_eq "make install status" "$?" 0
    check "binary installed" test -x "$SCRATCH/root/opt/es/bin/exifstrip"
    check "unit installed under PREFIX" test -f "$SCRATCH/root/opt/es/lib/systemd/system/exifstrip-worker.service"
    check "example env installed" test -f "$SCRATCH/root/etc/exifstrip/worker.env.example"
    check "ExecStart follows PREFIX" grep -qx 'ExecStart=/opt/es/bin/exifstrip worker' \
        "$SCRATCH/root/opt/es/lib/systemd/system/exifstrip-worker.service"
    check "env file path" grep -qx 'EnvironmentFile=/etc/exifstrip/worker.env' \
        "$SCRATCH/root/opt/es/lib/systemd/system/exifstrip-worker.service"
    make -s -C "$ES_ROOT" --no-print-directory uninstall DESTDIR="$SCRATCH/root" PREFIX=/opt/es >/dev/null 2>&1
    check "uninstall removes the unit" test ! -e "$SCRATCH/root/opt/es/lib/systemd/system/exifstrip-worker.service"
    check "uninstall removes the emptied /etc/exifstrip" test ! -e "$SCRATCH/root/etc/exifstrip"
    check "uninstall keeps bin/ (shared)" test -d "$SCRATCH/root/opt/es/bin"
    check "uninstall keeps the unit directory (shared)" test -d "$SCRATCH/root/opt/es/lib/systemd/system"
    make -s -C "$ES_ROOT" --no-print-directory uninstall DESTDIR="$SCRATCH/root" PREFIX=/opt/es >/dev/null 2>&1
    check_eq "a second uninstall status" "$?" 0
    # The admin's own env file keeps /etc/exifstrip.
    mkdir -p "$SCRATCH/root2/etc/exifstrip" && echo 'EXIFSTRIP_QUEUE_URL=x' >"$SCRATCH/root2/etc/exifstrip/worker.env"
    make -s -C "$ES_ROOT" --no-print-directory uninstall DESTDIR="$SCRATCH/root2" PREFIX=/opt/es >/dev/null 2>&1
    check_eq "uninstall status with worker.env" "$?" 0
    check "uninstall keeps the admin's worker.env" test -f "$SCRATCH/root2/etc/exifstrip/worker.env"
}

t_verify() {
    have_analyze || { es_skip "systemd-analyze is not installed"; return; }
    # The unit as installed, with ExecStart pointing at the binary under test.
    mkdir -p "$SCRATCH/v"
    sed "s|^ExecStart=[^ ]*|ExecStart=$EXIFSTRIP|" "$UNIT" >"$SCRATCH/v/exifstrip-worker.service"
    systemd-analyze verify "$SCRATCH/v/exifstrip-worker.service" >"$SCRATCH/verify.log" 2>&1
    check_eq "systemd-analyze verify status ($(tr '\n' ' ' <"$SCRATCH/verify.log"))" "$?" 0
    sed "s|^ExecStart=[^ ]*|ExecStart=$SCRATCH/missing-binary|" "$UNIT" >"$SCRATCH/v/broken-worker.service"
    ! systemd-analyze verify "$SCRATCH/v/broken-worker.service" >/dev/null 2>&1
    check_eq "verify rejects a unit whose binary is missing" "$?" 0
}

t_security() {
    have_analyze || { es_skip "systemd-analyze is not installed"; return; }
    local score
    systemd-analyze security --offline=yes --threshold=15 "$UNIT" >"$SCRATCH/sec.log" 2>&1
    check_eq "security --threshold=15 status" "$?" 0
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' "$SCRATCH/sec.log")
    check "exposure score found" test -n "$score"
    check "exposure $score below 1.5" awk -v s="$score" 'BEGIN { exit !(s != "" && s < 1.5) }'
    for setting in 'DynamicUser=yes' 'NoNewPrivileges=yes' 'CapabilityBoundingSet=' 'ProtectSystem=strict' \
        'PrivateTmp=yes' 'PrivateDevices=yes' 'PrivateUsers=yes' 'MemoryDenyWriteExecute=yes' \
        'Restart=on-failure' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX'; do
        check "unit sets $setting" grep -qx "$setting" "$UNIT"
    done
}

t_stop_timeout_covers_grace() {
    local timeout grace
    timeout=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$UNIT")
    grace=$(sed -n 's/^EXIFSTRIP_SHUTDOWN_GRACE=\([0-9]*\)$/\1/p' "$ES_ROOT/systemd/worker.env.example")
    check "TimeoutStopSec set" test -n "$timeout"
    check "grace set in the example" test -n "$grace"
    check "TimeoutStopSec ($timeout) > EXIFSTRIP_SHUTDOWN_GRACE ($grace) + 5" test "$timeout" -gt "$((grace + 5))"
}

es_run t_make_install
es_run t_verify
es_run t_security
es_run t_stop_timeout_covers_grace
es_finish
