#!/bin/sh
# Long soak of the randomized team simulation (tests/cli/team.rs, `test_team_simulation`):
# three clones of a bare server with the server hook, seeded random actions by three people,
# invariants checked after every step. Usage: scripts/soak.sh [FIRST-LAST] [STEPS]
# (default seeds 1-1000, 24 steps each). Prints the summary; a failure lists its seed and
# action log, replayable with CEKOPS_SIM_SEEDS=<seed> cargo test --test cli -- team::test_team_simulation
set -eu
cd "$(dirname "$0")/.."
seeds="${1:-1-1000}"
steps="${2:-24}"
report="$(mktemp)"
start=$(date +%s)
status=0
CEKOPS_SIM_SEEDS="$seeds" CEKOPS_SIM_STEPS="$steps" CEKOPS_SIM_REPORT="$report" \
    cargo test --quiet --test cli -- team::test_team_simulation --exact >/dev/null 2>&1 || status=$?
end=$(date +%s)
cat "$report"
echo "seeds $seeds, $steps steps, $((end - start)) s, exit $status"
rm -f "$report"
exit "$status"
