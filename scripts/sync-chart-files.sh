#!/usr/bin/env bash
# Copies the project's alert rules and Grafana dashboards into the Helm chart, which can only read
# files inside itself (.Files.Get): dashboards/alerts.yaml -> helm/eventplatform/files/alerts.yaml,
# dashboards/*.json -> helm/eventplatform/files/dashboards/ (stale copies removed).
# scripts/check-deploy.sh fails while a copy differs from its original; run this, then commit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/dashboards"
DEST="$ROOT/helm/eventplatform/files"
mkdir -p "$DEST/dashboards"
if [ -f "$SRC/alerts.yaml" ]; then
  cp "$SRC/alerts.yaml" "$DEST/alerts.yaml"
else
  rm -f "$DEST/alerts.yaml"
fi
for copy in "$DEST"/dashboards/*.json; do
  [ -e "$copy" ] || continue
  [ -f "$SRC/$(basename "$copy")" ] || rm -f "$copy"
done
for dashboard in "$SRC"/*.json; do
  [ -e "$dashboard" ] || continue
  cp "$dashboard" "$DEST/dashboards/"
done
echo "chart files in sync with dashboards/: $(find "$DEST" -type f | sed "s|$ROOT/||" | sort | tr '\n' ' ')"
