#!/usr/bin/env bash
# The servers the tests, benchmarks and demo use, on 127.0.0.1 with free ports, data under a temp dir.
# Usage: services.sh install|start|stop|env [SERVICE...]   (default: pg mariadb s3 mongo)
#   install  installs what is missing (apt, npm; with no SERVICE also pwsh and Pester: powershell.sh); start runs install first
#   start    starts what is not running yet (safe to run twice), then prints the env lines
#   env      prints `export SYNCTOOLS_TEST_...=...` for the running services; eval it to use them
#   stop     stops them
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
cmd=${1:-}; shift || true
services=("$@"); [ ${#services[@]} -gt 0 ] || services=(pg mariadb s3 mongo)
case "$cmd" in
install) # the servers, and the pinned pwsh and Pester that run the Pester files
  for s in "${services[@]}"; do "$here/$s.sh" install; done
  [ $# -gt 0 ] || "$here/powershell.sh" install ;;
start)
  mkdir -p "$STATE"
  started=()
  # A start that fails half-way stops what it started, so nothing is left behind.
  trap 'status=$?; if [ $status -ne 0 ]; then for s in "${started[@]}"; do "$here/$s.sh" stop || true; done; fi' EXIT
  for s in "${services[@]}"; do "$here/$s.sh" install; done
  for s in "${services[@]}"; do "$here/$s.sh" start; started+=("$s"); done
  for s in "${services[@]}"; do "$here/$s.sh" env; done ;;
env) for s in "${services[@]}"; do "$here/$s.sh" env || true; done ;;
stop) for s in "${services[@]}"; do "$here/$s.sh" stop || true; done ;;
*) sed -n '2,8p' "$0" >&2; exit 2 ;;
esac
