#!/usr/bin/env bash
# S3-compatible server: npm s3rver 3.7.1 (credentials S3RVER/S3RVER). Usage: s3.sh install|start|stop|env
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DIR=$STATE/s3
PKG=$DEPS/s3rver
running() { [ -f "$DIR/port" ] && pid_alive "$DIR/pid"; }
case "${1:-}" in
install)
  [ -x "$PKG/node_modules/.bin/s3rver" ] && exit 0
  log "installing s3rver@3.7.1 (npm)"
  mkdir -p "$PKG"
  echo '{"name":"synctools-s3-fixture","private":true}' > "$PKG/package.json"
  (cd "$PKG" && npm install --no-audit --no-fund --loglevel=error s3rver@3.7.1 >/dev/null) ;;
start)
  running && exit 0
  port=$(free_port)
  rm -rf "$DIR"; mkdir -p "$DIR/data"
  setsid node "$PKG/node_modules/.bin/s3rver" -d "$DIR/data" -a 127.0.0.1 -p "$port" --no-vhost-buckets \
      </dev/null >"$DIR/s3rver.log" 2>&1 &
  echo $! > "$DIR/pid"
  wait_for s3rver 20 curl -fsS -o /dev/null "http://127.0.0.1:$port/"
  echo "$port" > "$DIR/port"
  log "s3rver on 127.0.0.1:$port" ;;
stop)
  stop_pid "$DIR/pid"; rm -f "$DIR/port" ;;
env)
  running && echo "export SYNCTOOLS_TEST_S3='http://127.0.0.1:$(cat "$DIR/port")'" ;;
*) echo "usage: $0 install|start|stop|env" >&2; exit 2 ;;
esac
