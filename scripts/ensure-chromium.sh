#!/usr/bin/env bash
# The HTML report's browser test opens the page in Debian's headless Chromium. Installs it with apt-get when
# it is missing (as root, from Debian's packages); CHROMIUM_PATH names another Chromium and skips the install.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
if [ -n "${CHROMIUM_PATH:-}" ]; then echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2; exit 1; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "Chromium is missing: install Debian's package (sudo apt-get install chromium) or set CHROMIUM_PATH" >&2
  exit 1
fi
echo "installing Debian's chromium for the HTML report test" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
[ -x "$browser" ] || { echo "apt-get did not install $browser" >&2; exit 1; }
