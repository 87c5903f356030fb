# common.sh - shared setup for the CLI shell tests: paths of the binary and
# the fixture tools, a scratch directory per run, and small file predicates.
# Sourced after tests/harness/lib.sh.
MKFIXTURE=$ES_BUILD/tests/tools/mkfixture
JPEGCMP=$ES_BUILD/tests/tools/jpegcmp
for tool in "$EXIFSTRIP" "$MKFIXTURE" "$JPEGCMP"; do
    if [ ! -x "$tool" ]; then
        echo "missing $tool (build it with make BUILD=... test-build)" >&2
        echo "# summary: 0 passed, 1 failed, 0 skipped"
        exit 1
    fi
done
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/es-cli-test.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

# A fresh empty directory for one test.
newdir() { local d; d=$(mktemp -d "$SCRATCH/t.XXXXXX") && echo "$d"; }
# True when file has no bytes matching the text (binary-safe).
lacks() { ! grep -aq -- "$2" "$1"; }
has() { grep -aq -- "$2" "$1"; }
# No temporary files left behind by exifstrip under dir.
no_temps() { [ -z "$(find "$1" -name '.*exifstrip-*' 2>/dev/null)" ]; }
