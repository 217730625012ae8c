#!/usr/bin/env bash
# PostgreSQL 15 with wal_level=logical. Usage: pg.sh install|start|stop|env
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DIR=$STATE/pg
RUNAS=()
[ "$(id -u)" = 0 ] && RUNAS=(runuser -u postgres --)
running() { [ -f "$DIR/port" ] && "${RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; }
case "${1:-}" in
install)
  [ -x "$PG_BIN/initdb" ] || need_apt postgresql-15
  [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1 || useradd --system --shell /usr/sbin/nologin postgres ;;
start)
  running && exit 0
  port=$(free_port)
  rm -rf "$DIR"; mkdir -p "$DIR"
  echo postgres > "$DIR/pwfile"
  [ ${#RUNAS[@]} -gt 0 ] && chown -R postgres: "$DIR"
  # initdb refuses root, hence RUNAS; auth over TCP is scram-sha-256, like a real server.
  "${RUNAS[@]}" "$PG_BIN/initdb" -D "$DIR/data" -U postgres --pwfile="$DIR/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
  # Never synchronous_commit=off: logical decoding only sees flushed WAL.
  cat >> "$DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$DIR'
wal_level = logical
max_replication_slots = 20
max_wal_senders = 10
max_connections = 200
fsync = off
full_page_writes = off
CONF
  "${RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >/dev/null
  echo "$port" > "$DIR/port"
  log "postgres on 127.0.0.1:$port" ;;
stop)
  [ -d "$DIR/data" ] && "${RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -f "$DIR/port" ;;
env)
  running && echo "export SYNCTOOLS_TEST_PG='Host=127.0.0.1;Port=$(cat "$DIR/port");Username=postgres;Password=postgres;Database=postgres'" ;;
*) echo "usage: $0 install|start|stop|env" >&2; exit 2 ;;
esac
