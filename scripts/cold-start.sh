#!/usr/bin/env bash
# The first ten minutes of a newcomer, measured (issue 18; figures in BENCHMARKS.md).
#
#   scripts/cold-start.sh                  # the commit checked out here (HEAD)
#   scripts/cold-start.sh --rev f9c84c4    # another commit, e.g. to measure "before"
#   scripts/cold-start.sh --keep           # keep the temporary clone (its path is printed)
#
# Clones this repository at the given commit into a temporary folder (a real `git clone`, so
# nothing of this work tree leaks in: no target/, no uncommitted files), then runs the two
# commands of the README's quick start there, one after the other, with an empty target folder,
# exactly as the README spells them (the first `cargo run …` and `cargo test …` lines of its
# "Quick start" block). For each it prints wall time, CPU time (user + sys, which other load on
# the machine distorts much less than wall time), peak memory of the largest process (the
# compiler or the linker) and the load average before and after; then the size of the release
# binary and of target/. Last, the second command once more, with nothing left to build: how much
# of it was running the tests (not counted in the total).
#
# Crates are downloaded first (`cargo fetch`, not timed): the figures are of building, not of the
# network. Cargo's shared caches (~/.cargo/registry) are reused; no build cache is (`RUSTC_WRAPPER`
# and `CARGO_TARGET_DIR` are unset for the run). Needs bash, git, cargo and GNU time
# (/usr/bin/time, package `time`); `--timings` adds cargo's per-crate HTML report of the first
# build to the kept clone.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rev=HEAD
keep=0
timings=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rev) rev="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --timings) timings=(--timings); keep=1; shift ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) printf 'error: unknown argument `%s` (see --help)\n' "$1" >&2; exit 2 ;;
  esac
done

for tool in git cargo du; do
  command -v "$tool" >/dev/null 2>&1 || { printf 'error: `%s` is not installed\n' "$tool" >&2; exit 1; }
done
if [ ! -x /usr/bin/time ] || ! /usr/bin/time -v true >/dev/null 2>&1; then
  printf 'error: GNU time is needed at /usr/bin/time (Debian/Ubuntu: apt-get install time)\n' >&2
  exit 1
fi

commit="$(git -C "$here" rev-parse --verify "$rev^{commit}")"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/cekops-cold-start.XXXXXX")"
cleanup() { if [ "$keep" = 1 ]; then printf 'kept: %s\n' "$tmp" >&2; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

clone="$tmp/cekops"
git clone --quiet --no-checkout "$here" "$clone"
git -C "$clone" checkout --quiet --detach "$commit"
cd "$clone"

# The two commands, as the README of that commit spells them.
quick_start="$(awk '/^## Quick start/{on=1; next} on && /^## /{exit} on' README.md)"
first="$(grep -m1 '^cargo run' <<<"$quick_start" || true)"
second="$(grep -m1 '^cargo test' <<<"$quick_start" || true)"
if [ -z "$first" ] || [ -z "$second" ]; then
  printf 'error: the README of %s has no `cargo run …` and `cargo test …` lines in its Quick start\n' "$commit" >&2
  exit 1
fi

unset CARGO_TARGET_DIR RUSTC_WRAPPER CARGO_BUILD_RUSTC_WRAPPER CARGO_BUILD_TARGET_DIR
export CARGO_TERM_COLOR=never
cargo fetch --quiet

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*load average: //'; }
fmt_s() { awk -v s="$1" 'BEGIN { printf "%dm%04.1fs", int(s / 60), s - 60 * int(s / 60) }'; }

rows=()
total_wall=0
total_cpu=0
step() {
  local name="$1" cmd="$2" label="$3" log="$tmp/$1.log" time_log="$tmp/$1.time" before after
  local extra=()
  if [ "$name" = first ]; then extra=("${timings[@]}"); fi
  before="$(load)"
  printf '==> %s\n' "$cmd" >&2
  # The README's words, run by bash (the `--timings` flag goes right after `cargo run`/`cargo test`).
  local words
  read -r -a words <<<"$cmd"
  if ! /usr/bin/time -v -o "$time_log" "${words[0]}" "${words[1]}" "${extra[@]}" "${words[@]:2}" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    printf 'error: `%s` failed (log: %s)\n' "$cmd" "$log" >&2
    keep=1
    exit 1
  fi
  after="$(load)"
  local wall user sys rss
  wall="$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$time_log")"
  user="$(awk -F': ' '/User time/ { print $2 }' "$time_log")"
  sys="$(awk -F': ' '/System time/ { print $2 }' "$time_log")"
  rss="$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$time_log")"
  local cpu
  cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
  if [ "$name" != again ]; then
    total_wall="$(awk -v a="$total_wall" -v b="$wall" 'BEGIN { print a + b }')"
    total_cpu="$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN { print a + b }')"
  fi
  rows+=("| $label | $(fmt_s "$wall") | $(fmt_s "$cpu") | $rss MiB | $before → $after |")
  printf '    done: wall %s, cpu %s, peak %s MiB\n' "$(fmt_s "$wall")" "$(fmt_s "$cpu")" "$rss" >&2
}

step first "$first" "\`$first\`"
step second "$second" "\`$second\`"
step again "$second" "of which running the tests (\`$second\` again, nothing to build)"

binary="target/release/cekops"
bin_size="missing"
[ -f "$binary" ] || binary="target/debug/cekops"
if [ -f "$binary" ]; then
  bin_size="$(awk -v b="$(wc -c <"$binary")" 'BEGIN { printf "%.1f MB", b / 1e6 }') ($binary)"
fi
target_size="$(du -sk target | awk '{ printf "%.2f GB", $1 * 1024 / 1e9 }')"
tests="$(grep -Eo '^test result: ok\. [0-9]+ passed' "$tmp/second.log" | awk '{ n += $4 } END { print n + 0 }')"

cat <<EOF

cold start of cekops $(git log -1 --format='%h (%cs)' "$commit") on $(nproc) cores, $(uname -m), $(rustc --version)

| command | wall | cpu (user+sys) | peak memory | load average before → after |
|---|---:|---:|---:|---|
${rows[0]}
${rows[1]}
${rows[2]}
| both | $(fmt_s "$total_wall") | $(fmt_s "$total_cpu") | | |

release binary: $bin_size · target/ after both: $target_size · tests passed: $tests
EOF
