# Shared helpers for the service scripts. Sourced, not run.
# State (data, logs, pids, ports) lives under SYNCTOOLS_SERVICES_DIR; third-party npm packages under DEPS.
STATE=${SYNCTOOLS_SERVICES_DIR:-${TMPDIR:-/tmp}/synctools-services}
DEPS=${SYNCTOOLS_SERVICES_DEPS:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.deps}

log() { echo "[services] $*" >&2; }

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for NAME SECONDS COMMAND...: retry COMMAND every 0.2 s until it succeeds.
wait_for() {
  local name=$1 seconds=$2; shift 2
  local tries=$((seconds * 5))
  for _ in $(seq 1 "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "$name did not come up within ${seconds}s"; return 1
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid PIDFILE: TERM, wait up to 10 s, then KILL.
stop_pid() {
  local pidfile=$1
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

need_apt() { # need_apt PACKAGE...: install Debian packages that are missing
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} (apt)"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
