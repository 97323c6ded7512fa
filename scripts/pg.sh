#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for the tests and benchmarks (issue 12):
# initdb in a fresh temporary directory owned by the postgres user, the
# server listening on a unix socket in that directory only (and on
# 127.0.0.1:ISOLOIR_PG_PORT when that is set), a database `isoloir` and a
# superuser role named after the caller (root), reached without a password.
# Trust is safe enough for a test cluster: the directory holding the socket
# is postgres's, mode 0700, so only root and postgres can reach it (the
# loopback port, when asked for, is open to every local user).
# fsync and synchronous_commit stay on: the tests check what a restart
# keeps.
#
#   eval "$(bash scripts/pg.sh start)"  # prints exports of ISOLOIR_PG_DIR and ISOLOIR_PG_URL
#   bash scripts/pg.sh restart [fast|immediate]
#                                       # stops the server of ISOLOIR_PG_DIR (fast: clients
#                                       # cut off, a clean shutdown; immediate: as a crash,
#                                       # recovery at start) and starts it on the same data
#   bash scripts/pg.sh status           # exit 0 when the server of ISOLOIR_PG_DIR runs
#   bash scripts/pg.sh stop             # stops it and deletes the directory; nothing to stop is fine
#
# ISOLOIR_PG_URL is a libpq URI, e.g. postgresql:///isoloir?host=/tmp/isoloir-pg.AbC123.
# Runs as root (the server runs as postgres). scripts/setup.sh installs postgresql.
set -euo pipefail

bin=/usr/lib/postgresql/15/bin
marker=.isoloir-pg # in every directory this script made, so that stop deletes only those

log() { printf '[pg] %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# as_postgres CMD...: CMD as the postgres user, from a directory it may read.
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

preflight() {
  [ "$(id -u)" = 0 ] || die "must run as root (the server runs as the postgres user)"
  [ -x "$bin/postgres" ] || die "no PostgreSQL 15 in $bin: install it with bash scripts/setup.sh"
  id postgres >/dev/null 2>&1 || die "no postgres user: install postgresql with bash scripts/setup.sh"
}

# The cluster directory named by ISOLOIR_PG_DIR, checked to be one of ours.
cluster_dir() {
  local dir=${ISOLOIR_PG_DIR:-}
  [ -n "$dir" ] || die "ISOLOIR_PG_DIR is not set: start a cluster with eval \"\$(bash scripts/pg.sh start)\""
  [ -f "$dir/$marker" ] || die "$dir is not a cluster made by scripts/pg.sh (no $marker)"
  printf '%s\n' "$dir"
}

running() { as_postgres "$bin/pg_ctl" status -D "$1/data" >/dev/null 2>&1; }

# server DIR: starts the server of DIR and waits until it accepts connections.
server_start() {
  if ! as_postgres "$bin/pg_ctl" start -D "$1/data" -l "$1/server.log" -w -t 60 >/dev/null; then
    log "the server did not start; the end of $1/server.log:"
    tail -n 20 "$1/server.log" >&2 || true
    exit 1
  fi
}

server_stop() { # DIR MODE
  running "$1" || return 0
  as_postgres "$bin/pg_ctl" stop -D "$1/data" -m "$2" -w -t 60 >/dev/null ||
    die "the server of $1 did not stop ($2)"
}

configure() { # DIR PORT
  local listen="''"
  [ -z "${ISOLOIR_PG_PORT:-}" ] || listen="'127.0.0.1'"
  cat >>"$1/data/postgresql.conf" <<EOF

# scripts/pg.sh
listen_addresses = $listen
port = $2
unix_socket_directories = '$1'
fsync = on
synchronous_commit = on
full_page_writes = on
# several servers, each with a few connections, in the multi-server tests
max_connections = 200
EOF
  # Trust on the socket (the directory is postgres's own); on the loopback
  # port only when one was asked for.
  {
    echo "local all all trust"
    [ -z "${ISOLOIR_PG_PORT:-}" ] || echo "host all all 127.0.0.1/32 trust"
  } >"$1/data/pg_hba.conf"
}

cmd_start() {
  preflight
  local port=${ISOLOIR_PG_PORT:-5432} dir user
  case "$port" in '' | *[!0-9]*) die "ISOLOIR_PG_PORT must be a port number, not '$port'" ;; esac
  user=$(id -un)
  dir=$(mktemp -d /tmp/isoloir-pg.XXXXXX)
  touch "$dir/$marker"
  chown postgres:postgres "$dir"
  chmod 0700 "$dir"
  # --no-sync: initdb's own files of a throw-away cluster need not reach the
  # disk; the server itself runs with fsync on.
  if ! as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    die "initdb failed"
  fi
  configure "$dir" "$port"
  server_start "$dir"
  local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres)
  if ! "${psql[@]}" -c "CREATE ROLE \"$user\" SUPERUSER LOGIN" -c "CREATE DATABASE isoloir OWNER \"$user\"" >&2; then
    ISOLOIR_PG_DIR=$dir cmd_stop
    die "could not create the role $user and the database isoloir"
  fi
  local url="postgresql:///isoloir?host=$dir"
  [ "$port" = 5432 ] || url="$url&port=$port"
  log "PostgreSQL 15 in $dir, socket in $dir${ISOLOIR_PG_PORT:+, 127.0.0.1:$port}; stop with: bash scripts/pg.sh stop"
  printf 'export ISOLOIR_PG_DIR=%q\nexport ISOLOIR_PG_URL=%q\n' "$dir" "$url"
}

cmd_restart() {
  preflight
  local mode=${1:-fast} dir
  case "$mode" in fast | immediate) ;; *) die "restart takes fast or immediate, not '$mode'" ;; esac
  dir=$(cluster_dir)
  server_stop "$dir" "$mode"
  server_start "$dir"
  log "restarted ($mode) $dir"
}

cmd_status() {
  local dir=${ISOLOIR_PG_DIR:-}
  if [ -n "$dir" ] && [ ! -d "$dir" ]; then
    log "no cluster: $dir is gone"
    return 3
  fi
  dir=$(cluster_dir)
  if running "$dir"; then
    log "running: $dir"
  else
    log "not running: $dir"
    return 3
  fi
}

cmd_stop() {
  local dir=${ISOLOIR_PG_DIR:-}
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    log "nothing to stop${dir:+ ($dir is gone)}"
    return 0
  fi
  preflight
  dir=$(cluster_dir)
  server_stop "$dir" fast
  rm -rf "$dir"
  log "stopped and deleted $dir"
}

case ${1:-} in
  start) cmd_start ;;
  restart) cmd_restart "${2:-}" ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  *)
    echo "usage: bash scripts/pg.sh start|restart [fast|immediate]|status|stop" >&2
    exit 2
    ;;
esac
