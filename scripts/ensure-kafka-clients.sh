#!/usr/bin/env bash
# The tests that produce with clients signal-ledger did not write, and the codec tests, use librdkafka's kcat,
# the lz4, zstd and gzip command-line tools, and Debian's Python 3 with python-snappy and confluent-kafka
# (librdkafka's Python client). Installs what is missing with apt-get (as root, from Debian's packages);
# otherwise says what to install.
set -euo pipefail
python=/usr/bin/python3
missing=()
for tool in kcat lz4 zstd gzip; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ -x "$python" ] || missing+=(python3)
{ [ -x "$python" ] && "$python" -c 'import snappy' 2>/dev/null; } || missing+=(python3-snappy)
{ [ -x "$python" ] && "$python" -c 'import confluent_kafka' 2>/dev/null; } || missing+=(python3-confluent-kafka)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing for the Kafka client tests: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing Debian's ${missing[*]} for the Kafka client tests" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
for tool in kcat lz4 zstd gzip; do command -v "$tool" >/dev/null || { echo "apt-get did not install $tool" >&2; exit 1; }; done
"$python" -c 'import snappy' || { echo "apt-get did not install python3-snappy" >&2; exit 1; }
"$python" -c 'import confluent_kafka' || { echo "apt-get did not install python3-confluent-kafka" >&2; exit 1; }
