#!/usr/bin/env bash
# MariaDB (Debian 10.11). Usage: mariadb.sh install|start|stop|env
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DIR=$STATE/mariadb
ROOTPW=${SYNCTOOLS_MARIADB_ROOT_PW:-synctools-root}
running() { [ -f "$DIR/port" ] && pid_alive "$DIR/mariadbd.pid"; }
client() { mariadb --no-defaults --socket="$DIR/mysqld.sock" -uroot "$@"; }
case "${1:-}" in
install)
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || need_apt mariadb-server mariadb-client
  id mysql >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin mysql ;;
start)
  running && exit 0
  port=$(free_port)
  rm -rf "$DIR"; mkdir -p "$DIR/data"; chown -R mysql: "$DIR"
  # --no-defaults: ignore /etc/mysql (pid file in /run/mysqld and the like).
  mariadb-install-db --no-defaults --user=mysql --datadir="$DIR/data" \
      --auth-root-authentication-method=normal --skip-test-db >"$DIR/install-db.log" 2>&1
  setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$DIR/data" \
      --socket="$DIR/mysqld.sock" --pid-file="$DIR/mariadbd.pid" --port="$port" --bind-address=127.0.0.1 \
      --log-error="$DIR/error.log" --skip-name-resolve --max-connections=300 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
      --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 </dev/null >/dev/null 2>&1 &
  wait_for mariadb 30 mariadb-admin --no-defaults --socket="$DIR/mysqld.sock" -uroot ping --silent
  # install-db made root@127.0.0.1 without a password; with --skip-name-resolve only that entry matches TCP logins.
  client <<SQL
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '$ROOTPW';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  echo "$port" > "$DIR/port"
  log "mariadb on 127.0.0.1:$port" ;;
stop)
  if pid_alive "$DIR/mariadbd.pid"; then
    client -e 'SHUTDOWN' >/dev/null 2>&1 || true
    wait_for "mariadb shutdown" 20 bash -c "! kill -0 $(cat "$DIR/mariadbd.pid") 2>/dev/null" || stop_pid "$DIR/mariadbd.pid"
  fi
  rm -f "$DIR/port" ;;
env)
  running && echo "export SYNCTOOLS_TEST_MYSQL='Server=127.0.0.1;Port=$(cat "$DIR/port");User ID=root;Password=$ROOTPW'" ;;
*) echo "usage: $0 install|start|stop|env" >&2; exit 2 ;;
esac
