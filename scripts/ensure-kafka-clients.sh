#!/usr/bin/env bash
# The codec tests compress with tools that are not kafkajs: librdkafka's kcat, the lz4, zstd and gzip
# command-line tools, and python-snappy in Debian's Python 3. Installs what is missing with apt-get
# (as root, from Debian's packages); otherwise says what to install.
set -euo pipefail
python=/usr/bin/python3
missing=()
for tool in kcat lz4 zstd gzip; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ -x "$python" ] || missing+=(python3)
{ [ -x "$python" ] && "$python" -c 'import snappy' 2>/dev/null; } || missing+=(python3-snappy)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing for the codec tests: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing Debian's ${missing[*]} for the codec tests" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
for tool in kcat lz4 zstd gzip; do command -v "$tool" >/dev/null || { echo "apt-get did not install $tool" >&2; exit 1; }; done
"$python" -c 'import snappy' || { echo "apt-get did not install python3-snappy" >&2; exit 1; }
