#!/usr/bin/env bash
# The alert-rules test checks docs/alert-rules.yml with Prometheus's own promtool, from Debian's prometheus
# package: downloaded and unpacked into .cache/promtool (not installed, so no Prometheus service starts).
# Prints promtool's path. PROMTOOL names another promtool and skips the download.
set -euo pipefail
if [ -n "${PROMTOOL:-}" ]; then
  [ -x "$PROMTOOL" ] || { echo "PROMTOOL=$PROMTOOL is not an executable" >&2; exit 1; }
  echo "$PROMTOOL"; exit 0
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.cache/promtool"
tool="$dir/usr/bin/promtool"
if [ ! -x "$tool" ]; then
  command -v apt-get >/dev/null || { echo "promtool is missing and apt-get is not here: set PROMTOOL" >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "fetching Debian's prometheus package for promtool" >&2
  (cd "$work" && { apt-get download -q prometheus >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get download -q prometheus >/dev/null; }; })
  mkdir -p "$dir"
  dpkg-deb -x "$work"/prometheus_*.deb "$dir"
  [ -x "$tool" ] || { echo "the prometheus package holds no usr/bin/promtool" >&2; exit 1; }
fi
echo "$tool"
