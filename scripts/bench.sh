#!/bin/sh
# Benchmark `cekops validate` on a synthetic repository (see BENCHMARKS.md).
#
#   scripts/bench.sh                      # 100 extensions, 1,000,000 sample utterances, 5 runs
#   scripts/bench.sh --runs 9 --fresh     # more runs; rebuild the synthetic repository
#   scripts/bench.sh --extensions 10 --utterances 100000
#   scripts/bench.sh --bin /path/to/old/cekops        # measure another binary instead
#   scripts/bench.sh --compare /path/to/old/cekops    # old and the new build, ratio old/new
#   scripts/bench.sh --bin OLD --bin NEW              # two given binaries, ratio old/new
#
# Builds the release binary and the benchmark (`cargo bench` profile = release), generates the
# repository under target/bench-repo/ (reused while the parameters stay the same), then runs the
# real `cekops` binary as a user would and prints a Markdown table. With two binaries their runs
# alternate per case, and a last table gives both medians and the ratio old/new per case.
set -eu
cd "$(dirname "$0")/.."
exec cargo bench --bench validate -- "$@"
