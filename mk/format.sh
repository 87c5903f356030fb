#!/usr/bin/env bash
# format.sh - the C formatting of the tree, as .clang-format describes it
# (written for clang-format 14, Debian bookworm's):
#   mk/format.sh --check   lists the files clang-format would change; exit 1 if any
#   mk/format.sh           reformats those files in place
# Files: every *.c and *.h under src/, include/ and tests/ (node_modules
# excluded). ES_FORMAT_ROOT points it at another tree (its test plants a
# mis-formatted file there). Exit 2 when clang-format is missing.
set -u
root=${ES_FORMAT_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
mode=fix
case "${1:-}" in
    --check) mode=check ;;
    "") ;;
    *) echo "usage: mk/format.sh [--check]" >&2; exit 2 ;;
esac
if ! command -v clang-format >/dev/null; then
    echo "format: clang-format is missing (apt-get install clang-format)" >&2
    exit 2
fi
version=$(clang-format --version | sed -nE 's/.*version ([0-9]+).*/\1/p')
[ "$version" = 14 ] || echo "format: clang-format $version, not 14: its output may differ from CI's" >&2

mapfile -t files < <(find src include tests -name node_modules -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print 2>/dev/null | sort)
[ "${#files[@]}" -gt 0 ] || { echo "format: no C files under $root" >&2; exit 2; }
# --dry-run reports each place that would change as "file:line:col: ..."
# (exit status 0); any other failure (a bad .clang-format, say) is an error.
report=$(clang-format --style=file --dry-run "${files[@]}" 2>&1) || {
    echo "format: clang-format failed: $(echo "$report" | grep -v 'code should be clang-formatted' | head -n 5)" >&2
    exit 2
}
mapfile -t differ < <(echo "$report" |
    sed -nE 's/^([^:]+):[0-9]+:[0-9]+: (warning|error): code should be clang-formatted.*/\1/p' | sort -u)
if [ "$mode" = check ]; then
    [ "${#differ[@]}" = 0 ] && exit 0
    printf '%s\n' "${differ[@]}"
    echo "format: ${#differ[@]} file(s) differ from .clang-format (run mk/format.sh)" >&2
    exit 1
fi
[ "${#differ[@]}" = 0 ] || clang-format --style=file -i "${differ[@]}"
echo "format: reformatted ${#differ[@]} file(s)"
