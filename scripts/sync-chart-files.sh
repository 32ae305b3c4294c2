#!/usr/bin/env bash
# Copies the project's alert rules and Grafana dashboards into the Helm chart, which can only read
# files inside itself (.Files.Get): dashboards/alerts.yaml -> helm/eventplatform/files/alerts.yaml,
# dashboards/*.json -> helm/eventplatform/files/dashboards/ (stale copies removed),
# dashboards/postgres-exporter-queries.yaml -> files/postgres-exporter-queries.yaml and
# dashboards/provisioning/datasources/prometheus.yaml -> files/grafana-datasource.yaml.
# scripts/check-deploy.sh fails while a copy differs from its original; run this, then commit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/dashboards"
DEST="$ROOT/helm/eventplatform/files"
mkdir -p "$DEST/dashboards"
# original (under dashboards/) -> copy (under the chart's files/)
copy_or_remove() {
  if [ -f "$SRC/$1" ]; then cp "$SRC/$1" "$DEST/$2"; else rm -f "$DEST/$2"; fi
}
copy_or_remove alerts.yaml alerts.yaml
copy_or_remove postgres-exporter-queries.yaml postgres-exporter-queries.yaml
copy_or_remove provisioning/datasources/prometheus.yaml grafana-datasource.yaml
for copy in "$DEST"/dashboards/*.json; do
  [ -e "$copy" ] || continue
  [ -f "$SRC/$(basename "$copy")" ] || rm -f "$copy"
done
for dashboard in "$SRC"/*.json; do
  [ -e "$dashboard" ] || continue
  cp "$dashboard" "$DEST/dashboards/"
done
echo "chart files in sync with dashboards/: $(find "$DEST" -type f | sed "s|$ROOT/||" | sort | tr '\n' ' ')"
