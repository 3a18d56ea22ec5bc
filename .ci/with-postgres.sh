#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server (.ci/postgres.sh) started first and stopped
# at the end, even when the command fails. Under CI=true a server that cannot start fails the
# run; elsewhere the command runs without one and the PostgreSQL tests skip with a loud message.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ -n "${APPMARKET_TEST_POSTGRES_URL:-}" ]]; then
  exec "$@"
fi
if exports=$("$here/postgres.sh" start); then
  eval "$exports"
  trap '"$here/postgres.sh" stop' EXIT INT TERM
elif [[ "${CI:-}" == "true" ]]; then
  echo "with-postgres.sh: the PostgreSQL test server did not start, and CI=true: failing" >&2
  exit 1
else
  echo "with-postgres.sh: WARNING: no PostgreSQL test server; the PostgreSQL tests will SKIP" >&2
fi
"$@"
