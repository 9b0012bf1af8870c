#!/usr/bin/env bash
# Builds FerretDB (1.x, SQLite backend, pure Go) into .cache/ferretdb/ for the test suite.
# Every Go directory lives under .cache/ so the build leaves nothing in $HOME; the build is skipped
# when the binary already exists.
#
# Usage: scripts/ferretdb.sh [build|path]
#   build  build the binary if missing (default)
#   path   print the binary's path, building it first if needed
set -euo pipefail

# v1.24.0 is the last 1.x release the Go module proxy serves (checked: v1.24.1 and v1.25.0 do not exist).
# 2.x needs PostgreSQL with DocumentDB, so 1.x with its SQLite handler is the one that runs standalone.
FERRETDB_VERSION="v1.24.0"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="$repo_root/.cache"
bin_dir="$cache_dir/ferretdb/$FERRETDB_VERSION"
binary="$bin_dir/ferretdb"

ensure_go() {
  if ! command -v go >/dev/null 2>&1; then
    export PATH="$PATH:/usr/local/go/bin"
  fi
  command -v go >/dev/null 2>&1 || { echo "ferretdb.sh: go not found (expected /usr/local/go/bin/go)" >&2; exit 1; }
}

build() {
  [[ -x "$binary" ]] && return 0
  # Test files may start in parallel on a fresh machine: one builds, the others wait for it.
  mkdir -p "$cache_dir/ferretdb"
  exec 9>"$cache_dir/ferretdb/.build.lock"
  flock 9
  [[ -x "$binary" ]] && return 0
  ensure_go
  export GOPATH="$cache_dir/go" GOMODCACHE="$cache_dir/go/pkg/mod" GOCACHE="$cache_dir/go-build" \
    GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-modcacherw -buildvcs=false"
  # Not `go install pkg@version`: it asks the proxy for the module's version list (to report
  # deprecation), which the proxy refuses here. And FerretDB's own main package panics at start
  # unless build/version/version.txt exists (its release tooling generates it), so the module
  # source is copied out of the module cache, given that file, and built as the main module.
  local src_dir="$cache_dir/ferretdb/src-$FERRETDB_VERSION"
  if [[ ! -f "$src_dir/build/version/version.txt" ]]; then
    local module_dir
    module_dir="$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [[ -d "$module_dir" ]] || { echo "ferretdb.sh: download of FerretDB $FERRETDB_VERSION failed" >&2; exit 1; }
    rm -rf "$src_dir"
    cp -r "$module_dir" "$src_dir"
    chmod -R u+w "$src_dir"
    echo "$FERRETDB_VERSION" >"$src_dir/build/version/version.txt"
  fi
  mkdir -p "$bin_dir"
  # Build output goes to stderr so `path` keeps stdout to the one line callers parse.
  echo "ferretdb.sh: building FerretDB $FERRETDB_VERSION (first run only, takes a few minutes)" >&2
  (
    cd "$src_dir"
    # Build to a temporary name and rename, so an interrupted build never leaves a binary that looks done.
    go build -trimpath -o "$binary.tmp" ./cmd/ferretdb >&2
    mv "$binary.tmp" "$binary"
  )
}

case "${1:-build}" in
  build) build ;;
  path) build; echo "$binary" ;;
  *) echo "usage: $0 [build|path]" >&2; exit 2 ;;
esac
