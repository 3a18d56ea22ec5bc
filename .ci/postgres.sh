#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests of `appmarket-postgres`.
#
#   eval "$(.ci/postgres.sh start)"   # installs Debian's postgresql when missing, initdb into a
#                                      # temporary directory, starts it on a loopback port and
#                                      # prints the exports below
#   .ci/postgres.sh stop              # stops it and removes the directory (APPMARKET_PG_DIR)
#
# Exports: APPMARKET_TEST_POSTGRES_URL (postgresql://appmarket:…@127.0.0.1:PORT/appmarket_test),
# APPMARKET_PG_DIR (data, socket and log), APPMARKET_PG_BIN (pg_ctl's directory) and
# APPMARKET_PG_USER (the OS user that owns the server; the fault tests restart it with pg_ctl).
# Everything but the exports goes to stderr.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$dir" && -x "$dir/pg_ctl" ]]; then
    echo "$dir"
  elif command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
  fi
}

# Runs a command as the server's OS user: initdb and postgres refuse to run as root.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local bin
  bin=$(pg_bin)
  if [[ -z "$bin" ]]; then
    log "PostgreSQL is missing: installing Debian's postgresql"
    if [[ $(id -u) -ne 0 ]]; then
      log "not root: install PostgreSQL yourself (apt-get install postgresql) and run again"
      exit 1
    fi
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin=$(pg_bin)
    [[ -n "$bin" ]] || { log "postgresql installed but pg_ctl not found"; exit 1; }
  fi
  if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres
  fi
  local dir owner password port
  dir=$(mktemp -d /tmp/appmarket-pg.XXXXXX)
  owner=$(id -un)
  if [[ $(id -u) -eq 0 ]]; then
    owner=postgres
    chown postgres: "$dir"
  fi
  chmod 700 "$dir"
  password="pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s\n' "$password" >"$dir/pwfile"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/pwfile"
  as_owner "$bin/initdb" -D "$dir/data" -U appmarket --pwfile="$dir/pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || as_owner "$bin/initdb" -D "$dir/data" -U appmarket --pwfile="$dir/pwfile" --auth-local=trust \
      --auth-host=scram-sha-256 --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  local started=""
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 20000))
    # In the configuration file (the last setting wins), so that a plain `pg_ctl start` after a
    # `pg_ctl stop` (the fault tests) comes back on the same address.
    printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nmax_connections = 200\n" \
      "$port" "$dir" >>"$dir/data/postgresql.conf"
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start </dev/null >&2; then
      started=yes
      break
    fi
    sleep 0.2
  done
  [[ -n "$started" ]] || { log "the server did not start:"; tail -n 20 "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/psql" -q -h "$dir" -p "$port" -U appmarket -d postgres \
    -c "CREATE DATABASE appmarket_test" >&2
  log "PostgreSQL $("$bin/pg_ctl" --version | awk '{print $3}') running on 127.0.0.1:$port (data in $dir)"
  echo "export APPMARKET_TEST_POSTGRES_URL='postgresql://appmarket:$password@127.0.0.1:$port/appmarket_test'"
  echo "export APPMARKET_PG_DIR='$dir'"
  echo "export APPMARKET_PG_BIN='$bin'"
  echo "export APPMARKET_PG_USER='$owner'"
}

stop() {
  local dir="${APPMARKET_PG_DIR:-}"
  if [[ -z "$dir" || ! -d "$dir" ]]; then
    log "no server to stop (APPMARKET_PG_DIR is not set)"
    return 0
  fi
  local bin
  bin="${APPMARKET_PG_BIN:-$(pg_bin)}"
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
  rm -rf "$dir"
  log "stopped and removed $dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
