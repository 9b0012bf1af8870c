#!/usr/bin/env bash
# Installs what Mailwright needs on a Debian machine with Node 20, then builds it.
#   bash scripts/setup.sh          the server: redis-server (for the embedded Redis), npm packages, build
#   bash scripts/setup.sh --test   also what the tests use: swaks, fetchmail, curl, Python 3, mbsync, Dovecot (the
#                                  IMAP reference server), Go for building FerretDB
# Safe to re-run: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
[ "${1:-}" = "--test" ] && want_tests=true

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
if $want_tests; then
  command -v swaks >/dev/null || missing+=(swaks)
  command -v fetchmail >/dev/null || missing+=(fetchmail)
  command -v curl >/dev/null || missing+=(curl)
  command -v python3 >/dev/null || missing+=(python3)
  # The IMAP tests compare Mailwright's answers with Dovecot's (started with a scratch config).
  command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
  command -v mbsync >/dev/null || missing+=(isync)
  # The MongoDB adapter's tests build FerretDB 1.x with Go (scripts/ferretdb.sh); with MONGODB_URI
  # set they use that server instead and need no Go.
  if [ -z "${MONGODB_URI:-}" ] && ! command -v go >/dev/null && [ ! -x /usr/local/go/bin/go ]; then
    echo "setup: FerretDB needs Go >= 1.22 (https://go.dev/doc/install), or set MONGODB_URI to a MongoDB server" >&2
    exit 1
  fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} with apt-get"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
if $want_tests && [ -z "${MONGODB_URI:-}" ]; then
  bash scripts/ferretdb.sh build
fi
echo "setup: done"
