#!/bin/sh
# Benchmark `cekops validate` on a synthetic repository (see BENCHMARKS.md).
#
#   scripts/bench.sh                      # 100 extensions, 1,000,000 sample utterances, 5 runs
#   scripts/bench.sh --runs 9 --fresh     # more runs; rebuild the synthetic repository
#   scripts/bench.sh --extensions 10 --utterances 100000
#
# Builds the release binary and the benchmark (`cargo bench` profile = release), generates the
# repository under target/bench-repo/ (reused while the parameters stay the same), then runs the
# real `cekops` binary as a user would and prints a Markdown table.
set -eu
cd "$(dirname "$0")/.."
exec cargo bench --bench validate -- "$@"
