#!/usr/bin/env bash
# Check both ways of installing cekops that the README shows (issue 18):
#
#   cargo install --locked --path .                      # from a checkout of this repository
#   cargo install --locked --git <URL> cekops            # without one (the URL of a clone)
#
#   scripts/install-check.sh            # the commit checked out here (HEAD)
#   scripts/install-check.sh --rev REV
#
# It clones this repository at the commit into a temporary folder (only committed files count),
# installs from that clone with `--path`, then from `file://<clone>` with `--git` (the way any
# git URL is installed), each into its own `--root`, and checks that each installed `cekops`
# runs, names that commit in `--version`, and validates example-repo/.
# Both installs share one target folder (CARGO_TARGET_DIR, default: this repository's target/,
# so after `cargo test --release` the first install reuses its release build and the second only
# rebuilds the cekops crate itself). CI runs it (.ci/run).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rev=HEAD
while [ $# -gt 0 ]; do
  case "$1" in
    --rev) rev="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) printf 'error: unknown argument `%s` (see --help)\n' "$1" >&2; exit 2 ;;
  esac
done

commit="$(git -C "$here" rev-parse --verify "$rev^{commit}")"
short="${commit:0:12}"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/Cargo.toml" | head -n1)"
target="${CARGO_TARGET_DIR:-$here/target}"
mkdir -p "$target"
target="$(cd "$target" && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/cekops-install-check.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

git clone --quiet --no-checkout "$here" "$tmp/src"
git -C "$tmp/src" checkout --quiet --detach "$commit"
# `cargo install --git` wants a branch, tag or rev of a repository it can fetch.
git -C "$tmp/src" branch --quiet install-check "$commit"

check() {
  local how="$1" bin="$2/bin/cekops"
  [ -x "$bin" ] || { printf 'error: %s: no %s\n' "$how" "$bin" >&2; exit 1; }
  local v
  v="$("$bin" --version)"
  case "$v" in
    "cekops $version (commit $short"*) ;;
    *) printf 'error: %s: `cekops --version` says `%s`, not commit %s\n' "$how" "$v" "$short" >&2; exit 1 ;;
  esac
  "$bin" -C "$tmp/src" validate example-repo >/dev/null
  printf 'ok: %s -> %s\n' "$how" "$v"
}

printf '==> cargo install --locked --path <clone>\n' >&2
CARGO_TARGET_DIR="$target" cargo install --quiet --locked --path "$tmp/src" --root "$tmp/path-root"
check "cargo install --path" "$tmp/path-root"

printf '==> cargo install --locked --git file://<clone> --branch install-check cekops\n' >&2
CARGO_TARGET_DIR="$target" cargo install --quiet --locked --git "file://$tmp/src" \
  --branch install-check --root "$tmp/git-root" cekops
check "cargo install --git" "$tmp/git-root"
