#!/usr/bin/env bash
# MongoDB-wire-compatible server: CongoDB from npm @push.rocks/smartmongo 2.2.0 (in memory, no auth).
# Usage: mongo.sh install|start|stop|env
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DIR=$STATE/mongo
PKG=$DEPS/congodb
INDEX=$PKG/smartmongo/package/dist_ts/congodb/index.js
running() { [ -f "$DIR/port" ] && pid_alive "$DIR/pid"; }
case "${1:-}" in
install)
  [ -f "$INDEX" ] && exit 0
  log "installing @push.rocks/smartmongo@2.2.0 and its dependencies (npm)"
  mkdir -p "$PKG"
  echo '{"name":"synctools-mongo-fixture","private":true,"type":"module"}' > "$PKG/package.json"
  # smartmongo's own install fails on a missing dependency: install what CongoDB imports, then
  # unpack smartmongo beside node_modules (a later npm install would prune it from inside).
  (cd "$PKG" && npm install --no-audit --no-fund --loglevel=error --ignore-scripts \
      @push.rocks/smartfs@1.5.0 @push.rocks/smartpath@6.0.0 @push.rocks/smartpromise@4.2.3 \
      @push.rocks/smartrx@3.0.10 bson@6.10.4 mingo@7.2.7 mongodb@7.9.0 >/dev/null \
    && rm -rf smartmongo && mkdir smartmongo \
    && tar -xzf "$(npm pack --silent @push.rocks/smartmongo@2.2.0)" -C smartmongo && rm -f ./*.tgz) ;;
start)
  running && exit 0
  port=$(free_port)
  rm -rf "$DIR"; mkdir -p "$DIR"
  PORT=$port CONGODB_INDEX=$INDEX setsid node "$(dirname "$0")/mongo-server.mjs" </dev/null >"$DIR/server.log" 2>&1 &
  echo $! > "$DIR/pid"
  wait_for mongo 20 port_open "$port" || { cat "$DIR/server.log" >&2; exit 1; }
  echo "$port" > "$DIR/port"
  log "congodb on 127.0.0.1:$port" ;;
stop)
  stop_pid "$DIR/pid"; rm -f "$DIR/port" ;;
env)
  # The official bson and mongodb npm packages installed beside CongoDB are the tests' reference implementation.
  # serverMonitoringMode=poll: CongoDB answers every hello at once with a new topologyVersion and ignores
  # maxAwaitTimeMS, so a driver's streaming monitor (the default) would send hello after hello without pause,
  # burning a core of the client and of CongoDB for as long as a client is open. MongoDB waits, and needs no such option.
  running && echo "export SYNCTOOLS_TEST_MONGO='mongodb://127.0.0.1:$(cat "$DIR/port")/?directConnection=true&serverMonitoringMode=poll'" \
    && echo "export SYNCTOOLS_TEST_NODE_MODULES='$PKG/node_modules'" ;;
*) echo "usage: $0 install|start|stop|env" >&2; exit 2 ;;
esac
