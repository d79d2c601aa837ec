#!/usr/bin/env bash
# npm run demo: Kafka, topics, the worker on the default SQLite file, a published stream, the report (scripts/demo.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data
exec node scripts/demo.ts
