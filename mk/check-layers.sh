#!/usr/bin/env bash
# check-layers.sh - enforces the dependency direction of the source tree:
# common <- jpeg <- orient <- aws <- worker <- cli, and keeps src/jpeg and
# src/orient (the lossless orientation transform) free of I/O.
set -u
cd "$(dirname "$0")/.."
bad=0
forbid() { # dir, regex, why
    local hits
    hits=$(grep -nE "$2" "$1"/*.[ch] 2>/dev/null)
    if [ -n "$hits" ]; then echo "layering: $1 $3:"; echo "$hits"; bad=1; fi
}
forbid src/common '#include "(jpeg|orient|aws|worker|cli)/' "must not include higher layers"
forbid src/jpeg   '#include "(orient|aws|worker|cli)/|#include "exifstrip/orient\.h"' "must not include orient/aws/worker/cli"
forbid src/orient '#include "(aws|worker|cli)/' "must not include aws/worker/cli"
forbid src/orient '#include <(unistd|fcntl|curl/curl|pthread)\.h>|\b(fopen|fread|fwrite|open|read|write|printf|fprintf|getenv)\(' "must stay pure (no I/O, no environment; snprintf only)"
forbid src/jpeg   '#include <(stdio|unistd|fcntl|curl/curl|pthread)\.h>|\b(fopen|fread|fwrite|open|read|write|printf|fprintf)\(' "must stay pure (no I/O)"
forbid src/aws    '#include "(worker|cli)/' "must not include worker/cli"
forbid src/worker '#include "cli/' "must not include cli"
exit $bad
