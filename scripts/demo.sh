#!/usr/bin/env bash
# npm run demo: generate a sample event file, ingest it into the default SQLite store, print the report.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data
node dist/cli/main.js generate --signals 5000 --duplicates 0.1 --out-of-order 0.05 --bad 0.01 -o data/sample-events.ndjson
node dist/cli/main.js ingest data/sample-events.ndjson
node dist/cli/main.js report
echo
echo "Records are in data/signals.db. Try: npm run signal-ledger -- signals list --status rejected --limit 5"
