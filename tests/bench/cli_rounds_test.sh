#!/usr/bin/env bash
# cli_rounds_test.sh - the round bookkeeping of tests/bench/cli_bench.py with
# stand-in tools (sh one-liners that copy a tiny file; nothing is measured): a
# failure in an early round stays counted after later rounds succeed; the
# large-photo pair refuses an odd number of rounds, puts each tool first
# equally often, counts the runs slower than 1.5x the median, and fails the
# bench when exifstrip fails in any round; bench_lib.spawn_timed kills a
# command that outlives its timeout (the floor's runs have one).
source "$(dirname "$0")/../harness/lib.sh"
cd "$ES_ROOT" || exit 1
S=$(mktemp -d "${TMPDIR:-/tmp}/es-rounds.XXXXXX")
trap 'rm -rf "$S"' EXIT
echo photo >"$S/in.jpg"

# The scenarios, one "key: value" line each.
S=$S /usr/bin/python3 - >"$S/results.txt" 2>"$S/py.err" <<'PY'
import os, sys
sys.path.insert(0, "tests/bench")
import cli_bench
import time
from bench_lib import BenchError, spawn_timed
S = os.environ["S"]
IN = os.path.join(S, "in.jpg")

def tool(name, fails_on=None, slow_on=None):
    """A stand-in tool that copies IN to OUT, logs its name, and fails (exit 1)
    or sleeps 0.3 s on its pass number fails_on / slow_on (1 = warm-up)."""
    counter = os.path.join(S, name + ".n")
    script = (f'n=$(( $(cat "{counter}" 2>/dev/null || echo 0) + 1 )); echo $n >"{counter}"; '
              f'echo {name} >>"{S}/order.log"; '
              f'[ $n = {fails_on or 0} ] && exit 1; [ $n = {slow_on or 0} ] && sleep 0.3; cp "$1" "$2"')
    return cli_bench.Tool(name, ["sh", "-c", script, "sh", "{in}", "{out}"], ["true"])

def reset():
    for f in os.listdir(S):
        if f.endswith(".n") or f == "order.log":
            os.unlink(os.path.join(S, f))

r = cli_bench.alternate([tool("cp"), tool("peer", fails_on=2)], lambda t: [IN], lambda t: 3, S, "t")
print(f"early failure: {r['peer']['failed']} in {r['peer']['failed_passes']} pass(es), {len(r['peer']['walls'])} timed")
print(f"cp failures: {r['cp']['failed']}")
reset()
try:
    cli_bench.large_pair_bench([tool("cp"), tool("exifstrip")], IN, S, 3)
    print("odd rounds: accepted")
except BenchError as e:
    print(f"odd rounds: {e}")
reset()
r = cli_bench.large_pair_bench([tool("cp"), tool("exifstrip", slow_on=3)], IN, S, 4)
# The stand-ins take a few ms, so a busy machine can make any run "slow":
# only the planted 0.3 s run is certain; the counting itself is checked on
# fixed walls below.
print(f"pair: rounds {r['cp']['rounds']}/{r['exifstrip']['rounds']}, planted slow run counted "
      f"{'yes' if r['exifstrip']['slow'] >= 1 else 'no'}")
fixed = cli_bench.summarise_rounds({"cp": {"walls": [0.010, 0.011, 0.0149, 0.012], "cpus": [0.01] * 4},
                                    "exifstrip": {"walls": [0.010, 0.30, 0.011, 0.0166], "cpus": [0.01] * 4}})
print(f"fixed walls: slow exifstrip {fixed['exifstrip']['slow']}, slow cp {fixed['cp']['slow']}, "
      f"slowest {fixed['exifstrip']['slowest']:.3f}, median {fixed['exifstrip']['wall']:.4f}")
with open(os.path.join(S, "order.log")) as f:
    order = f.read().split()[2:]   # after the warm-up pair
firsts = [order[i] for i in range(0, len(order), 2)]
print(f"first: cp {firsts.count('cp')}, exifstrip {firsts.count('exifstrip')}")
reset()
try:
    cli_bench.large_pair_bench([tool("cp"), tool("exifstrip", fails_on=4)], IN, S, 4)
    print("late exifstrip failure: not noticed")
except BenchError as e:
    print(f"late exifstrip failure: {e}")
t0 = time.time()
try:
    spawn_timed(["sleep", "30"], timeout=0.3)
    print("timeout: not enforced")
except BenchError as e:
    print(f"timeout: {e} after {'under' if time.time() - t0 < 5 else 'over'} 5 s")
print(f"in time: exit {spawn_timed(['true'], timeout=5).rc}")
PY
rc=$?
[ "$rc" = 0 ] || echo "the scenarios failed: $(cat "$S/py.err")" >&2
# result KEY: the value printed after "KEY: ".
result() { sed -n "s/^$1: //p" "$S/results.txt"; }

t_an_early_failure_stays_counted() {
    check_eq "a failure in the first timed round, none later" "$(result "early failure")" \
        "['in.jpg'] in 1 pass(es), 3 timed"
    check_eq "the other tool's record is its own" "$(result "cp failures")" "[]"
}

t_the_pair_takes_even_rounds_and_turns() {
    check_eq "an odd number of rounds is refused" "$(result "odd rounds")" \
        "the large-photo pair needs an even number of rounds, not 3"
    check_eq "4 timed rounds each, the planted slow exifstrip run counted" "$(result pair)" \
        "rounds 4/4, planted slow run counted yes"
    # exifstrip: median 0.0138, 1.5x = 0.0207: 0.30 is slow, 0.0166 is not;
    # cp: median 0.0115, 1.5x = 0.01725: 0.0149 is not.
    check_eq "on fixed walls, only runs over 1.5x the median count as slow" "$(result "fixed walls")" \
        "slow exifstrip 1, slow cp 0, slowest 0.300, median 0.0138"
    check_eq "each goes first in two of the four" "$(result first)" "cp 2, exifstrip 2"
    check "a failed exifstrip run in a late round fails the bench" \
        grep -q '^late exifstrip failure: exifstrip failed on 1 file(s), e.g. in.jpg: exit 1' "$S/results.txt"
}

t_a_late_command_is_killed() {
    check_eq "a command past its timeout" "$(result timeout)" "sleep did not finish in time: killed after under 5 s"
    check_eq "a command within it" "$(result "in time")" "exit 0"
}

es_run t_an_early_failure_stays_counted
es_run t_a_late_command_is_killed
es_run t_the_pair_takes_even_rounds_and_turns
es_finish
