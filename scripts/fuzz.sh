#!/bin/sh
# A longer fuzz run than the one in `cargo test`: mutated copies of every file kind through the
# real binary (see tests/cli/fuzz.rs). Prints the counts: inputs tried, panics, wrong exit codes.
#
#   scripts/fuzz.sh                 # 2,000 inputs, seed 1
#   scripts/fuzz.sh 20000 42        # 20,000 inputs, seed 42
set -eu
cd "$(dirname "$0")/.."
CEKOPS_FUZZ_CASES="${1:-2000}" CEKOPS_FUZZ_SEED="${2:-1}" \
  exec cargo test --test cli -- --exact fuzz::test_fuzz_every_file_kind_no_panic_documented_exit_codes --nocapture
